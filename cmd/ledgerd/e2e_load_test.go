package main

// A load generator with a model, for the fault tests (crash under load, bus outage): workers
// write concurrently — creates, PATCHes, legal-address PUTs, billing-address POST/PUT/DELETE —
// each on customers of its own, so the model knows what every customer must look like after each
// acknowledged write. Every request carries its own X-Correlation-ID, which the stored events
// carry too: that ties each event to the one request that caused it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
)

// custModel is what a customer must look like.
type custModel struct {
	no      string
	version uint64
	email   string
	street  string // legal address street
	billing string // billing address street; "" when none
}

// writeOp is one write request and what came of it.
type writeOp struct {
	worker    int
	customer  string
	cid       string
	method    string
	path      string
	body      string
	eventType string // the one event it appends
	marker    string // a value the event's data must hold
	after     custModel

	status int // 0: no answer (the server died, or the connection broke)
	etag   string
	err    error
}

// acknowledged reports whether the client was told the write succeeded.
func (o *writeOp) acknowledged() bool { return o.status >= 200 && o.status < 300 }

// unknown reports whether the client cannot know whether the write happened.
func (o *writeOp) unknown() bool { return o.status == 0 || o.status == http.StatusServiceUnavailable }

func (o *writeOp) String() string {
	return fmt.Sprintf("%s %s (%s, customer %s) → %d %v", o.method, o.path, o.cid, o.customer, o.status, o.err)
}

// loadGen drives a server with workers and keeps the model.
type loadGen struct {
	t      *testing.T
	ledger string
	token  string
	client *http.Client
	tag    string // makes correlation ids and customer numbers unique per test

	mu        sync.Mutex
	customers map[string]*custModel // confirmed state
	owner     map[string]int        // customer → worker
	ops       map[string]*writeOp   // by correlation id: every write ever sent
	round     []*writeOp            // the writes of the current round
	nextNo    []int                 // per worker
	seq       int

	acked atomic.Int64 // writes acknowledged so far, by every run
}

func newLoadGen(t *testing.T, token string, workers int) *loadGen {
	return &loadGen{
		t: t, ledger: demoLedger, token: token, tag: strconv.Itoa(rand.IntN(900) + 100),
		client:    &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers * 2}},
		customers: map[string]*custModel{}, owner: map[string]int{}, ops: map[string]*writeOp{}, nextNo: make([]int, workers),
	}
}

// next picks worker w's next write from the model.
func (g *loadGen) next(w int, rnd *rand.Rand) *writeOp {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.seq++
	op := &writeOp{worker: w, cid: fmt.Sprintf("load-%s-%d-%d", g.tag, w, g.seq)}
	var mine []*custModel
	for no, c := range g.customers {
		if g.owner[no] == w {
			mine = append(mine, c)
		}
	}
	slices.SortFunc(mine, func(a, b *custModel) int { return strings.Compare(a.no, b.no) })
	n := g.seq
	if len(mine) < 2 || rnd.IntN(6) == 0 {
		g.nextNo[w]++
		no := fmt.Sprintf("%d%05d", w+1, g.nextNo[w])
		street := fmt.Sprintf("Lastgatan %d", n)
		op.customer, op.method, op.path, op.eventType = no, http.MethodPost, customersPath(g.ledger), domain.TypeCustomerCreated
		op.body = fmt.Sprintf(`{"customerNo":%q,"name":"Load Person %d","emailAddress":"p%d@example.se","legalAddress":{"addressee":"Load Person %d","streetAddress":%q,"city":"STOCKHOLM","zipCode":"11122","countryCode":"SE"}}`,
			no, n, n, n, street)
		op.marker = street
		op.after = custModel{no: no, version: 1, email: fmt.Sprintf("p%d@example.se", n), street: street}
		g.owner[no] = w
		return op
	}
	c := mine[rnd.IntN(len(mine))]
	op.customer, op.after = c.no, *c
	op.after.version++
	self := customersPath(g.ledger, c.no)
	switch k := rnd.IntN(4); {
	case k == 0:
		email := fmt.Sprintf("e%d@example.se", n)
		op.method, op.path, op.eventType, op.marker = http.MethodPatch, self, domain.TypeCustomerDetailsChanged, email
		op.body = fmt.Sprintf(`{"emailAddress":%q}`, email)
		op.after.email = email
	case k == 1:
		street := fmt.Sprintf("Nygatan %d", n)
		op.method, op.path, op.eventType, op.marker = http.MethodPut, self+"/legal-address", domain.TypeLegalAddressReplaced, street
		op.body = addressBody(street)
		op.after.street = street
	case c.billing == "":
		street := fmt.Sprintf("Fakturagatan %d", n)
		op.method, op.path, op.eventType, op.marker = http.MethodPost, self+"/billing-address", domain.TypeBillingAddressAdded, street
		op.body = addressBody(street)
		op.after.billing = street
	case k == 2:
		street := fmt.Sprintf("Fakturavägen %d", n)
		op.method, op.path, op.eventType, op.marker = http.MethodPut, self+"/billing-address", domain.TypeBillingAddressReplaced, street
		op.body = addressBody(street)
		op.after.billing = street
	default:
		op.method, op.path, op.eventType = http.MethodDelete, self+"/billing-address", domain.TypeBillingAddressRemoved
		op.after.billing = ""
	}
	return op
}

func addressBody(street string) string {
	return fmt.Sprintf(`{"addressee":"Load Person","streetAddress":%q,"city":"STOCKHOLM","zipCode":"11122","countryCode":"SE"}`, street)
}

// send sends a write and records what came of it.
func (g *loadGen) send(ctx context.Context, base string, op *writeOp) {
	g.mu.Lock()
	g.ops[op.cid] = op
	g.round = append(g.round, op)
	g.mu.Unlock()
	var body io.Reader
	if op.body != "" {
		body = strings.NewReader(op.body)
	}
	req, err := http.NewRequestWithContext(ctx, op.method, base+op.path, body)
	if err != nil {
		op.err = err
		return
	}
	if op.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+g.token)
	req.Header.Set(correlationHeader, op.cid)
	resp, err := g.client.Do(req)
	if err != nil {
		op.err = err
		return
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil { // the answer broke off: the client cannot know what happened
		op.err = err
		return
	}
	op.status, op.etag = resp.StatusCode, resp.Header.Get("ETag")
	if !op.acknowledged() && !op.unknown() {
		op.err = fmt.Errorf("answer %s", data)
	}
}

const correlationHeader = "X-Correlation-ID"

// run runs workers until ctx ends or, with stopOnError, until a write gets no answer. Each
// worker sends one write at a time. A write that is acknowledged updates the model at once; one
// whose outcome is unknown stops its worker (resolve settles it from the log). It returns the
// number of writes acknowledged.
func (g *loadGen) run(ctx context.Context, base string, workers int, stopOnError bool) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := 0
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for ctx.Err() == nil {
				op := g.next(w, rnd)
				g.send(context.Background(), base, op)
				switch {
				case op.acknowledged():
					g.confirm(op)
					mu.Lock()
					acked++
					mu.Unlock()
				case op.unknown() && stopOnError:
					g.forgetIfCreate(op)
					return
				case op.unknown():
					g.t.Errorf("write failed although it must not: %s", op)
					g.forgetIfCreate(op)
					return
				default:
					g.t.Errorf("write refused: %s", op)
					g.forgetIfCreate(op)
					return
				}
			}
		}()
	}
	wg.Wait()
	return acked
}

// awaitAcked returns once n more writes than now are acknowledged (bounded by the test's
// deadline: a load that stalled, not a slow machine, fails the test).
func (g *loadGen) awaitAcked(t *testing.T, n int64, what string) {
	t.Helper()
	want := g.acked.Load() + n
	await(t, fmt.Sprintf("%d writes acknowledged (%s), %d in all", n, what, want), func() (string, bool) {
		acked := g.acked.Load()
		return fmt.Sprintf("%d acknowledged", acked), acked >= want
	})
}

// confirm applies an acknowledged write to the model.
func (g *loadGen) confirm(op *writeOp) {
	defer g.acked.Add(1)
	g.mu.Lock()
	defer g.mu.Unlock()
	if want := strconv.Quote(strconv.FormatUint(op.after.version, 10)); op.etag != want {
		g.t.Errorf("%s: ETag %s, want %s (one event per write, one writer per customer)", op, op.etag, want)
	}
	after := op.after
	g.customers[op.customer] = &after
}

// forgetIfCreate: an unconfirmed create leaves no customer in the model until resolve finds it.
func (g *loadGen) forgetIfCreate(op *writeOp) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.customers[op.customer]; !ok {
		delete(g.owner, op.customer)
	}
}

// resolve checks this round's writes against the event log of a stopped server and settles the
// unknown ones: an acknowledged write is in the log, once, as the event it must be, at the version
// the client was told, holding the value it sent; a refused write left nothing; a write without
// answer left its one event or nothing (never part of it). No event is there that no request
// caused. It starts a new round.
func (g *loadGen) resolve(t *testing.T, events []eventstore.Event) (acked, applied, lost int) {
	t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	byCID := map[string][]eventstore.Event{}
	for _, e := range events {
		if _, ours := g.ops[e.CorrelationID]; !ours {
			t.Errorf("event %d (%s of %s, correlation id %q) was caused by no request of the test", e.Position, e.Type, e.Stream, e.CorrelationID)
			continue
		}
		byCID[e.CorrelationID] = append(byCID[e.CorrelationID], e)
	}
	for _, op := range g.round {
		evs := byCID[op.cid]
		switch {
		case op.acknowledged():
			acked++
			if len(evs) != 1 {
				t.Errorf("acknowledged write %s: %d events in the log, want 1", op, len(evs))
				continue
			}
			g.checkEvent(t, op, evs[0])
		case op.unknown() && len(evs) == 0:
			lost++
		case op.unknown() && len(evs) == 1:
			if g.checkEvent(t, op, evs[0]) {
				applied++
				op.after.version = evs[0].Version
				after := op.after
				g.customers[op.customer], g.owner[op.customer] = &after, op.worker
			}
		case op.unknown():
			t.Errorf("write without answer %s: %d events in the log, want 0 or 1", op, len(evs))
		default:
			if len(evs) != 0 {
				t.Errorf("refused write %s left %d events", op, len(evs))
			}
		}
	}
	for no, c := range g.customers {
		if got := uint64(len(streamEvents(events, g.ledger, no))); got != c.version {
			t.Errorf("customer %s: %d events in the log, the model says version %d", no, got, c.version)
		}
	}
	g.round = nil
	return acked, applied, lost
}

// checkEvent checks that e is the event op must have appended.
func (g *loadGen) checkEvent(t *testing.T, op *writeOp, e eventstore.Event) bool {
	t.Helper()
	ok := true
	if e.Type != op.eventType || e.Stream != domain.StreamName(g.ledger, op.customer) {
		t.Errorf("%s: the log holds %s of %s, want %s of customer %s", op, e.Type, e.Stream, op.eventType, op.customer)
		ok = false
	}
	if op.acknowledged() && strconv.Quote(strconv.FormatUint(e.Version, 10)) != op.etag {
		t.Errorf("%s: the event is at version %d, the client was told ETag %s", op, e.Version, op.etag)
		ok = false
	}
	if op.marker != "" && !bytes.Contains(e.Data, []byte(strconv.Quote(op.marker))) {
		t.Errorf("%s: the event's data %s lacks the value sent, %q", op, e.Data, op.marker)
		ok = false
	}
	return ok
}

// checkReadModel reads every customer of the model over HTTP (the read model) and compares.
func (g *loadGen) checkReadModel(t *testing.T, base string) {
	t.Helper()
	g.mu.Lock()
	want := make([]custModel, 0, len(g.customers))
	for _, c := range g.customers {
		want = append(want, *c)
	}
	g.mu.Unlock()
	s := &testServer{base: base, client: g.client}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, c := range want {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r := s.do(t, http.MethodGet, customersPath(g.ledger, c.no)+"?$expand=legaladdress,billingaddress", g.token, nil)
			if r.Status != http.StatusOK {
				t.Errorf("customer %s: %s", c.no, r)
				return
			}
			var got struct {
				EmailAddress string `json:"emailAddress"`
				LegalAddress struct {
					StreetAddress string `json:"streetAddress"`
				} `json:"legalAddress"`
				BillingAddress *struct {
					StreetAddress string `json:"streetAddress"`
				} `json:"billingAddress"`
			}
			if err := json.Unmarshal(r.Body, &got); err != nil {
				t.Errorf("customer %s: %v", c.no, err)
				return
			}
			billing := ""
			if got.BillingAddress != nil {
				billing = got.BillingAddress.StreetAddress
			}
			etag := strconv.Quote(strconv.FormatUint(c.version, 10))
			if got.EmailAddress != c.email || got.LegalAddress.StreetAddress != c.street || billing != c.billing || r.Header.Get("ETag") != etag {
				t.Errorf("customer %s: read model has ETag %s email %q street %q billing %q; want %s %q %q %q",
					c.no, r.Header.Get("ETag"), got.EmailAddress, got.LegalAddress.StreetAddress, billing, etag, c.email, c.street, c.billing)
			}
		}()
	}
	wg.Wait()
}

// personal returns the personal values the generator sent (names and streets).
func (g *loadGen) personal() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, op := range g.ops {
		if op.marker != "" && !strings.Contains(op.marker, "@") {
			out = append(out, op.marker)
		}
	}
	return out
}

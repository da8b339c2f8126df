package main

// Many clients on the same customers: what each client was told agrees with the event log, the
// read model and real time.

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
)

// histOp is one request of the history and what the client was told.
type histOp struct {
	client     int
	customer   string
	kind       string // "patch", "legal", "read"
	value      string // the e-mail or street a write set
	cid        string
	ifMatch    bool
	start, end time.Time
	status     int
	version    uint64 // from the ETag
	email      string // in the answer's body
	street     string // in the answer's body
}

func (o *histOp) String() string {
	return fmt.Sprintf("client %d %s %s %q (%s) → %d v%d", o.client, o.kind, o.customer, o.value, o.cid, o.status, o.version)
}

func (o *histOp) ok() bool { return o.status == http.StatusOK }

// TestE2ELinearizableWrites: 12 clients send 40 requests each — PATCHes (some with If-Match of
// what they last saw), legal-address PUTs and GETs — at 4 shared customers, all at once. Then:
//   - every write answered 2xx is exactly one event, at the version its ETag named, and its answer
//     shows the state at that version (its own value, not a later writer's); every write answered
//     409/412 left nothing; nothing else is in the log;
//   - every GET shows exactly the state the log has at the version its ETag names;
//   - real-time order holds: an operation that ended before another began has a lower or equal
//     version (strictly lower between writes): no client ever sees the past after the present.
func TestE2ELinearizableWrites(t *testing.T) {
	s := startServer(t)
	customers := []string{"8001", "8002", "8003", "8004"}
	for _, no := range customers {
		s.createCustomer(t, s.token, newCustomer(no, "Shared Customer"))
	}
	const clients, perClient = 12, 40
	var mu sync.Mutex
	var history []*histOp
	var wg sync.WaitGroup
	start := make(chan struct{})
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(c), 42))
			seen := map[string]string{} // customer → last ETag seen
			<-start
			for i := range perClient {
				op := &histOp{client: c, customer: customers[rnd.IntN(len(customers))], cid: fmt.Sprintf("lin-%d-%d", c, i)}
				self := customersPath(demoLedger, op.customer)
				var r *response
				headers := []string{correlationHeader, op.cid}
				op.start = time.Now()
				switch k := rnd.IntN(10); {
				case k < 4:
					op.kind, op.value = "patch", fmt.Sprintf("c%d-%d@example.se", c, i)
					if tag, ok := seen[op.customer]; ok && rnd.IntN(2) == 0 {
						op.ifMatch, headers = true, append(headers, "If-Match", tag)
					}
					r = s.do(t, http.MethodPatch, self, s.token, fmt.Sprintf(`{"emailAddress":%q}`, op.value), headers...)
				case k < 6:
					op.kind, op.value = "legal", fmt.Sprintf("Gata %d-%d", c, i)
					r = s.do(t, http.MethodPut, self+"/legal-address", s.token, addressBody(op.value), headers...)
				default:
					op.kind = "read"
					r = s.do(t, http.MethodGet, self+"?$expand=legaladdress", s.token, nil, headers...)
				}
				op.end, op.status = time.Now(), r.Status
				if tag := r.Header.Get("ETag"); tag != "" {
					op.version, _ = strconv.ParseUint(tag[1:len(tag)-1], 10, 64)
					seen[op.customer] = tag
				}
				if op.ok() {
					var body struct {
						EmailAddress  string          `json:"emailAddress"`
						StreetAddress string          `json:"streetAddress"` // legal-address PUT answers the address
						LegalAddress  json.RawMessage `json:"legalAddress"`  // a link unless expanded
					}
					var legal struct {
						StreetAddress string `json:"streetAddress"`
					}
					if err := json.Unmarshal(r.Body, &body); err != nil {
						t.Errorf("%s: %v", op, err)
					}
					if op.kind == "read" {
						if err := json.Unmarshal(body.LegalAddress, &legal); err != nil {
							t.Errorf("%s: legalAddress: %v", op, err)
						}
					}
					op.email, op.street = body.EmailAddress, legal.StreetAddress
					if op.kind == "legal" {
						op.street = body.StreetAddress
					}
				} else if r.Status != http.StatusConflict && r.Status != http.StatusPreconditionFailed {
					t.Errorf("%s: %s", op, r)
				}
				if r.Status == http.StatusPreconditionFailed && !op.ifMatch {
					t.Errorf("%s: 412 without If-Match", op)
				}
				mu.Lock()
				history = append(history, op)
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	s.stop(t)

	// The log: the state of each customer at each version.
	type state struct{ email, street string }
	states := map[string][]state{} // customer → state at version v (index v)
	byCID := map[string][]uint64{}
	for _, no := range customers {
		st := []state{{}}
		for _, e := range streamEvents(readEvents(t, s.dir), demoLedger, no) {
			cur := st[len(st)-1]
			ev, err := domain.DecodeEvent(e.Type, e.SchemaVersion, e.Data)
			if err != nil {
				t.Fatal(err)
			}
			switch ev := ev.(type) {
			case domain.CustomerCreated:
				cur = state{street: ev.LegalAddress.StreetAddress}
			case domain.CustomerDetailsChanged:
				if ev.Set.EmailAddress != nil {
					cur.email = *ev.Set.EmailAddress
				}
			case domain.LegalAddressReplaced:
				cur.street = ev.Address.StreetAddress
			default:
				t.Errorf("unexpected event %s", e.Type)
			}
			st = append(st, cur)
			byCID[e.CorrelationID] = append(byCID[e.CorrelationID], e.Version)
		}
		states[no] = st
	}

	writes, reads, refused := 0, 0, 0
	known := map[string]bool{}
	for _, op := range history {
		known[op.cid] = true
		vs := byCID[op.cid]
		switch {
		case op.kind != "read" && op.ok():
			writes++
			if len(vs) != 1 || vs[0] != op.version {
				t.Errorf("%s: events at versions %v, want one at the ETag's version", op, vs)
				continue
			}
			// A PATCH answers the customer (no addresses), a PUT the legal address.
			want := states[op.customer][op.version]
			if (op.kind == "patch" && (op.email != want.email || op.email != op.value)) || (op.kind == "legal" && (op.street != want.street || op.street != op.value)) {
				t.Errorf("%s: answered email %q street %q, the log at v%d has %q %q", op, op.email, op.street, op.version, want.email, want.street)
			}
		case op.kind != "read":
			refused++
			if len(vs) != 0 {
				t.Errorf("%s: refused, but left events at versions %v", op, vs)
			}
		default:
			reads++
			if op.version == 0 || op.version >= uint64(len(states[op.customer])) {
				t.Errorf("%s: version beyond the log", op)
				continue
			}
			if want := states[op.customer][op.version]; op.email != want.email || op.street != want.street {
				t.Errorf("%s: read email %q street %q, the log at v%d has %q %q", op, op.email, op.street, op.version, want.email, want.street)
			}
		}
	}
	for cid := range byCID {
		if !known[cid] && len(cid) > 4 && cid[:4] == "lin-" {
			t.Errorf("events of correlation id %s that no request had", cid)
		}
	}
	// Real time: if a ended before b began, a's version ≤ b's (strictly less if both are writes).
	violations := 0
	for _, a := range history {
		for _, b := range history {
			if a == b || a.customer != b.customer || !a.ok() || !b.ok() || !a.end.Before(b.start) {
				continue
			}
			bothWrites := a.kind != "read" && b.kind != "read"
			if a.version > b.version || (bothWrites && a.version == b.version) || (b.kind != "read" && a.version >= b.version) {
				violations++
				if violations <= 5 {
					t.Errorf("real-time order violated: %s ended before %s began", a, b)
				}
			}
		}
	}
	t.Logf("%d writes acknowledged, %d refused (409/412), %d reads; %d real-time violations", writes, refused, reads, violations)
	if writes == 0 || reads == 0 {
		t.Fatal("the history has no acknowledged write or no read")
	}
}

package httpapi_test

// The list routes against a model: random writes by several actors with several correlation ids
// over real HTTP, then every list (the ledger's events with each filter, a customer's trail, its
// surpluses, time travel) walked in pages of random sizes and compared with what the model says
// they hold. Run with -seed to repeat a run (the seed is logged).

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
)

var listSeed = flag.Uint64("seed", 0, "seed of the list model tests (0: a random one)")

// listClient sends requests as one actor.
type listClient struct {
	h     *harness
	token string
}

func (h *harness) clientAs(t *testing.T, subject string) listClient {
	t.Helper()
	tok, err := auth.MintHS256(testSecret, auth.Claims{Subject: subject, Ledgers: []string{"1000"}, Scopes: auth.AllScopes, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return listClient{h: h, token: tok}
}

func (c listClient) send(t testing.TB, method, path, corr, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, c.h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if corr != "" {
		req.Header.Set("X-Correlation-ID", corr)
	}
	resp, err := c.h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 {
		t.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, string(b)
}

type listItem struct {
	Stream        string          `json:"stream"`
	Position      uint64          `json:"position"`
	Version       uint64          `json:"version"`
	Type          string          `json:"type"`
	Time          string          `json:"time"`
	Actor         string          `json:"actor"`
	CorrelationID string          `json:"correlationId"`
	SurplusID     string          `json:"surplusId"`
	Status        string          `json:"status"`
	Balance       json.Number     `json:"balance"`
	Data          json.RawMessage `json:"data"`
}

type listPage struct {
	Items      []listItem        `json:"items"`
	Navigation map[string]string `json:"navigation"`
}

// walk follows next links from path and returns every item.
func (c listClient) walk(t testing.TB, path string) []listItem {
	t.Helper()
	var all []listItem
	for i := 0; path != ""; i++ {
		if i > 2000 {
			t.Fatalf("more than 2000 pages from %s", path)
		}
		code, body := c.send(t, http.MethodGet, path, "", "")
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		var p listPage
		d := json.NewDecoder(strings.NewReader(body))
		d.UseNumber()
		if err := d.Decode(&p); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		if p.Items == nil {
			t.Fatalf("GET %s: no items array: %s", path, body)
		}
		all = append(all, p.Items...)
		path = p.Navigation["next"]
	}
	return all
}

// walkETags is walk that also returns the ETag of each page.
func (c listClient) walkETags(t testing.TB, path string) ([]listItem, []string) {
	t.Helper()
	var all []listItem
	var etags []string
	for i := 0; path != ""; i++ {
		if i > 2000 {
			t.Fatalf("more than 2000 pages from %s", path)
		}
		req, _ := http.NewRequest(http.MethodGet, c.h.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := c.h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var p listPage
		d := json.NewDecoder(resp.Body)
		d.UseNumber()
		err = d.Decode(&p)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		all, etags = append(all, p.Items...), append(etags, resp.Header.Get("ETag"))
		path = p.Navigation["next"]
	}
	return all, etags
}

// The model.
type modelEvent struct {
	stream, typ, actor, corr string
	version                  uint64
	time                     time.Time // learnt from the full listing once it matched the model
}

type modelSurplus struct {
	id, status string
	balance    int64 // öre
	settled    int64
}

type modelCustomer struct {
	no        string
	email     []string // after each version (index version-1)
	billing   bool
	surpluses []*modelSurplus
}

func (m *modelCustomer) version() uint64 { return uint64(len(m.email)) }

func (m *modelCustomer) current() []*modelSurplus {
	var out []*modelSurplus
	for _, s := range m.surpluses {
		if s.status != "depleted" {
			out = append(out, s)
		}
	}
	return out
}

type listModel struct {
	events    []*modelEvent
	customers []*modelCustomer
}

func (m *listModel) record(c *modelCustomer, typ, actor, corr string, email string) {
	c.email = append(c.email, email)
	m.events = append(m.events, &modelEvent{stream: "1000/customers/" + c.no, typ: typ, actor: actor, corr: corr, version: c.version()})
}

func money(ore int64) string { return fmt.Sprintf("%d.%02d", ore/100, ore%100) }

// Correlation ids and actors with characters a query string must encode.
var (
	listActors = []string{"alice@example.se", "svc:billing", "bob b", "x+y&z=1"}
	listCorrs  = []string{"", "ticket-4711", "a+b&c=d", "x%41", "a/b?c#d;e"}
)

// step makes one random write and records what the model expects of it.
func (m *listModel) step(t *testing.T, rng *rand.Rand, clients map[string]listClient, n *int) {
	actor := listActors[rng.IntN(len(listActors))]
	corr := listCorrs[rng.IntN(len(listCorrs))]
	cl := clients[actor]
	if len(m.customers) == 0 || (len(m.customers) < 5 && rng.IntN(8) == 0) {
		no := strconv.Itoa(100 + len(m.customers))
		body := fmt.Sprintf(`{"customerNo":%q,"name":"Åsa Öst %s","legalAddress":{"addressee":"Å","city":"Umeå","zipCode":"90325","countryCode":"SE"}}`, no, no)
		code, resp := cl.send(t, http.MethodPost, "/ledger/customer/v1/1000/customers", corr, body)
		if code != http.StatusCreated {
			t.Fatalf("create %s: %d %s", no, code, resp)
		}
		c := &modelCustomer{no: no}
		m.customers = append(m.customers, c)
		m.record(c, "CustomerCreated", actor, corr, "")
		return
	}
	c := m.customers[rng.IntN(len(m.customers))]
	p := "/ledger/customer/v1/1000/customers/" + c.no
	email := c.email[len(c.email)-1]
	expect := func(what string, code int, ok bool, resp string) bool {
		t.Helper()
		if (code >= 200 && code < 300) != ok {
			t.Fatalf("%s on %s: %d %s; the model expects success %v", what, c.no, code, resp, ok)
		}
		return ok
	}
	pick := func() *modelSurplus {
		cur := c.current()
		if len(cur) == 0 {
			return nil
		}
		return cur[rng.IntN(len(cur))]
	}
	switch rng.IntN(8) {
	case 0: // e-mail: sometimes the same (no event)
		e := []string{"a@example.se", "b@example.se", "c@example.se"}[rng.IntN(3)]
		code, resp := cl.send(t, http.MethodPatch, p, corr, fmt.Sprintf(`{"emailAddress":%q}`, e))
		expect("patch", code, true, resp)
		if e != email {
			m.record(c, "CustomerDetailsChanged", actor, corr, e)
		}
	case 1:
		code, resp := cl.send(t, http.MethodPost, p+"/billing-address", corr, `{"addressee":"B","city":"Luleå","zipCode":"97231","countryCode":"SE"}`)
		if expect("add billing", code, !c.billing, resp) {
			c.billing = true
			m.record(c, "BillingAddressAdded", actor, corr, email)
		}
	case 2:
		code, resp := cl.send(t, http.MethodDelete, p+"/billing-address", corr, "")
		if expect("remove billing", code, c.billing, resp) {
			c.billing = false
			m.record(c, "BillingAddressRemoved", actor, corr, email)
		}
	case 3, 4:
		*n++
		id := "S" + strconv.Itoa(*n)
		dup := len(c.surpluses) > 0 && rng.IntN(5) == 0
		if dup { // the same id in other case: taken, depleted or not
			id = strings.ToLower(c.surpluses[rng.IntN(len(c.surpluses))].id)
		}
		bal := int64(100 + rng.IntN(10000))
		code, resp := cl.send(t, http.MethodPost, p+"/surpluses", corr, fmt.Sprintf(`{"surplusId":%q,"balance":%s,"currency":"SEK"}`, id, money(bal)))
		if expect("register "+id, code, !dup, resp) {
			c.surpluses = append(c.surpluses, &modelSurplus{id: id, status: "open", balance: bal})
			m.record(c, "SurplusRegistered", actor, corr, email)
		}
	case 5:
		s := pick()
		if s == nil {
			return
		}
		amount := s.balance
		body := ""
		if rng.IntN(2) == 0 && s.balance > 1 {
			amount = 1 + rng.Int64N(s.balance-1)
			body = fmt.Sprintf(`{"amount":%s}`, money(amount))
		}
		code, resp := cl.send(t, http.MethodPost, p+"/surpluses/"+s.id+"/settle", corr, body)
		if expect("settle "+s.id, code, s.status == "open", resp) {
			s.status, s.settled = "pending-regulate", amount
			m.record(c, "SurplusSettled", actor, corr, email)
		}
	case 6:
		s := pick()
		if s == nil {
			return
		}
		code, resp := cl.send(t, http.MethodPost, p+"/surpluses/"+s.id+"/confirm-regulation", corr, "")
		if expect("confirm "+s.id, code, s.status == "pending-regulate", resp) {
			s.balance -= s.settled
			s.settled, s.status = 0, "open"
			if s.balance == 0 {
				s.status = "depleted"
			}
			m.record(c, "SurplusRegulated", actor, corr, email)
		}
	case 7:
		s := pick()
		if s == nil {
			return
		}
		if s.status == "pending-disbursement" {
			code, body := cl.send(t, http.MethodGet, p+"/surpluses/"+s.id+"/active-disbursement-orders", "", "")
			var l listPage
			if code != http.StatusOK || json.Unmarshal([]byte(body), &l) != nil || len(l.Items) != 1 {
				t.Fatalf("orders of %s: %d %s", s.id, code, body)
			}
			var o struct {
				ID string `json:"@id"`
			}
			var raw []map[string]any
			json.Unmarshal([]byte(body[strings.Index(body, "["):strings.LastIndex(body, "]")+1]), &raw)
			o.ID, _ = raw[0]["@id"].(string)
			code, resp := cl.send(t, http.MethodPost, o.ID+"/complete", corr, "")
			expect("complete "+s.id, code, true, resp)
			s.status, s.balance = "depleted", 0
			m.record(c, "DisbursementCompleted", actor, corr, email)
			return
		}
		code, resp := cl.send(t, http.MethodPost, p+"/surpluses/"+s.id+"/active-disbursement-orders", corr, `{"norwegianBankAccount":{"accountNo":"86011117947"}}`)
		if expect("order "+s.id, code, s.status == "open", resp) {
			s.status = "pending-disbursement"
			m.record(c, "DisbursementOrdered", actor, corr, email)
		}
	}
}

func listRand(t *testing.T) *rand.Rand {
	seed := *listSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (-seed to repeat)", seed)
	return rand.New(rand.NewPCG(seed, seed))
}

// TestListsEqualModel: after random writes, the ledger's events (unfiltered and by each filter
// and time window, the window's edges on events' exact instants), each customer's trail, its
// surpluses and its past states are what the model built from the same writes says, walked in
// pages of random sizes; the navigation ends where the list does.
func TestListsEqualModel(t *testing.T) {
	h := buildHarness(t, true)
	h.t = t
	rng := listRand(t)
	clients := map[string]listClient{}
	for _, a := range listActors {
		clients[a] = h.clientAs(t, a)
	}
	auditor := clients[listActors[0]]
	m := &listModel{}
	n := 0
	for range 150 {
		m.step(t, rng, clients, &n)
	}
	// One customer more, forgotten: its events stay listed (their personal members erased),
	// its past states are gone (410).
	forgotten := &modelCustomer{no: "199"}
	for _, st := range []struct{ method, path, body, typ, email string }{
		{http.MethodPost, "/ledger/customer/v1/1000/customers", `{"customerNo":"199","name":"Åke Ärlig","legalAddress":{"addressee":"Å","city":"Malmö","zipCode":"21119","countryCode":"SE"}}`, "CustomerCreated", ""},
		{http.MethodPatch, "/ledger/customer/v1/1000/customers/199", `{"emailAddress":"ake@example.se"}`, "CustomerDetailsChanged", "ake@example.se"},
		{http.MethodPost, "/ledger/customer/v1/1000/customers/199/forget", "", "CustomerForgotten", "ake@example.se"},
	} {
		if code, resp := auditor.send(t, st.method, st.path, "ticket-4711", st.body); code >= 300 {
			t.Fatalf("%s %s: %d %s", st.method, st.path, code, resp)
		}
		m.record(forgotten, st.typ, listActors[0], "ticket-4711", st.email)
	}
	m.customers = append(m.customers, forgotten)
	// The first customer's identity is protected now: an auditor without the population-register
	// scope gets its events, all of them, without data.
	protected := m.customers[0]
	if code, resp := auditor.send(t, http.MethodPatch, "/ledger/customer/v1/1000/customers/"+protected.no, "", `{"protectedIdentity":true}`); code != http.StatusOK {
		t.Fatalf("protect %s: %d %s", protected.no, code, resp)
	}
	m.record(protected, "CustomerDetailsChanged", listActors[0], "", protected.email[len(protected.email)-1])
	const ev = "/ledger/customer/v1/1000/events"

	// The whole log, in pages of random size, is the model's events in order.
	all := auditor.walk(t, ev+"?limit="+strconv.Itoa(1+rng.IntN(9)))
	if len(all) != len(m.events) {
		t.Fatalf("/events lists %d events; the model holds %d", len(all), len(m.events))
	}
	for i, it := range all {
		e := m.events[i]
		if it.Position != uint64(i+1) || it.Stream != e.stream || it.Type != e.typ || it.Actor != e.actor || it.Version != e.version ||
			(e.corr != "" && it.CorrelationID != e.corr) {
			t.Fatalf("event %d: %+v; the model has %+v", i+1, it, *e)
		}
		if e.corr == "" {
			e.corr = it.CorrelationID // generated
		}
		tm, err := time.Parse(time.RFC3339Nano, it.Time)
		if err != nil {
			t.Fatal(err)
		}
		e.time = tm
	}

	tok, err := auth.MintHS256(testSecret, auth.Claims{Subject: "auditor", Ledgers: []string{"1000"}, Scopes: []string{auth.ScopeAuditRead}, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	restricted := listClient{h: h, token: tok}
	for i, it := range restricted.walk(t, ev+"?limit="+strconv.Itoa(1+rng.IntN(9))) {
		hidden := string(it.Data) == "null"
		if it.Position != uint64(i+1) || hidden != (it.Stream == "1000/customers/"+protected.no) {
			t.Errorf("/events without the population-register scope: position %d of %s has data %.80s", it.Position, it.Stream, it.Data)
		}
	}

	// Filters, alone and together, and time windows with their edges on events' instants.
	type filter struct {
		q    url.Values
		keep func(e *modelEvent) bool
	}
	var filters []filter
	at := func() time.Time { return m.events[rng.IntN(len(m.events))].time }
	for range 40 {
		f := filter{q: url.Values{}, keep: func(*modelEvent) bool { return true }}
		add := func(name, value string, keep func(e *modelEvent) bool) {
			f.q.Set(name, value)
			prev := f.keep
			f.keep = func(e *modelEvent) bool { return prev(e) && keep(e) }
		}
		if rng.IntN(3) == 0 {
			typ := m.events[rng.IntN(len(m.events))].typ
			sent := typ
			if rng.IntN(2) == 0 {
				sent = strings.ToLower(typ)
			}
			add("type", sent, func(e *modelEvent) bool { return e.typ == typ })
		}
		if rng.IntN(3) == 0 {
			a := listActors[rng.IntN(len(listActors))]
			add("actor", a, func(e *modelEvent) bool { return e.actor == a })
		}
		if rng.IntN(3) == 0 {
			corr := m.events[rng.IntN(len(m.events))].corr
			add("correlationId", corr, func(e *modelEvent) bool { return e.corr == corr })
		}
		shift := []time.Duration{0, 0, -time.Nanosecond, time.Nanosecond}
		var since, until time.Time
		if rng.IntN(2) == 0 {
			since = at().Add(shift[rng.IntN(len(shift))])
			add("since", since.In(time.FixedZone("", 3600*(rng.IntN(5)-2))).Format(time.RFC3339Nano), func(e *modelEvent) bool { return !e.time.Before(since) })
		}
		if rng.IntN(2) == 0 {
			until = at().Add(shift[rng.IntN(len(shift))])
			if !since.IsZero() && !since.Before(until) {
				until = since.Add(time.Nanosecond)
			}
			add("until", until.Format(time.RFC3339Nano), func(e *modelEvent) bool { return e.time.Before(until) })
		}
		if rng.IntN(3) == 0 {
			from := uint64(1 + rng.IntN(len(m.events)+2))
			add("fromPosition", strconv.FormatUint(from, 10), func(e *modelEvent) bool {
				return uint64(slices.Index(m.events, e)+1) >= from
			})
		}
		filters = append(filters, f)
	}
	for _, f := range filters {
		q := f.q.Encode()
		if rng.IntN(2) == 0 {
			q += "&limit=" + strconv.Itoa(1+rng.IntN(6))
		}
		got := auditor.walk(t, ev+"?"+q)
		var want []string
		for i, e := range m.events {
			if f.keep(e) {
				want = append(want, strconv.Itoa(i+1))
			}
		}
		var gotPos []string
		for _, it := range got {
			gotPos = append(gotPos, strconv.FormatUint(it.Position, 10))
		}
		if !slices.Equal(gotPos, want) {
			t.Errorf("/events?%s: positions %v; the model selects %v", q, gotPos, want)
		}
	}

	for _, c := range m.customers {
		p := "/ledger/customer/v1/1000/customers/" + c.no
		// The trail, from a random version in pages of random size.
		from := uint64(1 + rng.IntN(int(c.version())+1))
		trail := auditor.walk(t, fmt.Sprintf("%s/events?fromVersion=%d&limit=%d", p, from, 1+rng.IntN(5)))
		var want []*modelEvent
		for _, e := range m.events {
			if e.stream == "1000/customers/"+c.no && e.version >= from {
				want = append(want, e)
			}
		}
		if len(trail) != len(want) {
			t.Errorf("%s/events?fromVersion=%d: %d events; the model has %d", p, from, len(trail), len(want))
		} else {
			for i, it := range trail {
				if it.Version != want[i].version || it.Type != want[i].typ || it.Actor != want[i].actor || it.CorrelationID != want[i].corr {
					t.Errorf("%s/events: %+v; the model has %+v", p, it, *want[i])
				}
			}
		}
		if c == forgotten {
			for _, q := range []string{"", "/surpluses", "?asOfVersion=1", "?asOf=" + url.QueryEscape(m.events[len(m.events)-1].time.Format(time.RFC3339Nano))} {
				if code, body := auditor.send(t, http.MethodGet, p+q, "", ""); code != http.StatusGone {
					t.Errorf("%s%s of a forgotten customer: %d %s; want 410", p, q, code, body)
				}
			}
			continue
		}
		// The surpluses, in pages of random size: registration order, depleted ones gone.
		var wantS []string
		for _, s := range c.current() {
			wantS = append(wantS, s.id+" "+s.status+" "+money(s.balance))
		}
		skip := rng.IntN(3)
		var gotS []string
		for _, it := range auditor.walk(t, fmt.Sprintf("%s/surpluses?skip=%d&take=%d", p, skip, 1+rng.IntN(4))) {
			gotS = append(gotS, it.SurplusID+" "+it.Status+" "+it.Balance.String())
		}
		if !slices.Equal(gotS, wantS[min(skip, len(wantS)):]) {
			t.Errorf("%s/surpluses?skip=%d: %v; the model has %v", p, skip, gotS, wantS[min(skip, len(wantS)):])
		}
		// Past states: at each version, and at its event's instant (inclusive) and just before.
		for v := uint64(1); v <= c.version(); v++ {
			var e *modelEvent
			for _, x := range m.events {
				if x.stream == "1000/customers/"+c.no && x.version == v {
					e = x
				}
			}
			for _, q := range []string{"asOfVersion=" + strconv.FormatUint(v, 10), "asOf=" + url.QueryEscape(e.time.Format(time.RFC3339Nano))} {
				code, body := auditor.send(t, http.MethodGet, p+"?"+q, "", "")
				var got struct {
					Email string `json:"emailAddress"`
				}
				if code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil || got.Email != c.email[v-1] {
					t.Errorf("%s?%s: %d %s; the model's e-mail then is %q", p, q, code, body, c.email[v-1])
				}
			}
			q := "asOf=" + url.QueryEscape(e.time.Add(-time.Nanosecond).Format(time.RFC3339Nano))
			code, body := auditor.send(t, http.MethodGet, p+"?"+q, "", "")
			var got struct {
				Email string `json:"emailAddress"`
			}
			switch {
			case v == 1 && code != http.StatusNotFound:
				t.Errorf("%s?%s (before its creation): %d %s; want 404", p, q, code, body)
			case v > 1 && (code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil || got.Email != c.email[v-2]):
				t.Errorf("%s?%s: %d %s; the model's e-mail then is %q", p, q, code, body, c.email[v-2])
			}
		}
	}
}

// TestListWalksUnderWrites: walking a list page by page while other clients write (and forget
// customers) never lists an item twice, nor leaves out one that was in the list for the whole
// walk — the ledger's events (with and without a filter), a customer's trail and its surpluses
// (while others of its surpluses are paid out and new ones registered).
func TestListWalksUnderWrites(t *testing.T) {
	h := buildHarness(t, true)
	h.t = t
	alice, bob := h.clientAs(t, "alice"), h.clientAs(t, "bob")
	const cust = "/ledger/customer/v1/1000/customers/"
	create := func(c listClient, no string) {
		body := fmt.Sprintf(`{"customerNo":%q,"name":"Östen %s","legalAddress":{"addressee":"Ö","city":"Kiruna","zipCode":"98131","countryCode":"SE"}}`, no, no)
		if code, resp := c.send(t, http.MethodPost, cust[:len(cust)-1], "", body); code != http.StatusCreated {
			t.Fatalf("create %s: %d %s", no, code, resp)
		}
	}
	register := func(c listClient, no, id string) bool {
		code, resp := c.send(t, http.MethodPost, cust+no+"/surpluses", "", fmt.Sprintf(`{"surplusId":%q,"balance":1.00,"currency":"SEK"}`, id))
		if code != http.StatusCreated {
			t.Errorf("register %s: %d %s", id, code, resp)
		}
		return code == http.StatusCreated
	}
	// Customer 500's surpluses: the kept ones (K…) are never touched; the paid ones (P…),
	// registered between them, are paid out while the walks run.
	create(alice, "500")
	var kept []string
	for i := range 12 {
		register(alice, "500", fmt.Sprintf("P%d", i))
		kept = append(kept, fmt.Sprintf("K%d", i))
		register(alice, "500", kept[i])
	}
	for i := range 4 {
		create(bob, strconv.Itoa(600+i))
	}
	last := func() uint64 {
		items := alice.walk(t, cust+"500/events?limit=1000")
		return items[len(items)-1].Position
	}
	done := make(chan struct{})
	go func() { // bob: pays out customer 500's P surpluses and registers others; writes elsewhere
		defer close(done)
		for i := range 12 {
			p := cust + "500/surpluses/P" + strconv.Itoa(i)
			code, resp := bob.send(t, http.MethodPost, p+"/active-disbursement-orders", "", `{"norwegianBankAccount":{"accountNo":"86011117947"}}`)
			var o struct {
				ID string `json:"@id"`
			}
			if code != http.StatusCreated || json.Unmarshal([]byte(resp), &o) != nil {
				t.Errorf("order P%d: %d %s", i, code, resp)
				return
			}
			if code, resp := bob.send(t, http.MethodPost, o.ID+"/complete", "", ""); code != http.StatusNoContent {
				t.Errorf("complete P%d: %d %s", i, code, resp)
				return
			}
			if !register(bob, "500", "N"+strconv.Itoa(i)) {
				return
			}
			for j := range 4 { // 600 and 601 are forgotten half-way (then 410)
				bob.send(t, http.MethodPatch, cust+strconv.Itoa(600+j), "", fmt.Sprintf(`{"emailAddress":"n%d@example.se"}`, i))
			}
			if i == 6 {
				for _, no := range []string{"600", "601"} {
					if code, resp := bob.send(t, http.MethodPost, cust+no+"/forget", "", ""); code != http.StatusNoContent {
						t.Errorf("forget %s: %d %s", no, code, resp)
						return
					}
				}
			}
		}
	}()
	// The walks run in this goroutine until bob is done; a failure ends them (after bob).
	walks, consistent := 0, 0
	failed := func(format string, args ...any) bool {
		t.Helper()
		t.Errorf(format, args...)
		<-done
		return true
	}
walking:
	for running := true; running || walks == 0; walks++ {
		select {
		case <-done:
			running = false
		default:
		}
		before := last()
		seen := map[uint64]bool{}
		for _, q := range []string{"?limit=3", "?actor=alice&limit=2"} {
			clear(seen)
			prev := uint64(0)
			for _, it := range alice.walk(t, "/ledger/customer/v1/1000/events"+q) {
				if it.Position <= prev && failed("walk %d of /events%s: position %d after %d", walks, q, it.Position, prev) {
					break walking
				}
				prev, seen[it.Position] = it.Position, true
			}
			if q == "?limit=3" {
				for p := uint64(1); p <= before; p++ {
					if !seen[p] && failed("walk %d of /events%s: position %d (stored before the walk) missing", walks, q, p) {
						break walking
					}
				}
			} else if n := len(seen); n < 25 && failed("walk %d of /events%s: %d of alice's 25 events", walks, q, n) { // her creates and registrations, all before the walk
				break walking
			}
		}
		var versions []uint64
		for _, it := range alice.walk(t, cust+"500/events?limit=4") {
			versions = append(versions, it.Version)
		}
		for i, v := range versions {
			if v != uint64(i+1) && failed("walk %d of customer 500's trail: versions %v", walks, versions) {
				break walking
			}
		}
		// Surpluses page by skip: a surplus paid out between two pages moves the later ones
		// forward by one, and the walk misses one. The pages' ETags (the customer's version)
		// tell: when every page has the same one, nothing changed during the walk and nothing
		// is missing (the API document's promise); none is ever listed twice.
		items, etags := alice.walkETags(t, cust+"500/surpluses?take=5")
		ids := map[string]int{}
		for _, it := range items {
			ids[it.SurplusID]++
		}
		for id, n := range ids {
			if n > 1 && failed("walk %d of customer 500's surpluses: %s listed %d times", walks, id, n) {
				break walking
			}
		}
		if slices.ContainsFunc(etags, func(e string) bool { return e != etags[0] }) {
			continue
		}
		consistent++
		for _, id := range kept {
			if ids[id] != 1 && failed("walk %d of customer 500's surpluses (ETag %s on every page): %s listed %d times: %v", walks, etags[0], id, ids[id], ids) {
				break walking
			}
		}
	}
	<-done
	t.Logf("%d walks, %d of the surpluses with one ETag", walks, consistent)
}

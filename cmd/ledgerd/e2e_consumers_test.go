package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/consumer"
	"github.com/nordledger/ledger/httpapi/apidocs/asyncapitest"
	"github.com/nordledger/ledger/httpapi/auth"
)

// TestE2EConsumers: a downstream consumer of the eventstore/consumer package, granted the
// ledger's personal data, follows the real ledgerd on a real NATS server:
//
//   - it gets every event, of every type, in log order, opened and typed; each event validates,
//     as published and as opened, against its schemas in the AsyncAPI document (an independent
//     JSON Schema validator);
//   - killed (its connection closed as a crash leaves it) and started again, it resumes where it
//     stopped — not from the start, nothing missing;
//   - NATS stops while it follows and events are written meanwhile; NATS comes back and it gets
//     them, in order, without a gap;
//   - a consumer without a grant gets the same events with their clear members and the
//     personal ones withheld, saying why; one whose token lacks the scope stops (ErrForbidden)
//     and is handed nothing;
//   - every disclosure is recorded: the audit route lists the consumer and the positions.
func TestE2EConsumers(t *testing.T) {
	schemas := asyncapitest.Load(t)
	natsDir := t.TempDir()
	ns := startExternalNATS(t, natsDir, -1)
	port := ns.Addr().(*net.TCPAddr).Port
	s := startServer(t, withConfig(consumerConfig(t)), withArgs("-nats-url", ns.ClientURL()))
	s.grant(t, "crm", true)
	everyEventType(t, s)
	head := s.logHead(t)

	// Everything, in order, opened, valid.
	f := follow(t, ns.ClientURL(), "crm-sync", s.opener(t, "crm", nil))
	seen := map[string]bool{}
	sealedSeen := map[string]bool{}
	var handled []uint64
	for i := 0; i < 10; i++ {
		e := f.next()
		handled = append(handled, e.Position)
	}
	// The ten acknowledgements reach the server first: a crash loses those still buffered, and
	// the consumer would then get their events again (at least once), which is not what this
	// checks — and on a loaded machine, all ten could be lost.
	await(t, "the first ten events acknowledged (ack floor 10)", func() (uint64, bool) {
		floor := ackFloor(t, ns.ClientURL(), "crm-sync")
		return floor, floor >= 10
	})
	f.kill() // a crash after 10 events
	f = follow(t, ns.ClientURL(), "crm-sync", s.opener(t, "crm", nil))
	resumed := f.next()
	if resumed.Position != 11 {
		t.Fatalf("after the crash the consumer resumed at position %d, want 11 — not the start", resumed.Position)
	}
	handled = append(handled[:resumed.Position-1], resumed.Position)
	rest := f.until(head)
	for _, e := range rest {
		handled = append(handled, e.Position)
	}
	if !slices.Equal(handled, seqOf(1, head)) {
		t.Fatalf("positions handed over %v, want 1..%d in order", handled, head)
	}
	var all []*consumer.Event
	for p := uint64(1); p <= head; p++ {
		all = append(all, streamEventOpened(t, ns.ClientURL(), s, p))
	}
	for _, e := range append([]*consumer.Event{resumed}, rest...) {
		checkConsumed(t, schemas, e)
		seen[e.Type] = true
		if strings.Contains(string(e.Payload), `"$pd"`) {
			sealedSeen[e.Type] = true
		}
	}
	for _, e := range all {
		checkConsumed(t, schemas, e)
		seen[e.Type] = true
		if strings.Contains(string(e.Payload), `"$pd"`) {
			sealedSeen[e.Type] = true
		}
	}
	for _, typ := range domain.EventTypes() {
		fields, _ := domain.PersonalFields(typ)
		switch {
		case typ == domain.TypeCustomerForgotten: // TestE2EConsumerRevokedAndForgotten
		case !seen[typ]:
			t.Errorf("the live run has no %s event", typ)
		case len(fields) > 0 && !sealedSeen[typ]:
			t.Errorf("the live run has no sealed %s event", typ)
		}
	}
	created := all[0].Domain.(domain.CustomerCreated)
	if all[0].Personal != consumer.PersonalOpened || created.Name != forgetName || created.LegalAddress.City != "GLÖMSTA" {
		t.Errorf("the first event, opened: %s %+v", all[0].Personal, created)
	}

	// NATS stops while the consumer follows; writes go on; NATS comes back.
	ns.Shutdown()
	ns.WaitForShutdown()
	for i := 0; i < 5; i++ {
		no := fmt.Sprint(8100 + i)
		expectStatus(t, s.createCustomer(t, s.token, newCustomer(no, "Outage Person "+no)), http.StatusCreated)
	}
	ns = startExternalNATS(t, natsDir, port)
	after := s.logHead(t)
	got := f.until(after)
	if got[0].Position != head+1 || len(got) != int(after-head) {
		t.Fatalf("after the NATS restart: positions %v, want %d..%d", positionsOf(got), head+1, after)
	}
	for _, e := range got {
		if c, _ := e.Domain.(domain.CustomerCreated); e.Personal != consumer.PersonalOpened || !strings.HasPrefix(c.Name, "Outage Person") {
			t.Errorf("event %d after the outage: %s %+v", e.Position, e.Personal, e.Domain)
		}
	}
	f.kill()

	// Without the scope: a token that may not ask is a configuration error — Run stops with it
	// and hands nothing over, as after a second 401, rather than hand the events over withheld
	// and acknowledge them (the consumer would never get their personal data once mended).
	{
		g := follow(t, ns.ClientURL(), "noscope", mustOpener(t, s, s.consumerToken(t, "crm", auth.ScopeCustomerRead)))
		wait, cancel := waitContext(t)
		select {
		case e := <-g.events:
			t.Errorf("no scope: event %d handed over (%s, %v)", e.Position, e.Personal, e.Withheld)
		case err := <-g.done:
			g.done <- err // for kill
			if !errors.Is(err, consumer.ErrForbidden) {
				t.Errorf("no scope: Run stopped with %v, want ErrForbidden", err)
			}
		case <-wait.Done():
			t.Error("no scope: Run neither stopped nor handed an event over by the test's deadline")
		}
		cancel()
		g.kill()
	}

	// Without a grant: the events are handed over withheld (a revoked grant withholds from then on).
	for _, tc := range []struct {
		name, durable string
		opener        *consumer.Opener
		why           error
	}{
		{"stranger", "stranger", s.opener(t, "stranger", nil), consumer.ErrNotGranted},
	} {
		g := follow(t, ns.ClientURL(), tc.durable, tc.opener)
		e := g.next()
		created, _ := e.Domain.(domain.CustomerCreated)
		if e.Personal != consumer.PersonalWithheld || !errors.Is(e.Withheld, tc.why) || created.CustomerNo != forgetNo || created.Name != "" ||
			!slices.Contains(e.PersonalMembers, "name") || strings.Contains(string(e.Data), forgetName) || strings.Contains(string(e.Data), "$pd") {
			t.Errorf("%s: %s %v %s", tc.name, e.Personal, e.Withheld, e.Data)
		}
		if err := schemas.ValidateWire(e.Type, e.Payload); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		g.kill()
	}

	// Every disclosure is on record.
	recs := s.disclosures(t, forgetNo)
	disclosed := map[float64]bool{}
	for _, r := range recs {
		if r["consumer"] != "crm" {
			t.Errorf("a disclosure to %v", r["consumer"])
		}
		for _, p := range r["positions"].([]any) {
			disclosed[p.(float64)] = true
		}
	}
	if !disclosed[1] || len(recs) == 0 {
		t.Errorf("the disclosures of %s: %v", forgetNo, recs)
	}
}

// checkConsumed: an event validates as published against its message's payload in the AsyncAPI
// document and, when the consumer holds it whole, as opened against its opened schema; a sealed
// event was opened.
func checkConsumed(t *testing.T, schemas *asyncapitest.Schemas, e *consumer.Event) {
	t.Helper()
	if err := schemas.ValidateWire(e.Type, e.Payload); err != nil {
		t.Errorf("event %d (%s) as published:\n%s\n%v", e.Position, e.Type, e.Payload, err)
	}
	switch e.Personal {
	case consumer.PersonalOpened, consumer.PersonalNone:
		if err := schemas.ValidateOpened(e.Type, e.Data); err != nil {
			t.Errorf("event %d (%s) opened:\n%s\n%v", e.Position, e.Type, e.Data, err)
		}
	default:
		t.Errorf("event %d (%s): %s %v", e.Position, e.Type, e.Personal, e.Withheld)
	}
	if e.Domain == nil {
		t.Errorf("event %d (%s): no domain event: %v", e.Position, e.Type, e.DomainErr)
	}
}

// streamEventOpened reads the event at a position from the stream and opens it as "crm".
func streamEventOpened(t *testing.T, url string, s *testServer, p uint64) *consumer.Event {
	t.Helper()
	js, closeJS := jetStreamAt(t, url)
	defer closeJS()
	e := streamEvent(t, js, p)
	if err := s.opener(t, "crm", nil).Open(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

func mustOpener(t *testing.T, s *testServer, token string) *consumer.Opener {
	t.Helper()
	o, err := consumer.NewOpener(consumer.OpenerConfig{URL: s.base, Token: consumer.StaticToken(token)})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func seqOf(from, to uint64) []uint64 {
	var out []uint64
	for p := from; p <= to; p++ {
		out = append(out, p)
	}
	return out
}

func positionsOf(es []*consumer.Event) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		out[i] = e.Position
	}
	return out
}

// TestE2EConsumerRevokedAndForgotten: a consumer whose grant is revoked gets the events written
// after the revocation withheld; after a customer is forgotten, nobody opens its personal
// members — a consumer that kept answers from before opens them only until the ledger's maxAge
// has passed on its clock, a new one not at all, and a following consumer forgets the customer's
// answers when it is handed CustomerForgotten.
func TestE2EConsumerRevokedAndForgotten(t *testing.T) {
	s := startServer(t, withConfig(consumerConfig(t)))
	url := s.m.NATSURL()
	s.grant(t, "crm", true)
	s.grant(t, "archive", true)
	expectStatus(t, s.createCustomer(t, s.token, newCustomer("8001", "Anna Revoked")), http.StatusCreated)
	expectStatus(t, s.createCustomer(t, s.token, newCustomer("8002", "Bertil Forgotten")), http.StatusCreated)
	head := s.logHead(t)

	f := follow(t, url, "crm-sync", s.opener(t, "crm", nil))
	for _, e := range f.until(head) {
		if e.Personal != consumer.PersonalOpened {
			t.Fatalf("before the revocation: event %d %s %v", e.Position, e.Personal, e.Withheld)
		}
	}
	s.grant(t, "crm", false) // revoked
	expectStatus(t, s.do(t, http.MethodPatch, customersPath(demoLedger, "8001"), s.token, `{"emailAddress":"anna.after@example.org"}`), http.StatusOK)
	e := f.next()
	if changed, _ := e.Domain.(domain.CustomerDetailsChanged); e.Personal != consumer.PersonalWithheld || !errors.Is(e.Withheld, consumer.ErrNotGranted) ||
		changed.Set.EmailAddress != nil || strings.Contains(string(e.Data), "anna.after") {
		t.Errorf("written after the revocation: %s %v %s", e.Personal, e.Withheld, e.Data)
	}
	f.kill()

	// "archive" opened customer 8002's events and keeps the answers — in a consumer following the
	// ledger (on a clock that never lets them expire) and in an Opener on the test's clock; then
	// 8002 is forgotten.
	clock := time.Now()
	kept := s.opener(t, "archive", func() time.Time { return clock })
	following := s.opener(t, "archive", func() time.Time { return time.Time{} })
	g := follow(t, url, "archive", following)
	g.until(s.logHead(t))
	js, closeJS := jetStreamAt(t, url)
	defer closeJS()
	var bertil []uint64
	for p := uint64(1); p <= head; p++ {
		if e := streamEvent(t, js, p); e.CustomerNo == "8002" {
			bertil = append(bertil, p)
		}
	}
	open := func(o *consumer.Opener) []*consumer.Event {
		t.Helper()
		var es []*consumer.Event
		for _, p := range bertil {
			es = append(es, streamEvent(t, js, p))
		}
		if err := o.Open(t.Context(), es...); err != nil {
			t.Fatal(err)
		}
		return es
	}
	for _, o := range []*consumer.Opener{kept, following} {
		if es := open(o); es[0].Personal != consumer.PersonalOpened {
			t.Fatalf("before the forget: %s", es[0].Personal)
		}
	}
	expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger, "8002", "forget"), s.token, nil), http.StatusNoContent)

	// The following consumer is handed the forget: it drops the customer's answers first.
	if e := g.next(); e.Type != domain.TypeCustomerForgotten || e.CustomerNo != "8002" {
		t.Fatalf("after the forget the consumer was handed %s of %s", e.Type, e.CustomerNo)
	}
	if es := open(following); es[0].Personal != consumer.PersonalErased {
		t.Errorf("after CustomerForgotten the consumer's kept answers still open: %s", es[0].Personal)
	}
	g.kill()

	// The Opener that was not handed the forget keeps its answers for maxAge, no longer.
	maxAge := 5 * time.Minute // ledgerd's default -personal-data-max-age
	clock = clock.Add(maxAge - time.Second)
	if es := open(kept); es[0].Personal != consumer.PersonalOpened {
		t.Errorf("within maxAge the kept answer still opens (documented): %s", es[0].Personal)
	}
	if es := open(s.opener(t, "archive", nil)); es[0].Personal != consumer.PersonalErased || !slices.Contains(es[0].PersonalMembers, "name") ||
		strings.Contains(string(es[0].Data), "Bertil") {
		t.Errorf("a new consumer after the forget: %s %s", es[0].Personal, es[0].Data)
	}
	clock = clock.Add(time.Second) // maxAge has passed
	for _, e := range open(kept) {
		if e.Personal != consumer.PersonalErased {
			t.Errorf("after maxAge: event %d %s", e.Position, e.Personal)
		}
	}
}

// TestE2EConsumerProtectedIdentity: a granted consumer gets a protected-identity customer's
// events with the personal members withheld — the rule of the audit routes — unless its token
// has the population-register scope; the customer's protection set by a PATCH counts for its
// earlier events too, and nothing withheld is recorded as disclosed.
func TestE2EConsumerProtectedIdentity(t *testing.T) {
	s := startServer(t, withConfig(consumerConfig(t)))
	s.grant(t, "crm", true)
	expectStatus(t, s.createCustomer(t, s.token, newCustomer("8301", "Sigrid Skyddad")), http.StatusCreated)
	expectStatus(t, s.do(t, http.MethodPatch, customersPath(demoLedger, "8301"), s.token, `{"protectedIdentity":true}`), http.StatusOK)
	js, closeJS := jetStreamAt(t, s.m.NATSURL())
	defer closeJS()
	head := s.logHead(t)
	events := func() []*consumer.Event {
		var es []*consumer.Event
		for p := uint64(1); p <= head; p++ {
			es = append(es, streamEvent(t, js, p))
		}
		return es
	}
	es := events()
	if err := s.opener(t, "crm", nil).Open(t.Context(), es...); err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Personal != consumer.PersonalWithheld || !errors.Is(e.Withheld, consumer.ErrProtectedIdentity) || strings.Contains(string(e.Data), "Sigrid") {
			t.Errorf("event %d of a protected identity: %s %v %s", e.Position, e.Personal, e.Withheld, e.Data)
		}
	}
	if recs := s.disclosures(t, "8301"); len(recs) != 0 {
		t.Errorf("withheld events recorded as disclosed: %v", recs)
	}
	es = events()
	if err := mustOpener(t, s, s.consumerToken(t, "crm", auth.ScopePersonalDataRead, auth.ScopePopulationRegister)).Open(t.Context(), es...); err != nil {
		t.Fatal(err)
	}
	if created, _ := es[0].Domain.(domain.CustomerCreated); es[0].Personal != consumer.PersonalOpened || created.Name != "Sigrid Skyddad" {
		t.Errorf("with the population-register scope: %s %+v", es[0].Personal, es[0].Domain)
	}
}

// TestE2EConsumerRoutesOnReader: a read replica refers consumers and auditors to the writer — it
// keeps no grants and no record of disclosures — with 421 read-only-replica.
func TestE2EConsumerRoutesOnReader(t *testing.T) {
	s := startServer(t, withConfig(consumerConfig(t)))
	s.grant(t, "crm", true)
	expectStatus(t, s.createCustomer(t, s.token, newCustomer("8401", "Rita Reader")), http.StatusCreated)
	r, _ := startReaderOf(t, s)
	p := assertProblem(t, r.do(t, http.MethodPost, "/ledger/customer/v1/1000/events/personal-data", s.consumerToken(t, "crm"), `{"positions":[1]}`),
		http.StatusMisdirectedRequest, "read-only-replica")
	if p.Detail == "" {
		t.Error("no detail")
	}
	p = assertProblem(t, r.do(t, http.MethodGet, customersPath(demoLedger, "8401", "disclosures"), s.token, nil), http.StatusMisdirectedRequest, "read-only-replica")
	if !strings.Contains(p.Detail, "writer") {
		t.Errorf("detail %q", p.Detail)
	}
}

// TestE2EDisclosureRetention: with -disclosure-retention, the records of disclosures older than
// the retention on the service's clock are pruned and the newer ones kept; without it nothing is
// pruned; a retention under a day is refused at start.
func TestE2EDisclosureRetention(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Second)
	clock := &testClock{t: start}
	s := startServer(t, withConfig(consumerConfig(t)), withClock(clock.now), withArgs("-disclosure-retention", "720h"))
	s.grant(t, "crm", true)
	expectStatus(t, s.createCustomer(t, s.token, newCustomer("8501", "Rut Retention")), http.StatusCreated)
	disclose := func() {
		t.Helper()
		expectStatus(t, s.do(t, http.MethodPost, "/ledger/customer/v1/1000/events/personal-data", s.consumerToken(t, "crm"), `{"positions":[1]}`), http.StatusOK)
	}
	disclose()                                      // at start
	clock.set(clock.now().Add(20 * 24 * time.Hour)) // day 20
	disclose()                                      // at day 20
	clock.set(clock.now().Add(15 * 24 * time.Hour)) // day 35: the first record is past the 30 days
	// The pass ledgerd made at start may run late and prune the first record itself: what counts
	// is what is left.
	if n, err := s.m.pruneDisclosures(); err != nil || n > 1 {
		t.Fatalf("pruned %d, %v; want 1", n, err)
	}
	recs := s.disclosures(t, "8501")
	if len(recs) != 1 {
		t.Fatalf("%d records kept, want 1: %v", len(recs), recs)
	}
	if got, want := recs[0]["time"], start.Add(20*24*time.Hour).Format(time.RFC3339); got != want {
		t.Errorf("the record kept is of %v, want %v", got, want)
	}

	keep := startServer(t, withConfig(consumerConfig(t)), withClock(clock.now))
	keep.grant(t, "crm", true)
	expectStatus(t, keep.createCustomer(t, keep.token, newCustomer("8502", "Rut Retention")), http.StatusCreated)
	expectStatus(t, keep.do(t, http.MethodPost, "/ledger/customer/v1/1000/events/personal-data", keep.consumerToken(t, "crm"), `{"positions":[1]}`), http.StatusOK)
	clock.set(clock.now().Add(10 * 365 * 24 * time.Hour))
	keep.m.startDisclosurePruning(t.Context()) // does nothing without a retention
	if recs := keep.disclosures(t, "8502"); len(recs) != 1 {
		t.Errorf("without a retention %d records, want 1", len(recs))
	}

	var m Main
	if err := m.ParseFlags([]string{"-disclosure-retention", "1h"}, func(string) string { return "" }); err == nil ||
		!strings.Contains(err.Error(), "disclosure retention 1h0m0s: want 0 (keep for ever) or at least 24h") {
		t.Errorf("a retention of an hour: %v", err)
	}
}

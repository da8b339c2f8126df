package main

// Audit metadata (SPEC §9): every stored event carries the token's sub as actor and the request's
// X-Correlation-ID (echoed on the response; generated when absent), with the envelope fields.

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/httpapi/auth"
)

func TestE2EAuditMetadata(t *testing.T) {
	s := startServer(t)
	alice := s.mint(t, "alice@example.se", []string{demoLedger}, auth.ScopeCustomerRead, auth.ScopeCustomerWrite)
	bob := s.mint(t, "svc:billing-importer", []string{"*"}, auth.ScopeCustomerWrite)
	no := "4711"
	self := customersPath(demoLedger, no)
	addr := `{"addressee": "Kalle", "city": "STOCKHOLM", "zipCode": "16872", "countryCode": "SE"}`

	type step struct {
		token, actor, method, path, body, correlationID string
		events                                          []string // the event types it must store
	}
	create := newCustomer(no, "Audit Test")
	create["billingAddress"] = map[string]any{"addressee": "B", "city": "C", "zipCode": "11122", "countryCode": "SE"}
	steps := []step{
		{alice, "alice@example.se", http.MethodPost, customersPath(demoLedger), show(create), "corr-create-1",
			[]string{"CustomerCreated", "BillingAddressAdded"}},
		{bob, "svc:billing-importer", http.MethodPatch, self, `{"emailAddress": "a@example.se", "msisdn": "+46701234567"}`, "corr-patch-1",
			[]string{"CustomerDetailsChanged"}},
		{alice, "alice@example.se", http.MethodPatch, self, `{"msisdn": null}`, "", // generated
			[]string{"CustomerDetailsChanged"}},
		{bob, "svc:billing-importer", http.MethodPut, self + "/legal-address", addr, "corr-legal",
			[]string{"LegalAddressReplaced"}},
		{alice, "alice@example.se", http.MethodPut, self + "/billing-address", addr, "corr-billing-put",
			[]string{"BillingAddressReplaced"}},
		{bob, "svc:billing-importer", http.MethodDelete, self + "/billing-address", "{ }", "corr-billing-delete",
			[]string{"BillingAddressRemoved"}},
		{s.token, "developer", http.MethodPost, self + "/billing-address", addr, "",
			[]string{"BillingAddressAdded"}},
		// Changes nothing: no event.
		{alice, "alice@example.se", http.MethodPatch, self, `{"emailAddress": "a@example.se"}`, "corr-noop", nil},
	}
	type expected struct{ typ, actor, correlationID string }
	var want []expected
	for i, st := range steps {
		var hdr []string
		if st.correlationID != "" {
			hdr = []string{"X-Correlation-ID", st.correlationID}
		}
		r := s.do(t, st.method, st.path, st.token, st.body, hdr...)
		if r.Status < 200 || r.Status > 299 {
			t.Fatalf("step %d: %s", i, r)
		}
		echoed := r.Header.Get("X-Correlation-ID")
		switch {
		case st.correlationID != "" && echoed != st.correlationID:
			t.Errorf("step %d: X-Correlation-ID %q echoed as %q", i, st.correlationID, echoed)
		case st.correlationID == "" && echoed == "":
			t.Errorf("step %d: no X-Correlation-ID generated", i)
		}
		for _, typ := range st.events {
			want = append(want, expected{typ, st.actor, echoed})
		}
	}
	// Every response carries one, errors included; generated ones differ.
	a := s.do(t, http.MethodGet, customersPath(demoLedger, "12345"), s.token, nil)
	b := s.do(t, http.MethodGet, "/nothing", "", nil)
	if a.Header.Get("X-Correlation-ID") == "" || b.Header.Get("X-Correlation-ID") == "" ||
		a.Header.Get("X-Correlation-ID") == b.Header.Get("X-Correlation-ID") {
		t.Errorf("generated correlation ids %q and %q", a.Header.Get("X-Correlation-ID"), b.Header.Get("X-Correlation-ID"))
	}
	if r := s.do(t, http.MethodGet, self, s.token, nil, "X-Correlation-ID", "error-cid"); r.Header.Get("X-Correlation-ID") != "error-cid" {
		t.Errorf("GET: X-Correlation-ID not echoed: %q", r.Header.Get("X-Correlation-ID"))
	}
	s.stop(t)

	all := readEvents(t, s.dir)
	events := streamEvents(all, demoLedger, no)
	if len(events) != len(want) {
		t.Fatalf("stored events %v, want %d", eventTypes(events), len(want))
	}
	for i, e := range events {
		w := want[i]
		if e.Type != w.typ || e.Actor != w.actor || e.CorrelationID != w.correlationID {
			t.Errorf("event %d: type %s actor %q correlationId %q; want %s %q %q", i+1, e.Type, e.Actor, e.CorrelationID, w.typ, w.actor, w.correlationID)
		}
		checkEnvelope(t, e, i+1)
	}
	// Positions are global, 1-based and gap-free.
	for i, e := range all {
		if e.Position != uint64(i+1) {
			t.Errorf("event %d of the log has position %d", i+1, e.Position)
		}
	}
	ids := map[uuid.UUID]bool{}
	for _, e := range all {
		if ids[e.ID] {
			t.Errorf("event id %s used twice", e.ID)
		}
		ids[e.ID] = true
	}
}

// checkEnvelope checks the SPEC §9 envelope of a stored customer event.
func checkEnvelope(t *testing.T, e eventstore.Event, version int) {
	t.Helper()
	if e.ID.Version() != 7 {
		t.Errorf("event %d: id %s is not a UUIDv7", version, e.ID)
	}
	if e.Version != uint64(version) {
		t.Errorf("event %d: version %d", version, e.Version)
	}
	if e.SchemaVersion < 1 {
		t.Errorf("event %d: schema version %d", version, e.SchemaVersion)
	}
	if e.Time.IsZero() {
		t.Errorf("event %d: no time", version)
	}
	if e.CausationID == "" {
		t.Errorf("event %d: no causation id", version)
	}
	known := []string{"CustomerCreated", "CustomerDetailsChanged", "LegalAddressReplaced", "BillingAddressAdded",
		"BillingAddressReplaced", "BillingAddressRemoved"}
	if !slices.Contains(known, e.Type) {
		t.Errorf("event %d: unexpected type %s", version, e.Type)
	}
}

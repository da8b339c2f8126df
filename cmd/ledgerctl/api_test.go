package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/httpapi/auth"
	cmds "github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/internal/datadir"
	"github.com/nordledger/ledger/projections"
)

// ledgerAPI is ledgerd's HTTP API as cmd/ledgerd wires it — httpapi over a real event log, its
// command handler and ledgerd's projection set (audit index included), which the log's commit
// pipeline applies each write to before answering it — served over real HTTP on 127.0.0.1:0, on
// the test's clock, with ledgerd's development secret in a secret file as ledgerd writes it.
type ledgerAPI struct {
	url        string
	secretFile string
	clock      *testClock

	mu       sync.Mutex
	requests []string    // the paths and queries of the GET requests served
	traces   []traceSeen // the trace context of the GET requests served
}

// traceSeen is the trace context of a request the API served: the traceparent and tracestate
// headers it came with, and the traceresponse it was answered (the request's span).
type traceSeen struct{ parent, state, response string }

// testClock is the API's clock, moved by the test.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type ledgerPolicies map[string]domain.LedgerPolicy

func (l ledgerPolicies) Ledger(no string) (domain.LedgerPolicy, bool) { p, ok := l[no]; return p, ok }

// auditIndex is cmd/ledgerd's adapter of the audit projection to httpapi.Audit.
type auditIndex struct{ *projections.Audit }

func (a auditIndex) Query(ctx context.Context, q httpapi.AuditQuery) (httpapi.AuditPage, error) {
	p, err := a.Audit.Query(ctx, projections.AuditQuery{
		LedgerNo: q.LedgerNo, FromPosition: q.FromPosition, Limit: q.Limit,
		Type: q.Type, Actor: q.Actor, CorrelationID: q.CorrelationID, Since: q.Since, Until: q.Until,
	})
	return httpapi.AuditPage{Events: p.Events, Next: p.Next}, err
}

// startAPI starts the API on a fresh data directory; it stops when the test ends.
func startAPI(t *testing.T) *ledgerAPI {
	t.Helper()
	dir := newDataDir(t)
	db, err := projections.OpenDB(filepath.Join(dir, datadir.Projections))
	if err != nil {
		t.Fatal(err)
	}
	set := projections.NewSet(db, func(ledgerNo string, ni domain.NationalIdentifier) string {
		return cmds.NationalIDKey([]byte(testKey), ledgerNo, ni)
	})
	runner, err := projections.NewRunner(db, quiet, set.All()...)
	if err != nil {
		t.Fatal(err)
	}
	// As ledgerd opens it: the commit pipeline applies each group to the read models before its
	// writes are answered (read-your-writes).
	store, err := eventstore.Open(filepath.Join(dir, datadir.Events), eventstore.Options{Applier: runner})
	if err != nil {
		t.Fatal(err)
	}
	handler, err := cmds.New(store, cmds.Config{ReservationKey: []byte(testKey)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	verifier, err := auth.NewVerifier(ctx, auth.Config{HS256Secret: []byte(fileSecret)})
	if err != nil {
		t.Fatal(err)
	}
	a := &ledgerAPI{secretFile: secretFile(t, fileSecret+"\n"), clock: &testClock{t: testTime}}
	api, err := httpapi.New(httpapi.Config{
		Ledgers:  ledgerPolicies{"1000": testLedger, "2000": {LedgerNo: "2000", CountryCode: "SE"}},
		Commands: handler, Customers: set.Customers, Audit: auditIndex{set.Audit}, Waiter: runner,
		Verifier: verifier, Logger: quiet, Now: a.clock.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			seen := traceSeen{parent: r.Header.Get("traceparent"), state: r.Header.Get("tracestate")}
			a.mu.Lock()
			a.requests = append(a.requests, r.URL.RequestURI())
			a.traces = append(a.traces, seen)
			i := len(a.traces) - 1
			a.mu.Unlock()
			w = &answerSpy{ResponseWriter: w, answer: func(h http.Header) { // before the client can have it
				a.mu.Lock()
				defer a.mu.Unlock()
				if i < len(a.traces) {
					a.traces[i].response = h.Get("traceresponse")
				}
			}}
		}
		api.ServeHTTP(w, r)
	}))
	a.url = srv.URL
	t.Cleanup(func() {
		srv.Close()
		cancel()
		verifier.Close()
		store.Close()
		db.Close()
	})
	return a
}

// answerSpy hands the answer's header to answer when the handler begins to answer.
type answerSpy struct {
	http.ResponseWriter
	answer func(http.Header)
	told   bool
}

func (s *answerSpy) tell() {
	if !s.told {
		s.told = true
		s.answer(s.Header())
	}
}

func (s *answerSpy) WriteHeader(code int) { s.tell(); s.ResponseWriter.WriteHeader(code) }

func (s *answerSpy) Write(b []byte) (int, error) { s.tell(); return s.ResponseWriter.Write(b) }

func (s *answerSpy) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// token mints a token of the API's secret.
func (a *ledgerAPI) token(t *testing.T, sub string, ledgers []string, scopes ...string) string {
	t.Helper()
	tok, err := auth.MintHS256([]byte(fileSecret), auth.Claims{Subject: sub, Ledgers: ledgers, Scopes: scopes, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// write sends a change as sub (a token for ledgers 1000 and 2000 with the write scopes) with a
// correlation id, one minute after the previous one on the API's clock, and fails the test
// unless it succeeds.
func (a *ledgerAPI) write(t *testing.T, sub, method, path, body, correlationID string) {
	t.Helper()
	a.clock.advance(time.Minute)
	req, err := http.NewRequest(method, a.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token(t, sub, []string{"1000", "2000"}, auth.ScopeCustomerRead, auth.ScopeCustomerWrite))
	req.Header.Set("Content-Type", "application/json")
	if correlationID != "" {
		req.Header.Set("X-Correlation-ID", correlationID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var p map[string]any
		json.NewDecoder(resp.Body).Decode(&p)
		t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, p)
	}
}

// served returns the GET requests served since the last call.
func (a *ledgerAPI) served() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.requests
	a.requests, a.traces = nil, nil
	return r
}

// tracesSeen returns the trace context of the GET requests served since the last call (of it
// or served).
func (a *ledgerAPI) tracesSeen() []traceSeen {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.traces
	a.requests, a.traces = nil, nil
	return r
}

// customerJSON is a customer to create in ledger 1000 or 2000.
func customerJSON(no, name string, i int) string {
	c := map[string]any{
		"customerNo":         no,
		"name":               name,
		"nationalIdentifier": map[string]any{"regNo": regNo(i), "countryCode": "SE"},
		"legalAddress":       map[string]any{"addressee": name, "city": "STOCKHOLM", "zipCode": "11122", "countryCode": "SE"},
	}
	b, _ := json.Marshal(c)
	return string(b)
}

// auditStory writes the history the events and audit tests query, and returns the API. At
// testTime + 1, 2, ... minutes:
//
//	1 alice  c-create  1000/customers/9999 v1 CustomerCreated
//	2 bob    c-mail    1000/customers/9999 v2 CustomerDetailsChanged (emailAddress set)
//	3 dave   c-other   2000/customers/9999 v1 CustomerCreated (another ledger, same number)
//	4 alice  c-legal   1000/customers/9999 v3 LegalAddressReplaced
//	5 carol  c-create  1000/customers/4711 v1 CustomerCreated (same correlation id as 1)
//	6 bob    c-bill    1000/customers/9999 v4 BillingAddressAdded
//	7 bob    c-mail2   1000/customers/9999 v5 CustomerDetailsChanged (emailAddress changed, msisdn set)
//	8 carol  c-protect 1000/customers/4711 v2 CustomerDetailsChanged (protectedIdentity)
func auditStory(t *testing.T) *ledgerAPI {
	t.Helper()
	a := startAPI(t)
	c := "/ledger/customer/v1/1000/customers"
	a.write(t, "alice", http.MethodPost, c, customerJSON("9999", "Anna Andersson", 1), "c-create")
	a.write(t, "bob", http.MethodPatch, c+"/9999", `{"emailAddress": "anna@example.se"}`, "c-mail")
	a.write(t, "dave", http.MethodPost, "/ledger/customer/v1/2000/customers", customerJSON("9999", "Other Ledger", 2), "c-other")
	a.write(t, "alice", http.MethodPut, c+"/9999/legal-address", `{"addressee": "Anna", "streetAddress": "Storgatan 1", "city": "UPPSALA", "zipCode": "75310", "countryCode": "SE"}`, "c-legal")
	a.write(t, "carol", http.MethodPost, c, customerJSON("4711", "Sigrid Skyddad", 3), "c-create")
	a.write(t, "bob", http.MethodPost, c+"/9999/billing-address", `{"addressee": "Anna", "city": "UPPSALA", "zipCode": "75311", "countryCode": "SE"}`, "c-bill")
	a.write(t, "bob", http.MethodPatch, c+"/9999", `{"emailAddress": "anna.a@example.se", "msisdn": "+46701234567"}`, "c-mail2")
	a.write(t, "carol", http.MethodPatch, c+"/4711", `{"protectedIdentity": true}`, "c-protect")
	a.served()
	return a
}

// minute returns testTime + n minutes as the table shows it.
func minute(n int) string { return showTime(testTime.Add(time.Duration(n) * time.Minute)) }

package main

// Every answer describes a state the read models already hold: after a write that appended, one
// that appended nothing (the value sent is already the customer's), one refused with 409 or 412,
// the same client's next request never sees an older version. And once a write is handed to
// the log its answer tells the truth, whatever happens to the request's connection.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/nordledger/ledger/domain"
)

// etagVersion returns the version of a response's ETag (0 when it has none).
func etagVersion(r *response) uint64 {
	tag := r.Header.Get("ETag")
	if len(tag) < 3 {
		return 0
	}
	v, _ := strconv.ParseUint(tag[1:len(tag)-1], 10, 64)
	return v
}

// decode unmarshals the response's JSON body into v.
func (r *response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Errorf("%s: %v", r, err)
	}
}

// together runs f(0), ..., f(n-1) in goroutines released at the same moment, and waits for them.
func together(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f(i)
		}()
	}
	close(start)
	wg.Wait()
}

// TestE2EAnswersNeverAheadOfReads sends, round after round, the same request from four clients
// at the same moment, each client reading the customer right after its answer:
//   - identical PATCHes: one appends, the others change nothing (decided from the log the first
//     one just wrote); each answer's version and e-mail must be visible to its client's GET;
//   - PATCHes with the If-Match all four read before: one wins, three get 412, decided against
//     a version above the one they sent; their GETs must show a version above it;
//   - creates of one new customer number: one 201, three 409; no GET may answer 404.
func TestE2EAnswersNeverAheadOfReads(t *testing.T) {
	s := startServer(t)
	const clients, rounds = 4, 25
	customers := []string{"8101", "8102", "8103", "8104"}
	for _, no := range customers {
		s.createCustomer(t, s.token, newCustomer(no, "Busy Customer"))
	}
	var mu sync.Mutex
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		t.Errorf(format, args...)
	}
	get := func(no string) *response {
		return s.do(t, http.MethodGet, customersPath(demoLedger, no), s.token, nil)
	}
	for round := range rounds {
		no := customers[round%len(customers)]
		self := customersPath(demoLedger, no)

		// Identical writes: one event, three no-ops.
		email := fmt.Sprintf("same-%d@example.se", round)
		together(clients, func(c int) {
			w := s.do(t, http.MethodPatch, self, s.token, fmt.Sprintf(`{"emailAddress":%q}`, email))
			if w.Status != http.StatusOK {
				fail("round %d client %d: identical PATCH: %s", round, c, w)
				return
			}
			r := get(no)
			var body struct {
				EmailAddress string `json:"emailAddress"`
			}
			w.decode(t, &body)
			if body.EmailAddress != email {
				fail("round %d client %d: the PATCH answered e-mail %q, want %q", round, c, body.EmailAddress, email)
			}
			r.decode(t, &body)
			if r.Status != http.StatusOK || etagVersion(r) < etagVersion(w) || body.EmailAddress != email {
				fail("round %d client %d: PATCH answered v%d with %q, the next GET %d v%d with %q", round, c,
					etagVersion(w), email, r.Status, etagVersion(r), body.EmailAddress)
			}
		})

		// Stale If-Match: one winner, the others 412 against a version above theirs.
		seen := get(no)
		tag := seen.Header.Get("ETag")
		together(clients, func(c int) {
			w := s.do(t, http.MethodPatch, self, s.token, fmt.Sprintf(`{"emailAddress":"c%d-%d@example.se"}`, c, round), "If-Match", tag)
			if w.Status != http.StatusOK && w.Status != http.StatusPreconditionFailed {
				fail("round %d client %d: PATCH with If-Match: %s", round, c, w)
				return
			}
			r := get(no)
			if r.Status != http.StatusOK || etagVersion(r) <= etagVersion(seen) || etagVersion(r) < etagVersion(w) {
				fail("round %d client %d: PATCH with If-Match %s answered %d (v%d), the next GET v%d", round, c, tag, w.Status, etagVersion(w), etagVersion(r))
			}
		})

		// Concurrent creates of one number: one 201, the others 409; the customer exists for all.
		newNo := strconv.Itoa(8200 + round)
		together(clients, func(c int) {
			w := s.do(t, http.MethodPost, customersPath(demoLedger), s.token, newCustomer(newNo, "Raced Customer"))
			if w.Status != http.StatusCreated && w.Status != http.StatusConflict {
				fail("round %d client %d: create: %s", round, c, w)
				return
			}
			if r := get(newNo); r.Status != http.StatusOK {
				fail("round %d client %d: create answered %d, the next GET %s", round, c, w.Status, r)
			}
		})
	}
	// The log holds what the answers said: one e-mail change per identical round, one create per
	// number.
	s.stop(t)
	all := readEvents(t, s.dir)
	for round := range rounds {
		email := fmt.Sprintf("same-%d@example.se", round)
		n := 0
		for _, e := range streamEvents(all, demoLedger, customers[round%len(customers)]) {
			ev, err := domain.DecodeEvent(e.Type, e.SchemaVersion, e.Data)
			if err != nil {
				t.Fatal(err)
			}
			if ch, ok := ev.(domain.CustomerDetailsChanged); ok && ch.Set.EmailAddress != nil && *ch.Set.EmailAddress == email {
				n++
			}
		}
		if n != 1 {
			t.Errorf("round %d: %d events set %s, want 1", round, n, email)
		}
		if created := streamEvents(all, demoLedger, strconv.Itoa(8200+round)); len(created) != 1 {
			t.Errorf("round %d: customer %d has %d events, want 1", round, 8200+round, len(created))
		}
	}
}

// TestE2EHalfClosedWrite: a client that sends a complete PATCH and then half-closes its
// connection (shutdown(SHUT_WR)) before reading is still a client: the change is stored, and
// it is told so with the stored version — never "cancelled" for a write that was made.
func TestE2EHalfClosedWrite(t *testing.T) {
	s := startServer(t)
	const no = "8301"
	s.createCustomer(t, s.token, newCustomer(no, "Half Closed"))
	addr := strings.TrimPrefix(s.base, "http://")
	for i := range 20 {
		body := fmt.Sprintf(`{"emailAddress":"half-%d@example.se"}`, i)
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "PATCH %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s: half-%d\r\n\r\n%s",
			customersPath(demoLedger, no), addr, s.token, len(body), correlationHeader, i, body)
		if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("write %d: no answer: %v", i, err)
		}
		resp.Body.Close()
		conn.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != fmt.Sprintf(`"%d"`, i+2) {
			t.Errorf("write %d: answered %s ETag %s, want 200 with ETag \"%d\"", i, resp.Status, resp.Header.Get("ETag"), i+2)
		}
	}
	r := s.do(t, http.MethodGet, customersPath(demoLedger, no), s.token, nil)
	if got := etagVersion(r); got != 21 {
		t.Errorf("after 20 half-closed PATCHes the customer is at v%d, want v21", got)
	}
}

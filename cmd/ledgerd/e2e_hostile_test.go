package main

// Hostile clients against the real server on a loopback port.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nordledger/ledger/internal/contracttest"
)

// hostileBodies returns request bodies that are malformed, wrongly typed, wrongly encoded,
// deeply nested, duplicated or oversized, derived from a valid create-customer body.
func hostileBodies(rnd *rand.Rand) []string {
	valid := `{"customerNo":"4711","name":"Hostile Person","emailAddress":"h@example.se","legalAddress":{"addressee":"Hostile Person","city":"STOCKHOLM","zipCode":"11122","countryCode":"SE"}}`
	out := []string{
		"", " ", "null", "true", "1", `"x"`, "[]", "[{}]", "{", "}", "{{}}", `{"a"}`, `{"a":}`, `{"a":1,}`, `{,}`,
		`{"customerNo":4711}`, `{"name":["a"]}`, `{"name":{"first":"a"}}`, `{"legalAddress":"Storgatan 1"}`, `{"legalAddress":[1,2]}`,
		`{"emailAddress":true}`, `{"protectedIdentity":"yes"}`, `{"nationalIdentifier":"19121212-1212"}`, `{"eDIAddressInfo":[]}`,
		`{"customerNo":"4711","customerNo":"4712"}`, `{"name":"a","NAME":"b"}`, `{"legalAddress":{"city":"A","City":"B"}}`,
		"\xef\xbb\xbf" + valid, "\xfe\xff" + valid, "\xff\xfe" + valid, `{"name":"\xff\xfe"}`, "{\"name\":\"a\x00b\"}", `{"name":"\ud800"}`,
		valid + valid, valid + "garbage", valid[:len(valid)/2], strings.Repeat("[", 200000) + strings.Repeat("]", 200000),
		`{"name":` + strings.Repeat(`{"a":`, 50000) + "1" + strings.Repeat("}", 50000) + "}",
		`{"name":"` + strings.Repeat("x", 900<<10) + `"}`, `{"amount":1e999999}`, `{"balance":-0.0000000001}`, `{"answers":[` + strings.Repeat(`{},`, 30000) + `{}]}`,
	}
	for i := 0; i < 400; i++ { // truncations and byte flips of the valid body
		b := []byte(valid)
		switch rnd.IntN(3) {
		case 0:
			b = b[:rnd.IntN(len(b))]
		case 1:
			b[rnd.IntN(len(b))] = byte(rnd.IntN(256))
		default:
			i := rnd.IntN(len(b))
			b = append(b[:i], append([]byte(strings.Repeat(string(b[i]), 1+rnd.IntN(5))), b[i:]...)...)
		}
		out = append(out, string(b))
	}
	return out
}

// rawRequests are byte streams no well-behaved HTTP client sends.
var rawRequests = []string{
	"GARBAGE\r\n\r\n",
	"\x00\x01\x02\x03\r\n\r\n",
	"GET /ledger/customer/v1/1000/customers/1 HTTP/9.9\r\nHost: x\r\n\r\n",
	"GET /ledger/customer/v1/1000/customers/1\r\n\r\n",
	"GET  HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /ledger/customer/v1/1000/customers/1 HTTP/1.1\r\n\r\n", // no Host
	"GET /ledger/customer/v1/1000/customers/1 HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
	"GET /ledger/customer/v1/1000/customers/1 HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n",
	"POST /ledger/customer/v1/1000/customers HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
	"POST /ledger/customer/v1/1000/customers HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
	"POST /ledger/customer/v1/1000/customers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
	"POST /ledger/customer/v1/1000/customers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
	"POST /ledger/customer/v1/1000/customers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
	"GET /" + strings.Repeat("a", 70<<10) + " HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("p", 1000)+"\r\n", 80) + "\r\n",
	"GET /ledger/customer/v1/1000/customers/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /ledger/customer/v1/1000/customers/1?%zz=1 HTTP/1.1\r\nHost: x\r\n\r\n",
	"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
	"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n",
	"GET http://evil.example/ledger/customer/v1/1000/customers/1 HTTP/1.1\r\nHost: evil.example\r\n\r\n",
}

// hostilePaths are request targets with odd path and query parameters.
func hostilePaths() []string {
	c := customersPath(demoLedger)
	var out []string
	for _, no := range []string{"0", "-1", "00001", "1e3", "9999999999999999", strings.Repeat("9", 200), "%00", "%2F%2E%2E%2F", "%2E%2E", "%E2%80%8B1",
		"%ff%fe", "1;DROP", "1%20", "NaN", "%F0%9F%98%80"} {
		out = append(out, c+"/"+no, c+"/"+no+"/legal-address", c+"/"+no+"/surpluses/"+no, c+"/"+no+"/events?fromVersion="+no)
	}
	for _, q := range []string{"$expand=" + strings.Repeat("legaladdress,", 5000), "$expand=%00", "asOf=yesterday", "asOf=9999-99-99T99:99:99Z",
		"asOfVersion=-1", "asOfVersion=18446744073709551616", "asOf=2020-01-01T00:00:00Z&asOfVersion=1", "$expand=legaladdress&$expand=x"} {
		out = append(out, c+"/4711?"+q)
	}
	ev := "/ledger/customer/v1/1000/events?"
	for _, q := range []string{"fromPosition=-1", "fromPosition=abc", "limit=0", "limit=99999999999", "limit=1.5", "since=x", "until=2020-13-01",
		"type=" + strings.Repeat("A", 10000), "actor=%00", "fromPosition=1&fromPosition=2"} {
		out = append(out, ev+q)
	}
	for _, q := range []string{"skip=-1", "take=0", "take=100000", "skip=abc", "take=1e3", "skip=18446744073709551616"} {
		out = append(out, c+"/4711/surpluses?"+q)
	}
	for _, q := range []string{"language=", "language=" + strings.Repeat("x", 5000), "language=%00", "language=sv&language=en"} {
		out = append(out, "/ledger/customer/v1/1000/kyc-questions?"+q)
	}
	return out
}

// TestE2EHostileClients: thousands of malformed, oversized, deeply nested, wrongly typed, wrongly
// encoded (invalid UTF-8, byte order marks), duplicate-key, odd-parameter, protocol-violating and
// slow (slowloris) requests against the real server. Every answer that reaches the API is a 4xx
// problem; protocol violations that net/http refuses before the API sees them are a 4xx (plain
// text, by the standard library) or a closed connection; slow clients are cut off by the server's
// timeouts. Never a 5xx; afterwards the server holds no more goroutines than before and its heap
// is bounded, and it still serves well-behaved clients.
//
// The hostile content is sent to a server whose timeouts no request comes near, even on a loaded
// machine under the race detector (where one deeply nested body took a handler 6 s): with the
// slow clients' timeouts (a second for the headers), a request that merely waited for the CPU
// was cut off — its connection reset, the test failed — and what is tested there is the answer
// to the content. The slow clients then meet a restarted server with short timeouts.
func TestE2EHostileClients(t *testing.T) {
	if testing.Short() {
		t.Skip("thousands of requests and slow clients")
	}
	s := startServer(t, withArgs("-http-read-header-timeout", "1m", "-http-read-timeout", "2m", "-http-write-timeout", "2m"))
	s.createCustomer(t, s.token, newCustomer("4711", "Hostile Target"))
	addr := s.m.Addr()
	leaks := newLeakCheck(t, s)

	// The workers' client opens a connection for every request: a connection kept from an earlier
	// request can be closed by the server's idle timeout just as a request is written into it, and
	// Go's client reports a POST cut off that way as EOF (it retries only requests it may repeat).
	// Large bodies go with Expect: 100-continue (newTestTransport). The client's timeout only
	// bounds a hang.
	hostile := &http.Client{Timeout: 5 * time.Minute, Transport: newTestTransport(true)}
	defer contracttest.Client(t, hostile)

	var requests atomic.Int64
	rnd := rand.New(rand.NewPCG(1, 2))
	bodies := hostileBodies(rnd)
	writes := []struct{ method, path string }{
		{http.MethodPost, customersPath(demoLedger)},
		{http.MethodPatch, customersPath(demoLedger, "4711")},
		{http.MethodPut, customersPath(demoLedger, "4711", "legal-address")},
		{http.MethodPost, customersPath(demoLedger, "4711", "billing-address")},
		{http.MethodPost, "/ledger/customer/v1/1000/find-customer"},
		{http.MethodPost, customersPath(demoLedger, "4711", "surpluses")},
		{http.MethodPost, customersPath(demoLedger, "4711", "update-kyc-answers")},
	}
	contentTypes := []string{"application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded",
		"application/json; charset=utf-16", "multipart/form-data; boundary=x", "application/problem+json", "", ";;;"}

	jobs := make(chan func(), 64)
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				job()
				requests.Add(1)
			}
		}()
	}
	// Bodies × routes × content types (the API answers each with a problem: s.do checks that).
	for i, body := range bodies {
		for j, w := range writes {
			ct := contentTypes[(i+j)%len(contentTypes)]
			if j%2 == 0 {
				ct = "application/json"
			}
			jobs <- func() {
				if _, err := tryDo(t, s, hostile, w.method, w.path, ct, []byte(body)); err != nil {
					t.Errorf("%s %s: %v", w.method, w.path, err)
				}
			}
		}
	}
	// Odd path and query parameters.
	for _, p := range hostilePaths() {
		for _, m := range []string{http.MethodGet, http.MethodDelete} {
			jobs <- func() {
				if _, err := tryDo(t, s, hostile, m, p, "", nil); err != nil {
					t.Errorf("%s %s: %v", m, p, err)
				}
			}
		}
	}
	// Protocol violations, on raw connections.
	for _, raw := range rawRequests {
		for range 5 {
			jobs <- func() { rawExchange(t, addr, raw) }
		}
	}
	// A body larger than the limit. The server answers 413 without reading it and closes the
	// connection (RFC 9110 §15.5.14). A client that sent Expect: 100-continue is never asked for
	// it; one that sends it at once gets a write error when the server closes, and finds the 413
	// when it reads the response anyway (sendReadingAnswer).
	big := bytes.Repeat([]byte("x"), 3<<20)
	for i := range 10 {
		jobs <- func() {
			var r *response
			var err error
			if i%2 == 0 {
				r, err = tryDo(t, s, hostile, http.MethodPost, customersPath(demoLedger), "application/json", big)
			} else {
				r, err = sendReadingAnswer(addr, http.MethodPost, customersPath(demoLedger), s.token, big)
			}
			if err != nil {
				t.Errorf("POST of %d bytes (Expect: 100-continue %v): %v", len(big), i%2 == 0, err)
				return
			}
			assertProblem(t, r, http.StatusRequestEntityTooLarge, "payload-too-large")
		}
	}
	close(jobs)
	wg.Wait()
	expectStatus(t, s.do(t, http.MethodGet, customersPath(demoLedger, "4711"), s.token, nil), http.StatusOK) // still serving
	leaks.check(t, requests.Load())

	// Slowloris: 40 connections trickling headers, 20 trickling a body, against short timeouts.
	s.args = append(s.args, "-http-read-header-timeout", "1s", "-http-read-timeout", "5s", "-http-write-timeout", "20s", "-http-idle-timeout", "2s")
	s.restart(t)
	addr = s.m.Addr()
	leaks = newLeakCheck(t, s)
	var slow sync.WaitGroup
	var cutOff atomic.Int64
	for i := range 60 {
		slow.Add(1)
		go func() {
			defer slow.Done()
			if slowClient(t, addr, i%3 == 0, s.token) {
				cutOff.Add(1)
			}
		}()
	}
	slow.Wait()
	if cutOff.Load() != 60 {
		t.Errorf("%d of 60 slow clients were cut off by the server", cutOff.Load())
	}
	expectStatus(t, s.do(t, http.MethodGet, customersPath(demoLedger, "4711"), s.token, nil), http.StatusOK) // still serving
	leaks.check(t, 60)
}

// leakCheck compares the process's goroutines and heap with what they were when it was made.
type leakCheck struct {
	s          *testServer
	goroutines int
	heap       uint64
	stacks     []byte
}

// newLeakCheck warms the server up (its goroutines for connections, the relay, the feeds) and
// records the goroutines and the heap once the count holds still: the server ends the warm-up's
// connections in its own time, later on a loaded machine, and a count taken while they end would
// hide as many leaked goroutines.
func newLeakCheck(t *testing.T, s *testServer) *leakCheck {
	for range 20 {
		s.do(t, http.MethodGet, customersPath(demoLedger, "4711"), s.token, nil)
	}
	l := &leakCheck{s: s}
	l.goroutines, l.heap = l.settle()
	// The 20 s bound does not fail the test: a count still moving then is recorded as it is,
	// which can only hide leaked goroutines (weaken the check), never report one.
	for same, deadline := 0, time.Now().Add(20*time.Second); same < 5 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond) // polling a count: there is no event to wait on
		goroutines, heap := l.settle()
		if same++; goroutines != l.goroutines {
			same = 0
		}
		l.goroutines, l.heap = goroutines, heap
	}
	l.stacks = make([]byte, 1<<20)
	l.stacks = l.stacks[:runtime.Stack(l.stacks, true)]
	return l
}

func (l *leakCheck) settle() (int, uint64) {
	l.s.client.CloseIdleConnections()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return runtime.NumGoroutine(), ms.HeapInuse
}

// check fails the test when goroutines were left behind (once the server has had until near the
// test's deadline to end its connections: slow on a loaded machine, never for a leak) or the heap
// grew by more than 64 MiB.
func (l *leakCheck) check(t *testing.T, requests int64) {
	t.Helper()
	wait, cancel := waitContext(t)
	defer cancel()
	goroutines, heap := l.settle()
	for goroutines > l.goroutines+3 && wait.Err() == nil {
		select {
		case <-wait.Done():
		case <-time.After(100 * time.Millisecond):
		}
		goroutines, heap = l.settle()
	}
	t.Logf("%d requests; goroutines %d before, %d after; heap in use %d MiB before, %d MiB after",
		requests, l.goroutines, goroutines, l.heap>>20, heap>>20)
	if goroutines > l.goroutines+3 {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines leaked: %d before, %d after\n%s\nbefore:\n%s", l.goroutines, goroutines, buf[:runtime.Stack(buf, true)], l.stacks)
	}
	if heap > l.heap+64<<20 {
		t.Errorf("heap in use grew from %d to %d MiB", l.heap>>20, heap>>20)
	}
}

// tryDo sends a request with the server's token on client and checks the answer as
// testServer.do does (no 5xx; every 4xx a problem), but returns a transport error instead of
// ending the test: it runs on worker goroutines.
func tryDo(t *testing.T, s *testServer, client *http.Client, method, path, contentType string, body []byte) (*response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if body != nil {
		s.sent.note(body)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	r := &response{Method: method, Path: req.URL.Path, Status: resp.StatusCode, Header: resp.Header, Body: data}
	checkResponse(t, r)
	return r, nil
}

// sendReadingAnswer sends a request with a body on a connection of its own (writeReadingAnswer).
func sendReadingAnswer(addr, method, path, token string, body []byte) (*response, error) {
	head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		method, path, addr, token, len(body))
	resp, data, err := writeReadingAnswer(addr, append([]byte(head), body...))
	if err != nil {
		return nil, err
	}
	return &response{Method: method, Path: path, Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// writeReadingAnswer writes raw, a request, on a connection of its own while it reads the answer:
// a server may answer before it has read all of a request (a body over the limit, headers over
// theirs) and close the connection, and the answer is what counts — not the error of the write
// that the close cuts short. (Go's client returns that write error instead of the answer when it
// comes first, which on a loaded machine it sometimes does.) On Linux an answer the server sent
// before it closed stays readable after the reset.
func writeReadingAnswer(addr string, raw []byte) (*http.Response, []byte, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	written := make(chan error, 1)
	go func() {
		_, err := conn.Write(raw)
		written <- err
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	var data []byte
	if err == nil {
		data, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	conn.Close() // ends a write still blocked
	if werr := <-written; err != nil {
		return nil, nil, fmt.Errorf("no answer: %w (writing: %v)", err, werr)
	}
	return resp, data, nil
}

// rawExchange sends raw bytes and checks the answer: a 4xx (a problem when the API answered) or
// a closed connection; never a 5xx, nor a connection held without an answer until near the
// test's deadline.
func rawExchange(t *testing.T, addr, raw string) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Error(err)
		return
	}
	defer conn.Close()
	wait, cancel := waitContext(t)
	defer cancel()
	if d, ok := wait.Deadline(); ok {
		conn.SetDeadline(d)
	}
	line := strings.SplitN(raw, "\r\n", 2)[0]
	if len(line) > 80 {
		line = line[:80] + "..."
	}
	if _, err := io.WriteString(conn, raw); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("raw %q: the server took nothing more until near the test's deadline", line)
		}
		return // the server may close while we write (a header too large)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("raw %q: neither answered nor closed by near the test's deadline", line)
		return
	}
	if err != nil {
		return // closed without an answer
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusHTTPVersionNotSupported && strings.Contains(line, "HTTP/9.9"),
		resp.StatusCode == http.StatusNotImplemented && strings.Contains(raw, "Transfer-Encoding: gzip"):
		// net/http's own answers to protocol features it does not implement (RFC 9110 §15.6.2,
		// §15.6.6), before any handler runs: "not implemented", not a failure.
	case resp.StatusCode >= 500:
		t.Errorf("raw %q: %d %s", line, resp.StatusCode, body)
	case resp.StatusCode < 400 && !strings.HasPrefix(raw, "GET /ledger/customer/v1/1000/customers/1 HTTP/1.1\r\nHost: x\r\n\r\n"):
		t.Errorf("raw %q: %d %s", line, resp.StatusCode, body)
	case resp.StatusCode >= 400 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/") && !bytes.Contains(body, []byte(`"type":"ledger/customer/v1/problems/`)):
		t.Errorf("raw %q: %d without a problem: %s", line, resp.StatusCode, body)
	}
}

// slowClient opens a connection and sends a request a byte every 200ms — its headers, or (body)
// complete headers and then its body. It reports whether the server cut it off (closed the
// connection or answered 4xx) before it was done; the cut is awaited until near the test's
// deadline (a server that never cuts holds the connection that long, or answers the whole request).
func slowClient(t *testing.T, addr string, body bool, token string) bool {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Error(err)
		return false
	}
	defer conn.Close()
	payload := `{"customerNo":"5555","name":"Slow Person","legalAddress":{"addressee":"Slow","city":"X","zipCode":"11122","countryCode":"SE"}}`
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nX-Slow: %s\r\n\r\n",
		customersPath(demoLedger), token, len(payload), strings.Repeat("s", 40))
	trickle := head + payload
	if body {
		if _, err := io.WriteString(conn, head); err != nil {
			return true
		}
		trickle = payload
	}
	wait, cancel := waitContext(t)
	defer cancel()
	answered := make(chan int, 1)
	go func() {
		if d, ok := wait.Deadline(); ok {
			conn.SetReadDeadline(d)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			answered <- -1 // neither closed nor answered
			return
		}
		if err != nil {
			answered <- 0 // closed
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Errorf("slow client: %d %s", resp.StatusCode, b)
		}
		answered <- resp.StatusCode
	}()
	for i := 0; i < len(trickle); i++ {
		select {
		case code := <-answered:
			return code == 0 || code >= 400
		case <-time.After(200 * time.Millisecond): // the client's pace, not a wait
		}
		if _, err := conn.Write([]byte{trickle[i]}); err != nil {
			return true
		}
	}
	code := <-answered // the reader ends at the latest at its deadline
	return code == 0 || code >= 400
}

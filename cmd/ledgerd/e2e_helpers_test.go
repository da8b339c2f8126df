package main

// Shared helpers of the end-to-end tests (e2e_*_test.go): they run the real program (Main) on a
// loopback port with a temporary data directory and talk to it over real HTTP. Nothing is mocked.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/internal/contracttest"
	"go.opentelemetry.io/otel/trace"
)

const (
	// demoLedger is the built-in demo ledger (Sweden).
	demoLedger = "1000"
	// tolvan is Tolvan Tolvansson, the well-known valid Swedish test personnummer; it replaces the
	// document's YYYYMMDD-NNNN.
	tolvan = "19121212-1212"
	// unregisteredPersonnummer is a valid personnummer that no test registers.
	unregisteredPersonnummer = "19811218-9876"
	// problemTypePrefix precedes every problem code (SPEC §8).
	problemTypePrefix = "ledger/customer/v1/problems/"
)

// customersPath returns /ledger/customer/v1/{ledgerNo}/customers[/{no}[/rest]].
func customersPath(ledgerNo string, parts ...string) string {
	p := "/ledger/customer/v1/" + ledgerNo + "/customers"
	for _, s := range parts {
		p += "/" + s
	}
	return p
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testServer is one ledgerd program (Main) under test; restart replaces it with a new Main on the
// same data directory.
type testServer struct {
	dir            string
	expectedErrors []string // error log lines holding one of these do not fail the test (withExpectedErrors)
	configFile     string
	args           []string
	m              *Main
	base           string // http://127.0.0.1:port
	token          string // the development token of the current run (every scope, every configured ledger)
	stdout         *syncBuffer
	logs           *syncBuffer
	running        bool
	client         *http.Client
	now            func() time.Time // the API's clock (nil: time.Now)
	sent           personalSet      // personal values the test sent (e2e_personal_test.go)
	// spans records the service's spans (e2e_tracing_helpers_test.go); nil runs it without a
	// tracer provider, as without OTEL_* configuration (withoutTracing).
	spans  *spanSink
	tracer trace.TracerProvider
}

type serverOption func(*testServer)

// withArgs adds command-line arguments.
func withArgs(args ...string) serverOption {
	return func(s *testServer) { s.args = append(s.args, args...) }
}

// withConfig runs the server with a ledger configuration file.
func withConfig(path string) serverOption { return func(s *testServer) { s.configFile = path } }

// withoutTracing runs the server without a tracer provider, as ledgerd runs without OTEL_*
// configuration: it records no spans.
func withoutTracing() serverOption { return func(s *testServer) { s.spans = nil } }

// keepSpans keeps the service's spans for the test to inspect (testServer.spans.await).
func keepSpans() serverOption { return func(s *testServer) { s.spans.keep = true } }

// withClock runs the server's API on a clock of the test's (Main.Now).
func withClock(now func() time.Time) serverOption { return func(s *testServer) { s.now = now } }

// withExpectedErrors lets the service log errors holding one of the messages (a test that
// provokes a failure the operators must be told of); every other error still fails the test.
func withExpectedErrors(msgs ...string) serverOption {
	return func(s *testServer) { s.expectedErrors = append(s.expectedErrors, msgs...) }
}

// unexpected returns the lines that hold none of the expected messages.
func unexpected(lines string, expected []string) string {
	if len(expected) == 0 || lines == "" {
		return lines
	}
	var out []string
	for _, l := range strings.Split(lines, "\n") {
		if !slices.ContainsFunc(expected, func(m string) bool { return strings.Contains(l, m) }) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// startServer runs Main on 127.0.0.1:0 with a fresh data directory and waits until it is ready.
// The server is closed when the test ends; the test fails if the log holds an ERROR record.
func startServer(t *testing.T, opts ...serverOption) *testServer {
	t.Helper()
	s := &testServer{
		dir:    t.TempDir(),
		logs:   &syncBuffer{},
		client: &http.Client{Timeout: 60 * time.Second, Transport: newTestTransport(false)},
		spans:  newSpanSink(false),
	}
	for _, o := range opts {
		o(s)
	}
	if s.spans != nil {
		s.tracer = s.spans.provider(t)
	}
	// Every response the test receives is validated against the OpenAPI document; mismatches
	// fail the test when it ends (this cleanup runs before the one below prints the log).
	defer contracttest.Client(t, s.client)
	t.Cleanup(func() {
		if s.running {
			s.stop(t)
		}
		s.client.CloseIdleConnections()
		logs := s.logs.String()
		if errs := unexpected(errorLines(logs), s.expectedErrors); errs != "" {
			t.Errorf("the service logged errors:\n%s", errs)
		}
		if lines := logLinesWithRepeatedKeys(logs); len(lines) > 0 { // logkeys_test.go
			t.Errorf("log lines repeat a key:\n%s", strings.Join(lines, "\n"))
		}
		if leaks := append(personalDataIn(logs), s.sent.foundIn(logs)...); len(leaks) > 0 {
			t.Errorf("the service logged personal data: %q", leaks)
		}
		if s.spans != nil {
			if unended := s.spans.unended(); len(unended) > 0 {
				t.Errorf("spans the service started and never ended: %q", unended)
			}
			spans := s.spans.Text()
			if leaks := append(personalDataIn(spans), s.sent.foundIn(spans)...); len(leaks) > 0 {
				t.Errorf("the service recorded personal data in spans: %q\n%s", leaks, spans)
			}
		}
		if t.Failed() {
			t.Logf("service log:\n%s", logs)
		}
	})
	s.start(t)
	return s
}

// expectContinueAbove is the body size above which the tests' clients send Expect: 100-continue
// (newTestTransport): the server may refuse a body without reading it (a declared length over
// the limit is answered 413 at once) and close the connection after answering; a client still
// writing the body then sees a write error and Go's client reports that instead of the answer.
// Asked for the body first, the client sends it only when the server reads it.
const expectContinueAbove = 64 << 10

// newTestTransport returns the HTTP transport of the tests' clients: Go's default transport that
// sends Expect: 100-continue with large bodies and waits for the server's answer to it, and
// opens a fresh connection for every request if fresh (no reuse of a connection the server may be
// closing as idle at that moment).
func newTestTransport(fresh bool) http.RoundTripper {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ExpectContinueTimeout = time.Minute // an answer to Expect is awaited; this only bounds a server that ignores it
	tr.DisableKeepAlives = fresh
	return expectContinueTransport{tr}
}

// expectContinueTransport adds Expect: 100-continue to requests with large bodies.
type expectContinueTransport struct{ base http.RoundTripper }

func (e expectContinueTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.ContentLength > expectContinueAbove && req.Header.Get("Expect") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("Expect", "100-continue")
	}
	return e.base.RoundTrip(req)
}

// personalValues are the personal data the tests send (names, identity numbers, e-mail, phone,
// addresses; not short numbers such as zip codes, which could occur inside a random id): none may
// ever appear in a log line.
var personalValues = []string{
	"Britt-Marie", "Axelstopp", "Tolvan", "19121212", "121212-1212", "191212121212", "britt@axelstopp.com",
	"+91485918841", "91485918841", "The street 18", "Axelgatan", "c/o Jansson", "STOCKHOLM",
}

// personalDataIn returns the personal values found in logs.
func personalDataIn(logs string) []string {
	var out []string
	for _, v := range personalValues {
		if strings.Contains(logs, v) {
			out = append(out, v)
		}
	}
	return out
}

// errorLines returns the ERROR records of a log.
func errorLines(logs string) string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "level=ERROR") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// start runs a new Main on the server's data directory, configured through ParseFlags (the way
// the binary is), and waits for /readyz.
func (s *testServer) start(t testing.TB) {
	t.Helper()
	m := NewMain()
	args := []string{"-http-addr", "127.0.0.1:0", "-nats-listen", "127.0.0.1:0", "-data-dir", s.dir, "-log-level", "debug", "-shutdown-grace", "10s"}
	if s.configFile != "" {
		args = append(args, "-config", s.configFile)
	}
	args = append(args, s.args...)
	noEnv := func(string) string { return "" }
	if err := m.ParseFlags(args, noEnv); err != nil {
		t.Fatalf("ParseFlags: %v", err)
	}
	s.stdout = &syncBuffer{}
	m.Stdout, m.LogOutput = s.stdout, s.logs
	m.Now = s.now
	m.TracerProvider = s.tracer
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatalf("Run: %v", err)
	}
	s.m, s.running = m, true
	s.base = "http://" + m.Addr()
	s.token = m.DevToken()
	external := slices.Contains(s.args, "-jwt-secret") || slices.Contains(s.args, "-jwks-url") // no development token then
	if s.token == "" && !external {
		t.Fatalf("no development token although neither a JWT secret nor a JWKS URL is configured")
	}
	if !external && !strings.Contains(s.stdout.String(), s.token) {
		t.Errorf("the development token is not printed on stdout; stdout:\n%s", s.stdout.String())
	}
	waitReady(t, s.client, s.base)
}

// stop closes the running Main.
func (s *testServer) stop(t testing.TB) {
	t.Helper()
	if !s.running {
		return
	}
	s.running = false
	s.client.CloseIdleConnections()
	if err := s.m.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// restart closes the running Main and starts a new one on the same data directory.
func (s *testServer) restart(t testing.TB) {
	t.Helper()
	s.stop(t)
	s.start(t)
}

// waitReady polls GET /readyz until it answers 200, bounded by the test's deadline (await).
func waitReady(t testing.TB, client *http.Client, base string) {
	t.Helper()
	await(t, base+" to be ready (GET /readyz 200)", func() (string, bool) {
		resp, err := client.Get(base + "/readyz")
		if err != nil {
			return err.Error(), false
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return fmt.Sprintf("%d %s", resp.StatusCode, body), resp.StatusCode == http.StatusOK
	})
}

// secret returns the HS256 secret the server keeps in its data directory.
func (s *testServer) secret(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(s.dir, "jwt-secret"))
	if err != nil {
		t.Fatalf("reading the JWT secret: %v", err)
	}
	return []byte(strings.TrimSpace(string(data)))
}

// mint returns a token signed with the server's secret for a subject, ledgers and scopes, valid
// for an hour.
func (s *testServer) mint(t testing.TB, sub string, ledgers []string, scopes ...string) string {
	t.Helper()
	tok, err := auth.MintHS256(s.secret(t), auth.Claims{Subject: sub, Ledgers: ledgers, Scopes: scopes, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatalf("MintHS256: %v", err)
	}
	return tok
}

// response is an HTTP response, read completely.
type response struct {
	Method string
	Path   string // the request path, without the query
	Status int
	Header http.Header
	Body   []byte
}

func (r *response) String() string {
	return fmt.Sprintf("%s %s → %d %s", r.Method, r.Path, r.Status, r.Body)
}

// json decodes the body into a generic value.
func (r *response) json(t testing.TB) any {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: body is not JSON: %v", r, err)
	}
	return v
}

// object decodes the body as a JSON object.
func (r *response) object(t testing.TB) map[string]any {
	t.Helper()
	m, ok := r.json(t).(map[string]any)
	if !ok {
		t.Fatalf("%s: body is not a JSON object", r)
	}
	return m
}

// do sends a request. body is nil (no body), a string or []byte (sent as is) or any other value
// (sent as JSON); a body gets Content-Type application/json unless headers set one. token ""
// sends no Authorization header. headers are name/value pairs. Every response is checked: never
// 5xx, and every 4xx is a well-formed problem.
func (s *testServer) do(t testing.TB, method, target, token string, body any, headers ...string) *response {
	t.Helper()
	var rd io.Reader
	hasBody := body != nil
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.base+target, rd)
	if err != nil {
		t.Fatalf("NewRequest %s %s: %v", method, target, err)
	}
	if hasBody {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if len(headers)%2 != 0 {
		t.Fatalf("headers must be name/value pairs")
	}
	for i := 0; i < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	if hasBody {
		s.sent.note(body)
	}
	return s.send(t, req)
}

// send sends a prepared request and checks the response (see do).
func (s *testServer) send(t testing.TB, req *http.Request) *response {
	t.Helper()
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL.Path, err)
	}
	r := &response{Method: req.Method, Path: req.URL.Path, Status: resp.StatusCode, Header: resp.Header, Body: body}
	checkResponse(t, r)
	return r
}

// checkResponse enforces what holds for every response: no 5xx; every 4xx is an RFC 9457
// problem with the SPEC §8 members.
func checkResponse(t testing.TB, r *response) {
	t.Helper()
	if r.Status >= 500 {
		t.Errorf("5xx: %s", r)
	}
	if r.Status >= 400 && r.Method != http.MethodHead { // an answer to HEAD has no body
		checkProblemShape(t, r)
	}
}

// problem is a problem response body.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance"`
	Problems []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"problems"`
}

func (p problem) names() []string {
	var out []string
	for _, x := range p.Problems {
		out = append(out, x.Name)
	}
	return out
}

func checkProblemShape(t testing.TB, r *response) problem {
	t.Helper()
	var p problem
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", r, r.Header.Get("Content-Type"))
		return p
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Errorf("%s: problem body is not JSON: %v", r, err)
		return p
	}
	if !strings.HasPrefix(p.Type, problemTypePrefix) || len(p.Type) == len(problemTypePrefix) {
		t.Errorf("%s: problem type %q does not start with %q", r, p.Type, problemTypePrefix)
	}
	if p.Status != r.Status {
		t.Errorf("%s: problem status %d differs from the HTTP status", r, p.Status)
	}
	if strings.TrimSpace(p.Title) == "" {
		t.Errorf("%s: problem has no title", r)
	}
	if want := jsonText(r.Path); p.Instance != want { // encoding/json replaces invalid UTF-8
		t.Errorf("%s: problem instance %q, want the request path %q", r, p.Instance, want)
	}
	return p
}

// jsonText returns s as it comes back from a JSON round trip.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

// assertProblem checks that r is the problem code with the status, and returns it.
func assertProblem(t testing.TB, r *response, status int, code string) problem {
	t.Helper()
	if r.Status != status {
		t.Errorf("%s: status %d, want %d (%s)", r, r.Status, status, code)
	}
	p := checkProblemShape(t, r)
	if want := problemTypePrefix + code; p.Type != want {
		t.Errorf("%s: problem type %q, want %q", r, p.Type, want)
	}
	return p
}

// assertValidation checks for a 400 validation problem naming at least every one of names.
func assertValidation(t testing.TB, r *response, names ...string) problem {
	t.Helper()
	p := assertProblem(t, r, http.StatusBadRequest, "validation")
	got := p.names()
	for _, n := range names {
		if !slices.Contains(got, n) {
			t.Errorf("%s: problems %q do not name %q", r, got, n)
		}
	}
	return p
}

// expectStatus fails the test unless r has one of the statuses.
func expectStatus(t testing.TB, r *response, statuses ...int) {
	t.Helper()
	if !slices.Contains(statuses, r.Status) {
		t.Fatalf("%s: status %d, want one of %v", r, r.Status, statuses)
	}
}

// ---- the document's examples ----

// docVars fill the placeholders of the document's examples.
type docVars struct {
	Ledger, CustomerNo, RegNo, LegalEntity, Token string
	Language                                      string // fills {language}
}

func defaultVars(token, legalEntity string) docVars {
	return docVars{Ledger: demoLedger, CustomerNo: "9999", RegNo: tolvan, LegalEntity: legalEntity, Token: token}
}

// fillBody replaces the placeholders of an example body (and response).
func (v docVars) fillBody(s string) string {
	s = strings.ReplaceAll(s, "YYYYMMDD-NNNN", v.RegNo)
	s = strings.ReplaceAll(s, `"consumer|business"`, strconv.Quote(v.LegalEntity))
	s = strings.ReplaceAll(s, "/XXX/", "/"+v.Ledger+"/")
	return s
}

// docMessage is an HTTP message of the document, as printed.
type docMessage struct {
	Name      string
	StartLine string
	Header    [][2]string // in order, as printed
	Body      string
	HasBody   bool
}

// loadDocMessage reads testdata/doc/<name>: a request or response copied from the document.
func loadDocMessage(t testing.TB, name string) docMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "doc", name))
	if err != nil {
		t.Fatal(err)
	}
	msg := docMessage{Name: name}
	text := string(data)
	head, body, hasBody := strings.Cut(text, "\n\n")
	lines := strings.Split(strings.TrimRight(head, "\n"), "\n")
	msg.StartLine = lines[0]
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("%s: bad header line %q", name, l)
		}
		msg.Header = append(msg.Header, [2]string{k, strings.TrimSpace(v)})
	}
	msg.Body, msg.HasBody = body, hasBody
	return msg
}

// sendDocRequest sends the document's example request testdata/doc/<name> verbatim (request
// line, headers including Host, body), with the placeholders filled in.
func (s *testServer) sendDocRequest(t testing.TB, name string, v docVars) *response {
	t.Helper()
	msg := loadDocMessage(t, name)
	parts := strings.Fields(msg.StartLine)
	if len(parts) != 3 || parts[2] != "HTTP/1.1" {
		t.Fatalf("%s: bad request line %q", name, msg.StartLine)
	}
	method := parts[0]
	target := strings.NewReplacer("XXX", v.Ledger, "{ownerNo}", v.Ledger, "{ledgerNo}", v.Ledger,
		"NNN", v.CustomerNo, "{customerNo}", v.CustomerNo, "{language}", v.Language).Replace(parts[1])
	var body io.Reader
	if msg.HasBody {
		body = strings.NewReader(v.fillBody(msg.Body))
		s.sent.note(v.fillBody(msg.Body))
	}
	req, err := http.NewRequest(method, s.base+target, body)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, h := range msg.Header {
		val := strings.ReplaceAll(h[1], "<Token>", v.Token)
		if strings.EqualFold(h[0], "Host") {
			req.Host = val
			continue
		}
		req.Header.Add(h[0], val)
	}
	return s.send(t, req)
}

// docResponse returns the status and the JSON body of the document's example response
// testdata/doc/<name>, with the placeholders filled in.
func docResponse(t testing.TB, name string, v docVars) (int, map[string]any) {
	t.Helper()
	msg := loadDocMessage(t, name)
	parts := strings.Fields(msg.StartLine)
	if len(parts) < 2 {
		t.Fatalf("%s: bad status line %q", name, msg.StartLine)
	}
	status, err := strconv.Atoi(parts[1])
	if err != nil {
		t.Fatalf("%s: bad status line %q", name, msg.StartLine)
	}
	var body map[string]any
	dec := json.NewDecoder(strings.NewReader(v.fillBody(msg.Body)))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("%s: body is not JSON: %v", name, err)
	}
	return status, body
}

// ---- comparing JSON ----

// assertContainsJSON checks that got holds every property of want, with the same name (casing
// included) and the same value; got may have more properties. Arrays must be equal element by
// element.
func assertContainsJSON(t testing.TB, what string, want, got any) {
	t.Helper()
	for _, d := range diffJSON("", want, got) {
		t.Errorf("%s: %s", what, d)
	}
}

func diffJSON(path string, want, got any) []string {
	at := path
	if at == "" {
		at = "(root)"
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: got %s, want an object", at, show(got))}
		}
		var out []string
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			gv, ok := g[k]
			if !ok {
				msg := fmt.Sprintf("%s: missing", p)
				for gk := range g {
					if strings.EqualFold(gk, k) {
						msg = fmt.Sprintf("%s: missing; present as %q (wrong casing)", p, gk)
					}
				}
				out = append(out, msg)
				continue
			}
			out = append(out, diffJSON(p, w[k], gv)...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: got %s, want %s", at, show(got), show(want))}
		}
		var out []string
		for i := range w {
			out = append(out, diffJSON(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	default:
		if !reflect.DeepEqual(want, got) {
			return []string{fmt.Sprintf("%s: got %s, want %s", at, show(got), show(want))}
		}
		return nil
	}
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// jsonPath returns the value at a dotted path of nested objects.
func jsonPath(v any, path string) (any, bool) {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// setPath sets (or, with del, deletes) the value at a dotted path of nested objects.
func setPath(t testing.TB, v map[string]any, path string, value any, del bool) {
	t.Helper()
	keys := strings.Split(path, ".")
	m := v
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			t.Fatalf("setPath %s: %s is not an object", path, k)
		}
		m = next
	}
	last := keys[len(keys)-1]
	if del {
		if _, ok := m[last]; !ok {
			t.Fatalf("setPath %s: nothing to delete", path)
		}
		delete(m, last)
		return
	}
	m[last] = value
}

// ---- hypermedia operations ----

type operation struct {
	Rel, Method, Href string
}

func (o operation) String() string { return o.Rel + " " + o.Method + " " + o.Href }

// operationsAt returns the operations list at a dotted path ("operations", "legalAddress.operations").
func operationsAt(t testing.TB, v any, path string) []operation {
	t.Helper()
	raw, ok := jsonPath(v, path)
	if !ok {
		t.Errorf("%s: no operations property", path)
		return nil
	}
	list, ok := raw.([]any)
	if !ok {
		t.Errorf("%s: operations is %s, want an array", path, show(raw))
		return nil
	}
	var out []operation
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			t.Errorf("%s: operation %s is not an object", path, show(item))
			continue
		}
		rel, _ := m["rel"].(string)
		method, _ := m["method"].(string)
		href, _ := m["href"].(string)
		out = append(out, operation{rel, method, href})
	}
	return out
}

// assertOperations checks that ops include every one of want and no operation with a forbidden rel.
func assertOperations(t testing.TB, what string, ops []operation, want []operation, forbidden ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(ops, w) {
			t.Errorf("%s: operations %v lack %v", what, ops, w)
		}
	}
	for _, o := range ops {
		if slices.Contains(forbidden, o.Rel) {
			t.Errorf("%s: operations %v include %q, which must not be offered here", what, ops, o.Rel)
		}
	}
}

// writeMethods are the methods of operations that change something.
var writeMethods = []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// ---- the event log ----

// readEvents reads the whole event log of a data directory with the personal members of its
// events opened (with the directory's key store and generated master key; erased members stay
// out). The server must be closed.
func readEvents(t testing.TB, dir string) []eventstore.Event {
	t.Helper()
	events := readStoredEvents(t, dir)
	pd, closeKeys := dataDirProtector(t, dir)
	defer closeKeys()
	for i, e := range events {
		opened, err := pd.OpenEvent(context.Background(), e)
		if err != nil {
			t.Fatalf("opening event %d: %v", e.Position, err)
		}
		events[i].Data = opened.Data
	}
	return events
}

// dataDirProtector opens a data directory's key store read-only with its generated master key:
// it opens the directory's sealed events as ledgerd does. Call closeKeys before ledgerd starts
// on the directory again (the read-only lock keeps a writer out).
func dataDirProtector(t testing.TB, dir string) (pd *personal.Protector, closeKeys func()) {
	t.Helper()
	ring, err := personal.ParseMasterKeys(string(mustRead(t, filepath.Join(dir, "master.key"))))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := personal.OpenStore(filepath.Join(dir, "keys.db"), ring, personal.StoreOptions{ReadOnly: true})
	if err != nil {
		t.Fatalf("opening the key store: %v", err)
	}
	return personal.NewProtector(keys), func() { keys.Close() }
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readStoredEvents reads the whole event log of a data directory as stored. The server must be
// closed.
func readStoredEvents(t testing.TB, dir string) []eventstore.Event {
	t.Helper()
	st, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatalf("opening the event store: %v", err)
	}
	defer st.Close()
	var out []eventstore.Event
	for from := uint64(1); ; {
		batch, err := st.ReadAll(context.Background(), from, 0)
		if err != nil {
			t.Fatalf("ReadAll: %v", err)
		}
		if len(batch) == 0 {
			return out
		}
		out = append(out, batch...)
		from = batch[len(batch)-1].Position + 1
	}
}

// streamEvents returns the events of one customer stream, in order.
func streamEvents(all []eventstore.Event, ledgerNo, customerNo string) []eventstore.Event {
	var out []eventstore.Event
	for _, e := range all {
		if e.Stream == ledgerNo+"/customers/"+customerNo {
			out = append(out, e)
		}
	}
	return out
}

// eventTypes returns the types of events.
func eventTypes(events []eventstore.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Type)
	}
	return out
}

// ---- request bodies ----

// newCustomer returns a valid create-customer body.
func newCustomer(customerNo, name string) map[string]any {
	return map[string]any{
		"customerNo": customerNo,
		"name":       name,
		"legalAddress": map[string]any{
			"addressee": name, "streetAddress": "Storgatan 1", "city": "STOCKHOLM", "zipCode": "111 22", "countryCode": "se",
		},
	}
}

// createCustomer creates a customer and fails the test unless it gets 201.
func (s *testServer) createCustomer(t testing.TB, token string, body map[string]any, headers ...string) *response {
	t.Helper()
	r := s.do(t, http.MethodPost, customersPath(demoLedger), token, body, headers...)
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %s", r)
	}
	return r
}

// ledgerConfig writes a ledger configuration file with ledgers 1000 and 2000 (both Swedish).
func ledgerConfig(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledgers.json")
	cfg := `{"ledgers": [{"ledgerNo": "1000", "countryCode": "SE"}, {"ledgerNo": "2000", "countryCode": "SE"}]}`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitStream returns the JetStream stream once the relay has created it: the bus starts in the
// background, so a test can reach NATS before the stream exists.
func waitStream(ctx context.Context, t *testing.T, js jetstream.JetStream, name string) jetstream.Stream {
	t.Helper()
	for {
		stream, err := js.Stream(ctx, name)
		if err == nil {
			return stream
		}
		if !errors.Is(err, jetstream.ErrStreamNotFound) || ctx.Err() != nil {
			t.Fatalf("stream %s: %v\n%s", name, err, natsServerStacks())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// natsServerStacks returns the stacks of this process's goroutines that are in the NATS server
// or client, for a test that found an embedded server not answering (CI saw a JetStream API
// request go unanswered for 30 s once, not reproduced since): what each was waiting on.
func natsServerStacks() string {
	buf := make([]byte, 8<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "nats-io/nats-server") || strings.Contains(g, "nats-io/nats.go") {
			out = append(out, g)
		}
	}
	return fmt.Sprintf("goroutines in NATS (%d):\n%s", len(out), strings.Join(out, "\n\n"))
}

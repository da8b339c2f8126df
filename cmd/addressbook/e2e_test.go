package main

// The address book against the real ledgerd binary (built from cmd/ledgerd) with its embedded
// NATS: it copies the customers' names and addresses, is stopped and started again without
// reading the ledger from the start, and drops a forgotten customer.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore/consumer"
	"github.com/nordledger/ledger/httpapi/auth"
)

const secret = "addressbook-test-secret-0123456789abcdef"

// ledgerd is a run of the ledgerd binary.
type ledgerd struct {
	base, nats, dir string
	token           string // every scope
}

// What ledgerd logs of its addresses (the text log format, its default).
var (
	listeningAddr = regexp.MustCompile(`msg="ledgerd listening" .*\baddr=(\S+)`)
	embeddedNATS  = regexp.MustCompile(`msg="embedded NATS server ready" .*\burl=(\S+)`)
)

// syncBuffer is a goroutine-safe output sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// startLedgerd builds and runs ledgerd with a data directory of the test's and waits until it is
// ready.
func startLedgerd(t *testing.T) *ledgerd {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "ledgerd")
	if out, err := exec.Command(goTool, "build", "-o", bin, "../ledgerd").CombinedOutput(); err != nil {
		t.Fatalf("go build ../ledgerd: %v\n%s", err, out)
	}
	l := &ledgerd{dir: t.TempDir()}
	// Port 0, and the addresses from ledgerd's log: a port found free beforehand can be taken by
	// another test before ledgerd binds it.
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-nats-listen", "127.0.0.1:0",
		"-data-dir", l.dir, "-jwt-secret", secret)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LEDGERD_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("ledgerd:\n%s", out.String())
		}
	})
	l.token = mint(t, "test", auth.AllScopes...)
	deadline := time.Now().Add(2 * time.Minute)
	for wait := 10 * time.Millisecond; l.base == "" || l.nats == ""; wait = min(2*wait, 500*time.Millisecond) {
		log := out.String()
		if m := listeningAddr.FindStringSubmatch(log); m != nil {
			l.base = "http://" + m[1]
		}
		if m := embeddedNATS.FindStringSubmatch(log); m != nil {
			l.nats = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("ledgerd logged no HTTP address or no NATS URL within 2 minutes:\n%s", log)
		}
		time.Sleep(wait) // a process starting: nothing to wait on but its log
	}
	for wait := 10 * time.Millisecond; l.head(t, false) == 0; wait = min(2*wait, 500*time.Millisecond) {
		if cmd.ProcessState != nil {
			t.Fatalf("ledgerd exited:\n%s", out.String())
		}
		time.Sleep(wait) // a process starting: nothing to wait on but its answer
	}
	return l
}

func mint(t *testing.T, sub string, scopes ...string) string {
	t.Helper()
	tok, err := auth.MintHS256([]byte(secret), auth.Claims{Subject: sub, Ledgers: []string{"1000"}, Scopes: scopes, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// head returns the log's head from /readyz once ledgerd is ready (0 before; with must, failing
// the test then).
func (l *ledgerd) head(t *testing.T, must bool) uint64 {
	t.Helper()
	resp, err := http.Get(l.base + "/readyz")
	if err != nil {
		if must {
			t.Fatal(err)
		}
		return 0
	}
	defer resp.Body.Close()
	var body struct {
		Relay struct{ Head uint64 } `json:"relay"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != http.StatusOK {
		if must {
			t.Fatalf("/readyz %d", resp.StatusCode)
		}
		return 0
	}
	return max(body.Relay.Head, 1)
}

// do sends a request to the ledger API and checks its status.
func (l *ledgerd) do(t *testing.T, method, path, body string, status int) {
	t.Helper()
	req, _ := http.NewRequest(method, l.base+"/ledger/customer/v1/1000"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+l.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != status {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s: %d, want %d\n%s", method, path, resp.StatusCode, status, b)
	}
}

// grant grants the consumer the ledger's personal data on the admin socket.
func (l *ledgerd) grant(t *testing.T, name string) {
	t.Helper()
	sock := filepath.Join(l.dir, "admin.sock")
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	resp, err := client.Post("http://ledgerd/admin/v1/consumers/grant", "application/json",
		strings.NewReader(`{"ledgerNo":"1000","consumer":"`+name+`","by":"test"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("grant: %d", resp.StatusCode)
	}
}

func customer(no, name, city string) string {
	return fmt.Sprintf(`{"customerNo":%q,"name":%q,"legalAddress":{"addressee":%q,"city":%q,"zipCode":"11122","countryCode":"SE"}}`, no, name, name, city)
}

// book is a run of the address book in this process.
type bookRun struct {
	events chan *consumer.Event
	addr   chan string
	stop   context.CancelFunc
	done   chan error
}

func startBook(t *testing.T, l *ledgerd, data string) *bookRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &bookRun{events: make(chan *consumer.Event, 1024), addr: make(chan string, 1), stop: cancel, done: make(chan error, 1)}
	c := config{natsURL: l.nats, ledgerURL: l.base, ledgerNo: "1000", token: mint(t, "addressbook", auth.ScopePersonalDataRead), durable: "addressbook",
		stream: consumer.DefaultStream, data: data, httpAddr: "127.0.0.1:0",
		observe: func(e *consumer.Event) { r.events <- e }, listening: func(a string) { r.addr <- a }}
	go func() { r.done <- run(ctx, c, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	t.Cleanup(func() { r.close(t) })
	return r
}

// until returns the events the book applied up to position last.
func (r *bookRun) until(t *testing.T, last uint64) []*consumer.Event {
	t.Helper()
	var out []*consumer.Event
	for len(out) == 0 || out[len(out)-1].Position < last {
		select {
		case e := <-r.events:
			out = append(out, e)
		case err := <-r.done:
			r.done <- err
			t.Fatalf("the address book stopped: %v", err)
		}
	}
	return out
}

func (r *bookRun) close(t *testing.T) {
	r.stop()
	if err := <-r.done; err != nil {
		t.Errorf("the address book: %v", err)
	}
	r.done <- nil
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(v)
	return resp.StatusCode
}

// TestAddressBook: the address book copies the customers' names and addresses from a real
// ledgerd; stopped and started again it applies only what was written meanwhile; it drops a
// forgotten customer.
func TestAddressBook(t *testing.T) {
	l := startLedgerd(t)
	l.grant(t, "addressbook")
	l.do(t, http.MethodPost, "/customers", customer("1001", "Anna Andersson", "STOCKHOLM"), http.StatusCreated)
	l.do(t, http.MethodPost, "/customers", customer("1002", "Bertil Berg", "MALMÖ"), http.StatusCreated)
	l.do(t, http.MethodPost, "/customers/1002/billing-address", `{"addressee":"Bertil Berg","city":"LUND","zipCode":"22100","countryCode":"SE"}`, http.StatusCreated)
	data := filepath.Join(t.TempDir(), "addressbook.db")

	r := startBook(t, l, data)
	r.until(t, l.head(t, true))
	var anna Entry
	if st := getJSON(t, "http://"+<-r.addr+"/customers/1001", &anna); st != http.StatusOK || anna.Name != "Anna Andersson" || anna.LegalAddress.City != "STOCKHOLM" {
		t.Fatalf("1001: %d %+v", st, anna)
	}
	r.close(t)

	before := l.head(t, true)
	l.do(t, http.MethodPut, "/customers/1001/legal-address", `{"addressee":"Anna Andersson","city":"UPPSALA","zipCode":"75320","countryCode":"SE"}`, http.StatusOK)
	l.do(t, http.MethodPost, "/customers", customer("1003", "Cecilia Carlsson", "KIRUNA"), http.StatusCreated)
	l.do(t, http.MethodPost, "/customers/1002/forget", "", http.StatusNoContent) // last: no later write reuses its pages
	after := l.head(t, true)

	r = startBook(t, l, data)
	applied := r.until(t, after)
	if applied[0].Position != before+1 || len(applied) != int(after-before) {
		t.Errorf("after the restart the book applied positions %d..%d (%d events), want %d..%d: only what was written meanwhile",
			applied[0].Position, applied[len(applied)-1].Position, len(applied), before+1, after)
	}
	base := "http://" + <-r.addr
	var list struct{ Items []Entry }
	getJSON(t, base+"/customers", &list)
	got := map[string]Entry{}
	for _, e := range list.Items {
		got[e.CustomerNo] = e
	}
	if len(got) != 2 || got["1001"].LegalAddress.City != "UPPSALA" || got["1003"].Name != "Cecilia Carlsson" {
		t.Errorf("the book: %+v", list.Items)
	}
	if _, ok := got["1002"]; ok {
		t.Error("the forgotten customer is still in the book")
	}
	raw, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"Bertil", "MALMÖ", "LUND"} {
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("the book's file still holds %q of the forgotten customer", v)
		}
	}
}

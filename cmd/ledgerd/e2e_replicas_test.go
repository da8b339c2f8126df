package main

// The scaling topology of docker-compose.yml, on loopback with real processes: a three-node NATS
// JetStream cluster (in the test process), one ledgerd writer publishing to an R3 stream, and two
// ledgerd readers building their read models from it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/httpapi/auth"
)

// freePort returns a loopback port that was free a moment ago. Only the cluster below uses it:
// its nodes' route ports must be known before any node starts; everything else listens on port 0
// and reads the address it got.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startCluster starts an n-node JetStream cluster on loopback and returns its client URLs
// (comma-separated) once JetStream answers. The route ports are picked before the nodes start,
// so one may be taken meanwhile: the cluster is then started again on others (three attempts).
func startCluster(t *testing.T, n int) string {
	t.Helper()
	for attempt := 1; ; attempt++ {
		url, err := tryCluster(t, n)
		if err == nil {
			return url
		}
		if attempt == 3 {
			t.Fatal(err)
		}
		t.Logf("the NATS cluster, attempt %d: %v; again on other ports", attempt, err)
	}
}

// tryCluster starts the cluster once; on failure its nodes are shut down.
func tryCluster(t *testing.T, n int) (string, error) {
	t.Helper()
	routePorts := make([]int, n)
	for i := range n {
		routePorts[i] = freePort(t)
	}
	var nodes []*server.Server
	fail := func(err error) (string, error) {
		for _, s := range nodes {
			s.Shutdown()
			s.WaitForShutdown()
		}
		return "", err
	}
	var urls []string
	for i := range n {
		var routes []string
		for j := range n {
			if j != i {
				routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", routePorts[j]))
			}
		}
		o := &server.Options{
			ServerName: fmt.Sprintf("n%d", i+1), Host: "127.0.0.1", Port: server.RANDOM_PORT, NoSigs: true, NoLog: true,
			JetStream: true, StoreDir: t.TempDir(),
			Cluster: server.ClusterOpts{Name: "ledger", Host: "127.0.0.1", Port: routePorts[i]},
			Routes:  server.RoutesFromStr(strings.Join(routes, ",")),
		}
		s, err := server.NewServer(o)
		if err != nil {
			return fail(err)
		}
		nodes = append(nodes, s)
		go s.Start()
		t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
		// This bound and the JetStream one below do not fail the test: a route port taken
		// meanwhile keeps the cluster from forming, and startCluster tries other ports.
		if !s.ReadyForConnections(10 * time.Second) {
			return fail(fmt.Errorf("NATS node %d not ready (route port %d)", i+1, routePorts[i]))
		}
		urls = append(urls, s.ClientURL())
	}
	url := strings.Join(urls, ",")
	nc, err := nats.Connect(url)
	if err != nil {
		return fail(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := js.AccountInfo(ctx)
		cancel()
		if err == nil {
			return url, nil
		}
		if time.Now().After(deadline) {
			return fail(fmt.Errorf("the JetStream cluster did not form: %w", err))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// get returns a GET's status, ETag and body.
func (s *testServer) get(t *testing.T, path, token string) (int, string, []byte) {
	t.Helper()
	r := s.do(t, http.MethodGet, path, token, nil)
	return r.Status, r.Header.Get("ETag"), r.Body
}

// converge waits until every reader answers every path exactly as the writer does (status, ETag
// and body, byte for byte), bounded by the test's deadline (await).
func converge(t *testing.T, writer *testServer, readers []*testServer, token string, paths []string) {
	t.Helper()
	for _, p := range paths {
		ws, we, wb := writer.get(t, p, token)
		if ws != http.StatusOK {
			t.Fatalf("writer GET %s: %d %s", p, ws, wb)
		}
		for i, r := range readers {
			await(t, fmt.Sprintf("reader %d to answer GET %s as the writer does (%d %s %s)", i+1, p, ws, we, wb), func() (string, bool) {
				rs, re, rb := r.get(t, p, token)
				return fmt.Sprintf("%d %s %s", rs, re, rb), rs == ws && re == we && bytes.Equal(rb, wb)
			})
		}
	}
}

func customerPaths(nos ...string) []string {
	var out []string
	for _, no := range nos {
		out = append(out, customersPath("1000", no), customersPath("1000", no)+"?$expand=legaladdress,billingaddress",
			customersPath("1000", no, "legal-address"))
	}
	return out
}

// writerHead returns the writer's log head from its /readyz detail.
func writerHead(t *testing.T, writer *testServer) uint64 {
	t.Helper()
	r := writer.do(t, http.MethodGet, "/readyz", "", nil)
	var body struct {
		Relay struct {
			Head uint64 `json:"head"`
		} `json:"relay"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil || body.Relay.Head == 0 {
		t.Fatalf("writer /readyz: %s (%v)", r.Body, err)
	}
	return body.Relay.Head
}

func TestE2EReplicasOnLoopback(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a NATS cluster and three processes")
	}
	bin := buildLedgerd(t)
	natsURL := startCluster(t, 3)
	const secret = "replica-test-secret-0123456789abcdef"
	token, err := auth.MintHS256([]byte(secret), auth.Claims{Subject: "replica-test", Ledgers: []string{"1000"}, Scopes: auth.AllScopes, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	writerDir := t.TempDir()
	writerArgs := []string{"-nats-url", natsURL, "-nats-replicas", "3", "-jwt-secret", secret}
	writerRun := startBinary(t, bin, writerDir, writerArgs...)
	client := &http.Client{Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	writer := &testServer{base: writerRun.base, client: client}

	readerDirs := []string{t.TempDir(), t.TempDir()}
	readerArgs := func(i int) []string {
		return []string{"-role", "reader", "-nats-url", natsURL, "-writer-url", writer.base, "-reader-id", fmt.Sprint("r", i+1),
			"-key-file", filepath.Join(writerDir, "reservation.key"), "-master-key-file", filepath.Join(writerDir, "master.key"), "-jwt-secret", secret}
	}
	readerRuns := make([]*binaryRun, 2)
	readers := make([]*testServer, 2)
	for i := range readers {
		readerRuns[i] = startBinary(t, bin, readerDirs[i], readerArgs(i)...)
		readers[i] = &testServer{base: readerRuns[i].base, client: client}
	}

	// The document's examples on the writer, and more customers with changes.
	v := defaultVars(token, "consumer")
	expectStatus(t, writer.sendDocRequest(t, "create-customer.http", v), http.StatusCreated)
	expectStatus(t, writer.sendDocRequest(t, "post-billing-address.http", v), http.StatusCreated)
	expectStatus(t, writer.sendDocRequest(t, "patch-email-delete-msisdn.http", v), http.StatusOK)
	nos := []string{v.CustomerNo}
	for i := range 20 {
		no := fmt.Sprint(6000 + i)
		expectStatus(t, writer.createCustomer(t, token, newCustomer(no, fmt.Sprint("Replica ", i))), http.StatusCreated)
		expectStatus(t, writer.do(t, http.MethodPatch, customersPath("1000", no), token, `{"emailAddress":"r@example.com"}`), http.StatusOK)
		nos = append(nos, no)
	}
	converge(t, writer, readers, token, append(customerPaths(nos...), customersPath("1000", v.CustomerNo, "billing-address")))

	// Readers' metrics show their read models caught up with the stream.
	for i, r := range readers {
		body := string(r.do(t, http.MethodGet, "/metrics", "", nil).Body)
		if !strings.Contains(body, `ledgerd_projection_lag_positions{projection="customers"} 0`) || !strings.Contains(body, "ledgerd_stream_last_sequence ") {
			t.Errorf("reader %d /metrics:\n%s", i+1, body)
		}
	}

	// Readers serve find-customer and turn changes away, naming the writer.
	for i, r := range readers {
		found := r.sendDocRequest(t, "find-customer.http", v)
		expectStatus(t, found, http.StatusOK)
		if got := found.object(t)["customerNo"]; got != v.CustomerNo {
			t.Errorf("reader %d find-customer: %v", i+1, got)
		}
		for _, resp := range []*response{
			r.do(t, http.MethodPost, customersPath("1000"), token, newCustomer("6999", "Nobody")),
			r.do(t, http.MethodPatch, customersPath("1000", v.CustomerNo), token, `{"emailAddress":"x@example.com"}`),
			r.do(t, http.MethodDelete, customersPath("1000", v.CustomerNo, "billing-address"), token, nil),
		} {
			p := assertProblem(t, resp, http.StatusMisdirectedRequest, "read-only-replica")
			if w := resp.object(t)["writer"]; w != writer.base {
				t.Errorf("reader %d refusal names writer %v, want %s (%+v)", i+1, w, writer.base, p)
			}
		}
	}
	for _, r := range readers { // a Connect look-up is recorded in the log: only the writer takes it
		cr := newConnectClient(r).post(t, connectPath("1000", "9000"), token, lookupBody("SE", "19121212-1212"))
		assertConnectError(t, cr, http.StatusMisdirectedRequest, "421", "READ_ONLY_REPLICA")
	}
	if st, _, _ := writer.get(t, customersPath("1000", "6999"), token); st != http.StatusNotFound {
		t.Errorf("a write refused by a reader reached the writer: GET 6999 = %d", st)
	}

	// A reader killed with SIGKILL resumes from its read model after more changes.
	readerRuns[0].kill(t)
	for _, no := range nos[1:6] {
		expectStatus(t, writer.do(t, http.MethodPatch, customersPath("1000", no), token, `{"emailAddress":"later@example.com"}`), http.StatusOK)
	}
	readerRuns[0] = startBinary(t, bin, readerDirs[0], readerArgs(0)...)
	readers[0].base = readerRuns[0].base
	converge(t, writer, readers, token, customerPaths(nos...))

	// The writer killed with SIGKILL amid writes: every acknowledged write is on the writer, on
	// the stream exactly once, and on both readers.
	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		c := &http.Client{Timeout: 10 * time.Second}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			no := strconv.Itoa(7000 + i)
			body, _ := json.Marshal(newCustomer(no, "Crash "+no))
			req, _ := http.NewRequest(http.MethodPost, writer.base+customersPath("1000"), bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := c.Do(req)
			if err != nil {
				continue // the writer is down
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusCreated {
				mu.Lock()
				acked = append(acked, no)
				mu.Unlock()
			}
		}
	}()
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 30 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	writerRun.kill(t)
	close(stop)
	<-done
	writerRun = startBinary(t, bin, writerDir, writerArgs...)
	writer.base = writerRun.base
	converge(t, writer, readers, token, customerPaths(acked...))
	checkStream(t, natsURL, writerHead(t, writer))
}

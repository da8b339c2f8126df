package main

// The embedded NATS server's disk fills up: the log, the outbox, takes every write meanwhile;
// /readyz reports the stuck relay; once space returns the relay and the key bus publish
// everything by themselves, exactly once and in order, without a restart.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/personal/keysync"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/eventstore/wire"
)

// readiness is the body of /readyz, as far as these tests read it.
type readiness struct {
	Status string `json:"status"`
	Detail string `json:"detail"`
	Relay  struct {
		Published uint64 `json:"published"`
		Head      uint64 `json:"head"`
		Stuck     bool   `json:"stuck"`
		LastError string `json:"lastError"`
	} `json:"relay"`
	code int
}

func (r readiness) String() string {
	return fmt.Sprintf("%d %s (%s): relay published %d of %d, stuck %t, lastError %q",
		r.code, r.Status, r.Detail, r.Relay.Published, r.Relay.Head, r.Relay.Stuck, r.Relay.LastError)
}

// awaitReadiness polls /readyz until ok holds and returns that answer. The wait is bounded by
// the test's deadline (await): recovering takes the relay's ack timeout and backoffs, longer on a
// loaded machine.
func awaitReadiness(t *testing.T, client *http.Client, base, token, what string, ok func(readiness) bool) readiness {
	t.Helper()
	var last readiness
	await(t, what+" (GET /readyz)", func() (*readiness, bool) {
		resp, err := getReadyz(client, base, token)
		if err != nil {
			return &last, false
		}
		last = readiness{}
		err = json.NewDecoder(resp.Body).Decode(&last)
		resp.Body.Close()
		last.code = resp.StatusCode
		return &last, err == nil && ok(last)
	})
	return last
}

// published says whether the relay has published everything up to want (0: up to the head).
func published(want uint64) func(readiness) bool {
	return func(r readiness) bool {
		return r.code == http.StatusOK && r.Status == "ready" && r.Relay.Published == r.Relay.Head && r.Relay.Head >= want
	}
}

// stuckBus says whether /readyz reports the bus stuck (200, "degraded"), events waiting or not.
func stuckBus(r readiness) bool {
	return r.code == http.StatusOK && r.Status == "degraded" && r.Relay.Stuck
}

// degraded says whether /readyz reports the relay stuck: still 200 (the writer takes writes, the
// log is the outbox) with status "degraded", a detail naming the relay and events waiting.
func degraded(r readiness) bool {
	return r.code == http.StatusOK && r.Status == "degraded" && r.Relay.Stuck &&
		strings.Contains(r.Detail, "relay") && r.Relay.Published < r.Relay.Head
}

// streamIDs waits until the stream holds want messages, checks that it holds exactly the
// positions 1..want once each, in order (checkStream), and returns their event ids in order.
func streamIDs(t *testing.T, url string, want uint64) []string {
	t.Helper()
	checkStream(t, url, want)
	js, closeJS := jetStreamAt(t, url)
	defer closeJS()
	ctx, cancel := waitContext(t)
	defer cancel()
	stream := waitStream(ctx, t, js, relay.DefaultStreamName)
	ids := make([]string, 0, want)
	for seq := uint64(1); seq <= want; seq++ {
		m, err := stream.GetMsg(ctx, seq)
		if err != nil {
			t.Fatalf("message %d: %v", seq, err)
		}
		ids = append(ids, m.Header.Get(wire.HeaderMsgID))
	}
	return ids
}

// awaitKeyBus waits until the key bus holds an entry for every subject.
func awaitKeyBus(t *testing.T, url string, subjects []string) {
	t.Helper()
	js, closeJS := jetStreamAt(t, url)
	defer closeJS()
	ctx, cancel := waitContext(t)
	defer cancel()
	kv := awaitCtx(ctx, t, "the key bus", func() (any, bool) {
		kv, err := js.KeyValue(ctx, keysync.DefaultBucket)
		if err != nil {
			return err, false
		}
		return kv, true
	}).(jetstream.KeyValue)
	for _, subject := range subjects {
		key := "k." + base64.RawURLEncoding.EncodeToString([]byte(subject))
		awaitCtx(ctx, t, "the key bus's entry for "+subject, func() (error, bool) {
			_, err := kv.Get(ctx, key)
			return err, err == nil
		})
	}
}

// natsDiskRun is ledgerd on tmpfs with the embedded NATS store on a small tmpfs of its own.
type natsDiskRun struct {
	*tmpfsRun
	s        *testServer
	token    string
	subjects []string // the customers created, as key subjects
	n        int
}

func startNATSDiskRun(t *testing.T, natsSize int) *natsDiskRun {
	t.Helper()
	bin := buildLedgerd(t)
	const secret = "nats-disk-secret-0123456789abcdef0123"
	r := startOnTmpfs(t, bin, tmpfsLayout{size: 64 << 20, natsSize: natsSize}, "-jwt-secret", secret)
	run := &natsDiskRun{tmpfsRun: r, s: &testServer{base: r.base, client: &http.Client{Timeout: 60 * time.Second}},
		token: mintWith(t, secret, "nats-disk-tester")}
	t.Cleanup(run.s.client.CloseIdleConnections)
	return run
}

// create creates k customers; every one must be stored (201): the log is the outbox.
func (r *natsDiskRun) create(t *testing.T, k int) {
	t.Helper()
	for range k {
		r.n++
		no := strconv.Itoa(700000 + r.n)
		expectStatus(t, r.s.do(t, http.MethodPost, customersPath(demoLedger), r.token, newCustomer(no, fmt.Sprintf("Bus Person %d", r.n))), http.StatusCreated)
		r.subjects = append(r.subjects, domain.StreamName(demoLedger, no))
	}
}

// restart stops ledgerd and starts it again on the same mounts (new ports: the client follows).
func (r *natsDiskRun) restart(t *testing.T) {
	t.Helper()
	r.tmpfsRun.restart(t)
	r.s.base = r.base
}

func (r *natsDiskRun) await(t *testing.T, what string, ok func(readiness) bool) readiness {
	t.Helper()
	return awaitReadiness(t, r.s.client, r.base, r.token, what, ok)
}

// finish checks that the stream holds every event of the log exactly once, in order, and the key
// bus every customer's key, then stops ledgerd and compares the stream with the log.
func (r *natsDiskRun) finish(t *testing.T) {
	t.Helper()
	head := r.await(t, "the relay to publish everything", published(0)).Relay.Head
	url := r.natsURL(t)
	ids := streamIDs(t, url, head)
	awaitKeyBus(t, url, r.subjects)
	out := r.stop(t)
	events := readEvents(t, out)
	if uint64(len(events)) != head {
		t.Fatalf("the log holds %d events, /readyz said %d", len(events), head)
	}
	for i, e := range events {
		if ids[i] != e.ID.String() {
			t.Fatalf("stream message %d is event %s, the log's event at that position is %s", i+1, ids[i], e.ID)
		}
	}
	if leaks := personalDataInAny(r.stderr.String(), []string{"Bus Person"}); len(leaks) > 0 {
		t.Errorf("ledgerd logged personal data: %q", leaks)
	}
}

// TestE2ENATSDiskFull: the embedded NATS server's store fills up while ledgerd runs. Writes go on
// (the log is the outbox), /readyz reports the stuck relay (200, status "degraded"), and once
// space returns the relay and the key bus publish everything by themselves — no restart —
// exactly once and in log order.
func TestE2ENATSDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and mounts a tmpfs")
	}
	r := startNATSDiskRun(t, 4<<20)
	r.create(t, 10)
	r.await(t, "the first events on the bus", published(10))

	filler := fill(t, filepath.Join(r.mount, "nats"))
	r.create(t, 20)
	// The store's writes are flushed behind the acknowledgements (the stream's sync interval):
	// the 20 may all be acknowledged before the first failed flush makes the bus stuck. The
	// events after that wait in the log.
	stuck := r.await(t, "/readyz to report the stuck bus", stuckBus)
	for i := 0; !degraded(stuck); i++ {
		if i == 1000 {
			t.Fatalf("1000 more events published on a full disk: %s", stuck)
		}
		r.create(t, 1)
		stuck = r.await(t, "/readyz to report the stuck bus", stuckBus)
	}
	t.Logf("while NATS's disk is full: %s", stuck)
	r.create(t, 20) // still stored, while the relay is stuck

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	r.await(t, "the relay to catch up once space returned", published(uint64(r.n)))
	r.create(t, 10)
	r.finish(t)
}

// TestE2ENATSStartsOnFullDisk: ledgerd restarts while the embedded NATS server's disk is full
// (nats-server then computed its storage limit from the free space: "Max Storage: 0 B", and
// refused everything until another restart). Writes are stored, /readyz reports the stuck relay,
// and once the disk grows (the tmpfs is remounted larger, the filler stays) the relay and the key
// bus publish everything without another restart.
func TestE2ENATSStartsOnFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and mounts a tmpfs")
	}
	r := startNATSDiskRun(t, 4<<20)
	r.create(t, 10)
	r.await(t, "the first events on the bus", published(10))

	fill(t, filepath.Join(r.mount, "nats"))
	r.restart(t)
	r.create(t, 10)
	stuck := r.await(t, "/readyz to report the stuck relay", degraded)
	t.Logf("after a restart on a full disk: %s", stuck)

	r.remount(t, r.data+"/nats", 16<<20)
	r.await(t, "the relay to catch up once the disk grew", published(20))
	r.create(t, 5)
	r.finish(t)
}

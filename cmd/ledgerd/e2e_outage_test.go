package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/eventstore/wire"
)

// startExternalNATS runs a JetStream server in the test process, as an external NATS for ledgerd,
// storing in dir on port (-1: random).
func startExternalNATS(t *testing.T, dir string, port int) *server.Server {
	t.Helper()
	s, err := relay.StartEmbedded(relay.EmbeddedConfig{StoreDir: dir, Host: "127.0.0.1", Port: port, ServerName: "external",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s
}

// checkStream waits until the stream holds want messages and then checks that message n carries
// log position n and that no event id occurs twice: every event once, in log order, no gaps.
func checkStream(t *testing.T, url string, want uint64) {
	t.Helper()
	js, closeJS := jetStreamAt(t, url, nats.MaxReconnects(-1))
	defer closeJS()
	ctx, cancel := waitContext(t)
	defer cancel()
	var stream jetstream.Stream
	for {
		if stream == nil {
			stream, _ = js.Stream(ctx, relay.DefaultStreamName)
		}
		if stream != nil {
			info, err := stream.Info(ctx)
			if err == nil && info.State.LastSeq >= want {
				if info.State.Msgs != want || info.State.LastSeq != want {
					t.Fatalf("the stream holds %d messages up to sequence %d, want %d and %d", info.State.Msgs, info.State.LastSeq, want, want)
				}
				break
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the stream did not reach %d messages by the test's deadline", want)
		case <-time.After(pollInterval):
		}
	}
	ids := map[string]uint64{}
	for seq := uint64(1); seq <= want; seq++ {
		m, err := stream.GetMsg(ctx, seq)
		if err != nil {
			t.Fatalf("message %d: %v", seq, err)
		}
		if got := m.Header.Get(wire.HeaderLedgerPosition); got != strconv.FormatUint(seq, 10) {
			t.Fatalf("message %d carries position %s", seq, got)
		}
		id := m.Header.Get(wire.HeaderMsgID)
		if prev, dup := ids[id]; dup {
			t.Fatalf("event %s published twice (%d and %d)", id, prev, seq)
		}
		ids[id] = seq
	}
}

// TestE2ENATSOutage: the NATS server stops while clients keep writing and starts again; no write
// fails, and once NATS is back every event is on the stream exactly once, in log order.
func TestE2ENATSOutage(t *testing.T) {
	natsDir := t.TempDir()
	ns := startExternalNATS(t, natsDir, -1)
	port := ns.Addr().(*net.TCPAddr).Port
	s := startServer(t, withArgs("-nats-url", ns.ClientURL()))

	events := uint64(0)
	create := func(i int) {
		t.Helper()
		expectStatus(t, s.createCustomer(t, s.token, newCustomer(fmt.Sprint(5000+i), fmt.Sprint("Outage ", i))), http.StatusCreated)
		expectStatus(t, s.do(t, http.MethodPatch, customersPath("1000", fmt.Sprint(5000+i)), s.token, `{"emailAddress":"o@example.com"}`), http.StatusOK)
		events += 2
	}
	for i := 0; i < 10; i++ {
		create(i)
	}
	ns.Shutdown()
	ns.WaitForShutdown()
	for i := 10; i < 30; i++ { // NATS is down: writes still succeed
		create(i)
	}
	ns = startExternalNATS(t, natsDir, port)
	for i := 30; i < 40; i++ {
		create(i)
	}
	checkStream(t, ns.ClientURL(), events)
}

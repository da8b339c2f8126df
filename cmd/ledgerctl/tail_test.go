package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/relay"
	cmds "github.com/nordledger/ledger/internal/app"
)

// bus is an embedded NATS server with the ledger's stream, and the relay publishing a log to it.
type bus struct {
	server *server.Server
	store  *eventstore.Store
	relay  *relay.Relay
}

// startBus writes a history to a new data directory, starts an embedded NATS server (random port)
// and runs the relay from the log until the test ends; it returns once everything is published.
func startBus(t *testing.T) *bus {
	t.Helper()
	dir := newDataDir(t)
	history(t, dir, 3, 12)
	s, err := relay.StartEmbedded(relay.EmbeddedConfig{StoreDir: t.TempDir(), Port: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	nc, err := nats.Connect(s.ClientURL(), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := relay.EnsureStream(ctx, js, relay.StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	b := &bus{server: s, store: openTestLog(t, dir)}
	if b.relay, err = relay.New(relay.Config{Log: b.store, JetStream: js, Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); b.relay.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; b.store.Close() })
	b.waitPublished(t)
	return b
}

// waitPublished waits until the relay has published the whole log.
func (b *bus) waitPublished(t *testing.T) uint64 {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if st := b.relay.Status(); st.Head > 0 && st.Published == st.Head {
			return st.Head
		}
	}
	t.Fatalf("the relay did not publish the log: %+v", b.relay.Status())
	return 0
}

func TestTailFromStartJSON(t *testing.T) {
	b := startBus(t)
	head := b.waitPublished(t)
	stdout, stderr, code := runCLI(t, nil, "tail", "--nats-url", b.server.ClientURL(), "--from-start", "--count", fmt.Sprint(head), "--json")
	if code != exitOK {
		t.Fatalf("exit code = %d; stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != int(head) {
		t.Fatalf("%d lines for %d events: %q", len(lines), head, stdout)
	}
	var lookups int
	for i, line := range lines {
		var ev tailEvent
		var raw struct {
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if err := json.Unmarshal([]byte(line), &raw); err != nil || raw.Data == nil {
			t.Errorf("line %q: data is not an object", line)
		}
		if ev.Position != uint64(i+1) || ev.ID == "" || ev.Version == 0 || ev.SchemaVersion == 0 || ev.Actor != "alice" || ev.Time.IsZero() {
			t.Errorf("line %d = %+v", i, ev)
		}
		if want := "ledger.customer.v1.1000." + ev.Stream[strings.LastIndex(ev.Stream, "/")+1:] + "." + ev.Type; ev.Subject != want {
			t.Errorf("subject %q, want %q", ev.Subject, want)
		}
		if strings.Contains(ev.Stream, "/lookups/") {
			lookups++
		}
	}
	if first := lines[0]; !strings.Contains(first, `"type":"CustomerCreated"`) || !strings.Contains(first, `"stream":"1000/customers/100"`) {
		t.Errorf("first line %q", first)
	}
	if lookups == 0 {
		t.Error("no look-up events shown")
	}
}

func TestTailFromStartFiltered(t *testing.T) {
	b := startBus(t)
	stdout, stderr, code := runCLI(t, nil, "tail", "--nats-url", b.server.ClientURL(), "--from-start", "--count", "2",
		"--subject", "ledger.customer.v1.1000.101.>")
	if code != exitOK {
		t.Fatalf("exit code = %d; stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "\tledger.customer.v1.1000.101.CustomerCreated\talice") {
		t.Errorf("stdout = %q", stdout)
	}
	for _, l := range lines {
		if f := strings.Split(l, "\t"); len(f) != 4 || !strings.Contains(f[2], ".101.") {
			t.Errorf("line %q is not position, time, subject, actor of customer 101", l)
		}
	}
}

// TestTailLive: without --from-start, tail shows the events published after it subscribed.
func TestTailLive(t *testing.T) {
	b := startBus(t)
	before := b.server.NumSubscriptions()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	done := make(chan int)
	go func() {
		done <- runContext(ctx, []string{"tail", "--nats-url", b.server.ClientURL(), "--count", "2"}, &out, &errOut, func(string) string { return "" })
	}()
	for b.server.NumSubscriptions() <= before {
		select {
		case code := <-done:
			t.Fatalf("tail ended with %d before subscribing: %q", code, errOut.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	h, err := cmds.New(b.store, cmds.Config{ReservationKey: []byte(testKey)})
	if err != nil {
		t.Fatal(err)
	}
	meta := cmds.Meta{Actor: "bob", CorrelationID: "c", Time: testTime}
	for _, email := range []string{"live1@example.com", "live2@example.com"} {
		patch, err := domain.ParsePatchCustomer(domain.PatchInput{EmailAddress: domain.Set(email)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Execute(ctx, "1000", "102", nil, meta, func(c *domain.Customer) ([]domain.Event, error) { return c.Patch(patch) }); err != nil {
			t.Fatal(err)
		}
	}
	head, _ := b.store.Head(ctx)
	if code := <-done; code != exitOK {
		t.Fatalf("exit code = %d; stderr %q", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("stdout = %q, want 2 lines", out.String())
	}
	for i, l := range lines {
		want := fmt.Sprintf("%d\t2026-11-21T09:00:00.000Z\tledger.customer.v1.1000.102.CustomerDetailsChanged\tbob", head-1+uint64(i))
		if l != want {
			t.Errorf("line %d = %q, want %q", i, l, want)
		}
	}
}

func TestTailFails(t *testing.T) {
	b := startBus(t)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"subject outside the ledger's", []string{"--nats-url", b.server.ClientURL(), "--subject", "orders.>"}, exitUsage, `--subject "orders.>" is not under ledger.customer.v1.>`},
		{"negative count", []string{"--count", "-1"}, exitUsage, "--count -1 is negative"},
		{"no server", []string{"--nats-url", "nats://127.0.0.1:1"}, exitFailure, "connecting to nats://127.0.0.1:1"},
		{"no such stream", []string{"--nats-url", b.server.ClientURL(), "--from-start", "--stream", "NOPE"}, exitFailure, "reading stream NOPE"},
		{"malformed subject", []string{"--nats-url", b.server.ClientURL(), "--subject", "ledger.customer.v1.1000.>.x"}, exitUsage,
			`--subject "ledger.customer.v1.1000.>.x" is not a NATS subject: '>' only as the whole last token`},
		{"malformed subject, from the start", []string{"--nats-url", b.server.ClientURL(), "--from-start", "--subject", "ledger.customer.v1..x"}, exitUsage,
			`--subject "ledger.customer.v1..x" is not a NATS subject: an empty token`},
		{"wildcard inside a token", []string{"--nats-url", b.server.ClientURL(), "--subject", "ledger.customer.v1.10*"}, exitUsage,
			`--subject "ledger.customer.v1.10*" is not a NATS subject: '*' only as a whole token`},
		{"empty stream", []string{"--nats-url", b.server.ClientURL(), "--from-start", "--stream", ""}, exitUsage, `--stream "" is not a JetStream stream name`},
		{"stream with a space", []string{"--nats-url", b.server.ClientURL(), "--from-start", "--stream", "a b"}, exitUsage, `--stream "a b" is not a JetStream stream name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, nil, append([]string{"tail"}, tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d; stderr %q", code, tt.wantCode, stderr)
			}
			checkOutput(t, "stdout", stdout, "")
			checkOutput(t, "stderr", stderr, tt.wantStderr)
		})
	}
}

func TestTailURLFromEnvironment(t *testing.T) {
	b := startBus(t)
	stdout, stderr, code := runCLI(t, map[string]string{natsURLEnv: b.server.ClientURL()}, "tail", "--from-start", "--count", "1")
	if code != exitOK || !strings.HasPrefix(stdout, "1\t") {
		t.Errorf("exit code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestTailNATSGoesAway: a tail whose NATS server goes away, and does not come back before the
// client gives up reconnecting, fails (exit 1) saying so — it waited forever, printing nothing,
// and a follower of the live subject missed what was published while it was disconnected
// without a word.
func TestTailNATSGoesAway(t *testing.T) {
	defer func(o []nats.Option) { tailNATSOptions = o }(tailNATSOptions)
	tailNATSOptions = []nats.Option{nats.NoReconnect()} // give up at once: no waiting out reconnects
	for _, from := range []bool{false, true} {
		t.Run(fmt.Sprintf("from start %v", from), func(t *testing.T) {
			b := startBus(t)
			before := b.server.NumSubscriptions()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var out, errOut bytes.Buffer
			done := make(chan int, 1)
			args := []string{"tail", "--nats-url", b.server.ClientURL()}
			if from {
				args = append(args, "--from-start")
			}
			go func() { done <- runContext(ctx, args, &out, &errOut, func(string) string { return "" }) }()
			for b.server.NumSubscriptions() <= before {
				select {
				case code := <-done:
					t.Fatalf("tail ended with %d before subscribing: %q", code, errOut.String())
				case <-time.After(5 * time.Millisecond):
				}
			}
			b.server.Shutdown()
			code := <-done // bounded by the test's own deadline
			if code != exitFailure {
				t.Errorf("exit code = %d, want %d; stderr %q", code, exitFailure, errOut.String())
			}
			if !strings.Contains(errOut.String(), "connection to NATS") {
				t.Errorf("stderr = %q, want it to say the connection to NATS was lost", errOut.String())
			}
		})
	}
}

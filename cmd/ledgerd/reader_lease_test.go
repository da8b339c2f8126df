package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// leaseLogs is a slog.Handler that keeps what is logged, as "LEVEL message".
type leaseLogs struct {
	mu    sync.Mutex
	lines []string
}

func (h *leaseLogs) Enabled(context.Context, slog.Level) bool { return true }
func (h *leaseLogs) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lines = append(h.lines, r.Level.String()+" "+r.Message)
	return nil
}
func (h *leaseLogs) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *leaseLogs) WithGroup(string) slog.Handler      { return h }

func (h *leaseLogs) list() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.lines...)
}

// blockClaims makes the claims' bucket of stream LEDGER unusable, fast: a stream of its name
// that is no key-value bucket (opening the bucket fails at once, where a NATS user without the
// bucket's permissions waits out each request's timeout). It returns the undoing.
func blockClaims(t *testing.T, js jetstream.JetStream) (unblock func()) {
	t.Helper()
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "KV_LEDGER_READERS", Subjects: []string{"$KV.LEDGER_READERS.>"}}); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if err := js.DeleteStream(ctx, "KV_LEDGER_READERS"); err != nil {
			t.Fatal(err)
		}
	}
}

// startNATS starts a real NATS server with JetStream and connects to it.
func startNATS(t *testing.T) jetstream.JetStream {
	t.Helper()
	ns, err := server.NewServer(&server.Options{JetStream: true, StoreDir: t.TempDir(), Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	if !ns.ReadyForConnections(waitLeft(t)) {
		t.Fatal("nats-server not ready")
	}
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// TestReaderLeaseLogsAClaimFailureOnce: a reader that could not claim its id at start (its
// NATS user lacks the bucket's permissions) has warned about it there (startReader); the claim
// loop, trying again every 10 s, does not warn once more in other words, and logs "reader id
// claimed" at INFO as soon as a try takes the claim — whether tries failed before it or not.
// It warned a second time at its first failing try, and logged "reader id claimed" only after
// that second warning. The test drives the loop's ticks by hand.
func TestReaderLeaseLogsAClaimFailureOnce(t *testing.T) {
	for _, failing := range []int{0, 2} { // tries that fail before the claim can be made
		t.Run(strings.Repeat("failing-try/", failing)+"claimed", func(t *testing.T) {
			js := startNATS(t)
			unblock := blockClaims(t, js)
			logs := &leaseLogs{}
			ticks := make(chan time.Time) // unbuffered: a tick sent is taken once the try before it ended
			l := newReaderLease(js, "LEDGER", 1, "replica-9", readerOwner{DataDirID: "d1", Host: "h", DataDir: "/data"}, slog.New(logs))
			l.ticks = ticks
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if err := l.acquire(ctx); err == nil || errors.Is(err, errReaderIDInUse) {
				t.Fatalf("the claim on a bucket that is none: %v", err)
			}
			kept := make(chan struct{})
			go func() {
				defer close(kept)
				l.keep(ctx, func(err error) { t.Errorf("lost: %v", err) })
			}()
			for range failing {
				ticks <- time.Now()
			}
			unblock()
			ticks <- time.Now() // claims it (or the failing try before it raced unblock, and this one does)
			ticks <- time.Now() // renews it: the try before it has ended
			ticks <- time.Now() // (cancelled while it tries)
			cancel()
			<-kept
			if !l.held() {
				t.Fatal("the claim is not held once it could be made")
			}
			var warns, claimed int
			for _, line := range logs.list() {
				warns += strings.Count(line, "WARN ")
				if line == "INFO reader id claimed" {
					claimed++
				}
			}
			if warns != 0 || claimed != 1 {
				t.Errorf("the claim loop logged %d warnings (want 0: start-up warned) and \"reader id claimed\" %d times (want 1):\n%s",
					warns, claimed, strings.Join(logs.list(), "\n"))
			}
		})
	}
}

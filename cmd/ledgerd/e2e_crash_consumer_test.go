package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestE2ECrashConsumerOnce: a downstream consumer written from docs/consumers.md with nats.go
// alone (a durable pull consumer with explicit acks, de-duplicating by position) follows the
// ledger while the ledgerd binary, writing under load, is killed with SIGKILL five times —
// between storing events and publishing them — and started again on the same data directory.
// NATS (external, as in production) stays up. The consumer must get every event of the log once
// after de-duplication, in log order, with no gap: position N is the log's event N (same id),
// and what it saw again is only ever an event it had already seen (a redelivery), never a new
// event out of order.
func TestE2ECrashConsumerOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildLedgerd(t)
	dir := t.TempDir()
	ns := startExternalNATS(t, t.TempDir(), -1)
	const secret = "crash-consumer-secret-0123456789abcdef"
	args := []string{"-jwt-secret", secret, "-nats-url", ns.ClientURL()}
	token := mintWith(t, secret, "crash-tester")

	f := followRaw(t, ns.ClientURL())
	const workers, rounds = 4, 5
	g := newLoadGen(t, token, workers)
	defer g.client.CloseIdleConnections()
	for range rounds {
		run := startBinary(t, bin, dir, args...)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int)
		go func() { done <- g.run(ctx, run.base, workers, true) }()
		time.Sleep(time.Duration(50+rand.IntN(300)) * time.Millisecond) // a random moment of the load, not a wait for anything
		run.kill(t)
		cancel()
		<-done
		g.resolve(t, readEvents(t, dir)) // the writes that got no answer: applied or not, as the log says
	}
	run := startBinary(t, bin, dir, args...)
	head := writerHead(t, &testServer{base: run.base, client: g.client})
	await(t, fmt.Sprintf("the consumer to apply position %d", head), func() (uint64, bool) { applied := f.applied(); return applied, applied >= head })
	stopBinary(t, run)
	f.stop()

	events := readEvents(t, dir)
	if uint64(len(events)) != head || head == 0 {
		t.Fatalf("the log holds %d events, its head was %d", len(events), head)
	}
	if err := f.failure(); err != nil {
		t.Fatal(err)
	}
	for i, e := range events {
		if got := f.ids[i]; got != e.ID.String() {
			t.Fatalf("position %d: the consumer applied event %s, the log holds %s", e.Position, got, e.ID)
		}
	}
	t.Logf("%d events applied once each; %d deliveries of events already applied were skipped; the durable was made again %d times after lost deliveries", head, f.dups, f.remade)
}

// rawFollower is the consumer of TestE2ECrashConsumerOnce.
type rawFollower struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	ids    []string // the event id applied at each position (index position-1)
	dups   int      // deliveries at or below the checkpoint, skipped
	remade int      // times the durable was made again after lost deliveries
	err    error    // the first broken promise
}

func followRaw(t *testing.T, url string) *rawFollower {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &rawFollower{cancel: cancel, done: make(chan struct{})}
	t.Cleanup(func() { f.stop(); nc.Close() })
	go func() {
		defer close(f.done)
		var cons jetstream.Consumer
		var dseq uint64 // the durable's last delivery sequence handled (docs/consumers.md, "Following durably")
		for ctx.Err() == nil {
			if cons == nil {
				// The stream is made by ledgerd on its first start: wait for it. The durable
				// starts after the checkpoint: made again after lost deliveries, it must not
				// wait AckWait for them behind newer events.
				cfg := jetstream.ConsumerConfig{
					Durable: "crash-crm", FilterSubject: "ledger.customer.v1." + demoLedger + ".>", DeliverPolicy: jetstream.DeliverAllPolicy,
					AckPolicy: jetstream.AckExplicitPolicy, AckWait: 30 * time.Second, MaxDeliver: -1, MaxAckPending: 512}
				if cp := f.applied(); cp > 0 {
					cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, cp+1
				}
				c, err := js.CreateOrUpdateConsumer(ctx, "LEDGER", cfg)
				if err != nil {
					time.Sleep(20 * time.Millisecond)
					continue
				}
				cons, dseq = c, c.CachedInfo().Delivered.Consumer
			}
			batch, err := cons.Fetch(64, jetstream.FetchMaxWait(time.Second))
			if err != nil {
				continue
			}
			lost := false
			for m := range batch.Messages() {
				md, err := m.Metadata()
				if lost || err != nil {
					continue // drained: past lost deliveries nothing is handled
				}
				if md.Sequence.Consumer != dseq+1 {
					// Deliveries were lost on the way (a fetch that ended with a message still
					// on its way, a broken connection): they would come back only after AckWait,
					// behind newer events — make the durable again from the checkpoint + 1.
					lost = true
					continue
				}
				dseq = md.Sequence.Consumer
				f.handle(m, md)
			}
			if lost {
				f.mu.Lock()
				f.remade++
				f.mu.Unlock()
				if err := js.DeleteConsumer(ctx, "LEDGER", "crash-crm"); err == nil || errors.Is(err, jetstream.ErrConsumerNotFound) {
					cons = nil
				}
			}
		}
	}()
	return f
}

// handle applies one message as the page says: position = stream sequence (= ce-ledgerposition);
// skip what is at or below the checkpoint; the next must be the checkpoint + 1. Its delivery
// sequence was checked: none was lost before it.
func (f *rawFollower) handle(m jetstream.Msg, md *jetstream.MsgMetadata) {
	f.mu.Lock()
	defer f.mu.Unlock()
	seq, checkpoint := md.Sequence.Stream, uint64(len(f.ids))
	fail := func(format string, args ...any) {
		if f.err == nil {
			f.err = fmt.Errorf(format, args...)
		}
	}
	switch {
	case m.Headers().Get("ce-ledgerposition") != strconv.FormatUint(seq, 10):
		fail("stream sequence %d carries ce-ledgerposition %q", seq, m.Headers().Get("ce-ledgerposition"))
	case seq <= checkpoint:
		f.dups++
		if id := m.Headers().Get("ce-id"); id != f.ids[seq-1] {
			fail("position %d delivered again as event %s, first as %s", seq, id, f.ids[seq-1])
		}
	case seq != checkpoint+1:
		fail("position %d after %d: a gap", seq, checkpoint)
	default:
		f.ids = append(f.ids, m.Headers().Get("ce-id"))
	}
	_ = m.Ack()
}

func (f *rawFollower) applied() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return uint64(len(f.ids))
}

func (f *rawFollower) failure() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *rawFollower) stop() {
	f.cancel()
	<-f.done
}

package relay_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/eventstore/wire"
	"golang.org/x/time/rate"
)

// Settings of BenchmarkAppendToSubscriberLag (pass them after -args).
var (
	lagDuration = flag.Duration("lag.duration", 60*time.Second, "lag benchmark: length of the paced run")
	lagProbe    = flag.Duration("lag.probe", 5*time.Second, "lag benchmark: length of the max-rate probe")
	lagFraction = flag.Float64("lag.fraction", 0.5, "lag benchmark: paced rate as a fraction of the probed maximum")
	lagRate     = flag.Float64("lag.rate", 0, "lag benchmark: paced rate in appends/s (overrides -lag.fraction)")
	lagWriters  = flag.Int("lag.writers", 64, "lag benchmark: concurrent writers")
	lagDrain    = flag.Duration("lag.drain", 3*time.Minute, "lag benchmark: longest wait for the subscribers after the run")
	lagCatchUp  = flag.Int("lag.catchup", 20_000, "lag benchmark: events for the relay vs raw-publish throughput comparison")
	lagRounds   = flag.Int("lag.rounds", 3, "lag benchmark: alternating relay and raw-publish rounds of the comparison")
	lagSync     = flag.String("lag.sync", "1s", `lag benchmark: the embedded server's fsync: "always" or an interval (ledgerd's LEDGERD_NATS_SYNC; default 1s)`)
)

const lagWindow = 10 * time.Second

// Observers of the lag benchmark.
const (
	obsCore = iota // plain nats.go subscriber on ledger.customer.v1.>
	obsJS          // JetStream ordered consumer: what a reader's consumer sees at best
	observers
)

// BenchmarkAppendToSubscriberLag measures append-to-subscriber lag at a sustained rate (issue 4):
// a bbolt store, the embedded server (SyncAlways, as ledgerd runs it), the relay, and two
// observers — a plain subscriber on ledger.customer.v1.> and a JetStream ordered consumer. It
// first probes the store's maximum append rate with -lag.writers unpaced writers (one event per
// append), then runs the writers paced to -lag.fraction of it for -lag.duration, recording per
// position the time its append returned and the time each observer received it. It reports the
// lag quantiles overall and per 10 s window, and the least-squares trend of lag against append
// time (bounded: the trend adds less than 50 ms over the run), then the relay's catch-up throughput next to raw async publishing of the same messages (median of
// -lag.rounds alternating rounds).
//
// It runs only when the -bench pattern names it (it takes minutes):
//
//	go test -run '^$' -bench AppendToSubscriberLag -benchtime 1x -timeout 30m ./eventstore/relay -args -lag.duration 60s
func BenchmarkAppendToSubscriberLag(b *testing.B) {
	if f := flag.Lookup("test.bench"); f == nil || !strings.Contains(f.Value.String(), "Lag") {
		b.Skip("takes minutes: run it with -bench AppendToSubscriberLag")
	}
	// The report goes to stdout as it is made: the testing package keeps only ten lines of a
	// benchmark's log.
	report := func(format string, args ...any) { fmt.Printf("lag: "+format+"\n", args...) }
	interval, err := relay.ParseSyncInterval(*lagSync)
	if err != nil {
		b.Fatal(err)
	}
	report("load average at start: %s", loadAvg())
	maxRate := probeMaxRate(b, *lagWriters, *lagProbe)
	target := *lagFraction * maxRate
	if *lagRate > 0 {
		target = *lagRate
	}
	report("max append rate of the store, %d writers, %s: %.0f appends/s; paced run at %.0f appends/s for %s (NATS sync: %s)",
		*lagWriters, *lagProbe, maxRate, target, *lagDuration, *lagSync)

	store := openStore(b, b.TempDir())
	srv := benchServer(b, interval)
	js := newJetStream(b, connect(b, srv.ClientURL()))
	if err := relay.EnsureStream(context.Background(), js, relay.StreamConfig{}); err != nil {
		b.Fatal(err)
	}
	capacity := int(target*lagDuration.Seconds()*1.2) + 10_000
	rec := newLagRecorder(capacity, observers)
	stopObservers := observe(b, srv.ClientURL(), rec)
	run := startRelay(b, relay.Config{Log: store, JetStream: js})

	appended, elapsed := pacedAppends(b, store, rec, target, *lagDuration)
	drainStart := time.Since(rec.start)
	deadline := time.Now().Add(*lagDrain)
	for (rec.got[obsCore].Load() < int64(appended) || rec.got[obsJS].Load() < int64(appended)) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	end := time.Since(rec.start)
	stopObservers()
	achieved := float64(appended) / elapsed.Seconds()
	if achieved < 0.95*target {
		report("the writers did not sustain the target rate (%.0f of %.0f appends/s): the store shares the 2 cores and the disk with the relay, the server and the observers", achieved, target)
	}
	for o := range observers {
		if got := rec.got[o].Load(); got < int64(appended) {
			report("observer %d received %d of %d events within -lag.drain %s", o, got, appended, *lagDrain)
		}
	}
	report("appended %d events in %s: %.0f appends/s; subscribers done %s after the last append",
		appended, elapsed.Round(time.Millisecond), achieved, (end - drainStart).Round(time.Millisecond))

	full := int(elapsed / lagWindow)
	for o, name := range []string{"plain subscriber (ledger.customer.v1.>)", "JetStream ordered consumer"} {
		st := rec.stats(o, appended, end, lagWindow)
		first, last := st.firstLast(full)
		report("append-to-%s lag:\n%s\n  first vs last full 10 s window: p99 %s → %s ms; lag %s; p99 under 50 ms: %t",
			name, st, ms(first.p99), ms(last.p99), boundedness(st, elapsed), st.all.p99 < 50*time.Millisecond)
		if o == obsCore {
			b.ReportMetric(float64(st.all.p50)/1e6, "p50-ms")
			b.ReportMetric(float64(st.all.p99)/1e6, "p99-ms")
			b.ReportMetric(float64(st.all.max)/1e6, "max-ms")
			b.ReportMetric(float64(first.p99)/1e6, "first10s-p99-ms")
			b.ReportMetric(float64(last.p99)/1e6, "last10s-p99-ms")
		}
	}
	b.ReportMetric(achieved, "appends/s")
	b.ReportMetric(maxRate, "max-appends/s")

	if err := run.stop(); err != nil {
		b.Fatal(err)
	}
	n := min(*lagCatchUp, int(appended))
	events := readEvents(b, store, n)
	var relayRates, rawRates []float64
	for range *lagRounds { // alternating, so drifting disk and CPU noise hits both alike
		relayRates = append(relayRates, relayThroughput(b, store, js, n))
		rawRates = append(rawRates, rawThroughput(b, js, events))
	}
	relayRate, rawRate := median(relayRates), median(rawRates)
	report("throughput over the first %d events, same server, %d alternating rounds: relay %.0f msgs/s %.0f, raw nats.go async publish %.0f msgs/s %.0f; medians relay/raw %.2f",
		n, *lagRounds, relayRate, relayRates, rawRate, rawRates, relayRate/rawRate)
	b.ReportMetric(relayRate, "relay-msgs/s")
	b.ReportMetric(rawRate, "raw-msgs/s")
	b.ReportMetric(0, "ns/op")
	report("load average at end: %s", loadAvg())
}

// probeMaxRate appends unpaced from writers goroutines to a store of its own for d.
func probeMaxRate(b *testing.B, writers int, d time.Duration) float64 {
	store := openStore(b, b.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var n atomic.Int64
	start := time.Now()
	runWriters(b, writers, func(w int, next func() eventstore.AppendRequest) bool {
		if ctx.Err() != nil {
			return false
		}
		if _, err := store.Append(context.Background(), next()); err != nil {
			b.Error(err)
			return false
		}
		n.Add(1)
		return true
	})
	rate := float64(n.Load()) / time.Since(start).Seconds()
	store.Close()
	return rate
}

// pacedAppends appends at target appends/s (one event each) for d, recording each ack.
func pacedAppends(b *testing.B, store *eventstore.Store, rec *lagRecorder, target float64, d time.Duration) (uint64, time.Duration) {
	limiter := rate.NewLimiter(rate.Limit(target), *lagWriters)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	runWriters(b, *lagWriters, func(w int, next func() eventstore.AppendRequest) bool {
		if limiter.Wait(ctx) != nil {
			return false
		}
		res, err := store.Append(context.Background(), next())
		if err != nil {
			b.Error(err)
			return false
		}
		if res.LastPosition >= uint64(len(rec.ack)) {
			b.Errorf("more appends than the recorder's capacity %d", len(rec.ack)-1)
			return false
		}
		rec.acked(res.LastPosition)
		return true
	})
	elapsed := time.Since(start)
	return head(b, store), elapsed
}

// runWriters runs n writers until step returns false. Writer w appends one event at a time to its
// own customers, eight events each, with exact expected versions; next builds its next request.
func runWriters(b *testing.B, n int, step func(w int, next func() eventstore.AppendRequest) bool) {
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			count := 0
			next := func() eventstore.AppendRequest {
				customer := (w+1)*1_000_000 + count/8
				req := eventstore.AppendRequest{
					Stream:          testLedger + "/customers/" + strconv.Itoa(customer),
					ExpectedVersion: eventstore.Exact(uint64(count % 8)),
					Events:          []eventstore.EventData{newEventData(count)},
				}
				count++
				return req
			}
			for step(w, next) {
			}
		})
	}
	wg.Wait()
}

// observe subscribes both observers on connections of their own; the returned func stops them.
func observe(b *testing.B, url string, rec *lagRecorder) (stop func()) {
	position := func(h nats.Header) uint64 {
		p, _ := strconv.ParseUint(h.Get(wire.HeaderLedgerPosition), 10, 64)
		return p
	}
	sub, err := connect(b, url).Subscribe(wire.StreamSubjects, func(m *nats.Msg) {
		rec.received(obsCore, position(m.Header))
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		b.Fatal(err)
	}
	js := newJetStream(b, connect(b, url))
	cons, err := js.OrderedConsumer(context.Background(), relay.DefaultStreamName, jetstream.OrderedConsumerConfig{})
	if err != nil {
		b.Fatal(err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) { rec.received(obsJS, position(m.Headers())) })
	if err != nil {
		b.Fatal(err)
	}
	return func() {
		cc.Stop()
		sub.Unsubscribe()
	}
}

// relayThroughput returns how fast a fresh relay publishes the log's first n events into an
// emptied stream, in msgs/s.
func relayThroughput(b *testing.B, store *eventstore.Store, js jetstream.JetStream, n int) float64 {
	resetStream(b, js)
	run := startRelay(b, relay.Config{Log: store, JetStream: js})
	start := time.Now()
	for run.Status().Published < uint64(n) {
		if time.Since(start) > 10*time.Minute {
			b.Fatalf("relay published %d of %d events in 10 minutes", run.Status().Published, n)
		}
		time.Sleep(time.Millisecond)
	}
	rate := float64(n) / time.Since(start).Seconds()
	if err := run.stop(); err != nil {
		b.Fatal(err)
	}
	return rate
}

// rawThroughput returns how fast raw nats.go async publishing, all in flight at once, stores the
// relay's messages for events into an emptied stream (bench_test.go's ceiling), in msgs/s.
func rawThroughput(b *testing.B, js jetstream.JetStream, events []eventstore.Event) float64 {
	msgs := rawMessages(b, events)
	resetStream(b, js)
	raw, err := jetstream.New(js.Conn(), jetstream.WithPublishAsyncMaxPending(len(msgs)))
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	futures := make([]jetstream.PubAckFuture, len(msgs))
	for i, m := range msgs {
		if futures[i], err = raw.PublishMsgAsync(m); err != nil {
			b.Fatal(err)
		}
	}
	<-raw.PublishAsyncComplete()
	rate := float64(len(msgs)) / time.Since(start).Seconds()
	for i, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			b.Fatalf("raw publish of message %d: %v", i+1, err)
		}
	}
	return rate
}

// readEvents reads the log's first n events.
func readEvents(b *testing.B, store *eventstore.Store, n int) []eventstore.Event {
	var events []eventstore.Event
	for from := uint64(1); len(events) < n; {
		batch, err := store.ReadAll(context.Background(), from, min(1000, n-len(events)))
		if err != nil || len(batch) == 0 {
			b.Fatalf("ReadAll from %d: %d events, %v", from, len(batch), err)
		}
		events = append(events, batch...)
		from = batch[len(batch)-1].Position + 1
	}
	return events
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// boundedness is a verdict on the lag's trend, for the report (nothing is asserted): growing
// when the trend alone adds more than 50 ms (the p99 target) over the run.
func boundedness(st lagStats, run time.Duration) string {
	if st.slope*run.Seconds() > 0.050 {
		return "GROWING"
	}
	return "not growing"
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

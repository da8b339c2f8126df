package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/eventstore/wire"
)

// lagWatcher is a plain nats.go subscriber on every ledger subject (what `nats sub
// 'ledger.customer.v1.>'` sees). For each message it records the publish lag: when it arrived
// minus the event's time (ce-time, the time the command was received, taken before the append),
// so the lag covers the append, its fsync, the relay and the bus. The harness and ledgerd share
// the machine and its clock.
type lagWatcher struct {
	conn *nats.Conn
	sub  *nats.Subscription

	mu      sync.Mutex
	from    uint64 // record positions after this
	lags    latencies
	bytes   int64 // payload bytes of recorded messages
	highest uint64
	wake    chan struct{}
	began   time.Time // of the recording
}

func newLagWatcher(url string) (*lagWatcher, error) {
	nc, err := nats.Connect(url, nats.Name("ledgerbench lag"), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("connecting to NATS at %s: %w", url, err)
	}
	w := &lagWatcher{conn: nc, wake: make(chan struct{}), from: ^uint64(0)}
	w.sub, err = nc.Subscribe(wire.StreamSubjects, w.handle)
	if err == nil {
		err = w.sub.SetPendingLimits(-1, -1) // never drop: a slow observer must not lose lags
	}
	if err == nil {
		err = nc.Flush()
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	return w, nil
}

func (w *lagWatcher) handle(m *nats.Msg) {
	now := time.Now()
	pos, err := strconv.ParseUint(m.Header.Get(wire.HeaderLedgerPosition), 10, 64)
	if err != nil {
		return
	}
	t, err := time.Parse(time.RFC3339Nano, m.Header.Get(wire.HeaderTime))
	w.mu.Lock()
	defer w.mu.Unlock()
	if pos > w.highest {
		w.highest = pos
		close(w.wake)
		w.wake = make(chan struct{})
	}
	if err != nil || pos <= w.from {
		return
	}
	w.lags = append(w.lags, now.Sub(t))
	w.bytes += int64(len(m.Data))
}

// begin starts recording the lags of positions after from, dropping what was recorded.
func (w *lagWatcher) begin(from uint64) {
	w.mu.Lock()
	w.from, w.lags, w.bytes, w.began = from, nil, 0, time.Now()
	w.mu.Unlock()
}

// waitFor waits until a message at position pos or later arrived, or timeout. It reports
// whether it did and how long it waited.
func (w *lagWatcher) waitFor(ctx context.Context, pos uint64, timeout time.Duration) (bool, time.Duration) {
	t0 := time.Now()
	deadline := time.After(timeout)
	for {
		w.mu.Lock()
		highest, wake := w.highest, w.wake
		w.mu.Unlock()
		if highest >= pos {
			return true, time.Since(t0)
		}
		select {
		case <-wake:
		case <-deadline:
			return false, time.Since(t0)
		case <-ctx.Done():
			return false, time.Since(t0)
		}
	}
}

// lagStats is the publish lag of a run's events.
type lagStats struct {
	Events   int          `json:"events"`
	Missing  int          `json:"missing"` // events of the run not received when the harness stopped waiting
	Lag      latencyStats `json:"lag"`
	DrainSec float64      `json:"drainSeconds"` // after the run, until the run's last event arrived
	// SpanSec is from the run's first request (the warm-up's included) until its last event arrived.
	SpanSec float64 `json:"spanSeconds"`
	// DataBytes is the mean payload (event data) size of the run's events.
	DataBytes float64 `json:"meanEventDataBytes"`
}

// end stops recording and summarises the lags of positions from+1..head.
func (w *lagWatcher) end(head uint64, drain time.Duration) lagStats {
	w.mu.Lock()
	lags, bytes, from, began := slices.Clone(w.lags), w.bytes, w.from, w.began
	w.from, w.lags = ^uint64(0), nil
	w.mu.Unlock()
	// called when the run's last event arrived (or the harness stopped waiting for it)
	st := lagStats{Events: len(lags), Lag: lags.stats(), DrainSec: drain.Seconds(), SpanSec: time.Since(began).Seconds()}
	if head > from {
		st.Missing = max(int(head-from)-len(lags), 0)
	}
	if len(lags) > 0 {
		st.DataBytes = float64(bytes) / float64(len(lags))
	}
	return st
}

func (w *lagWatcher) close() { w.conn.Close() }

// busCeiling is the bus's ceiling: raw nats.go JetStream async publishing of messages shaped
// like the relay's (the same CloudEvents headers, Nats-Msg-Id and Nats-Expected-Last-Sequence,
// event data of the service's size) into a scratch stream on the same server, with as many in
// flight as the relay keeps (relay.DefaultMaxInFlight).
type busResult struct {
	Messages  int     `json:"messages"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"messagesPerSecond"`
	DataBytes int     `json:"eventDataBytes"`
}

const busCeilingStream = "LEDGERBENCH_CEILING"

func busCeiling(ctx context.Context, url string, n int) (busResult, error) {
	nc, err := nats.Connect(url, nats.Name("ledgerbench bus ceiling"))
	if err != nil {
		return busResult{}, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(relay.DefaultMaxInFlight))
	if err != nil {
		return busResult{}, err
	}
	subjectPrefix := "ledgerbench.ceiling"
	js.DeleteStream(ctx, busCeilingStream)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: busCeilingStream, Subjects: []string{subjectPrefix + ".>"},
		Storage: jetstream.FileStorage, Duplicates: 2 * time.Minute}); err != nil {
		return busResult{}, fmt.Errorf("creating the scratch stream %s: %w", busCeilingStream, err)
	}
	defer js.DeleteStream(context.WithoutCancel(ctx), busCeilingStream)
	msgs, size, err := ceilingMessages(n, subjectPrefix)
	if err != nil {
		return busResult{}, err
	}
	t0 := time.Now()
	futures := make([]jetstream.PubAckFuture, 0, n)
	for _, m := range msgs {
		f, err := js.PublishMsgAsync(m, jetstream.WithStallWait(30*time.Second))
		if err != nil {
			return busResult{}, err
		}
		futures = append(futures, f)
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-ctx.Done():
		return busResult{}, ctx.Err()
	case <-time.After(5 * time.Minute):
		return busResult{}, fmt.Errorf("bus ceiling: %d messages not acknowledged within 5 minutes", js.PublishAsyncPending())
	}
	took := time.Since(t0)
	for _, f := range futures {
		select {
		case err := <-f.Err():
			return busResult{}, fmt.Errorf("bus ceiling: publish failed: %w", err)
		default:
		}
	}
	return busResult{Messages: n, Seconds: took.Seconds(), PerSecond: float64(n) / took.Seconds(), DataBytes: size}, nil
}

// ceilingMessages makes n relay messages (wire.Headers of CustomerCreated events of generated
// customers) on subjects under prefix, at sequences 1..n of a new stream.
func ceilingMessages(n int, prefix string) ([]*nats.Msg, int, error) {
	msgs := make([]*nats.Msg, 0, n)
	total := 0
	now := time.Now().UTC()
	for i := 0; i < n; i++ {
		p := genPerson(i, sequentialNumbers.of(i))
		cmd, err := domain.ParseCreateCustomer(p.domainInput(), domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}, now)
		if err != nil {
			return nil, 0, err
		}
		var c domain.Customer
		events, err := c.Create(cmd)
		if err != nil {
			return nil, 0, err
		}
		typ, sv, data, err := domain.EncodeEvent(events[0])
		if err != nil {
			return nil, 0, err
		}
		e := eventstore.Event{ID: uuid.Must(uuid.NewV7()), Stream: domain.StreamName("1000", p.CustomerNo), Version: 1,
			Position: uint64(i + 1), Type: typ, SchemaVersion: sv, Time: now, Actor: "ledgerbench", CorrelationID: uuid.NewString(), Data: data}
		subject, h, err := wire.Headers(e)
		if err != nil {
			return nil, 0, err
		}
		h[relay.WatermillUUIDHeader] = h[wire.HeaderMsgID] // as the relay sends it (AsyncPublisher.SendEvents)
		msgs = append(msgs, &nats.Msg{Subject: prefix + strings.TrimPrefix(subject, wire.SubjectPrefix), Header: nats.Header(h), Data: e.Data})
		total += len(data)
	}
	return msgs, total / max(n, 1), nil
}

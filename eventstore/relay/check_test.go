package relay_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/eventstore/wire"
)

// collector is a plain NATS subscriber on every ledger subject.
type collector struct {
	mu   sync.Mutex
	msgs []*nats.Msg
}

func subscribeAll(t testing.TB, url string) *collector {
	t.Helper()
	nc := connect(t, url)
	c := &collector{}
	sub, err := nc.Subscribe(wire.StreamSubjects, func(m *nats.Msg) {
		c.mu.Lock()
		c.msgs = append(c.msgs, m)
		c.mu.Unlock()
	})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		t.Fatalf("SetPendingLimits: %v", err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	return c
}

func (c *collector) snapshot() []*nats.Msg {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*nats.Msg(nil), c.msgs...)
}

func (c *collector) waitFor(t testing.TB, n int) []*nats.Msg {
	t.Helper()
	waitFor(t, fmt.Sprintf("subscriber to receive %d messages", n), func() bool { return len(c.snapshot()) >= n })
	return c.snapshot()
}

// replay reads the whole stream with an ordered consumer from the start and checks it holds
// exactly want messages.
func replay(t testing.TB, js jetstream.JetStream, want int) []jetstream.Msg {
	t.Helper()
	ctx := context.Background()
	cons, err := js.OrderedConsumer(ctx, relay.DefaultStreamName, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy})
	if err != nil {
		t.Fatalf("OrderedConsumer: %v", err)
	}
	var out []jetstream.Msg
	deadline := time.Now().Add(30 * time.Second)
	for len(out) < want {
		if time.Now().After(deadline) {
			t.Fatalf("replay: got %d messages, want %d", len(out), want)
		}
		batch, err := cons.Fetch(min(want-len(out), 500), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		for m := range batch.Messages() {
			out = append(out, m)
		}
	}
	stream, err := js.Stream(ctx, relay.DefaultStreamName)
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	if st := stream.CachedInfo().State; st.LastSeq != uint64(want) || st.Msgs != uint64(want) {
		t.Fatalf("stream holds %d messages up to sequence %d, want %d", st.Msgs, st.LastSeq, want)
	}
	return out
}

// checkReplay checks that the stream's messages are the log's events, sequence = position.
func checkReplay(t testing.TB, msgs []jetstream.Msg, events []eventstore.Event) {
	t.Helper()
	if len(msgs) != len(events) {
		t.Fatalf("stream has %d messages, log has %d events", len(msgs), len(events))
	}
	for i, m := range msgs {
		md, err := m.Metadata()
		if err != nil {
			t.Fatalf("Metadata: %v", err)
		}
		if md.Sequence.Stream != uint64(i+1) {
			t.Fatalf("message %d has stream sequence %d", i+1, md.Sequence.Stream)
		}
		checkMessage(t, m.Subject(), m.Headers(), m.Data(), events[i])
	}
}

// checkPlain checks that a plain subscriber saw each event exactly once, in order.
func checkPlain(t testing.TB, msgs []*nats.Msg, events []eventstore.Event) {
	t.Helper()
	if len(msgs) != len(events) {
		t.Fatalf("subscriber got %d messages, log has %d events", len(msgs), len(events))
	}
	for i, m := range msgs {
		checkMessage(t, m.Subject, m.Header, m.Data, events[i])
	}
}

// checkMessage checks one message against its event, building the expected headers
// independently of the package.
func checkMessage(t testing.TB, subject string, hdr nats.Header, data []byte, e eventstore.Event) {
	t.Helper()
	parts := strings.Split(e.Stream, "/")
	ledgerNo, customerNo := parts[0], parts[2]
	if want := "ledger.customer.v1." + ledgerNo + "." + customerNo + "." + e.Type; subject != want {
		t.Fatalf("position %d: subject %q, want %q", e.Position, subject, want)
	}
	if !bytes.Equal(data, e.Data) {
		t.Fatalf("position %d: payload %q, want %q", e.Position, data, e.Data)
	}
	want := map[string]string{
		"ce-specversion":              "1.0",
		"ce-id":                       e.ID.String(),
		"ce-source":                   "/ledger/customer/v1/" + ledgerNo,
		"ce-type":                     "ledger.customer.v1." + e.Type,
		"ce-subject":                  "customers/" + customerNo,
		"ce-datacontenttype":          "application/json",
		"Content-Type":                "application/json",
		"ce-ledgerposition":           strconv.FormatUint(e.Position, 10),
		"ce-streamversion":            strconv.FormatUint(e.Version, 10),
		"ce-schemaversion":            strconv.Itoa(e.SchemaVersion),
		"Nats-Msg-Id":                 e.ID.String(),
		"Nats-Expected-Last-Sequence": strconv.FormatUint(e.Position-1, 10),
		"Nats-Expected-Stream":        relay.DefaultStreamName,
		"_watermill_message_uuid":     e.ID.String(),
	}
	for k, v := range want {
		if got := hdr.Get(k); got != v {
			t.Fatalf("position %d: header %s = %q, want %q", e.Position, k, got, v)
		}
	}
	tm, err := time.Parse(time.RFC3339Nano, hdr.Get("ce-time"))
	if err != nil || !tm.Equal(e.Time) || tm.Location() != time.UTC {
		t.Fatalf("position %d: ce-time %q (%v), want %s", e.Position, hdr.Get("ce-time"), err, e.Time)
	}
	for k, v := range map[string]string{"ce-actor": e.Actor, "ce-correlationid": e.CorrelationID, "ce-causationid": e.CausationID} {
		raw, present := hdr[k]
		if v == "" {
			if present {
				t.Fatalf("position %d: header %s present for an empty value", e.Position, k)
			}
			continue
		}
		if !present || len(raw) != 1 {
			t.Fatalf("position %d: header %s = %q", e.Position, k, raw)
		}
		if strings.ContainsAny(raw[0], " \"") {
			t.Fatalf("position %d: header %s = %q is not percent-encoded", e.Position, k, raw[0])
		}
		got, err := wire.DecodeHeaderValue(raw[0])
		if err != nil || got != v {
			t.Fatalf("position %d: header %s decodes to %q (%v), want %q", e.Position, k, got, err, v)
		}
	}
	if len(hdr) != len(want)+1+countNonEmpty(e.Actor, e.CorrelationID, e.CausationID) {
		t.Fatalf("position %d: unexpected headers %v", e.Position, hdr)
	}
}

func countNonEmpty(ss ...string) int {
	n := 0
	for _, s := range ss {
		if s != "" {
			n++
		}
	}
	return n
}

// logBuffer collects log lines for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

package consumer_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/consumer"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/eventstore/personal/disclosure"
	"github.com/nordledger/ledger/eventstore/relay"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const master = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

// ledger is a real event log with its key store, published on a real in-process NATS by the
// real relay, and the real disclosure service behind the route's request and answer (the route
// itself, with its tokens, is tested end to end in cmd/ledgerd).
type ledger struct {
	log   *eventstore.Store
	keys  *personal.Store
	pd    *personal.Protector
	grant *disclosure.Store
	js    jetstream.JetStream
	url   string // the disclosure route's server
	now   time.Time
}

func newLedger(t *testing.T) *ledger {
	t.Helper()
	dir := t.TempDir()
	ns, err := relay.StartEmbedded(relay.EmbeddedConfig{StoreDir: filepath.Join(dir, "nats"), Port: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	l := &ledger{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	if l.log, err = eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{}); err != nil {
		t.Fatal(err)
	}
	ring, _ := personal.ParseMasterKeys(master)
	if l.keys, err = personal.OpenStore(filepath.Join(dir, "keys.db"), ring, personal.StoreOptions{}); err != nil {
		t.Fatal(err)
	}
	l.pd = personal.NewProtector(l.keys)
	if l.grant, err = disclosure.Open(filepath.Join(dir, "disclosures.db"), disclosure.Options{}); err != nil {
		t.Fatal(err)
	}
	l.js = connect(t, ns.ClientURL())
	ctx, cancel := context.WithCancel(context.Background())
	if err := relay.EnsureStream(ctx, l.js, relay.StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	r, err := relay.New(relay.Config{Log: l.log, JetStream: l.js, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { r.Run(ctx) })
	svc, err := disclosure.NewService(disclosure.Config{Store: l.grant, Log: l.log, Opener: l.pd, MaxAge: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(disclosureRoute(svc))
	l.url = srv.URL
	t.Cleanup(func() {
		srv.Close()
		cancel()
		wg.Wait()
		l.log.Close()
		l.keys.Close()
		l.grant.Close()
	})
	return l
}

// disclosureRoute answers POST /ledger/customer/v1/{ledgerNo}/events/personal-data with the
// service, the token being the consumer's name.
func disclosureRoute(svc *disclosure.Service) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ledger/customer/v1/{ledgerNo}/events/personal-data", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Positions []uint64 }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, err := svc.Disclose(r.Context(), disclosure.Request{LedgerNo: r.PathValue("ledgerNo"),
			Consumer: strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), Positions: body.Positions})
		w.Header().Set("Content-Type", "application/json")
		if errors.Is(err, disclosure.ErrNotGranted) {
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(map[string]any{"type": "ledger/customer/v1/problems/personal-data-not-granted", "status": 403})
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(resp)
	})
	return mux
}

func connect(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
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

// add seals and appends events to a customer's stream of ledger 1000; it returns the last
// position.
func (l *ledger) add(t *testing.T, customerNo string, es ...domain.Event) uint64 {
	t.Helper()
	return l.addTraced(t, customerNo, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "", es...)
}

// addTraced appends a customer's events as written by a request with the trace context
// traceParent and traceState; it returns the last position.
func (l *ledger) addTraced(t *testing.T, customerNo, traceParent, traceState string, es ...domain.Event) uint64 {
	t.Helper()
	stream := domain.StreamName("1000", customerNo)
	var data []eventstore.EventData
	for _, e := range es {
		typ, v, raw, err := domain.EncodeEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		id := uuid.Must(uuid.NewV7())
		if raw, err = l.pd.SealEvent(context.Background(), stream, id, typ, raw); err != nil {
			t.Fatal(err)
		}
		data = append(data, eventstore.EventData{ID: id, Type: typ, SchemaVersion: v, Time: l.now, Actor: "tester",
			TraceParent: traceParent, TraceState: traceState, Data: raw})
	}
	res, err := l.log.Append(context.Background(), eventstore.AppendRequest{Stream: stream, Events: data})
	if err != nil {
		t.Fatal(err)
	}
	return res.LastPosition
}

// customer returns the events of a new customer: created, then its legal address replaced.
func customer(no, name string) []domain.Event {
	addr := domain.Address{Addressee: name, StreetAddress: "Gatan 1", City: "STOCKHOLM", ZipCode: "11122", CountryCode: "SE"}
	return []domain.Event{
		domain.CustomerCreated{CustomerNo: no, Name: name, LegalStatus: "active", LegalAddress: addr, Source: domain.SourceAPI},
		domain.LegalAddressReplaced{Address: domain.Address{Addressee: name, City: "UPPSALA", ZipCode: "75320", CountryCode: "SE"}, Source: domain.SourceAPI},
	}
}

// recorder is a handler that records the events it is given and can stop the run after n.
type recorder struct {
	mu     sync.Mutex
	events []*consumer.Event
	stopAt int
	stop   context.CancelFunc
	fail   func(e *consumer.Event) error
}

func (r *recorder) handle(_ context.Context, e *consumer.Event) error {
	if r.fail != nil {
		if err := r.fail(e); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	if r.stopAt > 0 && len(r.events) == r.stopAt {
		r.stop()
	}
	return nil
}

func (r *recorder) positions() []uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]uint64, len(r.events))
	for i, e := range r.events {
		out[i] = e.Position
	}
	return out
}

// run runs a consumer until the recorder stops it (or the test's deadline passes: a failure).
func run(t *testing.T, cfg consumer.Config, r *recorder) error {
	t.Helper()
	return runWith(t, cfg, r, r.handle)
}

// runWith runs a consumer with the handler h until the recorder stops it.
func runWith(t *testing.T, cfg consumer.Config, r *recorder, h consumer.Handler) error {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	c, err := consumer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.stop = cancel
	if d, ok := t.Deadline(); ok {
		var stop context.CancelFunc
		ctx, stop = context.WithDeadline(ctx, d.Add(-5*time.Second))
		defer stop()
	}
	err = c.Run(ctx, h)
	if ctx.Err() == context.DeadlineExceeded {
		t.Fatalf("the consumer did not get its events: %v (got %v)", err, r.positions())
	}
	return err
}

func seq(from, to uint64) []uint64 {
	var out []uint64
	for p := from; p <= to; p++ {
		out = append(out, p)
	}
	return out
}

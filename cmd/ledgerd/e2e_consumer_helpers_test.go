package main

// Helpers of the downstream-consumer tests (e2e_consumers_test.go): a grant through the admin
// socket, a history with every event type, and a consumer of the eventstore/consumer package
// run in the background with its events on a channel.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/consumer"
	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/internal/admin"
)

// consumerConfig: ledger 1000 as forgetConfig (KYC with a text answer, no retention period) with
// the demo's Connect merchant, so that a history holds look-ups too.
func consumerConfig(t *testing.T) string {
	t.Helper()
	kyc := demoKyc()
	kyc.Questions[2].SubQuestions = []domain.KycQuestionConfig{{
		QuestionCode: "foreign_tin", QuestionText: map[string]string{"en": "Your foreign tax identification number"}, AskedWhen: []string{"yes"},
		Answer: domain.KycAnswerConfig{Type: "text", Required: true, TextValidationRegEx: `^[A-Z0-9]{5,20}$`},
	}}
	return writeLedgerFile(t, LedgerFile{Ledgers: []LedgerConfig{{LedgerNo: "1000", CountryCode: "SE", Kyc: kyc}}, Merchants: demoMerchants()})
}

// admin sends a request to the server's admin socket and decodes the JSON answer into out.
func (s *testServer) admin(t testing.TB, method, route string, body, out any) int {
	t.Helper()
	path := filepath.Join(s.dir, "admin.sock")
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", path)
	}}}
	defer client.CloseIdleConnections()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, "http://ledgerd"+route, bytes.NewReader(b))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("admin %s %s: %v", method, route, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("admin %s: %s (%v)", route, raw, err)
		}
	}
	return resp.StatusCode
}

// grant grants (or revokes) a consumer the ledger's personal data through the admin socket.
func (s *testServer) grant(t testing.TB, consumerName string, grant bool) {
	t.Helper()
	route := admin.ConsumersRevoke
	if grant {
		route = admin.ConsumersGrant
	}
	if st := s.admin(t, http.MethodPost, route, admin.GrantChange{LedgerNo: demoLedger, Consumer: consumerName, By: "test operator"}, nil); st != http.StatusOK {
		t.Fatalf("%s %s: %d", route, consumerName, st)
	}
}

// everyEventType writes a history holding every event type but CustomerForgotten: customer
// forgetNo's rich history (richHistory), a billing address removed, the four ends of recurring
// card registrations, and Connect look-ups that match and that match nobody.
func everyEventType(t *testing.T, s *testServer) {
	t.Helper()
	tok := s.token
	richHistory(t, s, tok)
	self := customersPath(demoLedger, forgetNo)
	expectStatus(t, s.do(t, http.MethodDelete, self+"/billing-address", tok, nil), http.StatusNoContent, http.StatusOK)
	b := newSandboxBrowser(t)
	u := s.startRegistration(t, forgetNo, shopComplete, shopCancel, "sv-SE")
	expectRedirect(t, "cancel", b.verify(u, "", "", ""), shopCancel)
	u = s.startRegistration(t, forgetNo, shopComplete, shopCancel, "en-US")
	expectRedirect(t, "declined card", b.verify(u, declinedCardNumber, "12/99", "123"), shopComplete)
	u = s.startRegistration(t, forgetNo, shopComplete, shopCancel, "en-US")
	expectRedirect(t, "verify", b.verify(u, docCardNumber, docCardExpiry, "123"), shopComplete)
	expectStatus(t, s.do(t, http.MethodDelete, recurringCardPath(demoLedger, forgetNo), tok, nil), http.StatusNoContent)
	c := newConnectClient(s)
	expectStatus(t, c.post(t, connectPath("1000", "9000"), tok, lookupBody("SE", tolvan)), http.StatusOK)
	expectStatus(t, c.post(t, connectPath("1000", "9000"), tok, lookupBody("SE", unregisteredPersonnummer)), http.StatusBadRequest)
}

// consumerToken mints a token of a downstream consumer: subject name, ledger 1000, the scopes.
func (s *testServer) consumerToken(t testing.TB, name string, scopes ...string) string {
	if len(scopes) == 0 {
		scopes = []string{auth.ScopePersonalDataRead}
	}
	return s.mint(t, name, []string{demoLedger}, scopes...)
}

// opener returns an Opener asking the server with a consumer's token, on a clock (nil: time.Now).
func (s *testServer) opener(t testing.TB, name string, now func() time.Time) *consumer.Opener {
	t.Helper()
	o, err := consumer.NewOpener(consumer.OpenerConfig{URL: s.base, Token: consumer.StaticToken(s.consumerToken(t, name)), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// follower runs a Consumer in the background on a connection of its own, its events on a
// channel; kill stops it as a crash would (the connection closed without flushing).
type follower struct {
	t      *testing.T
	nc     *nats.Conn
	events chan *consumer.Event
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// follow starts a Consumer of ledger 1000 with the durable name on the NATS at url.
func follow(t *testing.T, url, durable string, opener *consumer.Opener) *follower {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond), nats.RetryOnFailedConnect(true))
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	c, err := consumer.New(consumer.Config{JetStream: js, LedgerNo: demoLedger, Durable: durable, Opener: opener, MaxBatch: 16,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &follower{t: t, nc: nc, events: make(chan *consumer.Event), cancel: cancel, done: make(chan error, 1)}
	go func() {
		f.done <- c.Run(ctx, func(ctx context.Context, e *consumer.Event) error {
			select {
			case f.events <- e:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	t.Cleanup(f.kill)
	return f
}

// next returns the next event handed over; the test fails if Run ends first, or if none comes
// by near the test's deadline.
func (f *follower) next() *consumer.Event {
	f.t.Helper()
	wait, cancel := waitContext(f.t)
	defer cancel()
	select {
	case e := <-f.events:
		return e
	case err := <-f.done:
		f.done <- err
		f.t.Fatalf("the consumer stopped: %v", err)
		return nil
	case <-wait.Done():
		f.t.Fatal("no next event from the consumer by the test's deadline")
		return nil
	}
}

// until returns the events handed over up to and including position last.
func (f *follower) until(last uint64) []*consumer.Event {
	f.t.Helper()
	var out []*consumer.Event
	for len(out) == 0 || out[len(out)-1].Position < last {
		out = append(out, f.next())
	}
	return out
}

// kill stops the consumer as a crash would: its connection is closed without flushing the
// acknowledgements it buffered.
func (f *follower) kill() {
	f.once.Do(func() {
		f.nc.Close()
		f.cancel()
		<-f.done
	})
}

// ackFloor returns the last stream sequence a durable consumer of the ledger's stream has
// acknowledged with everything before it.
func ackFloor(t *testing.T, url, durable string) uint64 {
	t.Helper()
	js, closeJS := jetStreamAt(t, url)
	defer closeJS()
	ctx, cancel := waitContext(t)
	defer cancel()
	c, err := js.Consumer(ctx, consumer.DefaultStream, durable)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.AckFloor.Stream
}

// logHead returns the writer's log head.
func (s *testServer) logHead(t *testing.T) uint64 { return writerHead(t, s) }

// streamEvent reads the message at a position of the stream on the NATS at url and decodes it.
func streamEvent(t *testing.T, js jetstream.JetStream, position uint64) *consumer.Event {
	t.Helper()
	// The bus starts in the background and the relay publishes after the write is answered: the
	// stream and the message are awaited, not assumed.
	ctx, cancel := waitContext(t)
	defer cancel()
	st := waitStream(ctx, t, js, consumer.DefaultStream)
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: position})
	if err != nil {
		t.Fatal(err)
	}
	m, err := cons.Next(jetstream.FetchContext(ctx))
	if err != nil {
		t.Fatalf("stream message %d: %v", position, err)
	}
	if md, err := m.Metadata(); err != nil || md.Sequence.Stream != position {
		t.Fatalf("stream message %d: metadata %+v %v", position, md, err)
	}
	e, err := consumer.Decode(m.Headers(), m.Data())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// disclosures lists a customer's disclosures through the audit route.
func (s *testServer) disclosures(t *testing.T, no string) []map[string]any {
	t.Helper()
	r := s.do(t, http.MethodGet, customersPath(demoLedger, no, "disclosures")+"?"+url.Values{"limit": {"1000"}}.Encode(), s.token, nil)
	expectStatus(t, r, http.StatusOK)
	var body struct{ Items []map[string]any }
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	return body.Items
}

// jetStreamAt connects to the NATS server at url and returns its JetStream API; closeJS ends the
// connection.
func jetStreamAt(t *testing.T, url string, opts ...nats.Option) (js jetstream.JetStream, closeJS func()) {
	t.Helper()
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if js, err = jetstream.New(nc); err != nil {
		nc.Close()
		t.Fatal(err)
	}
	return js, nc.Close
}

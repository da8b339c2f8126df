package consumer_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/consumer"
)

// TestConsumerResumes: a consumer gets every event of its ledger in log order with the
// attributes decoded and typed domain events; stopped and run again it resumes after the last
// event it handled — nothing again, nothing missed — and events written meanwhile follow.
func TestConsumerResumes(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)
	l.add(t, "1002", customer("1002", "Bertil Berg")...)
	last := l.add(t, "1003", customer("1003", "Cecilia Carlsson")...)
	cfg := consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "resume-test", MaxBatch: 2}

	first := &recorder{stopAt: 3}
	if err := run(t, cfg, first); err != nil {
		t.Fatal(err)
	}
	if got := first.positions(); !slices.Equal(got, seq(1, 3)) {
		t.Fatalf("first run: positions %v, want 1..3", got)
	}
	e := first.events[0]
	if e.Type != domain.TypeCustomerCreated || e.LedgerNo != "1000" || e.Subject != "customers/1001" || e.CustomerNo != "1001" ||
		e.Version != 1 || e.Actor != "tester" || !e.Time.Equal(l.now) || e.Stream() != "1000/customers/1001" {
		t.Errorf("event 1: %+v", e)
	}
	if tp := e.ChildTraceParent(); !strings.HasPrefix(tp, "00-4bf92f3577b34da6a3ce929d0e0e4736-") || tp == e.TraceParent {
		t.Errorf("child traceparent %q of %q", tp, e.TraceParent)
	}

	more := l.add(t, "1004", customer("1004", "David Dahl")...)
	second := &recorder{stopAt: int(more - 3)}
	if err := run(t, cfg, second); err != nil {
		t.Fatal(err)
	}
	if got := second.positions(); !slices.Equal(got, seq(4, more)) {
		t.Errorf("second run: positions %v, want %d..%d (resumed after 3)", got, 4, more)
	}
	if last != 6 || more != 8 {
		t.Fatalf("positions %d %d", last, more)
	}
}

// TestConsumerPersonalData: with an Opener and a grant, sealed events come opened and typed
// with their personal members; without a grant, or without an Opener, they come with the clear
// members only, a clear signal why, and never a sealed member.
func TestConsumerPersonalData(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)
	if _, err := l.grant.Grant("1000", "crm", "operator", "", l.now); err != nil {
		t.Fatal(err)
	}
	opener := func(who string) *consumer.Opener {
		o, err := consumer.NewOpener(consumer.OpenerConfig{URL: l.url, Token: consumer.StaticToken(who)})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}

	granted := &recorder{stopAt: 2}
	if err := run(t, consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "crm", Opener: opener("crm")}, granted); err != nil {
		t.Fatal(err)
	}
	created, ok := granted.events[0].Domain.(domain.CustomerCreated)
	if e := granted.events[0]; e.Personal != consumer.PersonalOpened || !ok || created.Name != "Anna Andersson" || created.LegalAddress.City != "STOCKHOLM" {
		t.Errorf("granted: %s %+v", e.Personal, e.Domain)
	}
	if moved, _ := granted.events[1].Domain.(domain.LegalAddressReplaced); moved.Address.City != "UPPSALA" {
		t.Errorf("granted: %+v", granted.events[1].Domain)
	}

	for _, tc := range []struct {
		durable string
		opener  *consumer.Opener
		why     error
	}{{"stranger", opener("stranger"), consumer.ErrNotGranted}, {"no-opener", nil, consumer.ErrNoOpener}} {
		r := &recorder{stopAt: 2}
		if err := run(t, consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: tc.durable, Opener: tc.opener}, r); err != nil {
			t.Fatal(err)
		}
		e := r.events[0]
		created, _ := e.Domain.(domain.CustomerCreated)
		if e.Personal != consumer.PersonalWithheld || !errors.Is(e.Withheld, tc.why) || created.CustomerNo != "1001" || created.Name != "" ||
			!slices.Contains(e.PersonalMembers, "name") || strings.Contains(string(e.Data), consumer.SealedMember) || strings.Contains(string(e.Data), "Anna") {
			t.Errorf("%s: %s %v %+v %s", tc.durable, e.Personal, e.Withheld, e.Domain, e.Data)
		}
	}
}

// TestConsumerCheckpoint: with a Checkpoint, the events up to it are not handed over again even
// when the durable is gone, and a durable that acknowledged past it (the application's store
// restored from a backup) is made again from the checkpoint.
func TestConsumerCheckpoint(t *testing.T) {
	l := newLedger(t)
	last := l.add(t, "1001", customer("1001", "Anna Andersson")...)
	last = max(last, l.add(t, "1002", customer("1002", "Bertil Berg")...))
	var applied uint64 = 2
	cfg := consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "ckpt", Checkpoint: func(context.Context) (uint64, error) { return applied, nil }}
	r := &recorder{stopAt: int(last - applied)}
	if err := run(t, cfg, r); err != nil {
		t.Fatal(err)
	}
	if got := r.positions(); !slices.Equal(got, seq(3, last)) {
		t.Fatalf("positions %v, want 3..%d", got, last)
	}
	applied = 1 // the application lost what it applied after position 1
	r = &recorder{stopAt: int(last - applied)}
	if err := run(t, cfg, r); err != nil {
		t.Fatal(err)
	}
	if got := r.positions(); !slices.Equal(got, seq(2, last)) {
		t.Errorf("after the restore: positions %v, want 2..%d", got, last)
	}
}

// TestConsumerHandlerRetries: a failing handler gets the same event again, and nothing after it
// meanwhile; with MaxAttempts Run gives up and returns the handler's error.
func TestConsumerHandlerRetries(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)
	fails := 0
	r := &recorder{stopAt: 2, fail: func(e *consumer.Event) error {
		if e.Position == 1 && fails < 2 {
			fails++
			return errors.New("not yet")
		}
		return nil
	}}
	if err := run(t, consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "retries"}, r); err != nil {
		t.Fatal(err)
	}
	if got := r.positions(); fails != 2 || !slices.Equal(got, []uint64{1, 2}) {
		t.Errorf("fails %d, positions %v", fails, got)
	}

	broken := errors.New("broken")
	r = &recorder{fail: func(*consumer.Event) error { return broken }}
	err := run(t, consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "gives-up", MaxAttempts: 2}, r)
	var he *consumer.HandlerError
	if !errors.As(err, &he) || !errors.Is(err, broken) || he.Position != 1 || he.Attempts != 2 {
		t.Errorf("Run = %v", err)
	}
}

// TestConsumerDurableOfAnotherLedger: a durable name already following another ledger is an
// error, not a silent switch.
func TestConsumerDurableOfAnotherLedger(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)
	if err := run(t, consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "shared"}, &recorder{stopAt: 1}); err != nil {
		t.Fatal(err)
	}
	err := run(t, consumer.Config{JetStream: l.js, LedgerNo: "2000", Durable: "shared"}, &recorder{})
	if err == nil || !strings.Contains(err.Error(), "not ledger 2000") {
		t.Errorf("Run = %v", err)
	}
	if err := consumer.Delete(context.Background(), l.js, "", "shared"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.js.Consumer(context.Background(), consumer.DefaultStream, "shared"); err == nil {
		t.Error("Delete left the durable")
	}
}

// TestConfigValidate: every problem of a Config at once.
func TestConfigValidate(t *testing.T) {
	err := consumer.Config{LedgerNo: "", Durable: "a.b", AckWait: time.Millisecond, MaxBatch: -1}.Validate()
	for _, want := range []string{"JetStream", "LedgerNo", "Durable", "AckWait", "MaxBatch"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want a problem with %s", err, want)
		}
	}
}

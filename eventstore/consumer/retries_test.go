package consumer_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore/consumer"
)

// informed returns the messages logged at Info that contain word.
func (r *records) informed(word string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, m := range r.infos {
		if strings.Contains(m, word) {
			out = append(out, m)
		}
	}
	return out
}

// TestConsumerHandlerFailingLogsOnce: while the handler fails at an event (the application's
// database down) Run hands the event over again and again, as long as that lasts. It logs that
// once, not at every retry, and once at Info when the handler succeeds again. It logged every
// retry (at most one per 30 s), and nothing when it succeeded. 4 failures come in ~1.5 s (the
// retries after 0.1, 0.2, 0.4 and 0.8 s): far from the minute after which a second warning is due.
func TestConsumerHandlerFailingLogsOnce(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...) // positions 1, 2
	logged := &records{}
	fails := 0
	r := &recorder{stopAt: 2, fail: func(e *consumer.Event) error {
		if e.Position == 1 && fails < 4 {
			fails++
			return errors.New("the database is down")
		}
		return nil
	}}
	if err := run(t, consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "failing", Logger: slog.New(logged)}, r); err != nil {
		t.Fatal(err)
	}
	if got := r.positions(); fails != 4 || !slices.Equal(got, []uint64{1, 2}) {
		t.Fatalf("fails %d, positions %v", fails, got)
	}
	if w, i := logged.warnings("handler"), logged.informed("handler"); len(w) != 1 || len(i) != 1 {
		t.Errorf("after 4 failures of the handler and a success, Run logged %d warnings (want 1) and %d infos (want 1): %q %q", len(w), len(i), w, i)
	}
}

// TestConsumerPersonalDataUnavailableLogsOnce: while the ledger cannot disclose personal data
// (here the Opener's token source fails: the identity provider down) Run asks again and again,
// as long as that lasts. It logs that once, not at every retry, and once at Info when the ledger
// discloses again. It logged every retry (at most one per 30 s), and nothing when it succeeded.
// 4 failures come in ~1.5 s: far from the minute after which a second warning is due.
func TestConsumerPersonalDataUnavailableLogsOnce(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)
	if _, err := l.grant.Grant("1000", "crm", "operator", "", l.now); err != nil {
		t.Fatal(err)
	}
	fails := 0
	o, err := consumer.NewOpener(consumer.OpenerConfig{URL: l.url, Token: func(context.Context) (string, error) {
		if fails < 4 { // called by Run's goroutine only
			fails++
			return "", errors.New("the identity provider is down")
		}
		return "crm", nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	logged := &records{}
	r := &recorder{stopAt: 2}
	if err := run(t, consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "crm", Opener: o, Logger: slog.New(logged)}, r); err != nil {
		t.Fatal(err)
	}
	if fails != 4 || r.events[0].Personal != consumer.PersonalOpened {
		t.Fatalf("fails %d, the first event %s", fails, r.events[0].Personal)
	}
	if w, i := logged.warnings("personal data"), logged.informed("personal data"); len(w) != 1 || len(i) != 1 {
		t.Errorf("after 4 failures to get personal data and a success, Run logged %d warnings (want 1) and %d infos (want 1): %q %q", len(w), len(i), w, i)
	}
}

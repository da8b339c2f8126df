package consumer_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore/consumer"
)

// TestOpenerAnswerTooLarge: an answer larger than the Opener reads (64 MiB) is reported as such,
// with what to do (a smaller BatchSize), not as an answer that "is not JSON".
func TestOpenerAnswerTooLarge(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"items":[{"position":1,"status":"opened","data":"`))
		w.Write(bytes.Repeat([]byte("x"), 64<<20))
		w.Write([]byte(`"}],"maxAge":60}`))
	}))
	defer srv.Close()
	o, err := consumer.NewOpener(consumer.OpenerConfig{URL: srv.URL, Token: consumer.StaticToken("crm")})
	if err != nil {
		t.Fatal(err)
	}
	es := l.logged(t, 1)[:1]
	err = o.Open(context.Background(), es...)
	if !errors.Is(err, consumer.ErrMismatch) || !strings.Contains(err.Error(), "larger than") || !strings.Contains(err.Error(), "BatchSize") {
		t.Errorf("Open of a 64 MiB answer: %v; want ErrMismatch saying it is too large, and to lower BatchSize", err)
	}
	if es[0].Personal != consumer.PersonalSealed {
		t.Errorf("the event after a refused answer: %s, want sealed", es[0].Personal)
	}
}

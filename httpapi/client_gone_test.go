package httpapi_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi"
)

// TestReadyzProbeGoneWhileTheCheckWaits: a probe that goes away while /readyz waits for its check
// (a reader asks NATS for the stream's last sequence, with the request's context) is recorded as
// 499 at level INFO, as every request whose client went away — not as a 503 "not ready", which
// counted a 5xx in the metrics and an error span though the service was never found unready.
// The check holds until the probe has gone: the test controls it.
func TestReadyzProbeGoneWhileTheCheckWaits(t *testing.T) {
	checking := make(chan struct{}, 1)
	log, observed := requestLog{make(chan string, 16)}, make(statusObserver, 16)
	h := buildHarness(t, false, func(cfg *httpapi.Config) {
		cfg.Logger, cfg.Observer = slog.New(log), observed
		cfg.Ready = func(ctx context.Context) error {
			checking <- struct{}{}
			<-ctx.Done()
			return fmt.Errorf("the JetStream stream cannot be read: %w", ctx.Err())
		}
	})
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/readyz", nil)
	goneWhile(http.DefaultClient, req, checking) // the check waits for the request's context to end
	if got := <-log.lines; got != "INFO /readyz 499" {
		t.Errorf("GET /readyz, gone while its check waited, was logged %q, want %q", got, "INFO /readyz 499")
	}
	if got := <-observed; got != 499 {
		t.Errorf("GET /readyz, gone while its check waited, was counted (metrics) as %d, want 499", got)
	}
}

// enteredWaiter is the read models' real Waiter that tells the test when a request waits on it.
type enteredWaiter struct {
	httpapi.Waiter
	entered chan struct{}
}

func (w enteredWaiter) WaitFor(ctx context.Context, position uint64) error {
	w.entered <- struct{}{}
	return w.Waiter.WaitFor(ctx, position)
}

// TestReadGoneWhileTheReadModelsCatchUp: a read on a service whose read models have not reached
// the read floor yet (just started, rebuilding) waits for them; a client that goes away meanwhile
// is recorded as 499 at INFO, as every request whose client went away — not as 503 "the read
// models are being rebuilt", a 5xx in the metrics and an ERROR, though the wait was not over.
func TestReadGoneWhileTheReadModelsCatchUp(t *testing.T) {
	entered := make(chan struct{}, 1)
	log, observed := requestLog{make(chan string, 16)}, make(statusObserver, 16)
	h := buildHarness(t, false, func(cfg *httpapi.Config) {
		cfg.Logger, cfg.Observer = slog.New(log), observed
		cfg.Waiter = enteredWaiter{cfg.Waiter, entered}
		cfg.ReadFloor = 1 << 40 // never reached: the read waits until its client goes
	})
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/ledger/customer/v1/1000/customers/9999", nil)
	req.Header.Set("Authorization", "Bearer "+h.token)
	goneWhile(http.DefaultClient, req, entered) // the read waits for the read models
	want := "INFO /ledger/customer/v1/{ledgerNo}/customers/{customerNo} 499"
	if got := <-log.lines; got != want {
		t.Errorf("a read gone while the read models caught up was logged %q, want %q", got, want)
	}
	if got := <-observed; got != 499 {
		t.Errorf("a read gone while the read models caught up was counted (metrics) as %d, want 499", got)
	}
}

// goneWhile sends req with client in the background and goes away — cancels it — once waiting
// has a value or is closed (the server holds the request: the test's stand-in for what it waits
// on says so). It returns what the client got: nil when it was answered all the same.
func goneWhile(client *http.Client, req *http.Request, waiting <-chan struct{}) error {
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		resp, err := client.Do(req.WithContext(ctx))
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	<-waiting
	cancel()
	return <-done
}

// TestReadNotCaughtUpIsAWarning: a read answered 503 "being rebuilt" (the read models did not
// reach the read floor within the wait: a start, a reader's rebuild) is a state of the service,
// logged as a warning as "not ready" is — not an ERROR, which operators page on.
func TestReadNotCaughtUpIsAWarning(t *testing.T) {
	log := requestLog{make(chan string, 16)}
	h := buildHarness(t, false, func(cfg *httpapi.Config) {
		cfg.Logger = slog.New(log)
		cfg.ReadFloor = 1 << 40 // never reached
		cfg.WriteTimeout = time.Millisecond
	})
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/ledger/customer/v1/1000/customers/9999", nil)
	req.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a read before the read models caught up: %d, want 503", resp.StatusCode)
	}
	want := "WARN /ledger/customer/v1/{ledgerNo}/customers/{customerNo} 503"
	if got := <-log.lines; got != want {
		t.Errorf("logged %q, want %q", got, want)
	}
}

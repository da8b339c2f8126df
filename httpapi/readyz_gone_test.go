package httpapi_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

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
	reqCtx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(reqCtx, http.MethodGet, h.srv.URL+"/readyz", nil)
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	<-checking // the check waits for the request's context to end
	cancel()
	<-done
	if got := <-log.lines; got != "INFO /readyz 499" {
		t.Errorf("GET /readyz, gone while its check waited, was logged %q, want %q", got, "INFO /readyz 499")
	}
	if got := <-observed; got != 499 {
		t.Errorf("GET /readyz, gone while its check waited, was counted (metrics) as %d, want 499", got)
	}
}

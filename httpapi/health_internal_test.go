package httpapi

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestReadyzLogLevels: /readyz answering 503 while the service starts (it has never been ready)
// is logged at debug — a load balancer polls it, and "not ready yet" is the expected state then;
// once the service has been ready, losing readiness is a warning.
func TestReadyzLogLevels(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var ready atomic.Bool
	s := &Server{log: log, now: time.Now, cfg: Config{Ready: func(context.Context) error {
		if !ready.Load() {
			return errors.New("projections at position 1 of 2")
		}
		return nil
	}}}
	h := s.middleware(http.HandlerFunc(s.readyz))
	get := func() string {
		t.Helper()
		buf.Reset()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, routeReady, nil))
		return strings.TrimSpace(buf.String())
	}
	for _, step := range []struct {
		ready bool
		want  string
	}{
		{false, "level=DEBUG msg=request method=GET route=/readyz status=503"}, // starting
		{false, "level=DEBUG msg=request method=GET route=/readyz status=503"},
		{true, "level=INFO msg=request method=GET route=/readyz status=200"},
		{false, "level=WARN msg=request method=GET route=/readyz status=503"}, // was ready: lost it
		{true, "level=INFO msg=request method=GET route=/readyz status=200"},
	} {
		ready.Store(step.ready)
		if got := get(); !strings.Contains(got, step.want) {
			t.Errorf("ready %v: logged %q, want %q", step.ready, got, step.want)
		}
	}
}

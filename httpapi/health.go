package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
)

// healthz answers 200 while the process is alive.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	setRoute(r, routeHealth)
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// readyz answers 200 when the service can serve (store open, projections caught up), else 503.
// A service that serves while a part of it does not work (Config.Degraded) answers 200 with
// status "degraded". Why (the detail) only to a caller with a valid token; Config.Details adds
// the positions, and their text only for such a caller.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	setRoute(r, routeReady)
	status, body := http.StatusOK, map[string]any{"status": "ready"}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(ctx); err != nil {
			status, body = http.StatusServiceUnavailable, map[string]any{"status": "not ready", "detail": err.Error()}
			if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
				// The probe went away while the check waited (a reader asks NATS): nothing was
				// found unready, and nobody reads the answer — 499, as any request whose client
				// went away, not a 503 in the metrics and an error span.
				status = statusClientClosed
			}
		}
	}
	if status == http.StatusOK {
		s.wasReady.Store(true)
		if s.cfg.Degraded != nil {
			if err := s.cfg.Degraded(ctx); err != nil {
				body = map[string]any{"status": "degraded", "detail": err.Error()}
			}
		}
	}
	// The detail (an error's text) may name internal addresses and file paths: a caller without
	// a valid token (a load balancer's probe, monitoring) gets the status and the numbers only.
	private := s.mayReadDetail(r)
	if !private {
		delete(body, "detail")
	}
	if s.cfg.Details != nil {
		for k, v := range s.cfg.Details(private) {
			body[k] = v
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	encodeJSON(w, body) // render.go
}

// mayReadDetail reports whether the request carries a bearer token the service accepts (any
// ledger, any scope): /readyz shows its detail to such a caller only.
func (s *Server) mayReadDetail(r *http.Request) bool {
	if s.cfg.Verifier == nil {
		return false
	}
	token, err := auth.BearerToken(r)
	if err == nil {
		_, err = s.cfg.Verifier.VerifyContext(r.Context(), token)
	}
	return err == nil
}

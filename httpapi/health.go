package httpapi

import (
	"context"
	"net/http"
	"time"
)

// healthz answers 200 while the process is alive.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	setRoute(r, routeHealth)
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// readyz answers 200 when the service can serve (store open, projections caught up), else 503.
// A service that serves while a part of it does not work (Config.Degraded) answers 200 with
// status "degraded".
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	setRoute(r, routeReady)
	status, body := http.StatusOK, map[string]any{"status": "ready"}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(ctx); err != nil {
			status, body = http.StatusServiceUnavailable, map[string]any{"status": "not ready", "detail": err.Error()}
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
	if s.cfg.Details != nil {
		for k, v := range s.cfg.Details() {
			body[k] = v
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	encodeJSON(w, body) // render.go
}

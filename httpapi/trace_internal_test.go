package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestAbortedRequestEndsItsSpan: a handler that aborts its answer (panics with
// http.ErrAbortHandler, which the middleware passes on to net/http so that it cuts the
// connection) still ends the request's span, as an error.
func TestAbortedRequestEndsItsSpan(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil)), now: time.Now, tracer: tp.Tracer("test")}
	h := s.middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	func() {
		defer func() {
			if p := recover(); p != http.ErrAbortHandler {
				t.Errorf("the middleware passed on %v, want http.ErrAbortHandler", p)
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/ledger/customer/v1/1000/customers/1", nil))
	}()
	if started, ended := len(rec.Started()), len(rec.Ended()); started != 1 || ended != 1 {
		t.Fatalf("%d spans started, %d ended; want the request's, ended", started, ended)
	}
	if st := rec.Ended()[0].Status(); st.Code != codes.Error {
		t.Errorf("the aborted request's span: status %v, want an error", st)
	}
}

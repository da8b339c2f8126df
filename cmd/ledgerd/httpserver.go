package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/nordledger/ledger/httpapi"
)

// HTTPLimits are the HTTP server's timeouts and size limits: what bounds a slow or hostile client
// (docs/configuration.md#http-timeouts-and-limits).
type HTTPLimits struct {
	// ReadHeaderTimeout bounds reading a request's headers (a slowloris client is cut off).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout time.Duration
	// WriteTimeout bounds the time from the end of the request (its body; the headers of one
	// without) to the end of the response (httpapi.Config.HTTPWriteTimeout).
	WriteTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection waits for its next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers (431 above it).
	MaxHeaderBytes int
	// MaxBodyBytes bounds a request body (413 problem above it).
	MaxBodyBytes int64
	// ReadModelWait bounds how long a write waits for the read models to hold its effect
	// (read-your-writes) before it is answered 503 timeout ("it may have been applied").
	ReadModelWait time.Duration
}

// defaultHTTPLimits are the defaults of the -http-* flags.
var defaultHTTPLimits = HTTPLimits{
	ReadHeaderTimeout: 5 * time.Second,
	ReadTimeout:       30 * time.Second,
	WriteTimeout:      30 * time.Second,
	IdleTimeout:       2 * time.Minute,
	MaxHeaderBytes:    64 << 10,
	MaxBodyBytes:      httpapi.DefaultMaxBodyBytes,
	ReadModelWait:     10 * time.Second,
}

// register adds the -http-* flags.
func (l *HTTPLimits) register(fs *flag.FlagSet) {
	d := defaultHTTPLimits
	fs.DurationVar(&l.ReadHeaderTimeout, "http-read-header-timeout", d.ReadHeaderTimeout, "how long a client may take to send a request's headers")
	fs.DurationVar(&l.ReadTimeout, "http-read-timeout", d.ReadTimeout, "how long a client may take to send a whole request")
	fs.DurationVar(&l.WriteTimeout, "http-write-timeout", d.WriteTimeout, "how long handling a request and writing its response may take")
	fs.DurationVar(&l.IdleTimeout, "http-idle-timeout", d.IdleTimeout, "how long an idle keep-alive connection is kept open")
	fs.IntVar(&l.MaxHeaderBytes, "http-max-header-bytes", d.MaxHeaderBytes, "largest request line and headers, in bytes")
	fs.DurationVar(&l.ReadModelWait, "read-model-wait", d.ReadModelWait, "how long a write waits for the read models to show it before answering 503")
	fs.Int64Var(&l.MaxBodyBytes, "http-max-body-bytes", d.MaxBodyBytes, "largest request body, in bytes")
}

// validate reports every limit that is not positive, and a write timeout not above the
// read-model wait: a request waits up to that long for its command (or, on a reader, for a data
// key) and is then answered — a stored write's 200, or its 503 naming the version — and an answer
// later than the write timeout is never written.
func (l HTTPLimits) validate() error {
	var errs []error
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"read model wait", l.ReadModelWait}, {"http read header timeout", l.ReadHeaderTimeout}, {"http read timeout", l.ReadTimeout}, {"http write timeout", l.WriteTimeout}, {"http idle timeout", l.IdleTimeout}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s %v: want a positive duration", d.name, d.v))
		}
	}
	if l.WriteTimeout > 0 && l.ReadModelWait > 0 && l.WriteTimeout <= l.ReadModelWait {
		errs = append(errs, fmt.Errorf("http write timeout %v is not above the read model wait %v: a write's answer could not be written; raise the http write timeout or shorten the read model wait",
			l.WriteTimeout, l.ReadModelWait))
	}
	if l.ReadHeaderTimeout > 0 && l.ReadTimeout > 0 && l.ReadHeaderTimeout > l.ReadTimeout {
		// The whole request, headers included, must arrive within the read timeout.
		errs = append(errs, fmt.Errorf("http read header timeout %v is above the http read timeout %v: the headers must arrive within the read timeout too",
			l.ReadHeaderTimeout, l.ReadTimeout))
	}
	if l.MaxHeaderBytes < 4<<10 {
		errs = append(errs, fmt.Errorf("http max header bytes %d: want at least 4096", l.MaxHeaderBytes))
	}
	if l.MaxBodyBytes < 4<<10 {
		errs = append(errs, fmt.Errorf("http max body bytes %d: want at least 4096", l.MaxBodyBytes))
	}
	return errors.Join(errs...)
}

// newHTTPServer returns the HTTP server of h with the configured limits.
func (m *Main) newHTTPServer(h http.Handler) *http.Server {
	l := m.Options.HTTP
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
	}
}

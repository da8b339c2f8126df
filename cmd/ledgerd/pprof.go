package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"time"
)

// startPprof serves Go's profiler on its own listener when Options.PprofAddr is set: never on the
// API's address, so the profiler is reachable only where the operator put it (loopback, say).
// ledgerbench uses it to profile the service under load. It also turns on the block and mutex
// profiles, which cost a little on every blocking event: another reason it is off by default.
func (m *Main) startPprof() error {
	if m.Options.PprofAddr == "" {
		return nil
	}
	l, err := net.Listen("tcp", m.Options.PprofAddr)
	if err != nil {
		return fmt.Errorf("pprof listen: %w", err)
	}
	// Where requests wait (channels, locks, fsync-bound appends) matters as much as where they
	// burn CPU: sample blocking events of 10 µs and more, and one contended lock in 100.
	runtime.SetBlockProfileRate(int((10 * time.Microsecond).Nanoseconds()))
	runtime.SetMutexProfileFraction(100)
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	// No /debug/pprof/cmdline: ledgerd's command line holds the secrets given as flags.
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	m.pprof, m.pprofAddr = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, l.Addr().String()
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if err := m.pprof.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.log.Error("pprof server stopped", "err", err)
		}
	}()
	m.log.Info("serving the profiler", "addr", l.Addr().String())
	return nil
}

// PprofAddr returns the profiler's address (after Run; "" when it is off).
func (m *Main) PprofAddr() string { return m.pprofAddr }

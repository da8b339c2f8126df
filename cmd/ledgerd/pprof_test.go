package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestE2EPprof: -pprof-addr serves the profiler on its own listener, never on the API's; without
// the flag there is none.
func TestE2EPprof(t *testing.T) {
	s := startServer(t, withArgs("-pprof-addr", "127.0.0.1:0"))
	addr := s.m.PprofAddr()
	if addr == "" || strings.HasSuffix(addr, ":0") {
		t.Fatalf("PprofAddr %q", addr)
	}
	// A plain client: the profiler's own listener is not the API, so not in the OpenAPI document.
	resp, err := http.Get("http://" + addr + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine profile") {
		t.Errorf("profiler's goroutine profile: %d %.200q", resp.StatusCode, body)
	}
	if r := s.do(t, http.MethodGet, "/debug/pprof/goroutine?debug=1", s.token, nil); r.Status == http.StatusOK {
		t.Errorf("the API's address serves the profiler: %d", r.Status)
	}

	plain := startServer(t)
	if a := plain.m.PprofAddr(); a != "" {
		t.Errorf("without -pprof-addr the profiler listens on %q", a)
	}
}

// TestE2EPprofShowsNoCommandLine: the profiler's /debug/pprof/cmdline served ledgerd's command
// line, with every secret given as a flag (-jwt-secret, -card-verification-token): it is not
// served.
func TestE2EPprofShowsNoCommandLine(t *testing.T) {
	s := startServer(t, withArgs("-pprof-addr", "127.0.0.1:0"))
	resp, err := http.Get("http://" + s.m.PprofAddr() + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK || strings.Contains(string(body), "-data-dir") {
		t.Errorf("/debug/pprof/cmdline: %d %.200q", resp.StatusCode, body)
	}
}

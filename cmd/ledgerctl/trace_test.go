package main

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/nordledger/ledger/internal/admin"
)

// The trace context of the tests: a caller's span, and its tracestate.
const (
	callerTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	callerParent  = "00-" + callerTraceID + "-00f067aa0ba902b7-01"
	callerState   = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"
)

// TestTraceContextFromEnvironment: ledgerctl started inside a trace — TRACEPARENT and
// TRACESTATE set as OpenTelemetry's environment carriers set them — sends them as traceparent
// and tracestate on each request to ledgerd's API, and ledgerd continues the trace (its
// traceresponse: the same trace, a span of its own). A value that is not W3C Trace Context is
// not sent, and ledgerctl says so on stderr and goes on; a TRACESTATE is sent only with a
// valid TRACEPARENT. ledgerctl sent neither before.
func TestTraceContextFromEnvironment(t *testing.T) {
	a := auditStory(t)
	args := []string{"events", "--url", a.url, "--secret-file", a.secretFile, "--customer", "9999", "--all", "--page-size", "2"}
	tests := []struct {
		name                  string
		env                   map[string]string
		wantParent, wantState string // sent
		wantWarning           string // on stderr ("": stderr empty)
	}{
		{"none", nil, "", "", ""},
		{"traceparent and tracestate", map[string]string{"TRACEPARENT": callerParent, "TRACESTATE": callerState}, callerParent, callerState, ""},
		{"traceparent, unsampled", map[string]string{"TRACEPARENT": strings.TrimSuffix(callerParent, "01") + "00"}, strings.TrimSuffix(callerParent, "01") + "00", "", ""},
		{"upper-case traceparent", map[string]string{"TRACEPARENT": strings.ToUpper(callerParent), "TRACESTATE": callerState}, "", "",
			`ledgerctl: TRACEPARENT "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01" is not a W3C traceparent: not sent`},
		{"all-zero trace id", map[string]string{"TRACEPARENT": "00-00000000000000000000000000000000-00f067aa0ba902b7-01"}, "", "",
			"is not a W3C traceparent: not sent"},
		{"version ff", map[string]string{"TRACEPARENT": "ff" + strings.TrimPrefix(callerParent, "00")}, "", "", "is not a W3C traceparent: not sent"},
		{"a header injected", map[string]string{"TRACEPARENT": callerParent + "\r\nX-Evil: 1"}, "", "", `-01\r\nX-Evil: 1" is not a W3C traceparent: not sent`},
		{"invalid tracestate", map[string]string{"TRACEPARENT": callerParent, "TRACESTATE": "not a tracestate"}, callerParent, "",
			`ledgerctl: TRACESTATE "not a tracestate" is not a W3C tracestate: not sent (TRACEPARENT is)`},
		{"tracestate alone", map[string]string{"TRACESTATE": callerState}, "", "", "ledgerctl: TRACESTATE without TRACEPARENT: not sent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, tt.env, args...)
			if code != exitOK || !strings.Contains(stdout, "LegalAddressReplaced") {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
			}
			if tt.wantWarning == "" && stderr != "" || !strings.Contains(stderr, tt.wantWarning) || strings.Count(stderr, "\n") > 1 {
				t.Errorf("stderr %q, want one line holding %q", stderr, tt.wantWarning)
			}
			seen := a.tracesSeen()
			if len(seen) < 3 {
				t.Fatalf("%d requests served, want 3 pages", len(seen))
			}
			for i, s := range seen {
				if s.parent != tt.wantParent || s.state != tt.wantState {
					t.Errorf("request %d came with traceparent %q, tracestate %q; want %q, %q", i, s.parent, s.state, tt.wantParent, tt.wantState)
				}
				continued := strings.HasPrefix(s.response, "00-"+callerTraceID+"-")
				if continued != (tt.wantParent != "") || s.response == tt.wantParent {
					t.Errorf("request %d answered traceresponse %q; the caller's span was %q", i, s.response, tt.wantParent)
				}
			}
		})
	}
}

// TestTraceContextToTheAdminSocket: the commands that ask ledgerd over its admin socket send
// the environment's trace context as well.
func TestTraceContextToTheAdminSocket(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "admin.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []traceSeen
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, traceSeen{parent: r.Header.Get("traceparent"), state: r.Header.Get("tracestate")})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(admin.Grants{})
	})}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	defer func() {
		srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	}()
	stdout, stderr, code := runCLI(t, map[string]string{"TRACEPARENT": callerParent, "TRACESTATE": callerState},
		"consumer", "list", "--data-dir", dir, "--socket", sock)
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0].parent != callerParent || seen[0].state != callerState {
		t.Errorf("the admin socket was asked with %+v; want traceparent %q, tracestate %q", seen, callerParent, callerState)
	}
}

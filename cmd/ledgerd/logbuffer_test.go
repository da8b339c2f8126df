package main

import (
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestLogBuffer(t *testing.T) {
	out := &callerBuffer{caller: goroutineID()}
	buf := newLogBuffer(out)
	log := newLogger(buf, "text", "debug")

	// Not written at once: whether the flush came before the check below is a matter of timing
	// (100 ms on a loaded machine), whether it was the logging goroutine's own write is not.
	log.Info("request", "route", "GET /customers/{customerNo}")
	if got := out.byCaller(); got != "" {
		t.Fatalf("an info line was written at once: %q", got)
	}
	waitFor(t, "the info line to be written out", func() bool { return strings.Contains(out.String(), "msg=request") })

	log.Debug("first")
	log.With("component", "relay").Warn("relay stopped")
	if got := out.String(); !strings.Contains(got, "msg=first") || !strings.Contains(got, `msg="relay stopped" component=relay`) {
		t.Fatalf("a warning did not write itself and the lines before it at once:\n%s", got)
	}

	log.Info("last")
	if err := buf.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "msg=last") {
		t.Fatalf("Close did not write the buffered line:\n%s", out.String())
	}
	log.Info("after close")
	if !strings.Contains(out.String(), `msg="after close"`) {
		t.Fatalf("a line after Close was not written at once:\n%s", out.String())
	}
}

func TestLogBufferWritesWhenFull(t *testing.T) {
	out := &syncBuffer{}
	log := newLogger(newLogBuffer(out), "json", "info")
	line := strings.Repeat("x", 1000)
	for range logBufferSize / 1000 {
		log.Info(line)
	}
	lines := strings.Count(out.String(), "\n")
	if lines == 0 || lines > logBufferSize/1000 {
		t.Fatalf("%d lines written out after filling the buffer, want some and whole ones", lines)
	}
	if !strings.HasSuffix(out.String(), "\n") {
		t.Fatal("a line was split")
	}
}

// callerBuffer is a syncBuffer that also keeps what the goroutine caller wrote itself.
type callerBuffer struct {
	syncBuffer
	caller string
	mu     sync.Mutex
	own    strings.Builder
}

func (c *callerBuffer) Write(p []byte) (int, error) {
	if goroutineID() == c.caller {
		c.mu.Lock()
		c.own.Write(p)
		c.mu.Unlock()
	}
	return c.syncBuffer.Write(p)
}

// byCaller returns what the goroutine caller wrote itself.
func (c *callerBuffer) byCaller() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.own.String()
}

// goroutineID returns the calling goroutine's id, from its stack's first line ("goroutine 7 [running]:").
func goroutineID() string {
	b := make([]byte, 64)
	return strings.Fields(string(b[:runtime.Stack(b, false)]))[1]
}

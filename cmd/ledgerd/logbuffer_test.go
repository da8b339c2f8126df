package main

import (
	"strings"
	"testing"
	"time"
)

func TestLogBuffer(t *testing.T) {
	out := &syncBuffer{}
	buf := newLogBuffer(out)
	log := newLogger(buf, "text", "debug")

	log.Info("request", "route", "GET /customers/{customerNo}")
	if got := out.String(); got != "" {
		t.Fatalf("an info line was written at once: %q", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "msg=request") {
		if time.Now().After(deadline) {
			t.Fatal("the info line was never written out")
		}
		time.Sleep(10 * time.Millisecond)
	}

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

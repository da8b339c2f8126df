package main

import (
	"strings"
	"testing"
)

// TestWriteTimeoutAboveReadModelWait: a write may wait up to -read-model-wait for its command
// (the read models showing it included) and is then answered — 200, or 503 timeout naming the
// version it stored. Past -http-write-timeout that answer can no longer be written: the client
// of a stored write is left with a broken connection instead of the truth. ledgerd refuses a
// write timeout that is not above the read-model wait at start, as docs/configuration.md says to
// keep it; it took any positive one.
func TestWriteTimeoutAboveReadModelWait(t *testing.T) {
	for _, args := range [][]string{
		{"-http-write-timeout", "5s"},
		{"-http-write-timeout", "10s"},
		{"-read-model-wait", "1m"},
		{"-role", "reader", "-nats-url", "nats://127.0.0.1:4222", "-http-write-timeout", "2s", "-read-model-wait", "3s"},
	} {
		err := NewMain().ParseFlags(args, func(string) string { return "" })
		if err == nil || !strings.Contains(err.Error(), "http write timeout") {
			t.Errorf("%v: %v; want refused, naming the http write timeout", args, err)
		}
	}
	for _, args := range [][]string{
		nil,
		{"-http-write-timeout", "11s"},
		{"-http-write-timeout", "2s", "-read-model-wait", "1s"},
	} {
		if err := NewMain().ParseFlags(args, func(string) string { return "" }); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

package main

import (
	"testing"
	"time"
)

func TestLatencyStats(t *testing.T) {
	var l latencies
	for i := 100; i >= 1; i-- { // unsorted on purpose
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	got := l.stats()
	want := latencyStats{Count: 100, Mean: 50.5, P50: 50, P90: 90, P99: 99, Max: 100}
	if got != want {
		t.Errorf("stats: got %+v, want %+v", got, want)
	}
	if got := (latencies{}).stats(); got != (latencyStats{}) {
		t.Errorf("empty: %+v", got)
	}
	if got := (latencies{7 * time.Millisecond}).stats(); got.P50 != 7 || got.P99 != 7 || got.Max != 7 {
		t.Errorf("one sample: %+v", got)
	}
}

func TestJSONBodyOfSize(t *testing.T) {
	for _, n := range []int{16, 40, 100, 1234, 8000} {
		if got := len(jsonBodyOfSize(n)); got != n {
			t.Errorf("jsonBodyOfSize(%d) has %d bytes", n, got)
		}
	}
}

func TestListInts(t *testing.T) {
	got, err := listInts("1, 16,10k,1M")
	if err != nil || len(got) != 4 || got[2] != 10_000 || got[3] != 1_000_000 {
		t.Errorf("listInts: %v, %v", got, err)
	}
	if _, err := listInts("1,x"); err == nil {
		t.Error("listInts accepted x")
	}
}

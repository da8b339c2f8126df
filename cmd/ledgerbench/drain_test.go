package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestDrainStoppedIsAnError: a drain stopped (its context ended) before the run's events are
// published reports the stop, not figures that count the unwaited-for events as missing.
func TestDrainStoppedIsAnError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ledgerd_relay_published_position 5")
	}))
	defer srv.Close()
	// The harness is stopped once the scrape has read its answer: the scrape itself succeeds.
	client := &http.Client{Transport: cancelAtEOF{srv.Client().Transport, cancel}}
	s := &session{base: srv.URL, metrics: client}
	d, err := s.drain(ctx, 0, 10, time.Now(), time.Hour)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("drain stopped at 5 of 10: %+v, %v; want context.Canceled", d, err)
	}
}

// cancelAtEOF calls cancel when an answer's body has been read to its end.
type cancelAtEOF struct {
	next   http.RoundTripper
	cancel context.CancelFunc
}

func (c cancelAtEOF) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err == nil {
		resp.Body = &eofBody{ReadCloser: resp.Body, cancel: c.cancel}
	}
	return resp, err
}

type eofBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *eofBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.cancel()
	}
	return n, err
}

// TestDrainDone: a drain whose events are all published reports them, even when its context
// ends at the same time.
func TestDrainDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ledgerd_relay_published_position 12")
	}))
	defer srv.Close()
	s := &session{base: srv.URL, metrics: srv.Client()}
	d, err := s.drain(ctx, 2, 10, time.Now(), time.Hour)
	if err != nil || d.Events != 8 || d.Missing != 0 {
		t.Fatalf("drain: %+v, %v; want 8 events, none missing", d, err)
	}
}

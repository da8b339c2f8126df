package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logFlushInterval is the longest an info or debug line waits in the log buffer.
const logFlushInterval = 100 * time.Millisecond

// logBufferSize is the size at which the buffer is written out at once.
const logBufferSize = 32 << 10

// logBuffer gathers log lines and writes them out together: every request logs a line, and one
// write system call per line was 2% of a GET's CPU (BENCHMARKS.md). A line waits at most
// logFlushInterval; warnings and errors are written at once (flushingHandler), and Close writes
// what is left. A kill -9 can lose the last interval's info lines, never an acknowledged write.
type logBuffer struct {
	mu        sync.Mutex
	out       io.Writer
	buf       []byte
	scheduled bool // a timed flush is pending
	closed    bool // Close was called: lines go straight out
}

func newLogBuffer(out io.Writer) *logBuffer { return &logBuffer{out: out} }

// Write keeps p (one whole log record, as slog's handlers write them) for the next flush.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return b.out.Write(p)
	}
	b.buf = append(b.buf, p...)
	if len(b.buf) >= logBufferSize {
		return len(p), b.flushLocked()
	}
	if !b.scheduled {
		b.scheduled = true
		time.AfterFunc(logFlushInterval, func() { b.Flush() })
	}
	return len(p), nil
}

// Flush writes out the buffered lines.
func (b *logBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.scheduled = false
	return b.flushLocked()
}

func (b *logBuffer) flushLocked() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.out.Write(b.buf)
	if cap(b.buf) > 4*logBufferSize { // after a burst, do not keep a large buffer
		b.buf = nil
	} else {
		b.buf = b.buf[:0]
	}
	return err
}

// Close flushes and makes later lines go straight out (a component logging after Close).
func (b *logBuffer) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return b.flushLocked()
}

// flushingHandler flushes the log buffer after each warning or error, so they are never delayed.
type flushingHandler struct {
	slog.Handler
	buf *logBuffer
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		if ferr := h.buf.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{Handler: h.Handler.WithAttrs(attrs), buf: h.buf}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{Handler: h.Handler.WithGroup(name), buf: h.buf}
}

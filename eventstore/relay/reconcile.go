package relay

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/wire"
)

// reconcile reads the stream's last sequence and checks it against the log: it must not be beyond
// the log's head, and the message there must carry the log's event id at that position. It
// returns the cursor to resume from. resumed reports whether the relay had a cursor before.
func (r *Relay) reconcile(ctx context.Context, resumed bool) (uint64, error) {
	if conn := r.cfg.JetStream.Conn(); !conn.IsConnected() {
		return 0, fmt.Errorf("relay: %w", nats.ErrDisconnected)
	}
	stream, err := r.cfg.JetStream.Stream(ctx, r.cfg.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) && r.cfg.Create != nil {
		r.log.Warn("relay: the stream does not exist (NATS lost its store, or it was deleted); creating it and publishing the log again from position 1",
			"published", r.cursor.Load())
		if err = EnsureStream(ctx, r.cfg.JetStream, *r.cfg.Create); err == nil {
			stream, err = r.cfg.JetStream.Stream(ctx, r.cfg.Stream)
		}
	}
	if err != nil {
		return 0, fmt.Errorf("relay: stream %s: %w", r.cfg.Stream, err)
	}
	last := stream.CachedInfo().State.LastSeq
	head, err := r.cfg.Log.Head(ctx)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", errLog, err)
	}
	conflict := func(kind error, detail string) *ConflictError {
		return &ConflictError{Kind: kind, Stream: r.cfg.Stream, Sequence: last, LogHead: head, Detail: detail}
	}
	if last > head {
		return 0, conflict(ErrStreamAhead, "the stream holds messages this log does not have (another log, or an older copy of this one); "+
			"point the relay at an empty stream or restore the matching log")
	}
	if last == 0 {
		return r.checkBehind(0, resumed), nil
	}
	raw, err := stream.GetMsg(ctx, last)
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		// Removed by MaxAge, a purge or a delete: sequences are never reused, so the stream's
		// last sequence is still the cursor; there is just nothing left to compare.
		r.log.Warn("relay: the stream's last message is gone (aged out or purged); resuming without checking its id", "sequence", last)
		return r.checkBehind(last, resumed), nil
	case err != nil:
		return 0, fmt.Errorf("relay: stream %s: get message %d: %w", r.cfg.Stream, last, err)
	}
	evs, err := r.cfg.Log.ReadAll(ctx, last, 1)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", errLog, err)
	}
	if len(evs) != 1 || evs[0].Position != last {
		return 0, fmt.Errorf("%w: position %d not readable (head %d)", errLog, last, head)
	}
	got, want := raw.Header.Get(nats.MsgIdHdr), evs[0].ID.String()
	if got != want {
		c := conflict(ErrForeignMessage, "the stream's last message is not this log's event at that position; only the relay may publish to "+wire.StreamSubjects)
		c.MsgID, c.ExpectedID = got, want
		return 0, c
	}
	if c := r.cursor.Load(); resumed && last > c {
		r.log.Info("relay: events were already in the stream (a publish whose ack was lost); continuing after them", "published", c, "stream_last", last)
	}
	return r.checkBehind(last, resumed), nil
}

// checkBehind warns when the stream is behind the relay's own cursor (the stream lost messages or
// was recreated): the relay republishes from the stream's end, the log being the system of record.
func (r *Relay) checkBehind(last uint64, resumed bool) uint64 {
	if c := r.cursor.Load(); resumed && last < c {
		r.log.Warn("relay: the stream is behind the relay's cursor (messages lost or stream recreated); republishing from the log", "published", c, "stream_last", last)
	}
	return last
}

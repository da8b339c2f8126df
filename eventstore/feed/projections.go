package feed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/wire"
)

// Metadata the feed sets on its messages (never taken from a message's headers).
const (
	// MetadataMore marks a message the feed already holds the next message after: the
	// projections may keep the event for a batch instead of committing it at once.
	MetadataMore = "_feed_more"
	// MetadataStreamSequence is the JetStream stream sequence of the message, which must equal
	// the event's log position.
	MetadataStreamSequence = "_feed_stream_sequence"
)

// Deliver implements projections.Feed, the reader replica's driver of its projections: the
// subscriber Subscriber(name, checkpoint) in a Watermill router, with one handler called name,
// which turns each message back into its event (wire.EventFromMessage), checks that its stream
// sequence is the event's log position, and hands it to apply (more: MetadataMore). An error of
// apply nacks the message, which is delivered again. A message that is not a ledger event, or is
// not at its position, stops the feed with an error.
func (j *JetStream) Deliver(ctx context.Context, name string, checkpoint func() uint64, apply func(ctx context.Context, e eventstore.Event, more bool) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// Watermill's own messages (handler started, router closed) are debug detail here.
	wlog := watermill.NewSlogLoggerWithLevelMapping(j.log.With("component", "projections"),
		map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug})
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 10 * time.Second}, wlog)
	if err != nil {
		return err
	}
	sub, topic, err := j.Subscriber(name, checkpoint)
	if err != nil {
		return err
	}
	router.AddConsumerHandler(name, topic, sub, func(msg *message.Message) error {
		e, err := wire.EventFromMessage(msg)
		if err == nil {
			if s := msg.Metadata.Get(MetadataStreamSequence); s != "" && s != strconv.FormatUint(e.Position, 10) {
				err = fmt.Errorf("message at stream sequence %s carries log position %d: the stream was not written by the relay", s, e.Position)
			}
		}
		if err != nil {
			cancel(err)
			return err
		}
		return apply(msg.Context(), e, msg.Metadata.Get(MetadataMore) != "")
	})
	if err := router.Run(ctx); err != nil {
		return fmt.Errorf("router: %w", err)
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

package consumer

import (
	"context"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
)

// HandleBatch hands a batch of deliveries over as Run does, after the event at position last,
// for tests that build a batch from real deliveries of a real durable; it returns the position
// handed over last.
func (c *Consumer) HandleBatch(ctx context.Context, h Handler, batch []jetstream.Msg, last uint64) (uint64, error) {
	held := &holding{msgs: map[jetstream.Msg]struct{}{}}
	for _, m := range batch {
		held.add(m)
	}
	md, err := batch[0].Metadata()
	if err != nil {
		return last, err
	}
	dseq := md.Sequence.Consumer - 1
	var lastID uuid.UUID
	_, err = c.handleBatch(ctx, h, batch, held, &last, &lastID, 0, &dseq)
	return last, err
}

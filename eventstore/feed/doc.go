// Package feed delivers the event log to a reader replica's projections as Watermill messages
// (wire.NewMessage's format): JetStream reads the JetStream stream the relay publishes to,
// through one durable pull consumer per subscriber (ledgerd's runner has one for all its
// projections). The writer feeds its projections from its own commit pipeline instead
// (projections.Runner.Apply).
//
// It delivers one message at a time and waits for its acknowledgement before the next, so a
// projection sees the log in order. A nacked message is delivered again, after a pause, before
// anything after it; it is never skipped. Where to start comes from the projections' checkpoints
// (kept with their read models; the runner passes the lowest), not from the consumer's
// acknowledgement state, so a read model that lost its last commits in a crash is still fed every
// event after what it holds.
package feed

import "time"

// nackDelay is the pause before a nacked message is delivered again.
const nackDelay = 500 * time.Millisecond

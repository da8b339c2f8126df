package feed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/wire"
	"go.opentelemetry.io/otel/trace"
)

// Consumer settings of the JetStream feed.
const (
	// pullBatch is how many messages a consumer pulls ahead of the projection.
	pullBatch = 256
	// ackWait is how long the server waits for an ack before delivering again. Messages pulled
	// ahead wait in the client for their turn, so it is generous; a redelivered message the
	// projection already applied is acknowledged and skipped.
	ackWait = 5 * time.Minute
	// InactiveThreshold is how long a consumer lives without a client: a reader that is gone
	// for longer leaves nothing behind, and one that returns recreates it from its checkpoint.
	InactiveThreshold = 24 * time.Hour
)

// JetStream feeds projections from the JetStream stream the relay publishes to, through a durable
// pull consumer per subscriber named "{readerID}_{name}": ledgerd's runner has one subscriber,
// projections.HandlerName, so a reader has one consumer, "{readerID}_projections".
type JetStream struct {
	js       jetstream.JetStream
	stream   string
	readerID string
	log      *slog.Logger
	// TracerProvider records a span for each message's delivery to the projections (SpanDeliver,
	// trace.go), a child of the trace context the message carries; nil records none. Set it
	// before Subscriber.
	TracerProvider trace.TracerProvider
	// Resume, when set, is called each time the feed starts (again) from the checkpoint, before
	// it reads the checkpoint and makes its consumer: ledgerd's reader checks there that its read
	// models still hold the stream's events (projections.Runner.ResetIfNotInStream with EventAt),
	// since a stream replaced under it (the writer's older log restored) took its consumer with
	// it. An error is a failure like NATS being down: the feed starts again after a backoff. Set
	// it before Subscriber.
	Resume func(ctx context.Context) error
}

var consumerNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// NewJetStream returns a feed reading stream through js. readerID names this reader's consumers
// (letters, digits, '-' and '_'; distinct for every reader sharing the stream).
func NewJetStream(js jetstream.JetStream, stream, readerID string, log *slog.Logger) (*JetStream, error) {
	if !consumerNameRE.MatchString(readerID) {
		return nil, fmt.Errorf("feed: reader id %q: want 1 to 64 letters, digits, '-' or '_'", readerID)
	}
	if log == nil {
		log = slog.Default()
	}
	return &JetStream{js: js, stream: stream, readerID: readerID, log: log}, nil
}

// ConsumerName is the durable consumer of the subscriber called name on a reader.
func ConsumerName(readerID, name string) string { return readerID + "_" + name }

// Subscriber returns a subscriber delivering the events after checkpoint() to the handler called
// name through the durable consumer ConsumerName(readerID, name), and the topic to subscribe to:
// the stream's subjects.
func (j *JetStream) Subscriber(name string, checkpoint func() uint64) (message.Subscriber, string, error) {
	consumer := ConsumerName(j.readerID, name)
	if !consumerNameRE.MatchString(consumer) {
		return nil, "", fmt.Errorf("feed: consumer name %q: want 1 to 64 letters, digits, '-' or '_'", consumer)
	}
	return &jsSubscriber{feed: j, name: consumer, handler: name, checkpoint: checkpoint,
		log: j.log.With("handler", name, "consumer", consumer), closers: newClosers()}, wire.StreamSubjects, nil
}

type jsSubscriber struct {
	feed       *JetStream
	name       string
	handler    string
	checkpoint func() uint64
	log        *slog.Logger
	*closers
}

// Subscribe implements message.Subscriber. It consumes until ctx ends or the subscriber is closed;
// after any failure (NATS down, consumer lost) it starts again from the checkpoint,
// with backoff.
func (s *jsSubscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	ctx, done, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan *message.Message)
	go func() {
		defer done()
		defer close(out)
		for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
			progressed, err := s.consume(ctx, topic, out)
			if ctx.Err() != nil {
				return
			}
			if progressed {
				wait = 100 * time.Millisecond
			}
			s.log.Warn("feed: JetStream consumer interrupted; resuming from the checkpoint", "err", err, "retryIn", wait)
			if !sleep(ctx, wait) {
				return
			}
		}
	}()
	return out, nil
}

// consume delivers messages from the consumer until an error; progressed reports whether any
// message was delivered.
func (s *jsSubscriber) consume(ctx context.Context, topic string, out chan<- *message.Message) (progressed bool, err error) {
	if s.feed.Resume != nil {
		if err := s.feed.Resume(ctx); err != nil {
			return false, err
		}
	}
	after := s.checkpoint()
	cons, err := s.consumer(ctx, topic, after)
	if err != nil {
		return false, err
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(pullBatch))
	if err != nil {
		return false, err
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	defer it.Stop()
	next := after + 1
	// The consumer numbers its deliveries 1, 2, 3, … (redeliveries too). A number skipped is a
	// message delivered to this client that never arrived — lost with a connection that broke
	// while it was on its way; the client reconnects and pulls on by itself, and JetStream sends
	// the lost one again only after ackWait, behind newer events (a gap to the projections). So
	// a skipped number ends this consumer: the next is made again from the checkpoint.
	dseq := cons.CachedInfo().Delivered.Consumer
	for {
		m, err := it.Next()
		if err != nil {
			return progressed, err
		}
		md, err := m.Metadata()
		if err != nil {
			return progressed, err
		}
		if md.Sequence.Consumer != dseq+1 {
			return progressed, fmt.Errorf("feed: delivery %d came after delivery %d: deliveries were lost on the way", md.Sequence.Consumer, dseq)
		}
		dseq = md.Sequence.Consumer
		if seq := md.Sequence.Stream; seq < next {
			_ = m.Ack() // a redelivery of something the projection holds
			continue
		}
		msg := toMessage(m, md.Sequence.Stream)
		if md.NumPending > 0 { // more is on its way: the projection may batch
			msg.Metadata.Set(MetadataMore, "1")
		}
		mctx, span := s.startDeliver(ctx, msg, md) // trace.go
		delivered := deliver(mctx, out, msg)
		endDeliver(span, delivered)
		if !delivered {
			return progressed, ctx.Err()
		}
		progressed = true
		next = md.Sequence.Stream + 1
		if err := m.Ack(); err != nil {
			s.log.Debug("feed: ack not sent", "err", err)
		}
	}
}

// consumer returns the subscriber's durable consumer positioned after the checkpoint: the existing
// one when it stopped exactly there with nothing pending, otherwise a new one starting at
// checkpoint+1 (the read model, not the consumer's ack state, says what has been applied).
func (s *jsSubscriber) consumer(ctx context.Context, topic string, after uint64) (jetstream.Consumer, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	js, stream := s.feed.js, s.feed.stream
	cons, err := js.Consumer(ctx, stream, s.name)
	switch {
	case err == nil:
		info := cons.CachedInfo()
		if info.Config.FilterSubject == topic && info.NumAckPending == 0 && info.NumRedelivered == 0 && info.Delivered.Stream == after {
			s.log.Info("feed: resuming the durable consumer", "after", after)
			return cons, nil
		}
		if err := js.DeleteConsumer(ctx, stream, s.name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil, fmt.Errorf("delete consumer %s: %w", s.name, err)
		}
	case !errors.Is(err, jetstream.ErrConsumerNotFound):
		return nil, fmt.Errorf("consumer %s: %w", s.name, err)
	}
	cfg := jetstream.ConsumerConfig{
		Durable:           s.name,
		Description:       "ledgerd read models (" + s.handler + ")",
		FilterSubject:     topic,
		AckPolicy:         jetstream.AckExplicitPolicy,
		AckWait:           ackWait,
		MaxDeliver:        -1,
		MaxAckPending:     4 * pullBatch,
		InactiveThreshold: InactiveThreshold,
		DeliverPolicy:     jetstream.DeliverAllPolicy,
	}
	if after > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, after+1
	}
	s.log.Info("feed: creating the durable consumer", "startSequence", after+1)
	return js.CreateConsumer(ctx, stream, cfg)
}

// getWait bounds EventAt's get of one message.
const getWait = 2 * time.Second

// EventAt returns the id of the event the stream holds at position (its message id, "" when the
// stream holds no message there: beyond its end, aged out or deleted) and the stream's last
// sequence (= the log's last position published). It is a projections.StreamEventID: an error
// with a last sequence above 0 says only the message could not be got.
func (j *JetStream) EventAt(ctx context.Context, position uint64) (id string, last uint64, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := j.js.Stream(ctx, j.stream)
	if err != nil {
		return "", 0, err
	}
	st := s.CachedInfo().State
	if position == 0 || position > st.LastSeq || position < st.FirstSeq {
		return "", st.LastSeq, nil
	}
	// A NATS user not allowed to get a stream's message gets no answer at all: the get waits
	// at most getWait, and its error comes with the stream's end, which is known.
	gctx, gcancel := context.WithTimeout(ctx, getWait)
	defer gcancel()
	m, err := s.GetMsg(gctx, position)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return "", st.LastSeq, nil
	}
	if err != nil {
		return "", st.LastSeq, fmt.Errorf("feed: getting the stream's message %d (may this NATS user get messages, $JS.API.STREAM.MSG.GET?): %w", position, err)
	}
	return m.Header.Get(wire.HeaderMsgID), st.LastSeq, nil
}

// toMessage turns a JetStream message into a Watermill message: headers become metadata, and
// MetadataStreamSequence carries the stream sequence so the projection can check it against the
// event's position.
func toMessage(m jetstream.Msg, seq uint64) *message.Message {
	h := m.Headers()
	id := h.Get(wire.HeaderMsgID)
	msg := message.NewMessage(id, message.Payload(m.Data()))
	for k, vs := range h {
		if len(vs) > 0 {
			msg.Metadata.Set(k, vs[0])
		}
	}
	msg.Metadata.Set(MetadataStreamSequence, strconv.FormatUint(seq, 10))
	return msg
}

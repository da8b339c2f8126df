package relay

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/wire"
)

// WatermillUUIDHeader carries the Watermill message UUID, as watermill-nats's NATSMarshaler does,
// so a watermill-nats subscriber using NATSMarshaler gets the event id as message UUID.
const WatermillUUIDHeader = "_watermill_message_uuid"

// AsyncPublisherConfig configures an AsyncPublisher. The zero value is valid.
type AsyncPublisherConfig struct {
	// AckTimeout bounds the wait for each message's PubAck (and for a free in-flight slot).
	// Default 10s. Without it a publish whose ack is lost would wait forever.
	AckTimeout time.Duration
	// MaxInFlight is the most messages sent and not yet acknowledged. Default 4096.
	MaxInFlight int
}

func (c AsyncPublisherConfig) withDefaults() AsyncPublisherConfig {
	if c.AckTimeout == 0 {
		c.AckTimeout = 10 * time.Second
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = 4096
	}
	return c
}

// Validate reports every problem of the configuration at once.
func (c AsyncPublisherConfig) Validate() error {
	var errs []error
	if c.AckTimeout < 0 {
		errs = append(errs, errors.New("AckTimeout must not be negative"))
	}
	if c.MaxInFlight < 0 {
		errs = append(errs, errors.New("MaxInFlight must not be negative"))
	}
	return errors.Join(errs...)
}

// AsyncPublisher is a Watermill message.Publisher over JetStream asynchronous publishing: Publish
// sends every message without waiting, in order, on one connection, then waits for all PubAcks.
// It is safe for concurrent use, but concurrent Publish calls interleave their messages; callers
// that need order across calls (the Relay) call it from one goroutine.
//
// Mapping: the payload is sent unchanged; every metadata key except wire.MetadataSubject becomes a NATS
// header with the same name and value (like watermill-nats's NATSMarshaler), and the UUID goes in
// WatermillUUIDHeader. JetStream headers (Nats-Msg-Id, Nats-Expected-Last-Sequence, ...) are
// therefore set through metadata. SendEvents, the Relay's path, sends stored events as the very
// same messages without building Watermill messages first (from wire.Headers).
//
// Publish returns nil only when every message was acknowledged by the stream; otherwise the first
// error (messages after it may or may not have been stored). A message carrying
// Nats-Expected-Last-Sequence N must be acknowledged at sequence N+1, else Publish fails with
// ErrUnexpectedSequence. When the connection is not connected Publish fails at once, sending
// nothing. A message's ack is awaited at most AckTimeout after it was sent; Publish also stops
// waiting when a message's context ends.
type AsyncPublisher struct {
	conn *nats.Conn
	js   jetstream.JetStream
	cfg  AsyncPublisherConfig

	closeOnce sync.Once
	closing   chan struct{}
}

// NewAsyncPublisher returns a publisher sending over conn. Close does not close conn.
func NewAsyncPublisher(conn *nats.Conn, cfg AsyncPublisherConfig) (*AsyncPublisher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("relay: invalid AsyncPublisherConfig: %w", err)
	}
	if conn == nil {
		return nil, errors.New("relay: NewAsyncPublisher: nil connection")
	}
	cfg = cfg.withDefaults()
	js, err := jetstream.New(conn,
		jetstream.WithPublishAsyncTimeout(cfg.AckTimeout),
		jetstream.WithPublishAsyncMaxPending(cfg.MaxInFlight))
	if err != nil {
		return nil, fmt.Errorf("relay: jetstream: %w", err)
	}
	return &AsyncPublisher{conn: conn, js: js, cfg: cfg, closing: make(chan struct{})}, nil
}

// Publish publishes msgs asynchronously and returns once all are acknowledged, or with the first
// error. topic is the subject of messages that have no wire.MetadataSubject.
func (p *AsyncPublisher) Publish(topic string, msgs ...*message.Message) error {
	pending, err := p.Send(topic, msgs...)
	if err != nil {
		return err
	}
	<-pending.Done()
	return pending.Err()
}

// Send sends msgs without waiting for their acks and returns their Pending result. Messages of
// successive Send calls from one goroutine are sent in order, so a caller may keep several
// batches in flight (the Relay does). An error means some messages may not have been sent.
func (p *AsyncPublisher) Send(topic string, msgs ...*message.Message) (*Pending, error) {
	if err := p.ready(); err != nil {
		return nil, err
	}
	out := make([]outMsg, len(msgs))
	for i, m := range msgs {
		nm, want, err := toNATS(topic, m)
		if err != nil {
			return nil, err
		}
		out[i] = outMsg{msg: nm, id: m.UUID, want: want, ctx: m.Context()}
	}
	return p.send(out)
}

// SendEvents is Send for stored events, without Watermill messages: every event goes out with
// the subject, headers and payload Send gives wire.NewMessage(e) plus Nats-Expected-Stream:
// stream (none when stream is ""), and must be acknowledged at sequence e.Position. The wait for
// the acks ends when ctx ends, as Send's ends with a message's context. An event that wire
// cannot map (wire.ErrUnmappableEvent) fails the call before anything is sent.
func (p *AsyncPublisher) SendEvents(ctx context.Context, stream string, events []eventstore.Event) (*Pending, error) {
	var streamHdr []string // shared by the batch's messages, as header values are never modified in place
	if stream != "" {
		streamHdr = []string{stream}
	}
	out := make([]outMsg, len(events))
	for i, e := range events {
		m, err := eventMsg(ctx, streamHdr, e)
		if err != nil {
			return nil, err
		}
		out[i] = m
	}
	if err := p.ready(); err != nil {
		return nil, err
	}
	return p.send(out)
}

// eventMsg builds the message SendEvents sends for e: the headers of wire.Headers, the event id
// in WatermillUUIDHeader, and Nats-Expected-Stream when streamHdr is not nil. Its ack must carry
// sequence e.Position, as Nats-Expected-Last-Sequence is position-1.
func eventMsg(ctx context.Context, streamHdr []string, e eventstore.Event) (outMsg, error) {
	subject, h, err := wire.Headers(e)
	if err != nil {
		return outMsg{}, err
	}
	id := h[wire.HeaderMsgID]   // the event id, which is also the Watermill UUID
	h[WatermillUUIDHeader] = id // one slice for both: header values are replaced, never modified in place
	if streamHdr != nil {
		h[wire.HeaderExpectedStream] = streamHdr
	}
	nm := &nats.Msg{Subject: subject, Header: nats.Header(h), Data: e.Data}
	return outMsg{msg: nm, id: id[0], want: e.Position, ctx: ctx}, nil
}

// outMsg is a message to send and what its ack must show.
type outMsg struct {
	msg  *nats.Msg
	id   string          // names it in errors: the Watermill UUID or event id
	want uint64          // the stream sequence its ack must carry; 0: any
	ctx  context.Context // the wait for its ack ends with it
}

// ready fails when the publisher is closed or its connection is not connected.
func (p *AsyncPublisher) ready() error {
	select {
	case <-p.closing:
		return ErrPublisherClosed
	default:
	}
	if !p.conn.IsConnected() {
		if p.conn.IsClosed() {
			return fmt.Errorf("relay: publish: %w", nats.ErrConnectionClosed)
		}
		return fmt.Errorf("relay: publish: %w", nats.ErrDisconnected)
	}
	return nil
}

// send sends out in order without waiting and returns the Pending result of their acks.
func (p *AsyncPublisher) send(out []outMsg) (*Pending, error) {
	futures := make([]jetstream.PubAckFuture, 0, len(out))
	for i, m := range out {
		f, err := p.js.PublishMsgAsync(m.msg, jetstream.WithStallWait(p.cfg.AckTimeout))
		if err != nil {
			return nil, fmt.Errorf("relay: publish %s (message %d of %d): %w", m.id, i+1, len(out), err)
		}
		futures = append(futures, f)
	}
	pending := &Pending{done: make(chan struct{})}
	if len(futures) == 0 {
		close(pending.done)
		return pending, nil
	}
	go func() {
		defer close(pending.done)
		pending.err = p.await(out, futures)
	}()
	return pending, nil
}

// await waits for every future in order; it returns the first error.
func (p *AsyncPublisher) await(out []outMsg, futures []jetstream.PubAckFuture) error {
	for i, f := range futures {
		m := out[i]
		select {
		case ack := <-f.Ok():
			if m.want != 0 && ack.Sequence != m.want {
				return fmt.Errorf("%w: %s: stored at %d, want %d (duplicate: %t)",
					ErrUnexpectedSequence, m.id, ack.Sequence, m.want, ack.Duplicate)
			}
		case err := <-f.Err():
			return fmt.Errorf("relay: publish %s (message %d of %d): %w", m.id, i+1, len(out), err)
		case <-m.ctx.Done():
			return fmt.Errorf("relay: publish %s: %w", m.id, m.ctx.Err())
		case <-p.closing:
			return ErrPublisherClosed
		}
	}
	return nil
}

// Pending is the result of a Send: Done is closed once every message was acknowledged or one
// failed; Err then tells which.
type Pending struct {
	done chan struct{}
	err  error
}

// Done is closed when the result is known.
func (p *Pending) Done() <-chan struct{} { return p.done }

// Err returns nil when every message was stored, else the first error. Call it after Done is closed.
func (p *Pending) Err() error {
	<-p.done
	return p.err
}

// toNATS builds the NATS message and the sequence its ack must carry (0 when not constrained).
func toNATS(topic string, m *message.Message) (*nats.Msg, uint64, error) {
	subject := m.Metadata.Get(wire.MetadataSubject)
	if subject == "" {
		subject = topic
	}
	if subject == "" {
		return nil, 0, fmt.Errorf("%w: %s", ErrNoSubject, m.UUID)
	}
	hdr := make(nats.Header, len(m.Metadata)+1)
	if m.UUID != "" {
		hdr.Set(WatermillUUIDHeader, m.UUID)
	}
	for k, v := range m.Metadata {
		if k != wire.MetadataSubject {
			hdr.Set(k, v)
		}
	}
	var want uint64
	if s := hdr.Get(wire.HeaderExpectedLastSeq); s != "" {
		last, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, 0, fmt.Errorf("relay: message %s: bad %s %q", m.UUID, wire.HeaderExpectedLastSeq, s)
		}
		want = last + 1
	}
	return &nats.Msg{Subject: subject, Header: hdr, Data: m.Payload}, want, nil
}

// Close makes pending and future Publish calls fail with ErrPublisherClosed and drops the
// publisher's ack subscription. It does not close the NATS connection. It is safe to call twice.
func (p *AsyncPublisher) Close() error {
	p.closeOnce.Do(func() {
		close(p.closing)
		p.js.CleanupPublisher()
	})
	return nil
}

var _ message.Publisher = (*AsyncPublisher)(nil)

package relay

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
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
// therefore set through metadata.
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
	select {
	case <-p.closing:
		return nil, ErrPublisherClosed
	default:
	}
	if !p.conn.IsConnected() {
		if p.conn.IsClosed() {
			return nil, fmt.Errorf("relay: publish: %w", nats.ErrConnectionClosed)
		}
		return nil, fmt.Errorf("relay: publish: %w", nats.ErrDisconnected)
	}
	natsMsgs := make([]*nats.Msg, len(msgs))
	wantSeq := make([]uint64, len(msgs)) // 0: no expectation
	for i, m := range msgs {
		nm, want, err := toNATS(topic, m)
		if err != nil {
			return nil, err
		}
		natsMsgs[i], wantSeq[i] = nm, want
	}
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	for i, nm := range natsMsgs {
		f, err := p.js.PublishMsgAsync(nm, jetstream.WithStallWait(p.cfg.AckTimeout))
		if err != nil {
			return nil, fmt.Errorf("relay: publish %s (message %d of %d): %w", msgs[i].UUID, i+1, len(msgs), err)
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
		pending.err = p.await(msgs, futures, wantSeq)
	}()
	return pending, nil
}

// await waits for every future in order; it returns the first error.
func (p *AsyncPublisher) await(msgs []*message.Message, futures []jetstream.PubAckFuture, wantSeq []uint64) error {
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			if wantSeq[i] != 0 && ack.Sequence != wantSeq[i] {
				return fmt.Errorf("%w: %s: stored at %d, want %d (duplicate: %t)",
					ErrUnexpectedSequence, msgs[i].UUID, ack.Sequence, wantSeq[i], ack.Duplicate)
			}
		case err := <-f.Err():
			return fmt.Errorf("relay: publish %s (message %d of %d): %w", msgs[i].UUID, i+1, len(msgs), err)
		case <-msgs[i].Context().Done():
			return fmt.Errorf("relay: publish %s: %w", msgs[i].UUID, msgs[i].Context().Err())
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

package consumer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/internal/tracing"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
)

// Handler handles one event. It is called for one event at a time, in log order; the event is
// acknowledged once the Handler returns nil. An error has the same event handed again (after a
// backoff) — nothing later is handed over before it succeeds. The Handler must tolerate an event
// it has handled before (at-least-once: Event.Redelivered, or use Config.Checkpoint).
type Handler func(ctx context.Context, e *Event) error

// Config configures a Consumer. JetStream, LedgerNo and Durable are required.
type Config struct {
	// JetStream is the connection to the ledger's NATS. Connect with reconnects that never end
	// (nats.MaxReconnects(-1)): the Consumer rides out outages on it.
	JetStream jetstream.JetStream
	// Stream is the JetStream stream of the events (default DefaultStream, "LEDGER").
	Stream string
	// LedgerNo is the ledger to follow: the consumer filters
	// "ledger.customer.v1.{LedgerNo}.>".
	LedgerNo string
	// Durable names the durable JetStream consumer that remembers what was acknowledged (1 to 64
	// letters, digits, '-' or '_'). It is created on the first Run and kept on the server after
	// Run returns — also across restarts of this process and of NATS — until Delete. Run one
	// process per Durable at a time: order needs a single reader.
	Durable string
	// Opener obtains the events' personal data; nil hands every sealed event over with its
	// personal members withheld (ErrNoOpener).
	Opener *Opener
	// Checkpoint, when set, returns the position of the last event the handler applied durably
	// (0: none), e.g. stored with the handler's own data in one transaction. Events up to it are
	// acknowledged without being handed over again, and a durable that is missing (or ahead of
	// it, after the application's store was restored) is made again from the event after it. With
	// it a handler sees each event once, even across crashes. Prefer CheckpointMark.
	Checkpoint func(ctx context.Context) (uint64, error)
	// CheckpointMark, instead of Checkpoint, returns the position and the id (Event.ID) of the
	// last event the handler applied durably (the zero Mark: none), stored together. It works
	// as Checkpoint and, with the id, detects a ledger's log restored from an older backup: the
	// event at the checkpoint's position is then another one (new events took the positions
	// after the restored log's end), and Run stops with a LogRestoredError rather than skip the
	// new events up to the checkpoint. While the stream ends before the checkpoint (refilled
	// by the relay after NATS lost its store, or restored and not yet written up to it) Run
	// waits, handing nothing over: it checks the stream again after 100 ms, doubling the wait up
	// to 5 s, and logs a warning when it starts waiting, then once a minute while it waits.
	CheckpointMark func(ctx context.Context) (Mark, error)
	// AckWait is how long JetStream waits for an acknowledgement before delivering again
	// (default 30s, at least 1s). Every third of it the Consumer tells JetStream that each
	// message it holds unacknowledged — the event being handled and those pulled ahead of it —
	// is in progress, so a slow handler has nothing delivered again.
	AckWait time.Duration
	// MaxBatch is how many messages are opened together (default 256); up to 2×MaxBatch are
	// delivered unacknowledged (the durable's MaxAckPending), the rest waiting behind the batch.
	MaxBatch int
	// MaxAttempts bounds the attempts of the Handler at one event; after the last, Run returns
	// its error (the event stays unacknowledged). 0 retries until it succeeds or Run stops.
	MaxAttempts int
	// Logger logs retries and interruptions (default slog.Default()). It never logs data.
	Logger *slog.Logger
	// TracerProvider records a span for each event's handling (SpanHandle), a child of the
	// event's trace context — the request that caused it — and hands it to the Handler in its
	// ctx, and one for each batch's personal data asked for (SpanOpen), which the Opener's
	// requests carry (default otel.GetTracerProvider(): nothing unless the program set one up).
	TracerProvider trace.TracerProvider
}

// Mark is a checkpoint: the position of an event and its id (Config.CheckpointMark).
type Mark struct {
	Position uint64
	ID       uuid.UUID
}

var durableRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Validate reports every missing or invalid field at once.
func (c Config) Validate() error {
	var errs []error
	if c.JetStream == nil {
		errs = append(errs, errors.New("consumer: JetStream is required"))
	}
	if c.LedgerNo == "" || !durableRE.MatchString(c.LedgerNo) {
		errs = append(errs, fmt.Errorf("consumer: LedgerNo %q: want a ledger number", c.LedgerNo))
	}
	if !durableRE.MatchString(c.Durable) {
		errs = append(errs, fmt.Errorf("consumer: Durable %q: want 1 to 64 letters, digits, '-' or '_'", c.Durable))
	}
	if c.AckWait < 0 || (c.AckWait > 0 && c.AckWait < time.Second) {
		errs = append(errs, fmt.Errorf("consumer: AckWait %v: want at least 1s", c.AckWait))
	}
	if c.Checkpoint != nil && c.CheckpointMark != nil {
		errs = append(errs, errors.New("consumer: set Checkpoint or CheckpointMark, not both"))
	}
	if c.MaxBatch < 0 || c.MaxAttempts < 0 {
		errs = append(errs, errors.New("consumer: MaxBatch and MaxAttempts must not be negative"))
	}
	return errors.Join(errs...)
}

// Consumer follows a ledger's events on NATS JetStream through a durable consumer: in log order,
// at least once, each acknowledged only after its Handler succeeded, resuming after the last
// acknowledged event when it runs again — after a restart of this process or an outage of NATS.
type Consumer struct {
	cfg    Config
	log    *slog.Logger
	tracer trace.Tracer
}

// New returns a Consumer. Nothing is created on the server until Run.
func New(cfg Config) (*Consumer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Stream == "" {
		cfg.Stream = DefaultStream
	}
	if cfg.AckWait == 0 {
		cfg.AckWait = 30 * time.Second
	}
	if cfg.MaxBatch == 0 {
		cfg.MaxBatch = 256
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.TracerProvider == nil {
		cfg.TracerProvider = otel.GetTracerProvider()
	}
	return &Consumer{cfg: cfg, log: cfg.Logger.With("durable", cfg.Durable), tracer: cfg.TracerProvider.Tracer(tracing.Scope)}, nil
}

// FilterSubject is the subject filter of a ledger's events.
func FilterSubject(ledgerNo string) string { return SubjectPrefix + "." + ledgerNo + ".>" }

// Delete removes a durable consumer from the server: the next Run with its name starts from the
// first event (or from Checkpoint).
func Delete(ctx context.Context, js jetstream.JetStream, stream, durable string) error {
	if stream == "" {
		stream = DefaultStream
	}
	err := js.DeleteConsumer(ctx, stream, durable)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil
	}
	return err
}

// errFatal marks an error Run cannot ride out.
type errFatal struct{ err error }

func (e errFatal) Error() string { return e.err.Error() }
func (e errFatal) Unwrap() error { return e.err }

// Run hands the ledger's events to h until ctx ends (then it returns nil, with nothing it started
// still running) or an error no retry can mend: the Handler failing MaxAttempts times
// (HandlerError), the ledger refusing the Opener's token twice in a row — the second time one
// the token source gave after the first refusal (TokenRefused) — or the token source refusing its credentials (ErrUnauthorized: a wrong
// issuer, key or client secret stays wrong until someone fixes the configuration), a token whose
// scopes do not allow asking for personal data (ErrForbidden: likewise a configuration to mend;
// the events are not handed over withheld), the ledger answering about other events (ErrMismatch: the Opener's URL is another ledger), a problem
// the ledger answers to a well-formed request (its API changed), a redirect answered to the
// Opener (never followed: the writer does not redirect), a stream that is not the
// ledger's, or another event at the checkpoint's position (LogRestoredError: the ledger's log
// was restored from an older backup; resuming would skip the new events). The rest is ridden
// out, and Run resumes after the last event it handed over:
//   - NATS being down, the stream or the durable being lost, and a checkpoint that cannot be
//     read: Run tries again after 100 ms, doubling the wait up to 5 s (after an event was handed
//     over it starts again at 100 ms). It logs a warning when the failure starts, then once a
//     minute while it lasts, not at each retry; an interruption after the stream was followed
//     for a minute, or after an event was handed over, is a new one, logged at once.
//   - A stream that ends before the last event handed over (CheckpointMark) is checked again
//     at the same pace (after 100 ms, doubling up to 5 s), logged likewise when the wait starts
//     and then once a minute.
//   - The ledger's writer being unavailable or the token source failing (its identity provider
//     down): the batch's personal data is asked for again after 100 ms, doubling up to 30 s.
//   - The Handler failing: the event is handed again after 100 ms, doubling up to 30 s, up to
//     MaxAttempts.
//
// These two are logged likewise, when they start and then once a minute while they last, and
// once at Info when they pass.
func (c *Consumer) Run(ctx context.Context, h Handler) error {
	var last uint64      // the position handed over last: redeliveries up to it are skipped
	var seen uint64      // the last position a durable made again had delivered: may have been handed over
	var lastID uuid.UUID // the id of the event at last, when known: a restored log is detected by it
	if c.cfg.Checkpoint != nil || c.cfg.CheckpointMark != nil {
		var unread lasting // the checkpoint cannot be read: since when, logged when
		for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
			m, err := c.checkpoint(ctx)
			if err == nil {
				last, lastID = m.Position, m.ID
				break
			}
			unread.warn(c.log, "consumer: the checkpoint cannot be read; retrying (logged again every minute while it fails)",
				"consumer: the checkpoint still cannot be read; retrying", "err", err, "retryIn", wait)
			if !sleep(ctx, wait) {
				return nil
			}
		}
	}
	defer c.flush()
	var interrupted, behind lasting // interrupted, or waiting for the stream to reach last: since when, logged when
	var unchecked lasting           // the last event handed over cannot be checked against the stream (durable)
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		began := time.Now()
		progressed, err := c.consume(ctx, h, &last, &lastID, &seen, &unchecked)
		if ctx.Err() != nil {
			return nil
		}
		var fatal errFatal
		if errors.As(err, &fatal) {
			return fatal.err
		}
		if progressed {
			wait = 100 * time.Millisecond
		}
		if progressed || time.Since(began) >= warnEvery {
			// It handed an event over, or followed the stream for a minute: what failed now is new,
			// logged at once.
			interrupted.end()
			behind.end()
		}
		if errors.Is(err, errStreamBehind) {
			interrupted.end() // the stream answered
			behind.warn(c.log, "consumer: waiting for the stream to reach the last event handed over (logged again every minute while it waits)",
				"consumer: still waiting for the stream to reach the last event handed over", "err", err, "after", last)
		} else {
			behind.end()
			interrupted.warn(c.log, "consumer: interrupted; resuming after the last event handled (logged again every minute while it lasts)",
				"consumer: still interrupted; resuming after the last event handled", "err", err, "after", last, "retryIn", wait)
		}
		if !sleep(ctx, wait) {
			return nil
		}
	}
}

// warnEvery is how often Run logs again a condition it keeps retrying (every 5 s, or 30 s, at
// most): the checkpoint that cannot be read, an interruption, the stream ending before the last
// event handed over, that event not being checkable against the stream (without CheckpointMark),
// the ledger not disclosing personal data, the handler failing.
const warnEvery = time.Minute

// lasting is a condition Run waits out, retrying: its warning is logged when it starts, then at
// most once every warnEvery while it lasts, with how long it has lasted — not at every retry,
// which would repeat it every 5 s (30 s) for as long as an outage lasts.
type lasting struct{ since, logged time.Time }

// warn logs first when the condition starts, or again, with "lasted", when warnEvery passed since
// it was last logged; otherwise nothing.
func (l *lasting) warn(log *slog.Logger, first, again string, args ...any) {
	switch now := time.Now(); {
	case l.since.IsZero():
		l.since, l.logged = now, now
		log.Warn(first, args...)
	case now.Sub(l.logged) >= warnEvery:
		l.logged = now
		log.Warn(again, append(args, "lasted", now.Sub(l.since).Round(time.Second))...)
	}
}

// end ends the condition: the next warn logs at once.
func (l *lasting) end() { *l = lasting{} }

// over ends the condition passed: when it was warned about, msg is logged at Info with how long
// it lasted.
func (l *lasting) over(log *slog.Logger, msg string, args ...any) {
	if !l.since.IsZero() {
		log.Info(msg, append(args, "lasted", time.Since(l.since).Round(time.Second))...)
	}
	l.end()
}

// checkpoint reads Config.CheckpointMark or Config.Checkpoint.
func (c *Consumer) checkpoint(ctx context.Context) (Mark, error) {
	if c.cfg.CheckpointMark != nil {
		return c.cfg.CheckpointMark(ctx)
	}
	p, err := c.cfg.Checkpoint(ctx)
	return Mark{Position: p}, err
}

// flush sends the acknowledgements still buffered in the connection.
func (c *Consumer) flush() {
	if nc := c.cfg.JetStream.Conn(); nc != nil && nc.IsConnected() {
		_ = nc.FlushTimeout(2 * time.Second)
	}
}

// durable returns the durable consumer, positioned after the last event handed over: *last, or
// without a Checkpoint at the start of Run the durable's acknowledgement floor. The durable is
// used as it is when it delivered exactly that far with nothing unacknowledged; otherwise — it
// is missing, messages delivered to a client that is gone await redelivery (which JetStream
// would only send after AckWait, behind newer ones), or it acknowledged past a Checkpoint — it
// is made again starting at the event after. So events are always handed over in log order.
// seen is the last position the durable had delivered before it was made again (0 when it was
// used as it is, or missing): the events up to it come as new deliveries of the new durable, but
// may have been handed over before (Event.Redelivered). unchecked is how long the last event
// handed over could not be checked (verify) without a CheckpointMark: logged when it starts and
// then once a minute, not at every retry.
func (c *Consumer) durable(ctx context.Context, last *uint64, lastID *uuid.UUID, unchecked *lasting) (cons jetstream.Consumer, seen uint64, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	js, stream, filter := c.cfg.JetStream, c.cfg.Stream, FilterSubject(c.cfg.LedgerNo)
	if err := c.verify(ctx, *last, *lastID); err != nil {
		var fatal errFatal
		if c.cfg.CheckpointMark != nil || errors.As(err, &fatal) || errors.Is(err, errStreamBehind) || ctx.Err() != nil {
			return nil, 0, err
		}
		// Not asked for (no CheckpointMark): a NATS user that may not read the stream's info or
		// messages still follows it, unchecked, as before the check existed.
		unchecked.warn(c.log, "consumer: cannot check the last event handed over against the stream (logged again every minute while it lasts)",
			"consumer: still cannot check the last event handed over against the stream", "err", err)
	} else {
		unchecked.end()
	}
	cons, err = js.Consumer(ctx, stream, c.cfg.Durable)
	switch {
	case err == nil:
		info := cons.CachedInfo()
		if info.Config.FilterSubject != filter {
			return nil, 0, errFatal{fmt.Errorf("consumer: the durable %s on stream %s follows %q, not ledger %s: choose another name or Delete it",
				c.cfg.Durable, stream, info.Config.FilterSubject, c.cfg.LedgerNo)}
		}
		if c.cfg.Checkpoint == nil && c.cfg.CheckpointMark == nil {
			if info.AckFloor.Stream > *last {
				*last, *lastID = info.AckFloor.Stream, uuid.Nil
			}
		} else if info.AckFloor.Stream > *last {
			c.log.Warn("consumer: the durable acknowledged past the checkpoint (was the application's store restored?); resuming from the checkpoint",
				"ackFloor", info.AckFloor.Stream, "checkpoint", *last)
		}
		if info.NumAckPending == 0 && info.Delivered.Stream == *last && info.AckFloor.Stream == *last {
			return cons, 0, nil
		}
		if err := js.DeleteConsumer(ctx, stream, c.cfg.Durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil, 0, err
		}
		seen = info.Delivered.Stream
	case !errors.Is(err, jetstream.ErrConsumerNotFound):
		return nil, 0, err
	}
	after := *last
	cfg := jetstream.ConsumerConfig{
		Durable:       c.cfg.Durable,
		Description:   "nordledger events of ledger " + c.cfg.LedgerNo + " (eventstore/consumer)",
		FilterSubject: filter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       c.cfg.AckWait,
		MaxDeliver:    -1,
		MaxAckPending: 2 * c.cfg.MaxBatch,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	if after > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, after+1
	}
	c.log.Info("consumer: making the durable consumer", "stream", stream, "filter", filter, "startPosition", after+1)
	cons, err = js.CreateConsumer(ctx, stream, cfg)
	return cons, seen, err
}

// verify checks that the stream still holds the event at last, the position handed over last or
// checkpointed, when its id is known: the event there now is another one when the ledger's log
// was restored from an older backup and new events took the positions after its end — resuming
// after last would skip them (LogRestoredError, which ends Run). While the stream ends before
// last — the relay refilling a new NATS store, or a restored log not yet written up to it — it
// returns an error Run rides out: nothing is handed over until the event at last can be
// checked. Its cost is two requests each time the durable is (re)made, nothing per event.
func (c *Consumer) verify(ctx context.Context, last uint64, id uuid.UUID) error {
	if last == 0 {
		return nil
	}
	s, err := c.cfg.JetStream.Stream(ctx, c.cfg.Stream)
	if err != nil {
		return err
	}
	st := s.CachedInfo().State
	switch {
	case st.LastSeq < last && id == uuid.Nil:
		c.log.Warn("consumer: the stream ends before the checkpoint: if the ledger's log was restored from an older backup, events will be skipped — reset the checkpoint (docs/consumers.md)",
			"streamLast", st.LastSeq, "checkpoint", last)
		return nil
	case st.LastSeq < last:
		return fmt.Errorf("%w: the stream %s ends at %d, before the last event handed over (%d): waiting for it to check that event (a NATS store being refilled, or a log restored from a backup)",
			errStreamBehind, c.cfg.Stream, st.LastSeq, last)
	case id == uuid.Nil || last < st.FirstSeq:
		return nil // nothing to compare, or the event aged out of the stream
	}
	m, err := s.GetMsg(ctx, last)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if got := m.Header.Get(HeaderID); got != id.String() {
		return errFatal{&LogRestoredError{Position: last, Want: id.String(), Got: got}}
	}
	return nil
}

// errStreamBehind: the stream ends before the event to check (verify); Run waits.
var errStreamBehind = errors.New("consumer: the stream is behind")

// pulled is one message of the iterator, or its error.
type pulled struct {
	msg jetstream.Msg
	err error
}

// consume hands events over until an error; progressed reports whether any was handed over.
func (c *Consumer) consume(ctx context.Context, h Handler, last *uint64, lastID *uuid.UUID, seen *uint64, unchecked *lasting) (progressed bool, err error) {
	cons, delivered, err := c.durable(ctx, last, lastID, unchecked)
	if err != nil {
		return false, err
	}
	*seen = max(*seen, delivered)
	// The durable numbers its deliveries 1, 2, 3, … (redeliveries too). A number skipped is a
	// message delivered to this client that never arrived — lost with a connection that broke
	// while it was on its way; the client reconnects and pulls on by itself, and JetStream sends
	// the lost one again only after AckWait, behind newer events. So a skipped number ends this
	// run of the durable: the next one makes it again from the event after the last handed over.
	dseq := cons.CachedInfo().Delivered.Consumer
	it, err := cons.Messages(jetstream.PullMaxMessages(c.cfg.MaxBatch))
	if err != nil {
		return false, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	defer it.Stop()
	// What the durable delivered waits here until it is handled: up to MaxAckPending (2×MaxBatch)
	// messages, so the goroutine below takes each from the iterator as it comes. All of them,
	// the batch being handled and those pulled ahead of it, are kept in progress.
	ch := make(chan pulled, 2*c.cfg.MaxBatch)
	held := &holding{msgs: map[jetstream.Msg]struct{}{}}
	keep := c.keepInProgress(ctx, held)
	defer keep()
	pulling := make(chan struct{})
	// Nothing of this run of the durable goes on after consume returns (nor after Run): the
	// stopped iterator's Next ends (ErrMsgIteratorClosed), ctx ends the send.
	defer func() { cancel(); it.Stop(); <-pulling }()
	go func() {
		defer close(pulling)
		for {
			m, err := it.Next()
			if err == nil {
				held.add(m)
			}
			select {
			case ch <- pulled{m, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for {
		batch, err := c.next(ctx, ch)
		if len(batch) > 0 {
			handled, herr := c.handleBatch(ctx, h, batch, held, last, lastID, *seen, &dseq)
			progressed = progressed || handled
			if herr != nil {
				return progressed, herr
			}
		}
		if err != nil {
			return progressed, err
		}
	}
}

// next waits for a message and takes those already pulled behind it, up to MaxBatch; err is the
// iterator's error that ended the batch.
func (c *Consumer) next(ctx context.Context, ch <-chan pulled) ([]jetstream.Msg, error) {
	var batch []jetstream.Msg
	select {
	case p := <-ch:
		if p.err != nil {
			return nil, p.err
		}
		batch = append(batch, p.msg)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	for len(batch) < c.cfg.MaxBatch {
		select {
		case p := <-ch:
			if p.err != nil {
				return batch, p.err
			}
			batch = append(batch, p.msg)
		default:
			return batch, nil
		}
	}
	return batch, nil
}

// delivery is a message of a batch and its event.
type delivery struct {
	msg jetstream.Msg
	ev  *Event
	// again, with ev nil, is the position of an event delivered again while its first delivery
	// is earlier in the batch (it waited behind a slow handler longer than AckWait): it is
	// acknowledged once that one was handed over, never handed over itself.
	again uint64
}

// handleBatch decodes a batch, opens its personal data together and hands its events over one by
// one, acknowledging each after its handler succeeded. Events up to seen were delivered by the
// durable this one replaced (durable): they may have been handed over before.
func (c *Consumer) handleBatch(ctx context.Context, h Handler, batch []jetstream.Msg, held *holding, last *uint64, lastID *uuid.UUID, seen uint64, dseq *uint64) (handled bool, err error) {
	ds := make([]delivery, 0, len(batch))
	var gap error     // deliveries missing before a message of the batch: hand over those before it only
	var newest uint64 // the position of the batch's newest event so far
	for _, m := range batch {
		md, err := m.Metadata()
		if err != nil {
			return handled, err
		}
		if md.Sequence.Consumer != *dseq+1 {
			gap = fmt.Errorf("consumer: delivery %d came after delivery %d: deliveries were lost on the way", md.Sequence.Consumer, *dseq)
			break
		}
		*dseq = md.Sequence.Consumer
		seq := md.Sequence.Stream
		if seq <= *last {
			_ = m.Ack() // a redelivery of an event handed over already
			held.done(m)
			continue
		}
		if seq <= newest { // a redelivery of an event earlier in this batch, not yet handed over
			ds = append(ds, delivery{msg: m, again: seq})
			continue
		}
		e, err := Decode(m.Headers(), m.Data())
		if err != nil {
			return handled, errFatal{fmt.Errorf("stream sequence %d: %w", seq, err)}
		}
		if e.Position != seq || e.LedgerNo != c.cfg.LedgerNo {
			return handled, errFatal{fmt.Errorf("consumer: stream sequence %d holds event %d of ledger %s: %s is not the ledger's event stream", seq, e.Position, e.LedgerNo, c.cfg.Stream)}
		}
		e.Redelivered = md.NumDelivered > 1 || seq <= seen
		ds = append(ds, delivery{msg: m, ev: e})
		newest = seq
	}
	if len(ds) == 0 {
		return handled, gap
	}
	if err := c.open(ctx, ds); err != nil {
		return handled, err
	}
	for _, d := range ds {
		if ctx.Err() != nil { // stopped: the rest stays unacknowledged, for the next run
			return handled, ctx.Err()
		}
		if d.ev == nil { // delivered again: its first delivery, earlier in the batch, was handed over
			if d.again > *last {
				return handled, fmt.Errorf("consumer: event %d delivered again before it was handed over", d.again)
			}
			_ = d.msg.Ack()
			held.done(d.msg)
			continue
		}
		if d.ev.Type == domain.TypeCustomerForgotten && c.cfg.Opener != nil {
			c.cfg.Opener.Forget(d.ev.Stream()) // before the handler: nothing kept opens the customer's events once it knows
		}
		if err := c.handle(ctx, h, d.ev); err != nil {
			return handled, err
		}
		if err := d.msg.Ack(); err != nil {
			c.log.Debug("consumer: ack not sent", "position", d.ev.Position, "err", err)
		}
		held.done(d.msg)
		*last, *lastID, handled = d.ev.Position, d.ev.ID, true
	}
	return handled, gap
}

// open opens the batch's personal data, waiting out a ledger that is unavailable, in a span of
// its own (SpanOpen, trace.go) that the requests carry.
func (c *Consumer) open(ctx context.Context, ds []delivery) (err error) {
	events := make([]*Event, 0, len(ds))
	for _, d := range ds {
		if d.ev != nil {
			events = append(events, d.ev)
		}
	}
	if c.cfg.Opener == nil {
		for _, e := range events {
			if e.Personal == PersonalSealed {
				e.withhold(ErrNoOpener)
			}
		}
		return nil
	}
	ctx, span := c.startOpen(ctx, events) // trace.go
	attempts := 0
	defer func() { endOpen(span, attempts, err) }()
	var unavailable lasting // since when, logged when
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 30*time.Second) {
		attempts++
		err := c.cfg.Opener.Open(ctx, events...)
		switch {
		case err == nil:
			unavailable.over(c.log, "consumer: the ledger discloses personal data again")
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case !errors.Is(err, ErrUnavailable):
			return errFatal{err}
		}
		unavailable.warn(c.log, "consumer: the ledger cannot disclose personal data now; retrying (logged again every minute while it lasts)",
			"consumer: the ledger still cannot disclose personal data; retrying", "err", err, "retryIn", wait)
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}

// handle runs the handler on one event, again after each failure (backing off) until it succeeds,
// MaxAttempts is reached or ctx ends.
func (c *Consumer) handle(ctx context.Context, h Handler, e *Event) (err error) {
	ctx, span := c.startHandle(ctx, e) // trace.go
	attempts := 0
	defer func() { endHandle(span, attempts, err) }()
	var failing lasting // since when, logged when
	for attempt, wait := 1, 100*time.Millisecond; ; attempt, wait = attempt+1, min(2*wait, 30*time.Second) {
		attempts = attempt
		err := h(ctx, e)
		if err == nil {
			failing.over(c.log, "consumer: the handler succeeded after failing", "position", e.Position, "type", e.Type, "attempts", attempt)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if c.cfg.MaxAttempts > 0 && attempt >= c.cfg.MaxAttempts {
			return errFatal{&HandlerError{Position: e.Position, ID: e.ID.String(), Attempts: attempt, Err: err}}
		}
		failing.warn(c.log, "consumer: the handler failed; handing the event over again (logged again every minute while it fails)",
			"consumer: the handler still fails; handing the event over again", "position", e.Position, "type", e.Type, "attempt", attempt, "err", err, "retryIn", wait)
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}

// HandlerError is Run's error when the Handler failed MaxAttempts times at one event.
type HandlerError struct {
	Position uint64
	ID       string
	Attempts int
	Err      error
}

func (e *HandlerError) Error() string {
	return "consumer: the handler failed " + strconv.Itoa(e.Attempts) + " times at event " + strconv.FormatUint(e.Position, 10) + ": " + e.Err.Error()
}

func (e *HandlerError) Unwrap() error { return e.Err }

// holding is the set of messages delivered to this run of the durable and not yet acknowledged:
// the batch being handled and those pulled ahead of it.
type holding struct {
	mu   sync.Mutex
	msgs map[jetstream.Msg]struct{}
}

func (h *holding) add(m jetstream.Msg) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs[m] = struct{}{}
}

func (h *holding) done(m jetstream.Msg) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.msgs, m)
}

func (h *holding) list() []jetstream.Msg {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]jetstream.Msg, 0, len(h.msgs))
	for m := range h.msgs {
		out = append(out, m)
	}
	return out
}

// keepInProgress tells JetStream, every third of AckWait, that every message held — the batch
// being handled and those pulled ahead of it, at most MaxAckPending (2×MaxBatch) — is being
// worked on, so neither a slow handler's event nor the events waiting behind it are delivered
// again (a message whose AckWait passed would be, again after each AckWait, while the handler
// is busy); the returned func stops it. It costs one small message per held message every
// AckWait/3, only while something is held.
func (c *Consumer) keepInProgress(ctx context.Context, held *holding) func() {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(c.cfg.AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				for _, m := range held.list() {
					_ = m.InProgress() // an acknowledged message ignores it
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore"
	"go.opentelemetry.io/otel/trace"
)

// Log is the event log the relay publishes: *eventstore.Store implements it.
type Log interface {
	// Subscribe follows the log from a position (catch-up, then live).
	Subscribe(ctx context.Context, from uint64) *eventstore.Subscription
	// ReadAll reads events from a position.
	ReadAll(ctx context.Context, from uint64, limit int) ([]eventstore.Event, error)
	// Head returns the last committed position.
	Head(ctx context.Context) (uint64, error)
}

// Limits and defaults of Config.
const (
	DefaultMaxInFlight = 1000
	MaxMaxInFlight     = 65536
	DefaultMinBackoff  = 100 * time.Millisecond
	DefaultMaxBackoff  = 5 * time.Second
	DefaultStuckAfter  = 30 * time.Second
)

// Config configures a Relay. Log and JetStream are required; every other field has a default.
type Config struct {
	// Log is the event log (required).
	Log Log
	// JetStream is used to read the stream's state (required). With no Publisher, its connection
	// carries the messages too; give it one with unlimited reconnects (nats.MaxReconnects(-1)):
	// a closed connection never recovers.
	JetStream jetstream.JetStream
	// Publisher publishes the messages. Default: an AsyncPublisher on JetStream.Conn(), owned
	// (and closed) by Run. A custom publisher must keep the messages of one Publish call in order
	// and may return nil only when all were stored; unless it is an *AsyncPublisher (give it a
	// MaxInFlight of at least this Config's), the relay then has one batch in flight at a time.
	Publisher message.Publisher
	// Stream is the JetStream stream's name. Default DefaultStreamName ("LEDGER"). Run does not
	// create it unless Create is set: call EnsureStream first.
	Stream string
	// Create, when set, is the stream's configuration (its Name that of Stream): a stream found
	// missing while Run publishes — a NATS that lost its store, a stream deleted — is created
	// again with it (EnsureStream), and the relay refills it from the log from position 1.
	// Without it a missing stream is retried like an outage until someone creates it.
	Create *StreamConfig
	// MaxInFlight is the most events sent and not yet acknowledged. Events are sent as soon as
	// they are read, each read draining what is ready into one batch. Default 1000, at most 65536.
	MaxInFlight int
	// MinBackoff and MaxBackoff bound the wait between retries after a failure; the wait doubles
	// from MinBackoff up to MaxBackoff and resets after a success. Defaults 100ms and 5s.
	MinBackoff, MaxBackoff time.Duration
	// StuckAfter is how long events may wait with no progress before Status reports the relay
	// stuck: the oldest unpublished event is at least this old and nothing was published for at
	// least this long. Default 30s.
	StuckAfter time.Duration
	// AckTimeout is the default publisher's AckTimeout. Default 10s.
	AckTimeout time.Duration
	// Logger receives the relay's log lines (no personal data: positions, ids, errors). Default
	// slog.Default().
	Logger *slog.Logger
	// TracerProvider records a span for each event's publication (SpanPublish), a child of the
	// trace context stored with the event; nil records none.
	TracerProvider trace.TracerProvider
}

func (c Config) withDefaults() Config {
	if c.Stream == "" {
		c.Stream = DefaultStreamName
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = DefaultMaxInFlight
	}
	if c.MinBackoff == 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = max(DefaultMaxBackoff, c.MinBackoff)
	}
	if c.StuckAfter == 0 {
		c.StuckAfter = DefaultStuckAfter
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var errs []error
	if c.Log == nil {
		errs = append(errs, errors.New("Log is required"))
	}
	if c.JetStream == nil {
		errs = append(errs, errors.New("JetStream is required"))
	}
	if c.Stream != "" {
		if err := validStreamName(c.Stream); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Create != nil {
		if err := c.Create.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("Create: %w", err))
		} else if name, stream := c.Create.withDefaults().Name, c.withDefaults().Stream; name != stream {
			errs = append(errs, fmt.Errorf("Create names stream %q, not %q", name, stream))
		}
	}
	if c.MaxInFlight < 0 || c.MaxInFlight > MaxMaxInFlight {
		errs = append(errs, fmt.Errorf("MaxInFlight must be 1 to %d (0 for the default), got %d", MaxMaxInFlight, c.MaxInFlight))
	}
	if c.MinBackoff < 0 {
		errs = append(errs, errors.New("MinBackoff must not be negative"))
	}
	if c.MaxBackoff < 0 {
		errs = append(errs, errors.New("MaxBackoff must not be negative"))
	} else if c.MaxBackoff > 0 && c.MaxBackoff < c.withDefaults().MinBackoff {
		errs = append(errs, errors.New("MaxBackoff must not be less than MinBackoff"))
	}
	if c.AckTimeout < 0 {
		errs = append(errs, errors.New("AckTimeout must not be negative"))
	}
	if c.StuckAfter < 0 {
		errs = append(errs, errors.New("StuckAfter must not be negative"))
	}
	return errors.Join(errs...)
}

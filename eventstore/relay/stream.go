package relay

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/wire"
)

// DefaultStreamName is the JetStream stream that holds the ledger's events.
const DefaultStreamName = "LEDGER"

// StreamConfig configures the JetStream stream. The zero value is valid: every field has a default.
type StreamConfig struct {
	// Name of the stream. Default DefaultStreamName ("LEDGER").
	Name string
	// MaxAge is how long the stream keeps a message (limits retention). Default 0: forever, so a
	// new consumer can replay every event from the start. With a MaxAge, old messages are removed
	// but sequence numbers never restart, so the relay's cursor is unaffected; a consumer starting
	// later sees only the retained tail and must bootstrap from elsewhere (the ledger's API).
	MaxAge time.Duration
	// Duplicates is the de-duplication window for Nats-Msg-Id. Default 2 minutes. It must not be
	// longer than MaxAge when MaxAge is set.
	Duplicates time.Duration
	// Replicas is the number of copies: 1 (default) for a single server, 3 for a cluster.
	Replicas int
	// Metadata is stored with the stream's configuration for its consumers to read (ledgerd
	// puts a check value of its national-identifier key there, so readers can tell they share it).
	Metadata map[string]string
	// AsyncPersist makes the server write the stream's messages to its files in batches after it
	// acknowledged them (JetStream's async persist mode), instead of one write per message: the
	// stream then may lose its newest messages when the server's process dies, which the relay
	// republishes from the log, with the same sequences, ids and bytes (consumers see them
	// again: they de-duplicate by event id). For a server ledgerd embeds, whose stream is derived
	// from ledgerd's own log. Default false.
	AsyncPersist bool
}

func (c StreamConfig) withDefaults() StreamConfig {
	if c.Name == "" {
		c.Name = DefaultStreamName
	}
	if c.Duplicates == 0 {
		c.Duplicates = 2 * time.Minute
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	return c
}

// Validate reports every problem of the configuration at once.
func (c StreamConfig) Validate() error {
	var errs []error
	if c.Name != "" {
		if err := validStreamName(c.Name); err != nil {
			errs = append(errs, err)
		}
	}
	if c.MaxAge < 0 {
		errs = append(errs, errors.New("MaxAge must not be negative"))
	}
	if c.Duplicates < 0 {
		errs = append(errs, errors.New("Duplicates must not be negative"))
	}
	if d := c.withDefaults().Duplicates; c.MaxAge > 0 && d > c.MaxAge {
		errs = append(errs, fmt.Errorf("Duplicates (%s) must not exceed MaxAge (%s)", d, c.MaxAge))
	}
	if c.Replicas < 0 || c.Replicas > 5 {
		errs = append(errs, fmt.Errorf("Replicas must be 1 to 5, got %d", c.Replicas))
	}
	return errors.Join(errs...)
}

func validStreamName(name string) error {
	if name == "" || strings.ContainsAny(name, ".*>/\\") || wire.InvalidToken(name) != "" {
		return fmt.Errorf("stream name %q must be non-empty without '.', '*', '>', '/', '\\' or whitespace", name)
	}
	return nil
}

// jetStreamConfig is the stream's JetStream configuration.
func (c StreamConfig) jetStreamConfig() jetstream.StreamConfig {
	c = c.withDefaults()
	mode := jetstream.DefaultPersistMode
	if c.AsyncPersist {
		mode = jetstream.AsyncPersistMode
	}
	return jetstream.StreamConfig{
		PersistMode: mode,
		Name:        c.Name,
		Description: "Every event of the ledger's event log, in log order (stream sequence = log position).",
		Subjects:    []string{wire.StreamSubjects},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      c.MaxAge,
		Duplicates:  c.Duplicates,
		Replicas:    c.Replicas,
		Metadata:    c.Metadata,
	}
}

// EnsureStream creates the stream, or updates an existing one to cfg: subjects
// "ledger.customer.v1.>", file storage, limits retention with cfg.MaxAge, cfg.Duplicates window,
// cfg.Replicas. Settings JetStream cannot change in place (such as the storage type) fail.
//
// The stream must hold only this log's events, written only by one Relay (see the package
// documentation): no other publisher may use its subjects.
func EnsureStream(ctx context.Context, js jetstream.JetStream, cfg StreamConfig) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("relay: invalid StreamConfig: %w", err)
	}
	if js == nil {
		return errors.New("relay: EnsureStream: nil JetStream")
	}
	jcfg := cfg.jetStreamConfig()
	if _, err := js.CreateOrUpdateStream(ctx, jcfg); err != nil {
		return fmt.Errorf("relay: create or update stream %s: %w", jcfg.Name, err)
	}
	return nil
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/consumer"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/eventstore/wire"
	"github.com/nordledger/ledger/httpapi/auth"
)

var tailHelp = `
Usage: ledgerctl tail [--nats-url URL] [--subject SUBJECT] [--from-start] [--open] [flags]

Follows the ledger's events on NATS and prints one line per event: log
position, time, subject (ledger.customer.v1.{ledgerNo}.{customerNo}.{EventType})
and actor. With --json each line is a JSON object with the whole event (its
envelope and data). It runs until interrupted, or until --count events.

The events' personal members are published sealed ("$pd"). With --open tail
asks ledgerd (--url) for them, as a downstream consumer does (docs/consumers.md):
the token's subject must be a consumer granted the ledger's personal data
("ledgerctl consumer grant --ledger 1000 --consumer ledgerctl" for the token
ledgerctl mints), and every event opened is recorded as disclosed to it. Each
event then shows its data opened, or says that its personal members are
withheld (and why) or erased (the customer was forgotten).

By default it subscribes to the subject and shows events as they are published
(a plain NATS subscription). --from-start reads the JetStream stream from its
first event instead (an ordered consumer, nothing is left on the server), then
follows it.

The URL defaults to $LEDGERD_NATS_URL, else ledgerd's embedded server at
nats://127.0.0.1:4222.

Examples:

  ledgerctl tail
  ledgerctl tail --subject 'ledger.customer.v1.1000.9999.>' --from-start
  ledgerctl tail --subject 'ledger.customer.v1.*.*.CustomerCreated' --json --count 10
  ledgerctl tail --open --ledger 1000 --from-start --json
` + apiHelp

const (
	natsURLEnv     = "LEDGERD_NATS_URL"
	defaultNATSURL = "nats://127.0.0.1:4222"
)

type tailFlags struct {
	url, subject, stream string
	creds, ca            string
	fromStart            bool
	count                int
	json                 bool
	open                 bool
	api                  apiFlags // with --open: the ledgerd that discloses the personal data
}

func runTail(e *env, args []string) int {
	var f tailFlags
	fs := flag.NewFlagSet("tail", flag.ContinueOnError)
	url := e.getenv(natsURLEnv)
	if url == "" {
		url = defaultNATSURL
	}
	fs.StringVar(&f.url, "nats-url", url, "the NATS `URL` ($"+natsURLEnv+")")
	fs.StringVar(&f.subject, "subject", wire.StreamSubjects, "the `subject` to follow (wildcards allowed)")
	fs.StringVar(&f.stream, "stream", relay.DefaultStreamName, "the JetStream `stream` of the events (with --from-start)")
	fs.BoolVar(&f.fromStart, "from-start", false, "read the stream from its first event, then follow it")
	fs.IntVar(&f.count, "count", 0, "stop after `n` events (0: run until interrupted)")
	fs.StringVar(&f.creds, "creds", "", "NATS credentials `file`")
	fs.StringVar(&f.ca, "ca", "", "TLS CA `file` of the NATS server")
	fs.BoolVar(&f.json, "json", false, "print each event as a JSON object on one line")
	fs.BoolVar(&f.open, "open", false, "show the events' personal members, asking ledgerd (--url) as a granted consumer")
	f.api.register(fs, e)
	f.api.scopes = []string{auth.ScopePersonalDataRead}
	if code, ok := parseFlags(e, fs, tailHelp, args); !ok {
		return code
	}
	if err := f.api.check(fs); err != nil {
		return fail(e, fs, err)
	}
	switch {
	case f.count < 0:
		return fail(e, fs, usagef("--count %d is negative", f.count))
	case f.subject == "" || !strings.HasPrefix(f.subject, wire.SubjectPrefix+".") && f.subject != ">":
		return fail(e, fs, usagef("--subject %q is not under %s.>", f.subject, wire.SubjectPrefix))
	}
	if why := badSubject(f.subject); why != "" {
		return fail(e, fs, usagef("--subject %q is not a NATS subject: %s", f.subject, why))
	}
	if f.stream == "" || strings.ContainsAny(f.stream, ".*>/\\ \t\r\n") {
		return fail(e, fs, usagef("--stream %q is not a JetStream stream name", f.stream))
	}
	if err := tail(e, &f); err != nil {
		return fail(e, fs, err)
	}
	return exitOK
}

// badSubject says what makes a subject filter malformed ("" when it is not): NATS would refuse
// it (closing the connection, or with no responder for a consumer), or — a wildcard inside a
// token — take it literally and never match an event.
func badSubject(s string) string {
	tokens := strings.Split(s, ".")
	for i, tok := range tokens {
		switch {
		case tok == "":
			return "an empty token"
		case strings.ContainsAny(tok, " \t\r\n"):
			return "white space"
		case tok == ">" && i != len(tokens)-1, tok != ">" && strings.Contains(tok, ">"):
			return "'>' only as the whole last token"
		case tok != "*" && strings.Contains(tok, "*"):
			return "'*' only as a whole token"
		}
	}
	return ""
}

// tailNATSOptions are added to tail's NATS options (tests give up reconnecting at once).
var tailNATSOptions []nats.Option

// errEnough ends a tail that printed --count events.
var errEnough = errors.New("enough")

func tail(e *env, f *tailFlags) error {
	opts := []nats.Option{nats.Name("ledgerctl tail"), nats.Timeout(5 * time.Second)}
	if f.creds != "" {
		opts = append(opts, nats.UserCredentials(f.creds))
	}
	if f.ca != "" {
		opts = append(opts, nats.RootCAs(f.ca))
	}
	// A lost connection is said on stderr; one that closes (the client gave up reconnecting, by
	// default after about 2 minutes) ends the tail with an error instead of waiting forever.
	closed := make(chan struct{})
	opts = append(opts,
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				fmt.Fprintf(e.stderr, "ledgerctl tail: lost the connection to NATS (%v): reconnecting\n", err)
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) {
			if f.fromStart {
				fmt.Fprintln(e.stderr, "ledgerctl tail: reconnected to NATS")
			} else {
				fmt.Fprintln(e.stderr, "ledgerctl tail: reconnected to NATS; events published while disconnected were not shown (--from-start reads them from the stream)")
			}
		}),
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	opts = append(opts, tailNATSOptions...)
	nc, err := nats.Connect(f.url, opts...)
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", f.url, err)
	}
	defer nc.Close()
	// The tail stops when the connection closes (closed) or the command is interrupted (ctx).
	ctx, cancel := context.WithCancelCause(e.ctx)
	defer cancel(nil)
	errClosed := fmt.Errorf("the connection to NATS at %s closed (the server went away and did not come back): the tail stopped", f.url)
	go func() {
		select {
		case <-closed:
			cancel(errClosed)
		case <-ctx.Done():
		}
	}()
	p := &printer{w: e.stdout, stderr: e.stderr, json: f.json, left: f.count}
	if f.open {
		tok, err := f.api.bearer(e)
		if err != nil {
			return err
		}
		if p.opener, err = consumer.NewOpener(consumer.OpenerConfig{URL: f.api.url, Token: consumer.StaticToken(tok),
			Client: &http.Client{Timeout: f.api.timeout, Transport: e.traced(nil)}}); err != nil {
			return err
		}
		p.ctx = ctx
	}
	if f.fromStart {
		err = tailStream(ctx, nc, f, p)
	} else {
		err = tailSubject(ctx, nc, f, p)
	}
	switch {
	case errors.Is(err, errEnough) || e.ctx.Err() != nil:
		return nil
	case context.Cause(ctx) == errClosed || nc.IsClosed(): // the closed handler runs apart: it may be late
		return errClosed
	}
	return err
}

// tailSubject follows the subject with a core NATS subscription.
func tailSubject(ctx context.Context, nc *nats.Conn, f *tailFlags, p *printer) error {
	ch := make(chan *nats.Msg, 4096)
	sub, err := nc.ChanSubscribe(f.subject, ch)
	if err != nil {
		return err
	}
	defer sub.Unsubscribe()
	if err := nc.Flush(); err != nil { // the server has the subscription: nothing after this is missed
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case m := <-ch:
			if err := p.print(m.Subject, m.Header, m.Data); err != nil {
				return err
			}
		}
	}
}

// tailStream reads the JetStream stream from its first message with an ordered consumer.
func tailStream(ctx context.Context, nc *nats.Conn, f *tailFlags, p *printer) error {
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	cons, err := js.OrderedConsumer(ctx, f.stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{f.subject},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("reading stream %s: %w", f.stream, err)
	}
	it, err := cons.Messages()
	if err != nil {
		return err
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	for {
		m, err := it.Next()
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			return err
		}
		if err := p.print(m.Subject(), m.Headers(), m.Data()); err != nil {
			return err
		}
	}
}

// printer prints events, as lines or JSON lines, until left reaches 0 (when it started above 0);
// with an opener, opened.
type printer struct {
	w, stderr io.Writer
	json      bool
	left      int
	opener    *consumer.Opener
	ctx       context.Context
	// told are the reasons for withholding personal data said on stderr already: a line says
	// only "withheld", and why (no grant, a protected identity) is said once.
	told map[string]bool
}

// tailEvent is an event as tail --json prints it: the envelope of SPEC §9 and the subject; with
// --open, what became of its personal members.
type tailEvent struct {
	Position      uint64          `json:"position"`
	ID            string          `json:"id"`
	Stream        string          `json:"stream"`
	Version       uint64          `json:"version"`
	Type          string          `json:"type"`
	SchemaVersion int             `json:"schemaVersion"`
	Time          time.Time       `json:"time"`
	Actor         string          `json:"actor,omitempty"`
	CorrelationID string          `json:"correlationId,omitempty"`
	CausationID   string          `json:"causationId,omitempty"`
	Subject       string          `json:"subject"`
	Data          jsonRawOrString `json:"data"`
	// Personal (with --open): "none", "opened", "withheld" or "erased"; PersonalMembers the
	// members withheld or erased, Withheld why.
	Personal        string   `json:"personal,omitempty"`
	PersonalMembers []string `json:"personalMembers,omitempty"`
	Withheld        string   `json:"withheld,omitempty"`
}

func (p *printer) print(subject string, h nats.Header, data []byte) error {
	ev, err := consumer.Decode(h, data)
	if err != nil {
		fmt.Fprintf(p.stderr, "ledgerctl tail: a message on %s is not a ledger event: %v\n", subject, err)
		return nil
	}
	shown := jsonRawOrString(ev.Payload)
	var personal, withheld string
	var members []string
	if p.opener != nil {
		if err := p.opener.Open(p.ctx, ev); err != nil {
			return fmt.Errorf("opening event %d: %w", ev.Position, err)
		}
		shown, personal = jsonRawOrString(ev.Data), string(ev.Personal)
		if ev.Personal == consumer.PersonalWithheld || ev.Personal == consumer.PersonalErased {
			members = ev.PersonalMembers
		}
		if ev.Withheld != nil {
			withheld = ev.Withheld.Error()
		}
	}
	if p.json {
		err = writeJSONLine(p.w, tailEvent{Position: ev.Position, ID: ev.ID.String(), Stream: ev.Stream(), Version: ev.Version,
			Type: ev.Type, SchemaVersion: ev.SchemaVersion, Time: ev.Time, Actor: ev.Actor, CorrelationID: ev.CorrelationID,
			CausationID: ev.CausationID, Subject: subject, Data: shown, Personal: personal, PersonalMembers: members, Withheld: withheld})
	} else {
		actor := ev.Actor
		if actor == "" {
			actor = "-"
		}
		line := fmt.Sprintf("%d\t%s\t%s\t%s", ev.Position, ev.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00"), subject, actor)
		if p.opener != nil {
			line += "\t" + personal + "\t" + string(ev.Data)
		}
		_, err = fmt.Fprintln(p.w, line)
		if withheld != "" && !p.told[withheld] {
			if p.told == nil {
				p.told = map[string]bool{}
			}
			p.told[withheld] = true
			fmt.Fprintf(p.stderr, "ledgerctl tail: personal data withheld (from event %d on): %s\n", ev.Position, withheld)
		}
	}
	if err != nil {
		return err
	}
	if p.left > 0 {
		if p.left--; p.left == 0 {
			return errEnough
		}
	}
	return nil
}

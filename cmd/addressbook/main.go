// Command addressbook is an example downstream service of the ledger: it follows a ledger's
// events on NATS with the eventstore/consumer package and keeps its own copy of the customers'
// names and addresses in a bbolt file, which it serves read-only over HTTP. It survives restarts
// without reading the ledger again from the start (the book stores the position of the last
// event it applied with the change), and drops a customer's data when the customer is forgotten.
//
// The ledger must grant it the personal data: the token's subject ("addressbook" below) is the
// consumer an operator grants the ledger to.
//
//	ledgerctl consumer grant --ledger 1000 --consumer addressbook
//	export ADDRESSBOOK_TOKEN=$(ledgerctl token --ledger 1000 --scope personal-data:read --sub addressbook --ttl 24h)
//	go run ./cmd/addressbook -ledger 1000
//	curl -s http://127.0.0.1:8090/customers
//
// See docs/consumers.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/consumer"
)

// config is the service's configuration: flags, with environment variables as defaults.
type config struct {
	natsURL, ledgerURL, ledgerNo, token, durable, stream, data, httpAddr string
	// observe, when set, is told of every event applied (tests).
	observe func(*consumer.Event)
	// listening, when set, is told the HTTP address once it listens (tests).
	listening func(addr string)
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var c config
	fs := flag.NewFlagSet("addressbook", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.natsURL, "nats-url", env("LEDGERD_NATS_URL", "nats://127.0.0.1:4222"), "the ledger's NATS (LEDGERD_NATS_URL)")
	fs.StringVar(&c.ledgerURL, "ledger-url", env("ADDRESSBOOK_LEDGER_URL", "http://127.0.0.1:8080"), "the base URL of the ledger's writer, which discloses the personal data (ADDRESSBOOK_LEDGER_URL)")
	fs.StringVar(&c.ledgerNo, "ledger", env("ADDRESSBOOK_LEDGER", "1000"), "the ledger to follow (ADDRESSBOOK_LEDGER)")
	fs.StringVar(&c.token, "token", env("ADDRESSBOOK_TOKEN", ""), "bearer token: subject the granted consumer, scope personal-data:read (ADDRESSBOOK_TOKEN; required)")
	fs.StringVar(&c.durable, "durable", env("ADDRESSBOOK_DURABLE", "addressbook"), "the durable JetStream consumer's name (ADDRESSBOOK_DURABLE)")
	fs.StringVar(&c.stream, "stream", env("LEDGERD_NATS_STREAM", consumer.DefaultStream), "the JetStream stream of the events (LEDGERD_NATS_STREAM)")
	fs.StringVar(&c.data, "data", env("ADDRESSBOOK_DATA", "addressbook.db"), "the address book's file (ADDRESSBOOK_DATA)")
	fs.StringVar(&c.httpAddr, "http-addr", env("ADDRESSBOOK_HTTP_ADDR", "127.0.0.1:8090"), `serve the book on this address; "off" for none (ADDRESSBOOK_HTTP_ADDR)`)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.token == "" {
		return c, errors.New("a token is required (-token or ADDRESSBOOK_TOKEN): ledgerctl token --ledger " + c.ledgerNo + " --scope personal-data:read --sub addressbook")
	}
	return c, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := parseFlags(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "addressbook:", err)
		os.Exit(2)
	}
	if err := run(ctx, c, slog.New(slog.NewTextHandler(os.Stderr, nil))); err != nil {
		fmt.Fprintln(os.Stderr, "addressbook:", err)
		os.Exit(1)
	}
}

// run follows the ledger until ctx ends.
func run(ctx context.Context, c config, log *slog.Logger) error {
	book, err := OpenBook(c.data)
	if err != nil {
		return err
	}
	defer book.Close()
	nc, err := nats.Connect(c.natsURL, nats.Name("addressbook"), nats.MaxReconnects(-1), nats.RetryOnFailedConnect(true), nats.ReconnectWait(time.Second))
	if err != nil {
		return err
	}
	defer nc.Drain()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	opener, err := consumer.NewOpener(consumer.OpenerConfig{URL: c.ledgerURL, Token: consumer.StaticToken(strings.TrimSpace(c.token))})
	if err != nil {
		return err
	}
	handle := book.apply(log)
	if c.observe != nil {
		inner := handle
		handle = func(ctx context.Context, e *consumer.Event) error {
			if err := inner(ctx, e); err != nil {
				return err
			}
			c.observe(e)
			return nil
		}
	}
	cons, err := consumer.New(consumer.Config{JetStream: js, Stream: c.stream, LedgerNo: c.ledgerNo, Durable: c.durable, Opener: opener,
		CheckpointMark: func(context.Context) (consumer.Mark, error) { return book.Mark() }, Logger: log})
	if err != nil {
		return err
	}
	if c.httpAddr != "off" {
		l, err := net.Listen("tcp", c.httpAddr)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: book.handler(), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(l)
		defer srv.Close()
		if c.listening != nil {
			c.listening(l.Addr().String())
		}
		log.Info("serving the address book", "addr", l.Addr().String())
	}
	from, _ := book.Position()
	log.Info("following the ledger", "ledger", c.ledgerNo, "nats", c.natsURL, "durable", c.durable, "after", from)
	return cons.Run(ctx, handle)
}

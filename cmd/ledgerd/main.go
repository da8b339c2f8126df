// Command ledgerd runs the customer ledger service: the REST API over an event-sourced bbolt
// store with its read models. `go run ./cmd/ledgerd` starts it on embedded defaults (data in
// ./data, HTTP on 127.0.0.1:8080, the demo ledger 1000) and prints a development token.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	if err := m.ParseFlags(os.Args[1:], os.Getenv); errors.Is(err, flag.ErrHelp) {
		fmt.Println(err) // asked for: the usage
		os.Exit(0)
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "ledgerd:", err)
		os.Exit(2)
	}
	if err := m.Run(ctx); err != nil {
		m.Close() // flushes the log first: the reason is the last line
		fmt.Fprintln(os.Stderr, "ledgerd:", err)
		os.Exit(1)
	}
	var fatal error
	select {
	case <-ctx.Done():
	case fatal = <-m.Fatal():
	}
	stop() // a second signal kills at once
	m.log.Info("shutting down")
	if err := m.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "ledgerd: shutdown:", err)
		os.Exit(1)
	}
	if fatal != nil {
		fmt.Fprintln(os.Stderr, "ledgerd:", fatal)
		os.Exit(1)
	}
}

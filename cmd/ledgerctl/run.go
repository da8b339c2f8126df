package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// env is what a command may use of the world, so that tests can provide it.
type env struct {
	// ctx ends on SIGINT or SIGTERM: long commands stop and clean up.
	ctx            context.Context
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time
	// trace is the trace context sent to ledgerd, read from the environment once (trace.go).
	traceOnce sync.Once
	trace     http.Header
}

// command is one "ledgerctl <name>" subcommand. Add new ones to commands.
type command struct {
	name    string
	summary string // one line, for "ledgerctl help"
	// run executes the command with the arguments after its name and returns
	// the exit code.
	run func(e *env, args []string) int
}

// commands lists the subcommands in the order "ledgerctl help" shows them.
func commands() []command {
	return []command{
		{name: "token", summary: "print a development access token (HS256) for the ledger API", run: runToken},
		{name: "rebuild", summary: "rebuild read models (projections) offline from the event log", run: runRebuild},
		{name: "verify", summary: "check the event log's integrity and that the read models equal a rebuild", run: runVerify},
		{name: "tail", summary: "follow the ledger's events on NATS", run: runTail},
		{name: "backup", summary: "copy the event log or the key store consistently, while ledgerd runs", run: runBackup},
		{name: "master-key", summary: "rotate the master key that wraps the customers' data keys, or make a new one", run: runMasterKey},
		{name: "consumer", summary: "grant or revoke a downstream consumer the personal data of a ledger's events, or list the grants", run: runConsumer},
		{name: "compact", summary: "rewrite the event log without freed pages, offline", run: runCompact},
		{name: "events", summary: "print a customer's audit trail (asks a running ledgerd)", run: runEvents},
		{name: "audit", summary: "query the ledger's audit index by type, actor, time, correlation id (asks a running ledgerd)", run: runAudit},
		{name: "customer", summary: "print a customer now, or as it was at a time or version (asks a running ledgerd)", run: runCustomer},
	}
}

// run is main without the process: it runs ledgerctl with args (without the
// program name) and returns the exit code.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runContext(ctx, args, stdout, stderr, getenv)
}

// runContext is run with a context whose end stops a long command (tail, rebuild, verify).
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &env{ctx: ctx, stdout: stdout, stderr: stderr, getenv: getenv, now: time.Now}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch name := args[0]; name {
	case "help", "-h", "-help", "--help":
		return e.help(args[1:])
	default:
		cmd, ok := lookup(name)
		if !ok {
			fmt.Fprintf(stderr, "ledgerctl: unknown command %q\n\n", name)
			usage(stderr)
			return exitUsage
		}
		return cmd.run(e, args[1:])
	}
}

// help implements "ledgerctl help [command]".
func (e *env) help(args []string) int {
	switch len(args) {
	case 0:
		if err := usage(e.stdout); err != nil {
			fmt.Fprintf(e.stderr, "ledgerctl help: %v\n", err)
			return exitFailure
		}
		return exitOK
	case 1:
		cmd, ok := lookup(args[0])
		if !ok {
			fmt.Fprintf(e.stderr, "ledgerctl help: unknown command %q\n\n", args[0])
			usage(e.stderr)
			return exitUsage
		}
		return cmd.run(e, []string{"--help"})
	default:
		fmt.Fprintln(e.stderr, "usage: ledgerctl help [command]")
		return exitUsage
	}
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// usage writes the overview of ledgerctl to w and returns the first write error.
func usage(out io.Writer) error {
	w := &recordingWriter{w: out}
	fmt.Fprint(w, "ledgerctl is the operator's command line for the ledger service.\n\n")
	fmt.Fprint(w, "Usage:\n\n  ledgerctl <command> [flags]\n  ledgerctl help [command]\n  ledgerctl <command> --help\n\nCommands:\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprint(w, "\nExit status: 0 on success, 1 when the command fails or verify finds a problem, 2 on a usage error.\n")
	return w.err
}

// usageError is a mistake in the command line: exit code 2, with the
// command's usage.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// parseFlags parses args into fs, whose help text is help. It reports
// whether the command should go on; if not, code is the exit code: 0 after
// printing the help for -h/--help, 2 after a bad flag or a stray argument.
func parseFlags(e *env, fs *flag.FlagSet, help string, args []string) (code int, ok bool) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if err == nil && fs.NArg() > 0 {
		err = usagef("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case err == nil:
		return exitOK, true
	case errors.Is(err, flag.ErrHelp):
		if err := printHelp(e.stdout, fs, help); err != nil {
			return fail(e, fs, err), false
		}
		return exitOK, false
	default:
		return fail(e, fs, usageError{err}), false
	}
}

// fail reports err of the command fs and returns the exit code: 2 for a
// usageError (with a hint at the command's help), else 1.
func fail(e *env, fs *flag.FlagSet, err error) int {
	for line := range strings.Lines(err.Error()) {
		fmt.Fprintf(e.stderr, "ledgerctl %s: %s", fs.Name(), strings.TrimSuffix(line, "\n")+"\n")
	}
	if errors.As(err, new(usageError)) {
		fmt.Fprintf(e.stderr, "usage: ledgerctl %s [flags]; run \"ledgerctl %[1]s --help\" for more\n", fs.Name())
		return exitUsage
	}
	return exitFailure
}

// printHelp writes a command's help text and its flags to out and returns the first write error
// (a full disk, a closed pipe): help that was not written is no success.
func printHelp(out io.Writer, fs *flag.FlagSet, help string) error {
	w := &recordingWriter{w: out}
	fmt.Fprint(w, strings.TrimLeft(help, "\n"))
	fmt.Fprint(w, "\nFlags:\n\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	return w.err
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeJSONLine writes v as JSON on one line.
func writeJSONLine(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }

// jsonRawOrString is JSON data printed as is when valid, else as a string.
type jsonRawOrString []byte

// MarshalJSON implements json.Marshaler.
func (j jsonRawOrString) MarshalJSON() ([]byte, error) {
	if json.Valid(j) {
		return j, nil
	}
	return json.Marshal(string(j))
}

// UnmarshalJSON implements json.Unmarshaler: it keeps the raw JSON.
func (j *jsonRawOrString) UnmarshalJSON(b []byte) error {
	*j = append((*j)[:0], b...)
	return nil
}

// Command ledgerbench is the ledger service's benchmark harness: it drives the real service
// (ledgerd over HTTP, as clients do) and, in the same run, the ceilings the service is compared
// with — a minimal net/http handler (the HTTP stack's), the raw bbolt group-commit put loop (the
// disk's) and raw nats.go JetStream async publishing (the bus's) — and reports each result as a
// ratio to its ceiling: a table, a JSON file and a self-contained chart.
//
//	go run ./cmd/ledgerbench --help
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

var usage = `Usage: ledgerbench [command] [flags]

Commands:
  run      (default) drive ledgerd with workloads at several concurrencies, next to the
           ceilings; write table.txt, results.json, chart.svg and report.html
  scale    measure at growing data sizes (--sizes 10k,100k,1M): write throughput and GET
           latency, start-up time and memory, full rebuild time
  seed     preload customers into a data directory (offline) and build its read models
  rebuild  time a full offline rebuild of a data directory's read models (pprof optional)

Without --url the harness builds ledgerd from this checkout and runs it as a child process on
free ports, its data in --data-dir (default: a temporary directory), and reads its CPU time
and memory from /proc. With --url it drives a running ledgerd (token from --token,
$LEDGERBENCH_TOKEN, or minted from --secret-file / $LEDGERD_JWT_SECRET).

Workloads: create (new customers with valid Nordic data), patch, read (GET with and without
$expand), mixed (10% create, 20% patch, 70% read), lookup (find-customer and the Connect
look-up). Writes are compared with the disk's ceiling, the rest with the HTTP stack's.

Examples:

  go run ./cmd/ledgerbench                                   # every workload at 1,16,64,256
  go run ./cmd/ledgerbench --workloads create,read --concurrency 64 --duration 20s --rounds 2
  go run ./cmd/ledgerbench --seed 1M --data-dir /tmp/lb1m    # keep the seeded data for next runs
  go run ./cmd/ledgerbench scale --sizes 10k,100k,1M --data-dir /tmp/lbscale
  go run ./cmd/ledgerbench rebuild --data-dir /tmp/lb1m --cpuprofile rebuild.cpu
  go run ./cmd/ledgerbench --url http://127.0.0.1:8080 --pid $(pgrep -x ledgerd) --seed 10k

Run "ledgerbench <command> --help" for the command's flags.
`

func main() {
	if os.Getenv(minimalServerEnv) != "" {
		if err := runMinimalServer(os.Args[len(os.Args)-1], os.Getenv(minimalLogEnv)); err != nil {
			fmt.Fprintln(os.Stderr, "ledgerbench minimal server:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// Main runs ledgerbench with args and returns the exit status: 0 done, 1 failed, 2 usage.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run", "scale", "seed", "rebuild":
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "ledgerbench: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	var c config
	fs := c.flagSet(cmd, getenv)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			fmt.Fprintf(stdout, "\nFlags of %q:\n", cmd)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return 0
		}
		fmt.Fprintf(stderr, "ledgerbench %s: %v (see --help)\n", cmd, err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ledgerbench %s: unexpected argument %q\n", cmd, fs.Arg(0))
		return 2
	}
	if err := c.Validate(); err != nil {
		fmt.Fprintf(stderr, "ledgerbench %s: %v\n", cmd, err)
		return 2
	}
	var err error
	switch cmd {
	case "run":
		err = runBench(ctx, &c, stdout, stderr)
	case "scale":
		err = runScale(ctx, &c, stdout, stderr)
	case "seed":
		err = runSeed(ctx, &c, stdout, stderr)
	case "rebuild":
		err = runRebuild(ctx, &c, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ledgerbench %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

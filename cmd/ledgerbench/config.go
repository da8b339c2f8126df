package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nordledger/ledger/internal/datadir"
)

// config is one invocation's settings. Validate reports every problem at once.
type config struct {
	Command string // run, scale, seed, rebuild

	URL         string
	Token       string
	SecretFile  string
	NATSURL     string
	PID         int
	DataDir     string
	Ledgerd     string
	LedgerdArgs string
	Ledger      string
	Merchant    string
	Product     string
	// CorrelationIDs: "none" sends no X-Correlation-ID (ledgerd makes a UUIDv7, in time order);
	// "random" sends a random UUIDv4 with every measured request, as integrators' own ids are.
	CorrelationIDs string
	// CustomerNumbers numbers the seeded and created customers (workloads.go); empty: as the
	// data directory's are, else sequential (newSession decides).
	CustomerNumbers numbering

	Workloads   []string
	Concurrency []int
	Duration    time.Duration
	Requests    int
	Warmup      time.Duration
	Rounds      int

	Seed            int
	SeedConcurrency int
	CreateFrom      int // first index of created customers (-1: automatic)
	Sizes           []int

	Ceilings     []string
	BusMessages  int
	DrainTimeout time.Duration
	ReadyTimeout time.Duration
	// NATSLag: a plain NATS subscriber (the lag watcher) receives every ledger event and the
	// publish lag is reported. Its deliveries are the embedded NATS server's work, inside
	// ledgerd's process and CPU; without it the drain after a write measurement polls the relay's
	// published position instead.
	NATSLag bool

	Profile      bool
	Projection   string // rebuild: which projection ("all" for every one)
	CPUProfile   string // rebuild: pprof file names
	AllocProfile string
	Out          string
}

// listInts parses "1,16,64" (with k and M suffixes: "10k,1M").
func listInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		mult := 1
		switch {
		case strings.HasSuffix(f, "k"):
			mult, f = 1_000, strings.TrimSuffix(f, "k")
		case strings.HasSuffix(f, "M"):
			mult, f = 1_000_000, strings.TrimSuffix(f, "M")
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", f)
		}
		out = append(out, n*mult)
	}
	return out, nil
}

func listStrings(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// intsFlag is a flag.Value of a comma list of counts.
type intsFlag struct{ v *[]int }

func (f intsFlag) String() string {
	if f.v == nil {
		return ""
	}
	var parts []string
	for _, n := range *f.v {
		parts = append(parts, strconv.Itoa(n))
	}
	return strings.Join(parts, ",")
}

func (f intsFlag) Set(s string) error {
	v, err := listInts(s)
	if err != nil {
		return err
	}
	*f.v = v
	return nil
}

// stringsFlag is a flag.Value of a comma list.
type stringsFlag struct{ v *[]string }

func (f stringsFlag) String() string {
	if f.v == nil {
		return ""
	}
	return strings.Join(*f.v, ",")
}

func (f stringsFlag) Set(s string) error { *f.v = listStrings(s); return nil }

// countFlag is a count that takes k and M suffixes ("1M").
type countFlag struct{ v *int }

func (f countFlag) String() string {
	if f.v == nil {
		return "0"
	}
	return strconv.Itoa(*f.v)
}

func (f countFlag) Set(s string) error {
	v, err := listInts(s)
	if err != nil || len(v) != 1 {
		return fmt.Errorf("want one count, e.g. 10000 or 10k or 1M")
	}
	*f.v = v[0]
	return nil
}

// flagSet returns the flags of command cmd over c, with their defaults.
func (c *config) flagSet(cmd string, getenv func(string) string) *flag.FlagSet {
	c.Command = cmd
	fs := flag.NewFlagSet("ledgerbench "+cmd, flag.ContinueOnError)
	c.Workloads = []string{"create", "patch", "read", "mixed", "lookup"}
	c.Concurrency = []int{1, 16, 64, 256}
	c.Ceilings = []string{"http", "log", "bus"}
	c.Seed = 10_000
	c.Sizes = []int{10_000, 100_000, 1_000_000}
	c.Duration = 10 * time.Second
	c.Rounds, c.CreateFrom = 1, -1
	if cmd == "scale" {
		c.Workloads = []string{"create", "read"}
		c.Concurrency = []int{64}
		c.Ceilings = []string{"http", "log"}
	}
	service := cmd == "run" || cmd == "scale"
	if service {
		fs.StringVar(&c.URL, "url", "", "base URL of a running ledgerd; empty: start ledgerd in --data-dir")
		fs.StringVar(&c.Token, "token", getenv("LEDGERBENCH_TOKEN"), "bearer token for --url (default $LEDGERBENCH_TOKEN; else minted from --secret-file or $LEDGERD_JWT_SECRET)")
		fs.StringVar(&c.SecretFile, "secret-file", datadir.DefaultPath+"/"+datadir.JWTSecret, "HS256 secret file to mint a token for --url (as `ledgerctl token`)")
		fs.StringVar(&c.NATSURL, "nats-url", "nats://127.0.0.1:4222", "NATS of the running ledgerd (--url), for the publish lag and the bus ceiling")
		fs.IntVar(&c.PID, "pid", 0, "process id of the running ledgerd (--url), to read its CPU time and memory from /proc")
		fs.StringVar(&c.Ledgerd, "ledgerd", "", "ledgerd binary to start (default: built from this checkout)")
		fs.StringVar(&c.LedgerdArgs, "ledgerd-args", "", "more flags for the started ledgerd, space-separated (e.g. \"-nats-url nats://127.0.0.1:4222\" to compare with another NATS)")
		fs.StringVar(&c.Ledger, "ledger", "1000", "ledger to work in (a Swedish ledger)")
		fs.StringVar(&c.CorrelationIDs, "correlation-ids", "none", "X-Correlation-ID of the measured requests: none (ledgerd makes one, in time order) or random (a UUIDv4 each, as clients' own ids)")
		fs.StringVar(&c.Merchant, "merchant", "1000", "Connect merchant mapped to the ledger (lookup workload)")
		fs.StringVar(&c.Product, "product", "9000", "its payment product looking up Swedish fiscal numbers")
		fs.Var(stringsFlag{&c.Workloads}, "workloads", "comma list of workloads: "+workloadNames())
		fs.Var(intsFlag{&c.Concurrency}, "concurrency", "comma list of client counts")
		fs.DurationVar(&c.Duration, "duration", c.Duration, "how long each measurement runs (after the warm-up)")
		fs.IntVar(&c.Requests, "requests", 0, "requests per measurement instead of --duration (0: use --duration)")
		fs.DurationVar(&c.Warmup, "warmup", time.Second, "unmeasured warm-up before each measurement")
		fs.IntVar(&c.Rounds, "rounds", 1, "rounds per level, service and ceiling alternating (round 0 runs the service first; medians reported)")
		fs.Var(stringsFlag{&c.Ceilings}, "ceilings", "ceilings to measure: http (reads), log (http+log: writes), disk (the group-commit loop without HTTP: writes, when log is not given), bus (or none)")
		fs.IntVar(&c.BusMessages, "bus-messages", 20_000, "messages the bus ceiling publishes")
		fs.DurationVar(&c.DrainTimeout, "drain-timeout", 2*time.Minute, "how long to wait after a write measurement for its events on NATS")
		fs.BoolVar(&c.NATSLag, "nats-lag", true, "measure the publish lag with a NATS subscriber receiving every ledger event (its deliveries are the embedded NATS server's work, counted in ledgerd's CPU); false: no lag figures, the drain after writes polls the relay's published position (/metrics)")
		fs.IntVar(&c.CreateFrom, "create-from", -1, "first customer index for creates (-1: after the previous runs' in --data-dir, or time-based with --url)")
		fs.BoolVar(&c.Profile, "profile", false, "started ledgerd only: fetch CPU and allocation profiles of the service during each measurement into --out/profiles")
		fs.StringVar(&c.Out, "out", "", "directory for results.json, table.txt, chart.svg and report.html (default bench-results/<time>)")
	}
	if cmd == "scale" {
		fs.Var(intsFlag{&c.Sizes}, "sizes", "customer counts to measure at, ascending (the seed grows from one to the next)")
	} else {
		fs.Var(countFlag{&c.Seed}, "seed", "customers preloaded (e.g. 10k, 1M; 0 for none)")
	}
	fs.StringVar(&c.DataDir, "data-dir", "", "data directory of the ledgerd the harness runs (default: a temporary one, removed afterwards); kept and reused when given")
	if cmd == "seed" || cmd == "rebuild" {
		fs.StringVar(&c.Ledger, "ledger", "1000", "ledger to seed (a Swedish ledger)")
	}
	fs.IntVar(&c.SeedConcurrency, "seed-concurrency", 256, "concurrent creates while seeding")
	if cmd != "rebuild" {
		fs.StringVar((*string)(&c.CustomerNumbers), "customer-numbers", "", "how customers are numbered: sequential (each new one after the others, the cheap case for every index) or random (anywhere among them, as clients' own numbers); default: as the data directory's are, else sequential")
	}
	fs.DurationVar(&c.ReadyTimeout, "ready-timeout", 30*time.Minute, "how long a started ledgerd may take to become ready")
	if cmd == "rebuild" {
		fs.StringVar(&c.Projection, "projection", "all", "projection to rebuild: customers, audit or all (a single one is built into a file of its own; projections.db is left alone)")
		fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of the rebuild to this file")
		fs.StringVar(&c.AllocProfile, "allocprofile", "", "write an allocation profile of the rebuild to this file")
	}
	return fs
}

// Validate reports every problem of the configuration at once.
func (c *config) Validate() error {
	var errs []error
	for _, w := range c.Workloads {
		if _, ok := workloadNamed(w); !ok {
			errs = append(errs, fmt.Errorf("--workloads: unknown workload %q (known: %s)", w, workloadNames()))
		}
	}
	for _, n := range c.Concurrency {
		if n < 1 || n > 10_000 {
			errs = append(errs, fmt.Errorf("--concurrency: %d is not 1 to 10000", n))
		}
	}
	for _, k := range c.Ceilings {
		if k != "http" && k != "log" && k != "disk" && k != "bus" && k != "none" {
			errs = append(errs, fmt.Errorf("--ceilings: unknown ceiling %q (http, log, disk, bus or none)", k))
		}
	}
	if c.Duration <= 0 && c.Requests <= 0 {
		errs = append(errs, errors.New("--duration or --requests must be positive"))
	}
	if c.Requests < 0 || c.Warmup < 0 || c.Rounds < 1 || c.BusMessages < 0 {
		errs = append(errs, errors.New("--requests, --warmup and --bus-messages must not be negative, --rounds at least 1"))
	}
	if c.Seed < 0 || c.Seed > createBase {
		errs = append(errs, fmt.Errorf("--seed: 0 to %d customers", createBase))
	}
	for i, n := range c.Sizes {
		if n < 1 || n > createBase || (i > 0 && n <= c.Sizes[i-1]) {
			errs = append(errs, fmt.Errorf("--sizes: want ascending counts of 1 to %d", createBase))
			break
		}
	}
	if c.CorrelationIDs != "" && c.CorrelationIDs != "none" && c.CorrelationIDs != "random" {
		errs = append(errs, fmt.Errorf("--correlation-ids: %q is not none or random", c.CorrelationIDs))
	}
	if n := c.CustomerNumbers; n != "" && n != sequentialNumbers && n != randomNumbers {
		errs = append(errs, fmt.Errorf("--customer-numbers: %q is not sequential or random", n))
	}
	if c.SeedConcurrency < 1 {
		errs = append(errs, errors.New("--seed-concurrency must be at least 1"))
	}
	if c.URL != "" && c.DataDir != "" {
		errs = append(errs, errors.New("--data-dir is for the ledgerd the harness starts; not with --url"))
	}
	if c.URL != "" && c.LedgerdArgs != "" {
		errs = append(errs, errors.New("--ledgerd-args is for the ledgerd the harness starts; not with --url"))
	}
	if c.URL != "" && c.Profile {
		errs = append(errs, errors.New("--profile needs the ledgerd the harness starts (it runs it with -pprof-addr)"))
	}
	if c.CreateFrom >= 0 && (c.CreateFrom < createBase || c.CreateFrom >= maxIndex) {
		errs = append(errs, fmt.Errorf("--create-from: %d to %d", createBase, maxIndex-1))
	}
	if (c.Command == "seed" || c.Command == "rebuild") && c.DataDir == "" {
		errs = append(errs, fmt.Errorf("%s needs --data-dir", c.Command))
	}
	return errors.Join(errs...)
}

// has reports whether the ceiling kind is to be measured.
func (c *config) has(ceiling string) bool {
	for _, k := range c.Ceilings {
		if k == ceiling {
			return true
		}
	}
	return false
}

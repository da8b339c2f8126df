package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/datadir"
)

// TestMain lets the test binary be the harness's minimal-server child, as the harness's own
// binary is when it runs (it re-executes itself with minimalServerEnv set).
func TestMain(m *testing.M) {
	if os.Getenv(minimalServerEnv) != "" {
		if err := runMinimalServer(os.Args[len(os.Args)-1], os.Getenv(minimalLogEnv)); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runMain runs the harness in-process and returns its exit status and output.
func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	code := Main(ctx, args, func(string) string { return "" }, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// readReport reads and decodes results.json of an output directory.
func readReport(t *testing.T, out string) report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("results.json: %v", err)
	}
	return rep
}

// checkChart checks that chart.svg is well-formed SVG with a line per series drawn, and that
// report.html embeds it and loads nothing from elsewhere.
func checkChart(t *testing.T, out string, panels int) {
	t.Helper()
	svg, err := os.ReadFile(filepath.Join(out, "chart.svg"))
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	counts := map[string]int{}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("chart.svg is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			counts[se.Name.Local]++
		}
	}
	if counts["svg"] != 1 || counts["polyline"] < panels {
		t.Errorf("chart.svg has %d svg elements and %d lines, want 1 and at least %d", counts["svg"], counts["polyline"], panels)
	}
	page, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, svg) {
		t.Error("report.html does not embed chart.svg")
	}
	for _, ref := range []string{"src=", "href=", "<script", "<link", "@import"} {
		if bytes.Contains(page, []byte(ref)) {
			t.Errorf("report.html contains %q: it must be self-contained", ref)
		}
	}
}

// TestTinyRunAgainstStartedLedgerd: the harness seeds a data directory, builds and starts
// ledgerd, runs every workload at two concurrencies next to every ceiling, and writes a table,
// valid JSON and a chart. Figures are not checked (no timing in tests); that everything was
// measured, without errors, is.
func TestTinyRunAgainstStartedLedgerd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ledgerd")
	}
	out := filepath.Join(t.TempDir(), "out")
	dataDir := filepath.Join(t.TempDir(), "data")
	code, stdout, stderr := runMain(t, "--seed", "40", "--concurrency", "1,3", "--requests", "30", "--warmup", "0s",
		"--bus-messages", "300", "--data-dir", dataDir, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	rep := readReport(t, out)
	if len(rep.Levels) != 5*2 {
		t.Fatalf("%d levels, want 10 (5 workloads × 2 concurrencies)", len(rep.Levels))
	}
	for _, l := range rep.Levels {
		name := fmt.Sprintf("%s/c=%d", l.Workload, l.Concurrency)
		if l.Service.Requests == 0 || l.Service.Throughput <= 0 || l.Service.Latency.P99 <= 0 {
			t.Errorf("%s: nothing measured: %+v", name, l.Service)
		}
		if len(l.Service.Errors) > 0 {
			t.Errorf("%s: errors %v", name, l.Service.Errors)
		}
		if l.Ceiling == nil || l.Ratio <= 0 {
			t.Errorf("%s: no ceiling or ratio", name)
		}
		if w, _ := workloadNamed(l.Workload); w.Ceilings[0] == "log" && (l.CeilingKind != "log" || l.CeilingPerCommit <= 0) {
			t.Errorf("%s: measured against %q (%.1f puts per commit), want the http+log ceiling", name, l.CeilingKind, l.CeilingPerCommit)
		}
		if l.Server == nil || l.Server.RSS == 0 {
			t.Errorf("%s: the server's CPU and memory were not read", name)
		}
		w, _ := workloadNamed(l.Workload)
		if w.writes() && (l.Lag == nil || l.Lag.Events == 0 || l.Lag.Missing != 0) {
			t.Errorf("%s: publish lag %+v, want every event of the run seen on NATS", name, l.Lag)
		}
	}
	if rep.Bus == nil || rep.Bus.Ceiling.Messages != 300 {
		t.Errorf("bus ceiling: %+v", rep.Bus)
	}
	if rep.Seed == nil || rep.Seed.Added != 40 || rep.Rebuild == nil || rep.Startup == nil || rep.Startup.FullReplay {
		t.Errorf("seed %+v, rebuild %+v, start-up %+v", rep.Seed, rep.Rebuild, rep.Startup)
	}
	if !strings.Contains(stdout, "create") || !strings.Contains(stdout, "ratio") {
		t.Errorf("no table on stdout:\n%s", stdout)
	}
	checkChart(t, out, 5*2)

	// A second run on the same data directory reuses the seed and continues the created
	// customers' numbers (a collision would show as 409 errors).
	out2 := filepath.Join(t.TempDir(), "out2")
	code, stdout, stderr = runMain(t, "--seed", "40", "--workloads", "create", "--concurrency", "2", "--requests", "20",
		"--warmup", "0s", "--ceilings", "none", "--data-dir", dataDir, "--out", out2)
	if code != 0 {
		t.Fatalf("second run: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	rep = readReport(t, out2)
	if rep.Seed != nil || len(rep.Levels) != 1 || len(rep.Levels[0].Service.Errors) > 0 || rep.Startup.FullReplay {
		t.Errorf("second run: seed %+v, levels %+v, start-up %+v", rep.Seed, rep.Levels, rep.Startup)
	}
}

// TestWithoutTheLagWatcher: with --nats-lag=false the harness subscribes to nothing on NATS (the
// lag watcher's deliveries are work of the embedded NATS server, in ledgerd's CPU): no level
// reports a publish lag, in results.json or the table, and the drain after each write
// measurement still waits for the run's events on NATS — from the relay's published position —
// and reports them all published.
func TestWithoutTheLagWatcher(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ledgerd")
	}
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runMain(t, "--nats-lag=false", "--seed", "20", "--workloads", "create,patch,read", "--concurrency", "2",
		"--requests", "20", "--warmup", "0s", "--ceilings", "none", "--data-dir", filepath.Join(t.TempDir(), "data"), "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	rep := readReport(t, out)
	if len(rep.Levels) != 3 {
		t.Fatalf("%d levels, want 3", len(rep.Levels))
	}
	for _, l := range rep.Levels {
		if l.Service.Requests == 0 || len(l.Service.Errors) > 0 {
			t.Errorf("%s: %d requests, errors %v", l.Workload, l.Service.Requests, l.Service.Errors)
		}
		if l.Lag != nil {
			t.Errorf("%s: publish lag %+v reported without the lag watcher", l.Workload, l.Lag)
		}
		w, _ := workloadNamed(l.Workload)
		switch {
		case w.writes() && (l.Drain == nil || l.Drain.Events < l.Service.Requests || l.Drain.Missing != 0):
			t.Errorf("%s: drain %+v, want every event of the run (at least %d) published on NATS", l.Workload, l.Drain, l.Service.Requests)
		case !w.writes() && l.Drain != nil:
			t.Errorf("%s: drain %+v after a run that wrote nothing", l.Workload, l.Drain)
		}
	}
	table, err := os.ReadFile(filepath.Join(out, "table.txt"))
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, line := range strings.Split(string(table), "\n") {
		cols := strings.Split(line, "|")
		if len(cols) != 4 || strings.HasPrefix(line, "workload") {
			continue
		}
		rows++
		if lag := strings.TrimSpace(cols[2]); lag != "-" {
			t.Errorf("table row %q: NATS lag column %q, want -", line, lag)
		}
	}
	if rows != 3 {
		t.Errorf("%d table rows, want 3:\n%s", rows, table)
	}
	if !strings.Contains(string(table), "note: --nats-lag=false") {
		t.Errorf("table.txt does not say the lag was not measured:\n%s", table)
	}
}

// TestRandomNumbersAndCorrelationIDs: with random customer numbers and a correlation id per
// request, the seeded customers are found by the patches and the reads, the creates never
// collide with them, and a data directory keeps its numbering: a later run takes it without the
// flag, and refuses the other.
func TestRandomNumbersAndCorrelationIDs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ledgerd")
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runMain(t, "--seed", "30", "--customer-numbers", "random", "--correlation-ids", "random",
		"--workloads", "create,patch,read", "--concurrency", "2", "--requests", "20", "--warmup", "0s", "--ceilings", "none",
		"--data-dir", dataDir, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, l := range readReport(t, out).Levels {
		if l.Service.Requests == 0 || len(l.Service.Errors) > 0 {
			t.Errorf("%s: %d requests, errors %v", l.Workload, l.Service.Requests, l.Service.Errors)
		}
	}
	// The requests carried their own ids: ledgerd logs each request's correlation id, and the
	// ones it makes itself are UUIDv7.
	logged, err := os.ReadFile(filepath.Join(dataDir, "ledgerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	v4 := 0
	for _, m := range regexp.MustCompile(`correlationId=([0-9a-f-]{36})`).FindAllStringSubmatch(string(logged), -1) {
		if id, err := uuid.Parse(m[1]); err == nil && id.Version() == 4 {
			v4++
		}
	}
	if v4 < 60 {
		t.Errorf("%d requests with a UUIDv4 correlation id in ledgerd's log, want the 60 measured", v4)
	}
	// The customers are where random numbers put them (ledgerd has stopped: the log is free).
	store, err := eventstore.Open(filepath.Join(dataDir, datadir.Events), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range map[int]bool{1: true, 29: true, 30: false} { // not 0: scramble(0) is 0
		for n, exists := range map[numbering]bool{randomNumbers: want, sequentialNumbers: false} {
			v, err := store.StreamVersion(context.Background(), domain.StreamName("1000", n.of(i)))
			if err != nil || (v > 0) != exists {
				t.Errorf("customer %d numbered %s (%s): version %d, %v; want it to exist: %v", i, n, n.of(i), v, err, exists)
			}
		}
	}
	store.Close()
	out2 := filepath.Join(t.TempDir(), "out2")
	code, _, stderr = runMain(t, "--seed", "30", "--workloads", "patch,read", "--concurrency", "1", "--requests", "5",
		"--ceilings", "none", "--data-dir", dataDir, "--out", out2)
	if code != 0 {
		t.Fatalf("a run without --customer-numbers on a random-numbered data directory: exit %d\n%s", code, stderr)
	}
	for _, l := range readReport(t, out2).Levels {
		if len(l.Service.Errors) > 0 {
			t.Errorf("later run, %s: errors %v (customers not found at their numbers?)", l.Workload, l.Service.Errors)
		}
	}
	code, _, stderr = runMain(t, "--seed", "30", "--customer-numbers", "sequential", "--workloads", "read", "--concurrency", "1",
		"--requests", "5", "--ceilings", "none", "--data-dir", dataDir, "--out", filepath.Join(t.TempDir(), "out3"))
	if code == 0 || !strings.Contains(stderr, "random numbers, not sequential") {
		t.Errorf("a sequential run on a random-numbered data directory: exit %d\n%s", code, stderr)
	}
}

// TestNumbering: sequential numbers are customerBase+i; random ones are distinct for every index
// the harness uses, and stay within the ten digits of the sequential ones.
func TestNumbering(t *testing.T) {
	if got := sequentialNumbers.of(7); got != "1000000007" {
		t.Errorf("sequential 7 = %s", got)
	}
	seen := map[string]bool{}
	for _, r := range [][2]int{{0, 100_000}, {createBase, createBase + 100_000}, {maxIndex - 1000, maxIndex}} {
		for i := r[0]; i < r[1]; i++ {
			no := randomNumbers.of(i)
			if seen[no] || len(no) != 10 {
				t.Fatalf("random number of %d: %s (seen before or not ten digits)", i, no)
			}
			seen[no] = true
		}
	}
	if randomNumbers.of(1) == "1000000001" {
		t.Error("random numbers are sequential")
	}
}

// TestRunAgainstURL: against a running ledgerd (--url), the harness mints a token from the
// secret file, seeds through the API (a second seed finds the customers there) and measures.
func TestRunAgainstURL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ledgerd")
	}
	ctx := context.Background()
	bin, err := buildLedgerd(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	c, err := startChild(ctx, childOptions{Bin: bin, DataDir: dataDir, LogPath: filepath.Join(t.TempDir(), "ledgerd.log"), ReadyTimeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer c.stop()
	for _, round := range []string{"first", "second"} {
		out := filepath.Join(t.TempDir(), "out")
		code, stdout, stderr := runMain(t, "--url", c.base, "--nats-url", c.natsURL, "--pid", strconv.Itoa(c.pid()),
			"--secret-file", filepath.Join(dataDir, "jwt-secret"), "--seed", "25", "--workloads", "create,read,lookup",
			"--concurrency", "2", "--requests", "20", "--warmup", "0s", "--ceilings", "http", "--out", out)
		if code != 0 {
			t.Fatalf("%s run: exit %d\nstdout:\n%s\nstderr:\n%s", round, code, stdout, stderr)
		}
		rep := readReport(t, out)
		wantAdded := map[string]int{"first": 25, "second": 0}[round]
		if rep.Seed == nil || rep.Seed.Mode != "api" || rep.Seed.Added != wantAdded || rep.Seed.Added+rep.Seed.Existing != 25 {
			t.Errorf("%s run: seed %+v, want %d added through the API", round, rep.Seed, wantAdded)
		}
		for _, l := range rep.Levels {
			if l.Service.Requests == 0 || len(l.Service.Errors) > 0 || l.Server == nil {
				t.Errorf("%s run, %s: %+v (server %+v)", round, l.Workload, l.Service, l.Server)
			}
		}
	}
}

// TestUsageErrors: bad flags are usage errors (status 2) naming every problem.
func TestUsageErrors(t *testing.T) {
	code, _, stderr := runMain(t, "--workloads", "create,bogus", "--concurrency", "0", "--ceilings", "gpu", "--customer-numbers", "odd")
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, want := range []string{`"bogus"`, "--concurrency: 0", `"gpu"`, `--customer-numbers: "odd"`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not name %s:\n%s", want, stderr)
		}
	}
	if code, stdout, _ := runMain(t, "--help"); code != 0 || !strings.Contains(stdout, "--concurrency") {
		t.Errorf("--help: exit %d\n%s", code, stdout)
	}
	if code, _, _ := runMain(t, "rebuild"); code != 2 {
		t.Errorf("rebuild without --data-dir: exit %d, want 2", code)
	}
}

// TestTinyScale: scale grows the seed from one size to the next, rebuilds and restarts ledgerd
// at each (without a full replay), and the creates of one size never collide with the last's.
func TestTinyScale(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ledgerd")
	}
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runMain(t, "scale", "--sizes", "20,45", "--workloads", "create,read", "--concurrency", "2",
		"--requests", "20", "--warmup", "0s", "--ceilings", "http", "--data-dir", filepath.Join(t.TempDir(), "data"), "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	rep := readReport(t, out)
	if len(rep.Scale) != 2 || rep.Scale[0].Customers != 20 || rep.Scale[1].Customers != 45 {
		t.Fatalf("scale points: %+v", rep.Scale)
	}
	for _, p := range rep.Scale {
		if p.Rebuild == nil || p.Startup == nil || p.Startup.FullReplay || p.StopSeconds <= 0 || len(p.Levels) != 2 {
			t.Errorf("%d customers: rebuild %+v, start-up %+v, stop %v, %d levels", p.Customers, p.Rebuild, p.Startup, p.StopSeconds, len(p.Levels))
		}
		for _, l := range p.Levels {
			if l.Service.Requests == 0 || len(l.Service.Errors) > 0 {
				t.Errorf("%d customers, %s: %d requests, errors %v", p.Customers, l.Workload, l.Service.Requests, l.Service.Errors)
			}
		}
	}
	if rep.Scale[1].Seed == nil || rep.Scale[1].Seed.Added != 25 {
		t.Errorf("the second size added %+v, want 25 customers", rep.Scale[1].Seed)
	}
	checkChart(t, out, 2)
}

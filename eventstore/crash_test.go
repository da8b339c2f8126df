package eventstore_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
)

// crashChildEnv makes the test binary act as the appending child of TestCrashRecovery.
const crashChildEnv = "EVENTSTORE_CRASH_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	os.Exit(m.Run())
}

// crashData is the deterministic payload of event n of appender g (~400 bytes).
func crashData(g, n int) []byte {
	return []byte(fmt.Sprintf(`{"g":%d,"n":%d,"pad":%q}`, g, n, strings.Repeat(string(rune('a'+(g+n)%26)), 360)))
}

// crashChild appends forever from 8 goroutines and prints one line per acknowledged append:
// "position stream id g n". The parent kills it with SIGKILL at a random moment.
func crashChild(dir string) {
	s, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(3)
	}
	var out sync.Mutex
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			stream := fmt.Sprintf("crash-%d", g)
			version, err := s.StreamVersion(ctx, stream)
			if err != nil {
				fmt.Fprintln(os.Stderr, "child:", err)
				os.Exit(3)
			}
			for n := int(version) + 1; ; n++ {
				id := uuid.Must(uuid.NewV7())
				res, err := s.Append(ctx, eventstore.AppendRequest{
					Stream: stream, ExpectedVersion: eventstore.Exact(version),
					Events: []eventstore.EventData{{ID: id, Type: "CrashTested", SchemaVersion: 1, Time: time.Now(), Actor: "child", Data: crashData(g, n)}},
					Claims: []string{fmt.Sprintf("key-%d-%d", g, n)},
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, "child append:", err)
					os.Exit(3)
				}
				version = res.Version
				line := fmt.Sprintf("%d %s %s %d %d\n", res.LastPosition, stream, id, g, n)
				out.Lock()
				os.Stdout.WriteString(line) // unbuffered: a printed line is an acknowledged append
				out.Unlock()
			}
		}(g)
	}
	wg.Wait()
}

type ack struct {
	pos    uint64
	stream string
	id     uuid.UUID
	g, n   int
}

// TestCrashRecovery kills an appending child process with SIGKILL at random moments and checks that
// every acknowledged append survived, intact, in a gap-free log.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	dir := t.TempDir()
	rounds := 24
	total := 0
	for round := 0; round < rounds; round++ {
		acks := runAndKill(t, dir, time.Duration(5+rand.IntN(120))*time.Millisecond)
		total += len(acks)
		verifyAfterCrash(t, dir, acks)
	}
	t.Logf("%d rounds, %d acknowledged appends verified", rounds, total)
	if total == 0 {
		t.Fatal("no append was acknowledged in any round")
	}
}

// runAndKill starts the child, waits for its first acknowledgement plus delay, kills it with SIGKILL
// and returns every acknowledgement it printed.
func runAndKill(t *testing.T, dir string, delay time.Duration) []ack {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1<<16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var acks []ack
	first := true
	timer := time.NewTimer(30 * time.Second)
	defer timer.Stop()
read:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				break read
			}
			acks = append(acks, parseAck(t, l))
			if first {
				first = false
				timer.Reset(delay)
			}
		case <-timer.C:
			if first {
				cmd.Process.Kill()
				t.Fatalf("child acknowledged nothing in 30s; stderr: %s", stderr.String())
			}
			cmd.Process.Kill() // SIGKILL
			timer.Reset(time.Hour)
		}
	}
	err = cmd.Wait()
	if stderr.Len() > 0 {
		t.Fatalf("child failed: %s (%v)", stderr.String(), err)
	}
	return acks
}

func parseAck(t *testing.T, line string) ack {
	t.Helper()
	var a ack
	var id string
	if _, err := fmt.Sscanf(line, "%d %s %s %d %d", &a.pos, &a.stream, &id, &a.g, &a.n); err != nil {
		// Each line is one write(2) of less than PIPE_BUF bytes: it arrives whole or not at all.
		t.Fatalf("bad ack line %q: %v", line, err)
	}
	a.id = uuid.MustParse(id)
	return a
}

func verifyAfterCrash(t *testing.T, dir string, acks []ack) {
	t.Helper()
	path := filepath.Join(dir, "events.db")
	s, err := eventstore.Open(path, eventstore.Options{})
	if err != nil {
		t.Fatalf("reopening after SIGKILL: %v", err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		checkConsistency(t, path) // this round's file, before the next child writes to it
	}()
	ctx := context.Background()
	head, _ := s.Head(ctx)
	byPos := map[uint64]eventstore.Event{}
	versions := map[string]uint64{}
	for from := uint64(1); from <= head; {
		batch, err := s.ReadAll(ctx, from, 4096)
		if err != nil {
			t.Fatalf("reading the log after a crash: %v", err)
		}
		for _, e := range batch {
			if e.Position != from {
				t.Fatalf("gap: expected position %d, found %d", from, e.Position)
			}
			versions[e.Stream]++
			if e.Version != versions[e.Stream] {
				t.Fatalf("stream %s: version %d at position %d, want %d", e.Stream, e.Version, e.Position, versions[e.Stream])
			}
			byPos[e.Position] = e
			from++
		}
	}
	for _, a := range acks {
		e, ok := byPos[a.pos]
		if !ok {
			t.Fatalf("acknowledged append at position %d (%s) is missing after SIGKILL (head %d)", a.pos, a.stream, head)
		}
		if e.ID != a.id || e.Stream != a.stream || string(e.Data) != string(crashData(a.g, a.n)) {
			t.Fatalf("position %d: stored event differs from the acknowledged one", a.pos)
		}
		if h, _, _ := s.ReservationHolder(ctx, fmt.Sprintf("key-%d-%d", a.g, a.n)); h != a.stream {
			t.Fatalf("reservation of acknowledged append at %d lost", a.pos)
		}
	}
}

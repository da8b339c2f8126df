package main

// The bus as a separate process: a real nats-server binary (built from the module the service
// embeds, pinned in go.mod's tool directive), stopped and started under load.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/eventstore/wire"
)

// natsProcess is a nats-server process with JetStream.
type natsProcess struct {
	bin, conf, dir string
	port           int
	cmd            *exec.Cmd
	out            *syncBuffer
}

// startNATSProcess builds nats-server once per test run and starts it on a port of its choosing
// (kept across its restarts) with its store in dir, syncing every write (sync_interval: always,
// as docs/operations.md asks of a production server).
func startNATSProcess(t *testing.T, dir string) *natsProcess {
	t.Helper()
	p := &natsProcess{bin: sharedBuild(t, "nats-server", "github.com/nats-io/nats-server/v2"), dir: dir,
		conf: filepath.Join(dir, "nats.conf")}
	p.start(t)
	t.Cleanup(func() {
		if p.cmd != nil && p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("nats-server output:\n%s", p.out.String())
		}
	})
	return p
}

// writeConf writes the server's configuration to listen on port (-1: a random one).
func (p *natsProcess) writeConf(t *testing.T, port int) {
	t.Helper()
	conf := fmt.Sprintf("listen: \"127.0.0.1:%d\"\nserver_name: outage\njetstream {\n  store_dir: %q\n  sync_interval: always\n}\n", port, filepath.Join(p.dir, "js"))
	if err := os.WriteFile(p.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
}

// clientPort is the port nats-server logs that it listens on for clients.
var clientPort = regexp.MustCompile(`Listening for client connections on 127\.0\.0\.1:(\d+)`)

func (p *natsProcess) url() string { return "nats://127.0.0.1:" + strconv.Itoa(p.port) }

// start starts the process and waits until it takes connections with JetStream on.
func (p *natsProcess) start(t *testing.T) {
	t.Helper()
	if p.out == nil {
		p.out = &syncBuffer{}
	}
	// The first start takes a port of the kernel's choosing (one found free beforehand can be taken
	// before the server binds it); later starts keep it, for the clients reconnecting.
	first := p.port == 0
	if first {
		p.writeConf(t, -1)
	}
	p.cmd = exec.Command(p.bin, "-c", p.conf)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting nats-server: %v", err)
	}
	if first {
		var m []string
		waitFor(t, "nats-server to log its client port", func() bool {
			m = clientPort.FindStringSubmatch(p.out.String())
			return m != nil
		})
		p.port, _ = strconv.Atoi(m[1])
		p.writeConf(t, p.port)
	}
	// Each attempt is bounded (1 s) so that the next can come; the wait is bounded by the
	// test's deadline.
	await(t, "nats-server to answer JetStream requests", func() (string, bool) {
		nc, err := nats.Connect(p.url(), nats.Timeout(time.Second))
		if err == nil {
			js, _ := jetstream.New(nc)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_, err = js.AccountInfo(ctx)
			cancel()
			nc.Close()
			if err == nil {
				return "", true
			}
		}
		return fmt.Sprintf("%v\n%s", err, p.out.String()), false
	})
}

// stop ends the process with sig and waits for it.
func (p *natsProcess) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
}

// checkStreamPerCustomer reads the whole stream and checks that each customer's events are there
// once each, in stream-version order 1, 2, ..., as many as the log holds of that customer.
func checkStreamPerCustomer(t *testing.T, url string, want map[string]uint64) {
	t.Helper()
	js, closeJS := jetStreamAt(t, url)
	defer closeJS()
	ctx, cancel := waitContext(t)
	defer cancel()
	stream := waitStream(ctx, t, js, relay.DefaultStreamName)
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	for seq := uint64(1); seq <= info.State.LastSeq; seq++ {
		m, err := stream.GetMsg(ctx, seq)
		if err != nil {
			t.Fatalf("message %d: %v", seq, err)
		}
		subject := m.Header.Get(wire.HeaderSource) + "/" + m.Header.Get(wire.HeaderSubject)
		v, _ := strconv.ParseUint(m.Header.Get(wire.HeaderStreamVersion), 10, 64)
		if v != got[subject]+1 {
			t.Fatalf("message %d of %s has stream version %d after %d: lost or reordered", seq, subject, v, got[subject])
		}
		got[subject] = v
	}
	for subject, n := range want {
		if got[subject] != n {
			t.Errorf("%s: %d events on the bus, %d in the log", subject, got[subject], n)
		}
	}
}

// TestE2ENATSProcessOutage: ledgerd publishes to a nats-server process; under load from 8
// concurrent writers the process is killed (SIGKILL), kept down, started again, later stopped
// cleanly (SIGTERM) and started again. No write fails; every acknowledged write is in the log and
// the read model; once the bus is back, the stream holds every event exactly once in log order,
// and each customer's events in version order.
func TestE2ENATSProcessOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs nats-server")
	}
	ns := startNATSProcess(t, t.TempDir())
	s := startServer(t, withArgs("-nats-url", ns.url()))
	g := newLoadGen(t, s.token, 8)
	defer g.client.CloseIdleConnections()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- g.run(ctx, s.base, 8, false) }()
	running := true
	defer func() { // a phase that failed: the writers end before the test does
		if running {
			cancel()
			<-done
		}
	}()
	// Each phase lasts until the load has made progress in it, however slow the machine.
	g.awaitAcked(t, 50, "before the outages")
	ns.stop(t, syscall.SIGKILL)
	g.awaitAcked(t, 200, "the bus killed") // writes go on without a bus
	ns.start(t)
	g.awaitAcked(t, 50, "the bus back")
	ns.stop(t, syscall.SIGTERM)
	g.awaitAcked(t, 100, "the bus stopped")
	ns.start(t)
	g.awaitAcked(t, 50, "the bus back again")
	cancel()
	acked := <-done
	running = false
	t.Logf("%d writes acknowledged across two bus outages", acked)
	if acked == 0 {
		t.Fatal("no write was acknowledged")
	}

	g.checkReadModel(t, s.base)
	head := writerHead(t, s)
	checkStream(t, ns.url(), head)
	s.stop(t)
	events := readEvents(t, s.dir)
	if a, applied, lost := g.resolve(t, events); a != acked || applied+lost != 0 {
		t.Errorf("resolve: %d acknowledged (want %d), %d unknown", a, acked, applied+lost)
	}
	want := map[string]uint64{}
	for _, e := range events {
		want["/ledger/customer/v1/"+e.Stream]++
	}
	checkStreamPerCustomer(t, ns.url(), want)
}

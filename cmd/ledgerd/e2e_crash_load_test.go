package main

// Crash under load: the real binary, killed with SIGKILL at random moments while clients write.

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

// TestE2ECrashUnderLoad runs the ledgerd binary, drives it with concurrent writers (creates,
// PATCHes, address PUTs, billing-address POST/PUT/DELETE) and kills it with SIGKILL at a random
// moment, 12 times, restarting it on the same data directory each time. After every kill: the
// event log passes its full check; every write that was answered 2xx is in it once, as the event
// it must be, at the version the client was told, holding the value sent; every write that got no
// answer is there whole or not at all; no event is there that no request caused; each read model
// equals a fresh rebuild from the log up to its checkpoint. After every restart the read model
// serves each customer exactly as the model of acknowledged writes says. At the end the relay
// has published every event on the embedded JetStream exactly once, in log order.
func TestE2ECrashUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildLedgerd(t)
	dir := t.TempDir()
	const secret = "crash-test-secret-0123456789abcdef0123"
	args := []string{"-jwt-secret", secret}
	token := mintWith(t, secret, "crash-tester")

	const workers, rounds = 8, 12
	g := newLoadGen(t, token, workers)
	defer g.client.CloseIdleConnections()
	var acked, applied, lost int
	for round := range rounds {
		run := startBinary(t, bin, dir, args...)
		if round > 0 {
			g.checkReadModel(t, run.base)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int)
		go func() { done <- g.run(ctx, run.base, workers, true) }()
		time.Sleep(time.Duration(50+rand.IntN(400)) * time.Millisecond) // a random moment of the load, not a wait for anything
		run.kill(t)
		cancel()
		<-done
		checkLog(t, dir)
		a, ap, l := g.resolve(t, readEvents(t, dir))
		acked, applied, lost = acked+a, applied+ap, lost+l
		compareProjections(t, dir, round == 0)
		if t.Failed() {
			t.Fatalf("round %d failed", round+1)
		}
	}
	t.Logf("%d rounds: %d writes acknowledged; of those without answer %d were applied, %d not", rounds, acked, applied, lost)
	if acked == 0 {
		t.Fatal("no write was acknowledged")
	}

	// Once more, to the end: every customer as the model says, every event on the bus once.
	run := startBinary(t, bin, dir, args...)
	g.checkReadModel(t, run.base)
	s := &testServer{base: run.base, client: g.client}
	head := writerHead(t, s)
	checkStream(t, run.natsURL(t), head)
	stopBinary(t, run)
	if got := checkLog(t, dir); got != head {
		t.Errorf("log head %d after a clean stop, %d before", got, head)
	}
	if cp := compareProjections(t, dir, false); cp != head {
		t.Errorf("read models at position %d after a clean stop, the log's head is %d", cp, head)
	}
	if leaks := personalDataInAny(run.stderr.String(), g.personal()); len(leaks) > 0 {
		t.Errorf("ledgerd logged personal data: %q", leaks)
	}
}

package main

// A master key rotation cut short: the ledgerd binary killed with SIGKILL while it rotates and
// while clients create customers.

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore/personal"
)

// TestE2ERotationKilled: rounds of a rotation through ledgerctl (the admin socket) while
// workers create and change customers, ledgerd killed with SIGKILL at a random moment of it —
// before, during or after the re-wrap and the rewrite of keys.db, before its answer. After each
// kill, ledgerd restarted with the master key file as the docs have it at that moment (the new
// key first, the old after) serves every acknowledged write; a second rotation succeeds and
// reports every key wrapped by the new key; the old key is then removed from the file, as the
// docs allow, and the next round's start reads every customer with the new key alone. At the
// end the read models equal a rebuild that opens every event with the last key alone.
func TestE2ERotationKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin, ctl := buildLedgerd(t), buildLedgerctl(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "master.key") // ledgerd's default place: it reads it again to rotate
	writeKeys := func(keys ...string) {
		t.Helper()
		if err := os.WriteFile(keyFile, []byte(strings.Join(keys, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	current := strings.Fields(ledgerctl(t, ctl, "master-key", "new"))[0]
	writeKeys(current)
	const secret = "rotation-crash-secret-0123456789abcdef"
	args := []string{"-jwt-secret", secret}
	const workers, rounds = 4, 5
	g := newLoadGen(t, mintWith(t, secret, "rotation-tester"), workers)
	defer g.client.CloseIdleConnections()
	for round := range rounds {
		run := startBinary(t, bin, dir, args...)
		if round > 0 {
			g.checkReadModel(t, run.base) // the new key alone
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int)
		go func() { done <- g.run(ctx, run.base, workers, true) }()
		g.awaitAcked(t, 40, "before the rotation")

		next := strings.Fields(ledgerctl(t, ctl, "master-key", "new"))[0]
		writeKeys(next, current) // the new key first, the old after it
		rotate := exec.Command(ctl, "master-key", "rotate", "--data-dir", dir)
		rotate.Env = withoutLedgerdEnv()
		if err := rotate.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rand.IntN(60)) * time.Millisecond) // a random moment of the rotation
		run.kill(t)
		cancel()
		<-done
		rotated := rotate.Wait() == nil
		checkLog(t, dir)
		g.resolve(t, readEvents(t, dir))

		// Restarted with both keys: everything reads; the rotation is done again.
		run = startBinary(t, bin, dir, args...)
		g.checkReadModel(t, run.base)
		rep := rotateUntilPublished(t, ctl, dir)
		nextID, _ := personal.MasterKeyID(next)
		if rep.Current != nextID || rep.Keys == 0 {
			t.Fatalf("round %d: second rotation %+v, want every key wrapped by %s", round+1, rep, nextID)
		}
		t.Logf("round %d: the killed rotation answered: %v; the second re-wrapped %d of %d keys", round+1, rotated, rep.Rewrapped, rep.Keys)
		stopBinary(t, run)
		current = next
		writeKeys(current) // the old key removed, as the docs allow after a rotation that succeeded
		if t.Failed() {
			t.Fatalf("round %d failed", round+1)
		}
	}
	run := startBinary(t, bin, dir, args...)
	g.checkReadModel(t, run.base)
	stopBinary(t, run)
	compareProjections(t, dir, false) // opens every event with the last key alone
}

// withoutLedgerdEnv is the test's environment less its LEDGERD_ variables.
func withoutLedgerdEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LEDGERD_") {
			env = append(env, kv)
		}
	}
	return env
}

package main

import (
	"errors"
	"net"
	"os/exec"
	"strings"
	"testing"
)

// TestE2ENATSPortTaken: when the embedded NATS server's port is taken, the binary fails before it
// announces anything — no "listening" line, no development token — with exit status 1 and one
// line on stderr naming the address (it printed both and died 0.1 s later).
func TestE2ENATSPortTaken(t *testing.T) {
	bin := buildLedgerd(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	natsAddr := taken.Addr().String()
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-nats-listen", natsAddr, "-data-dir", t.TempDir())
	cmd.Env = []string{} // no LEDGERD_* of the caller's
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("ledgerd with its NATS port taken: %v, want exit status 1", err)
	}
	if strings.Contains(stdout.String(), "Development token") {
		t.Errorf("ledgerd printed a development token although it cannot start:\n%s", stdout.String())
	}
	if strings.Contains(stderr.String(), "listening") {
		t.Errorf("ledgerd announced that it is listening although it cannot start:\n%s", stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "ledgerd: ") || !strings.Contains(last, natsAddr) || !strings.Contains(last, "in use") {
		t.Errorf("ledgerd's last stderr line %q: want one line naming the NATS address %s in use", last, natsAddr)
	}
	for _, l := range lines[:len(lines)-1] {
		if strings.Contains(l, "level=ERROR") || strings.Contains(l, "nats") {
			t.Errorf("ledgerd logged more than the one line about the failure: %q", l)
		}
	}
	if t.Failed() {
		t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
}

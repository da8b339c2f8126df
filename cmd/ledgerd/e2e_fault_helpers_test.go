package main

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
)

// mintWith returns a token signed with secret for every ledger and scope, valid for an hour.
func mintWith(t testing.TB, secret, sub string) string {
	t.Helper()
	tok, err := auth.MintHS256([]byte(secret), auth.Claims{Subject: sub, Ledgers: []string{"*"}, Scopes: auth.AllScopes, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// stopBinary stops a run of the binary with SIGTERM and expects exit status 0.
func stopBinary(t *testing.T, b *binaryRun) {
	t.Helper()
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Wait(); err != nil {
		t.Errorf("ledgerd after SIGTERM: %v; stderr:\n%s", err, b.stderr.String())
	}
}

// personalDataInAny returns the values (and the tests' usual personal values) found in logs.
func personalDataInAny(logs string, values []string) []string {
	out := personalDataIn(logs)
	for _, v := range values {
		if strings.Contains(logs, v) {
			out = append(out, v)
		}
	}
	return out
}

package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
)

// TestE2EReaderWithoutClaimPermissions: a reader whose NATS user may read the stream and run its
// consumer but not use the claims' bucket LEDGER_READERS (a user set up before readers claimed
// their ids) reads the events and serves them, warning that its id is not claimed. It waited
// for the claim for ever, never reading, though the same user followed the ledger before.
func TestE2EReaderWithoutClaimPermissions(t *testing.T) {
	ns, err := server.NewServer(&server.Options{JetStream: true, StoreDir: t.TempDir(), Host: "127.0.0.1", Port: -1,
		NoLog: true, NoSigs: true, Users: []*server.User{
			{Username: "writer", Password: "w"},
			{Username: "reader", Password: "r", Permissions: &server.Permissions{Publish: &server.SubjectPermission{
				Allow: []string{">"},
				Deny:  []string{"$JS.API.*.*.KV_LEDGER_READERS", "$JS.API.*.*.KV_LEDGER_READERS.>", "$KV.LEDGER_READERS.>"},
			}}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	if !ns.ReadyForConnections(waitLeft(t)) {
		t.Fatal("nats-server not ready")
	}
	as := func(user, pw string) string {
		return strings.Replace(ns.ClientURL(), "nats://", "nats://"+user+":"+pw+"@", 1)
	}
	s := startServer(t, withArgs("-nats-url", as("writer", "w")))
	expectStatus(t, s.createCustomer(t, s.token, newCustomer("7400", "Unclaimed Reader")), 201)

	m := NewMain()
	if err := m.ParseFlags([]string{"-role", "reader", "-http-addr", "127.0.0.1:0", "-data-dir", t.TempDir(), "-nats-url", as("reader", "r"),
		"-reader-id", "replica-9", "-key-file", filepath.Join(s.dir, "reservation.key"), "-master-key-file", filepath.Join(s.dir, "master.key"),
		"-jwt-secret", string(s.secret(t)), "-config", s.configFile}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	m.Stdout, m.LogOutput = io.Discard, logs
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("reader: %v\n%s", err, logs.String())
	}
	t.Cleanup(func() { m.Close() })
	r := &testServer{m: m, running: true, base: "http://" + m.Addr(), client: s.client, logs: logs}
	waitReady(t, r.client, r.base)
	if got := r.do(t, "GET", customersPath(demoLedger, "7400"), s.token, nil).Status; got != 200 {
		t.Fatalf("the reader's customer: %d\n%s", got, logs.String())
	}
	m.Close()
	if !strings.Contains(logs.String(), "reading without the claim") {
		t.Errorf("the reader did not say it reads without claiming its id:\n%s", logs.String())
	}
	if errs := errorLines(logs.String()); errs != "" {
		t.Errorf("the reader logged errors:\n%s", errs)
	}
}

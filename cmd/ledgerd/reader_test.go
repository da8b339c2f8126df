package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseFlagsRoles(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"writer by default", nil, nil, ""},
		{"reader from the environment", nil, map[string]string{"LEDGERD_ROLE": "reader", "LEDGERD_NATS_URL": "nats://n:4222", "LEDGERD_READER_ID": "r-1"}, ""},
		{"unknown role", []string{"-role", "leader"}, nil, `role "leader"`},
		{"reader without NATS", []string{"-role", "reader"}, nil, "LEDGERD_NATS_URL"},
		{"embedded NATS synced on every write", []string{"-nats-sync", "always"}, nil, ""},
		{"embedded NATS sync from the environment", nil, map[string]string{"LEDGERD_NATS_SYNC": "250ms"}, ""},
		{"embedded NATS sync not a duration", []string{"-nats-sync", "sometimes"}, nil, `sync interval "sometimes"`},
		{"embedded NATS sync zero", []string{"-nats-sync", "0s"}, nil, `sync interval "0s"`},
		{"jwt leeway", []string{"-jwt-leeway", "5m"}, nil, ""},
		{"jwt leeway from the environment", nil, map[string]string{"LEDGERD_JWT_LEEWAY": "2s"}, ""},
		{"jwt leeway zero", []string{"-jwt-leeway", "0s"}, nil, "jwt leeway 0s"},
		{"jwt leeway negative", []string{"-jwt-leeway", "-1s"}, nil, "jwt leeway -1s"},
		{"jwt leeway above 5m", []string{"-jwt-leeway", "6m"}, nil, "jwt leeway 6m0s"},
		{"reader id with a dot", []string{"-role", "reader", "-nats-url", "nats://n:4222", "-reader-id", "a.b"}, nil, `reader id "a.b"`},
		{"reader with a writer URL", []string{"-role", "reader", "-nats-url", "nats://n:4222", "-writer-url", "https://writer.example:8443/base/"}, nil, ""},
		{"writer URL without a scheme", nil, map[string]string{"LEDGERD_ROLE": "reader", "LEDGERD_NATS_URL": "nats://n:4222", "LEDGERD_WRITER_URL": "writer:8080"}, `writer url "writer:8080"`},
		{"writer URL relative", []string{"-role", "reader", "-nats-url", "nats://n:4222", "-writer-url", "/writer"}, nil, `writer url "/writer"`},
		{"writer URL not http", []string{"-role", "reader", "-nats-url", "nats://n:4222", "-writer-url", "javascript:alert(1)"}, nil, `writer url "javascript:alert(1)"`},
		{"writer URL with a query", []string{"-role", "reader", "-nats-url", "nats://n:4222", "-writer-url", "http://w:8080/?a=b"}, nil, `writer url "http://w:8080/?a=b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMain()
			err := m.ParseFlags(tt.args, env(tt.env))
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("ParseFlags: %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestReaderRefusesAnotherKey: a reader given a national-identifier key other than the writer's
// would answer find-customer wrongly; it reports not ready, naming the cause, instead.
func TestReaderRefusesAnotherKey(t *testing.T) {
	ns := startExternalNATS(t, t.TempDir(), -1)
	writer := startServer(t, withArgs("-nats-url", ns.ClientURL()))
	expectStatus(t, writer.createCustomer(t, writer.token, newCustomer("8000", "Key Check")), http.StatusCreated)

	dir := t.TempDir()
	keyFile := filepath.Join(dir, "other.key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("ab", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := NewMain()
	if err := m.ParseFlags([]string{"-role", "reader", "-http-addr", "127.0.0.1:0", "-data-dir", dir, "-nats-url", ns.ClientURL(),
		"-key-file", keyFile, "-master-key-file", filepath.Join(writer.dir, "master.key"), "-jwt-secret", strings.Repeat("s", 32)}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	m.Stdout, m.LogOutput = io.Discard, io.Discard
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	await(t, "/readyz to say the reader's key differs from the writer's", func() (string, bool) {
		resp, err := getReadyz(http.DefaultClient, "http://"+m.Addr(), mintWith(t, strings.Repeat("s", 32), "ops"))
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		d, _ := body["detail"].(string)
		return fmt.Sprintf("%d %v", resp.StatusCode, body), resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(d, "key differs from the writer's")
	})

	// Without a key file at all, a reader does not start.
	m2 := NewMain()
	m2.ParseFlags([]string{"-role", "reader", "-http-addr", "127.0.0.1:0", "-data-dir", t.TempDir(), "-nats-url", ns.ClientURL()}, func(string) string { return "" })
	m2.Stdout, m2.LogOutput = io.Discard, io.Discard
	if err := m2.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "writer's key") {
		t.Errorf("reader without a key file: Run = %v", err)
	}
	m2.Close()
}

// TestReaderIDFollowsItsFile: a reader's generated id stays with its reader.id file, also one
// written by an older version (the id alone); a copy of the file — a data directory copied to
// start another reader — gets an id of its own, which then stays.
func TestReaderIDFollowsItsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reader.id")
	id, err := readerID(path)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := readerID(path); err != nil || again != id {
		t.Fatalf("read again: %q %v, want %q", again, err, id)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(t.TempDir(), "reader.id")
	if err := os.WriteFile(copied, data, 0o600); err != nil {
		t.Fatal(err)
	}
	other, err := readerID(copied)
	if err != nil || other == id || !readerIDRE.MatchString(other) {
		t.Fatalf("a copy of reader.id: %q %v, want an id other than %q", other, err, id)
	}
	if again, err := readerID(copied); err != nil || again != other {
		t.Fatalf("the copy read again: %q %v, want %q", again, err, other)
	}
	if again, err := readerID(path); err != nil || again != id {
		t.Fatalf("the original read again: %q %v, want %q", again, err, id)
	}

	old := filepath.Join(t.TempDir(), "reader.id")
	if err := os.WriteFile(old, []byte("reader-0badcafe\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if got, err := readerID(old); err != nil || got != "reader-0badcafe" {
			t.Fatalf("an older version's reader.id: %q %v", got, err)
		}
	}
	if err := os.WriteFile(old, []byte("reader.bad\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readerID(old); err == nil {
		t.Fatal("an invalid id was accepted")
	}
}

package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestParseFlagsRefusesMeaninglessValues: a value ledgerd took but could never use stops it at
// start, naming the value — -nats-url http://nats:4222 (a scheme nats.go does not dial) was
// retried for ever, -population-register ftp://x was read as a file path, -nats-stream a.b was retried for ever
// (no stream can have that name), -nats-replicas 3 with the embedded (single) server likewise,
// and URLs carried a fragment, or credentials where the service has its own credential setting.
// What nats.go and Go's HTTP client use is taken as before: a NATS server named by host or
// host:port alone, a trailing comma, user info in the JWKS and register URLs (basic auth).
func TestParseFlagsRefusesMeaninglessValues(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	dir := t.TempDir()
	existing := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tt := range []struct {
		args    []string
		env     map[string]string
		wantErr string
	}{
		{[]string{"-nats-url", "nats://a:4222,http://b"}, nil, `nats url "http://b"`},
		{[]string{"-nats-url", " , "}, nil, `nats url " , ": names no server`},
		{[]string{"-nats-url", "b:99999"}, nil, `nats url "b:99999"`},
		{[]string{"-nats-url", "http://nats:4222"}, nil, `nats url "http://nats:4222"`},
		{[]string{"-nats-url", "nats://"}, nil, `nats url "nats://"`},
		{[]string{"-nats-url", "nats://a:99999"}, nil, `nats url "nats://a:99999"`},
		{[]string{"-nats-url", "nats://a:4222/x"}, nil, `nats url "nats://a:4222/x"`},
		{[]string{"-nats-url", "nats://a:4222#f"}, nil, `nats url "nats://a:4222#f"`},
		{nil, map[string]string{"LEDGERD_NATS_URL": "http://nats:4222", "LEDGERD_ROLE": "reader"}, `nats url "http://nats:4222"`},
		{[]string{"-population-register", "ftp://x"}, nil, `population register "ftp://x"`},
		{[]string{"-population-register", "file:///etc/register.json"}, nil, `population register "file:///etc/register.json"`},
		{[]string{"-population-register", "https://"}, nil, `population register "https://"`},
		{[]string{"-population-register", "https://reg.example/#x"}, nil, `population register "https://reg.example/#x"`},
		{[]string{"-population-register", dir}, nil, "population register " + dir + ": is a directory"},
		{[]string{"-config", dir}, nil, "config " + dir + ": is a directory"},
		{[]string{"-key-file", dir}, nil, "key file " + dir + ": is a directory"},
		{[]string{"-master-key-file", dir}, nil, "master key file " + dir + ": is a directory"},
		{[]string{"-key-store", dir}, nil, "key store " + dir + ": is a directory"},
		{[]string{"-nats-url", "nats://a:4222", "-nats-creds", dir}, nil, "nats creds " + dir + ": is a directory"},
		{[]string{"-nats-url", "nats://a:4222", "-nats-ca", dir}, nil, "nats ca " + dir + ": is a directory"},
		{[]string{"-admin-socket", dir}, nil, "admin socket " + dir + ": is a directory"},
		{[]string{"-card-verification", "ftp://provider"}, nil, `card verification "ftp://provider"`},
		{[]string{"-card-verification", "https://p.example/#x"}, nil, `card verification "https://p.example/#x"`},
		{[]string{"-card-verification", "https://u:p@p.example"}, nil, `card verification`},
		{[]string{"-jwks-url", "https://idp.example/jwks#x"}, nil, `jwks url "https://idp.example/jwks#x"`},
		{[]string{"-jwks-url", "idp.example/jwks"}, nil, `jwks url "idp.example/jwks"`},
		{[]string{"-writer-url", "https://u:p@writer.example"}, nil, `writer url "https://u:xxxxx@writer.example"`},
		{[]string{"-public-url", "https://u:p@ledger.example"}, nil, `public url "https://u:xxxxx@ledger.example"`},
		{[]string{"-nats-stream", "a.b"}, nil, `nats stream "a.b"`},
		{[]string{"-nats-stream", ""}, nil, `nats stream ""`},
		{[]string{"-nats-stream", "LEDGER*"}, nil, `nats stream "LEDGER*"`},
		{[]string{"-nats-replicas", "3"}, nil, "nats replicas 3"},
		{[]string{"-nats-listen", "4222"}, nil, `nats listen address "4222"`},
		{[]string{"-nats-listen", "127.0.0.1:70000"}, nil, `nats listen address "127.0.0.1:70000"`},
		{[]string{"-nats-creds", filepath.Join(dir, "x.creds")}, nil, "nats creds"},
	} {
		err := NewMain().ParseFlags(tt.args, env(tt.env))
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%v %v: %v, want an error naming %s", tt.args, tt.env, err, tt.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "u:p@") || err != nil && strings.Contains(err.Error(), ":p@") {
			t.Errorf("%v: the error shows the URL's password: %v", tt.args, err)
		}
	}
	for _, args := range [][]string{
		{"-nats-url", "nats://a:4222"},
		{"-nats-url", "nats://a:4222, tls://b:4222,nats://user:pass@c,ws://d:8080,wss://e"},
		{"-nats-url", "nats://a:4222/"},
		{"-nats-url", "nats"}, // nats.go: nats://nats:4222
		{"-nats-url", "nats-1:4222,nats-2:4222,"},
		{"-population-register", "https://u:p@reg.example/"},
		{"-jwks-url", "https://u:p@idp.example/jwks"},
		{"-nats-url", "nats://a:4222", "-nats-replicas", "3"},
		{"-population-register", "https://reg.example/lookup?v=1"},
		{"-population-register", existing("register.json")},
		{"-population-register", existing("C:register.json")},
		{"-card-verification", "https://p.example/api", "-card-verification-token", "t", "-card-verification-callback-secret", strings.Repeat("c", 32)},
		{"-jwks-url", "https://idp.example/jwks"},
		{"-nats-stream", "LEDGER_2-b"},
		{"-nats-listen", "127.0.0.1:0"},
		{"-nats-listen", "[::1]:4222"},
		{"-admin-socket", "off"},
		{"-key-file", filepath.Join(dir, "not-yet")},
	} {
		if err := NewMain().ParseFlags(args, env(nil)); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

// TestE2EBinaryRefusesANATSURLThatIsNone: ledgerd -nats-url http://nats:4222 (a scheme nats.go
// does not dial) exits at once with status 2 (as every refused flag value) and one line naming
// the value; it started and retried for ever.
func TestE2EBinaryRefusesANATSURLThatIsNone(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildLedgerd(t)
	cmd := exec.Command(bin, "-data-dir", filepath.Join(t.TempDir(), "data"), "-http-addr", "127.0.0.1:0", "-nats-url", "http://nats:4222",
		"-log-format", "json")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// It either exits, or announces itself (and would run for ever): the first of the two ends
	// the wait, no deadline.
	var lines []string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.Contains(sc.Text(), "ledgerd listening") {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("ledgerd -nats-url http://nats:4222 started:\n%s", strings.Join(lines, "\n"))
		}
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("ledgerd -nats-url http://nats:4222: %v, want exit status 2\nstdout: %s\nstderr: %s", err, stdout.String(), strings.Join(lines, "\n"))
	}
	if len(lines) != 1 || !strings.HasPrefix(lines[0], `ledgerd: nats url "http://nats:4222"`) {
		t.Errorf("stderr: %s", strings.Join(lines, "\n"))
	}
}

// TestAdminSocketRemovesNoFile: -admin-socket naming a file that is not a socket (the event log,
// say) stops ledgerd and leaves the file: the stale-socket clean-up removed whatever the path
// named.
func TestAdminSocketRemovesNoFile(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "precious")
	if err := os.WriteFile(victim, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := NewMain()
	if err := m.ParseFlags([]string{"-data-dir", filepath.Join(dir, "data"), "-http-addr", "127.0.0.1:0", "-nats-listen", "127.0.0.1:0",
		"-admin-socket", victim}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	m.LogOutput = &bytes.Buffer{}
	m.Stdout = &bytes.Buffer{}
	err := m.Run(t.Context())
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("Run: %v, want an error saying the path is not a socket", err)
	}
	if data, rerr := os.ReadFile(victim); rerr != nil || string(data) != "keep me" {
		t.Errorf("the file the admin socket named: %q %v", data, rerr)
	}
}

// TestParseFlagsRefusesMoreMeaninglessValues: a JWT secret too short for HS256 stopped ledgerd
// only in Run (exit status 1, after opening the data directory) rather than as a bad flag; a
// data directory that is a file likewise; a log level slog cannot read is refused (its
// offsets, info+2, are taken).
func TestParseFlagsRefusesMoreMeaninglessValues(t *testing.T) {
	env := func(string) string { return "" }
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"-jwt-secret", "short"}, "jwt secret: 5 bytes, want at least 32"},
		{[]string{"-data-dir", file}, "data dir " + file + ": is not a directory"},
		{[]string{"-log-level", "loud"}, `log level "loud"`},
		{[]string{"-log-level", "info+x"}, `log level "info+x"`},
	} {
		err := NewMain().ParseFlags(tt.args, env)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%v: %v, want an error naming %s", tt.args, err, tt.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "short") && tt.args[0] == "-jwt-secret" {
			t.Errorf("%v: the error shows the secret: %v", tt.args, err)
		}
	}
	for _, args := range [][]string{{"-log-level", "WARN"}, {"-log-level", "error"}, {"-log-level", "info+2"}, {"-log-level", "DEBUG-4"}, {"-jwt-secret", strings.Repeat("s", 32)}} {
		if err := NewMain().ParseFlags(args, env); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

// TestE2ENATSPasswordNotLogged: a -nats-url with NATS's user:password@ form connects, and the
// password shows in no log line (the URL was logged as given).
func TestE2ENATSPasswordNotLogged(t *testing.T) {
	ns := startExternalNATS(t, t.TempDir(), -1)
	url := strings.Replace(ns.ClientURL(), "nats://", "nats://ops:hunter2-secret@", 1)
	s := startServer(t, withArgs("-nats-url", url))
	expectStatus(t, s.createCustomer(t, s.token, newCustomer("7300", "Quiet Person")), 201)
	checkStream(t, ns.ClientURL(), 1)
	reader, _ := startReaderOf(t, s)
	await(t, "the reader to hold the customer", func() (*response, bool) {
		got := reader.do(t, "GET", customersPath(demoLedger, "7300"), s.token, nil)
		return got, got.Status == 200
	})
	reader.m.Close() // the logs flushed
	reader.running = false
	s.stop(t)
	for name, logs := range map[string]string{"writer": s.logs.String(), "reader": reader.logs.String()} {
		if strings.Contains(logs, "hunter2") {
			t.Errorf("the %s logged the NATS password:\n%s", name, logs)
		}
		if !strings.Contains(logs, "ops:xxxxx@") {
			t.Errorf("the %s did not log the NATS URL (redacted)", name)
		}
	}
}

// TestParseFlagsRefusesCardVerificationMismatch: an external provider without its token or a
// callback secret of 32 bytes stopped ledgerd only in Run (exit 1, after opening the data
// directory); a token or callback secret given with the sandbox provider was ignored without a
// word (the operator believes an external provider is used). A listen address that is no
// host:port likewise failed only in Run.
func TestParseFlagsRefusesCardVerificationMismatch(t *testing.T) {
	env := func(string) string { return "" }
	secret := strings.Repeat("c", 32)
	for _, tt := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"-card-verification", "https://p.example", "-card-verification-callback-secret", secret}, "card verification token: required"},
		{[]string{"-card-verification", "https://p.example", "-card-verification-token", "t", "-card-verification-callback-secret", "short"}, "card verification callback secret: 5 bytes"},
		{[]string{"-card-verification-token", "t"}, "card verification token and callback secret are for an external provider"},
		{[]string{"-card-verification-callback-secret", secret}, "card verification token and callback secret are for an external provider"},
		{[]string{"-http-addr", "8080"}, `http addr "8080"`},
		{[]string{"-pprof-addr", "6060"}, `pprof addr "6060"`},
	} {
		err := NewMain().ParseFlags(tt.args, env)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%v: %v, want an error naming %s", tt.args, err, tt.wantErr)
		}
		if err != nil && (strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), `"t"`)) {
			t.Errorf("%v: the error shows a credential: %v", tt.args, err)
		}
	}
	for _, args := range [][]string{
		{"-card-verification", "https://p.example", "-card-verification-token", "t", "-card-verification-callback-secret", secret},
		{"-http-addr", ":8080"}, {"-http-addr", "[::1]:0"}, {"-pprof-addr", "127.0.0.1:6060"},
	} {
		if err := NewMain().ParseFlags(args, env); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

// TestParseFlagsRefusesMissingInputFiles: the files ledgerd only reads (never makes) must exist
// at start, and are refused as bad values (exit 2) like a directory: a missing -nats-creds or
// -nats-ca was noticed only when connecting — by a writer after it had announced itself
// listening (the bus starts in the background), which then failed (exit 1).
func TestParseFlagsRefusesMissingInputFiles(t *testing.T) {
	env := func(string) string { return "" }
	missing := filepath.Join(t.TempDir(), "missing")
	for _, tt := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"-nats-url", "nats://n:4222", "-nats-creds", missing}, "nats creds " + missing + ": no such file"},
		{[]string{"-nats-url", "nats://n:4222", "-nats-ca", missing}, "nats ca " + missing + ": no such file"},
		{[]string{"-config", missing}, "config " + missing + ": no such file"},
		{[]string{"-population-register", missing}, "population register " + missing + ": no such file"},
	} {
		err := NewMain().ParseFlags(tt.args, env)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%v: %v, want an error naming %s", tt.args, err, tt.wantErr)
		}
	}
}

// TestParseFlagsRefusesHeaderTimeoutAboveReadTimeout: -http-read-header-timeout above
// -http-read-timeout was taken, though the whole request (headers included) must arrive within
// the read timeout: the header timeout promised a slow client more than it gets.
func TestParseFlagsRefusesHeaderTimeoutAboveReadTimeout(t *testing.T) {
	env := func(string) string { return "" }
	err := NewMain().ParseFlags([]string{"-http-read-header-timeout", "40s", "-http-read-timeout", "30s"}, env)
	if err == nil || !strings.Contains(err.Error(), "http read header timeout 40s is above the http read timeout 30s") {
		t.Errorf("header timeout above the read timeout: %v", err)
	}
	if err := NewMain().ParseFlags([]string{"-http-read-header-timeout", "30s", "-http-read-timeout", "30s"}, env); err != nil {
		t.Errorf("equal timeouts: %v", err)
	}
}

// TestParseFlagsReadTimeoutBelowDefaultHeaderTimeout: -http-read-timeout below the header
// timeout's default (5s), the header timeout not given, was refused ("http read header timeout 5s
// is above the http read timeout 3s") — a writer started yesterday with only -http-read-timeout 3s
// no longer started. The header timeout not given follows the read timeout down; given, it is
// still refused above it.
func TestParseFlagsReadTimeoutBelowDefaultHeaderTimeout(t *testing.T) {
	for _, tt := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"-http-read-timeout", "3s"}, nil},
		{nil, map[string]string{"LEDGERD_HTTP_READ_TIMEOUT": "3s"}},
	} {
		m := NewMain()
		if err := m.ParseFlags(tt.args, func(k string) string { return tt.env[k] }); err != nil {
			t.Errorf("%v %v: %v", tt.args, tt.env, err)
			continue
		}
		if got := m.Options.HTTP.ReadHeaderTimeout; got != 3*time.Second {
			t.Errorf("%v %v: header timeout %v, want 3s (the read timeout)", tt.args, tt.env, got)
		}
	}
	err := NewMain().ParseFlags([]string{"-http-read-timeout", "3s"}, func(k string) string {
		return map[string]string{"LEDGERD_HTTP_READ_HEADER_TIMEOUT": "5s"}[k]
	})
	if err == nil || !strings.Contains(err.Error(), "http read header timeout 5s is above the http read timeout 3s") {
		t.Errorf("a header timeout given above the read timeout: %v", err)
	}
	m := NewMain()
	if err := m.ParseFlags(nil, func(string) string { return "" }); err != nil || m.Options.HTTP.ReadHeaderTimeout != 5*time.Second {
		t.Errorf("defaults: %v, header timeout %v", err, m.Options.HTTP.ReadHeaderTimeout)
	}
}

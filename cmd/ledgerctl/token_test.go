package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
)

const (
	fileSecret = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" // hex, as ledgerd writes it
	envSecret  = "an environment secret of at least 32 bytes"
	flagSecret = "a command-line secret of at least 32 bytes"
)

// secretFile writes content to a file in a temporary directory and returns
// its path.
func secretFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jwt-secret")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// verify checks token as ledgerd would with secret and the config's issuer
// and audience.
func verify(t *testing.T, token, secret string, cfg auth.Config) auth.Principal {
	t.Helper()
	cfg.HS256Secret = []byte(secret)
	v, err := auth.NewVerifier(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	p, err := v.Verify(token)
	if err != nil {
		t.Fatalf("the minted token does not verify: %v", err)
	}
	return p
}

func TestTokenMints(t *testing.T) {
	file := secretFile(t, fileSecret+"\n")
	tests := []struct {
		name        string
		args        []string
		env         map[string]string
		verifyWith  string // the secret that must verify the token
		cfg         auth.Config
		wantSub     string
		wantLedgers []string
		wantScopes  []string
		wantTTL     time.Duration
	}{
		{"defaults with a secret file", []string{"--secret-file", file}, nil, fileSecret, auth.Config{},
			"developer", []string{"1000"}, auth.AllScopes, 24 * time.Hour},
		{"environment", []string{"--sub", "alice", "--ledger", "1000", "--ledger", "2000, 3000,1000", "--scope", "customer:read,audit:read", "--ttl", "90m"},
			map[string]string{secretEnv: envSecret}, envSecret, auth.Config{},
			"alice", []string{"1000", "2000", "3000"}, []string{"customer:read", "audit:read"}, 90 * time.Minute},
		{"--secret beats the environment", []string{"--secret", flagSecret, "--ledger", "*", "--scope", "none"},
			map[string]string{secretEnv: envSecret}, flagSecret, auth.Config{},
			"developer", []string{"*"}, nil, 24 * time.Hour},
		{"--secret-file beats the environment", []string{"--secret-file", file, "--ledger", "1000,*"},
			map[string]string{secretEnv: envSecret}, fileSecret, auth.Config{},
			"developer", []string{"*"}, auth.AllScopes, 24 * time.Hour},
		{"issuer and audience", []string{"--secret", flagSecret, "--iss", "ledgerctl", "--aud", "ledgerd", "--scope", "all"},
			nil, flagSecret, auth.Config{Issuer: "ledgerctl", Audience: "ledgerd"},
			"developer", []string{"1000"}, auth.AllScopes, 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := time.Now().Truncate(time.Second)
			stdout, stderr, code := runCLI(t, tt.env, append([]string{"token"}, tt.args...)...)
			if code != exitOK {
				t.Fatalf("exit code = %d, want 0; stderr %q", code, stderr)
			}
			checkOutput(t, "stderr", stderr, "")
			token, ok := strings.CutSuffix(stdout, "\n")
			if !ok || strings.ContainsAny(token, " \n") {
				t.Fatalf("stdout = %q, want one token and a newline", stdout)
			}
			p := verify(t, token, tt.verifyWith, tt.cfg)
			if got, want := p.Subject, tt.wantSub; got != want {
				t.Errorf("Subject = %q, want %q", got, want)
			}
			if got := p.Ledgers(); !slices.Equal(got, tt.wantLedgers) {
				t.Errorf("Ledgers() = %q, want %q", got, tt.wantLedgers)
			}
			if got := p.Scopes(); !slices.Equal(got, tt.wantScopes) {
				t.Errorf("Scopes() = %q, want %q", got, tt.wantScopes)
			}
			if got, low, high := p.ExpiresAt, before.Add(tt.wantTTL), time.Now().Add(tt.wantTTL); got.Before(low) || got.After(high) {
				t.Errorf("ExpiresAt = %v, want between %v and %v", got, low, high)
			}
		})
	}
}

func TestTokenDefaultSecretFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "jwt-secret"), []byte("  "+fileSecret+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	stdout, stderr, code := runCLI(t, nil, "token")
	if code != exitOK {
		t.Fatalf("exit code = %d, want 0; stderr %q", code, stderr)
	}
	verify(t, strings.TrimSpace(stdout), fileSecret, auth.Config{})
}

func TestTokenJSON(t *testing.T) {
	stdout, stderr, code := runCLI(t, nil, "token", "--secret", flagSecret, "--ttl", "1h", "--json")
	if code != exitOK {
		t.Fatalf("exit code = %d, want 0; stderr %q", code, stderr)
	}
	var got struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expiresAt"`
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("stdout %q is not the JSON object: %v", stdout, err)
	}
	p := verify(t, got.Token, flagSecret, auth.Config{})
	if !got.ExpiresAt.Equal(p.ExpiresAt) {
		t.Errorf("expiresAt = %v, want the token's exp %v", got.ExpiresAt, p.ExpiresAt)
	}
	if !strings.Contains(stdout, `"expiresAt": "`+p.ExpiresAt.UTC().Format(time.RFC3339)+`"`) {
		t.Errorf("stdout = %q, want expiresAt in RFC 3339 UTC", stdout)
	}
}

func TestTokenFails(t *testing.T) {
	file := secretFile(t, fileSecret)
	empty := secretFile(t, " \n")
	short := secretFile(t, "abc123\n")
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantCode   int
		wantStderr string
	}{
		{"secret and secret file", []string{"--secret", flagSecret, "--secret-file", file}, nil, exitUsage, "not both"},
		{"empty --secret", []string{"--secret", " "}, nil, exitFailure, "secret in --secret is empty"},
		{"empty secret file", []string{"--secret-file", empty}, nil, exitFailure, "is empty"},
		{"short secret file", []string{"--secret-file", short}, nil, exitFailure, "6 bytes, want at least 32"},
		{"short environment secret", nil, map[string]string{secretEnv: "short"}, exitFailure, "5 bytes, want at least 32"},
		{"missing secret file", []string{"--secret-file", filepath.Join(t.TempDir(), "nope")}, nil, exitFailure, "no such file"},
		{"secret file is a directory", []string{"--secret-file", t.TempDir()}, nil, exitFailure, "reading the secret"},
		{"unknown scope", []string{"--secret-file", file, "--scope", "customer:read,customer:delete"}, nil, exitUsage, `unknown scope "customer:delete"`},
		{"empty scope", []string{"--secret-file", file, "--scope", ""}, nil, exitUsage, `unknown scope ""`},
		{"zero ttl", []string{"--secret-file", file, "--ttl", "0s"}, nil, exitUsage, "--ttl 0s is not positive"},
		{"bad ttl", []string{"--secret-file", file, "--ttl", "1 day"}, nil, exitUsage, "invalid value"},
		// "exp" is whole seconds: a TTL under a second mints a token that expires as it is issued.
		{"sub-second ttl", []string{"--secret-file", file, "--ttl", "1ns"}, nil, exitUsage, "--ttl 1ns is under a second"},
		{"half-second ttl", []string{"--secret-file", file, "--ttl", "500ms"}, nil, exitUsage, "--ttl 500ms is under a second"},
		{"empty ledger", []string{"--secret-file", file, "--ledger", "1000,"}, nil, exitUsage, "empty value"},
		{"ledger with a space", []string{"--secret-file", file, "--ledger", "10 00"}, nil, exitUsage, "white space"},
		{"empty sub", []string{"--secret-file", file, "--sub", ""}, nil, exitUsage, "--sub is empty"},
		// What ledgerd's Verify refuses in a subject is the command line's mistake, not a failure.
		{"padded sub", []string{"--secret-file", file, "--sub", " dev"}, nil, exitUsage, "subject begins or ends with white space"},
		{"sub with an escape sequence", []string{"--secret-file", file, "--sub", "dev\x1b[2K"}, nil, exitUsage, "subject contains control"},
		{"long sub", []string{"--secret-file", file, "--sub", strings.Repeat("d", auth.MaxSubjectLen+1)}, nil, exitUsage, "subject is"},
		{"every usage problem at once", []string{"--secret-file", file, "--sub", "", "--ttl", "-1h"}, nil, exitUsage, "--sub is empty\nledgerctl token: --ttl -1h0m0s is not positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, tt.env, append([]string{"token"}, tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d; stderr %q", code, tt.wantCode, stderr)
			}
			checkOutput(t, "stdout", stdout, "")
			checkOutput(t, "stderr", stderr, tt.wantStderr)
		})
	}
}

func TestTokenMissingDefaultSecretFile(t *testing.T) {
	t.Chdir(t.TempDir())
	_, stderr, code := runCLI(t, nil, "token")
	if got, want := code, exitFailure; got != want {
		t.Errorf("exit code = %d, want %d", got, want)
	}
	for _, want := range []string{"data/jwt-secret", "--secret-file", secretEnv} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr = %q, want it to mention %q", stderr, want)
		}
	}
}

func TestParseScopes(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{"all", auth.AllScopes, false},
		{" all ", auth.AllScopes, false},
		{"none", nil, false},
		{"audit:read", []string{"audit:read"}, false},
		{"kyc:write, consent:write,kyc:write", []string{"kyc:write", "consent:write"}, false},
		{"all,audit:read", nil, true},
		{"audit:read,", nil, true},
		{"admin", nil, true},
	}
	for _, tt := range tests {
		got, err := parseScopes(tt.in)
		if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
			t.Errorf("parseScopes(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestTokenWarnsOfReadableSecretFile: a secret file that other users can read lets them mint any
// token; ledgerd writes it readable by its owner only. The token is still printed (ledgerd
// accepts the file), with a warning on stderr that does not show the secret.
func TestTokenWarnsOfReadableSecretFile(t *testing.T) {
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604} {
		t.Run(mode.String(), func(t *testing.T) {
			file := secretFile(t, fileSecret+"\n")
			if err := os.Chmod(file, mode); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := runCLI(t, nil, "token", "--secret-file", file)
			if code != exitOK {
				t.Fatalf("exit code = %d, want %d; stderr %q", code, exitOK, stderr)
			}
			verify(t, strings.TrimSpace(stdout), fileSecret, auth.Config{})
			for _, want := range []string{"warning", file, mode.String(), "chmod 600"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr = %q, want it to mention %q", stderr, want)
				}
			}
			if strings.Contains(stderr, fileSecret) {
				t.Errorf("stderr shows the secret: %q", stderr)
			}
		})
	}
	t.Run("owner only", func(t *testing.T) {
		file := secretFile(t, fileSecret)
		_, stderr, code := runCLI(t, nil, "token", "--secret-file", file)
		if code != exitOK || stderr != "" {
			t.Errorf("exit code %d, stderr %q; want 0 and nothing", code, stderr)
		}
	})
}

package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestParseFlagsRefusesBadEnvironment: an environment value a flag cannot take is an error naming
// the variable, not its default in silence; a flag given on the command line wins over it.
func TestParseFlagsRefusesBadEnvironment(t *testing.T) {
	for name, value := range map[string]string{
		"LEDGERD_NATS_REPLICAS":               "three",
		"LEDGERD_JWT_LEEWAY":                  "a minute",
		"LEDGERD_HTTP_MAX_BODY_BYTES":         "1MB",
		"LEDGERD_READ_MODEL_WAIT":             "10",
		"LEDGERD_CARD_REGISTRATION_TTL":       "soon",
		"LEDGERD_PERSONAL_DATA_MAX_AGE":       "5 minutes",
		"LEDGERD_POPULATION_REGISTER_TIMEOUT": "-",
	} {
		err := NewMain().ParseFlags(nil, func(k string) string {
			if k == name {
				return value
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: %v, want an error naming the variable", name, value, err)
		}
	}
	m := NewMain()
	if err := m.ParseFlags([]string{"-nats-replicas", "3"}, func(k string) string {
		return map[string]string{"LEDGERD_NATS_REPLICAS": "5", "LEDGERD_JWT_LEEWAY": "2s", "LEDGERD_NATS_URL": "nats://nats:4222"}[k]
	}); err != nil {
		t.Fatal(err)
	}
	if m.Options.NATSReplicas != 3 || m.Options.JWTLeeway != 2*time.Second {
		t.Errorf("replicas %d (flag 3 over the environment's 5), leeway %v (the environment's 2s)", m.Options.NATSReplicas, m.Options.JWTLeeway)
	}
	if m.Options.ShutdownGrace != 15*time.Second {
		t.Errorf("shutdown grace %v", m.Options.ShutdownGrace)
	}
}

// TestRunHonoursItsContext: Run given a context that has ended returns its error and opens
// nothing.
func TestRunHonoursItsContext(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	m := NewMain()
	if err := m.ParseFlags([]string{"-data-dir", dir, "-http-addr", "127.0.0.1:0"}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the data directory was made: %v", err)
	}
}

// TestParseFlagsRefusesBadValuesEveryRoleReads: a value ledgerd cannot use stops it with a message
// naming it, whatever the role — -shutdown-grace -1s was taken (and every in-flight request cut off
// at the next stop), and a writer took -writer-url ftp://x in silence although the README says
// another value than an http(s) URL stops ledgerd. The environment's refusals say the value too.
func TestParseFlagsRefusesBadValuesEveryRoleReads(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	for _, tt := range []struct {
		args    []string
		env     map[string]string
		wantErr string
	}{
		{[]string{"-shutdown-grace", "-1s"}, nil, "shutdown grace -1s"},
		{[]string{"-writer-url", "ftp://x"}, nil, `writer url "ftp://x"`},
		{nil, map[string]string{"LEDGERD_WRITER_URL": "writer:8080"}, `writer url "writer:8080"`},
		{nil, map[string]string{"LEDGERD_NATS_REPLICAS": "three"}, `"three"`},
	} {
		err := NewMain().ParseFlags(tt.args, env(tt.env))
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%v %v: %v, want an error naming %s", tt.args, tt.env, err, tt.wantErr)
		}
	}
	for _, args := range [][]string{{"-shutdown-grace", "0s"}, {"-writer-url", "http://writer:8080"}} {
		if err := NewMain().ParseFlags(args, env(nil)); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

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
		return map[string]string{"LEDGERD_NATS_REPLICAS": "5", "LEDGERD_JWT_LEEWAY": "2s"}[k]
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

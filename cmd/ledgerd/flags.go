package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Options are ledgerd's settings: flags win over environment variables, which win over defaults.
type Options struct {
	HTTPAddr      string
	DataDir       string
	ConfigFile    string
	JWTSecret     string
	JWKSURL       string
	JWTIssuer     string
	JWTAudience   string
	LogFormat     string
	LogLevel      string
	ShutdownGrace time.Duration
	NATSURL       string
	NATSListen    string
	NATSStream    string
	NATSReplicas  int
	NATSCreds     string
	NATSCA        string
	// PrintToken prints a development token at start when the secret is generated or read from
	// the data dir (not when given explicitly).
	PrintToken bool
}

// ParseFlags reads options from args and the environment.
func (m *Main) ParseFlags(args []string, getenv func(string) string) error {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("ledgerd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := &m.Options
	fs.StringVar(&o.HTTPAddr, "http-addr", env("LEDGERD_HTTP_ADDR", "127.0.0.1:8080"), "HTTP listen address (LEDGERD_HTTP_ADDR)")
	fs.StringVar(&o.DataDir, "data-dir", env("LEDGERD_DATA_DIR", "data"), "directory of the event store, read models and generated secrets (LEDGERD_DATA_DIR)")
	fs.StringVar(&o.ConfigFile, "config", env("LEDGERD_CONFIG", ""), "ledger configuration file; built-in demo ledger 1000 when empty (LEDGERD_CONFIG)")
	fs.StringVar(&o.JWTSecret, "jwt-secret", env("LEDGERD_JWT_SECRET", ""), "HS256 secret for development tokens; generated in the data dir when neither it nor a JWKS URL is set (LEDGERD_JWT_SECRET)")
	fs.StringVar(&o.JWKSURL, "jwks-url", env("LEDGERD_JWKS_URL", ""), "JWKS URL for RS256/ES256 tokens (LEDGERD_JWKS_URL)")
	fs.StringVar(&o.JWTIssuer, "jwt-issuer", env("LEDGERD_JWT_ISSUER", ""), "required token issuer, when set (LEDGERD_JWT_ISSUER)")
	fs.StringVar(&o.JWTAudience, "jwt-audience", env("LEDGERD_JWT_AUDIENCE", ""), "required token audience, when set (LEDGERD_JWT_AUDIENCE)")
	fs.StringVar(&o.LogFormat, "log-format", env("LEDGERD_LOG_FORMAT", "text"), "log format: text or json (LEDGERD_LOG_FORMAT)")
	fs.StringVar(&o.LogLevel, "log-level", env("LEDGERD_LOG_LEVEL", "info"), "log level: debug, info, warn, error (LEDGERD_LOG_LEVEL)")
	fs.StringVar(&o.NATSURL, "nats-url", env("LEDGERD_NATS_URL", ""), "external NATS server or cluster (comma-separated URLs); empty runs NATS embedded (LEDGERD_NATS_URL)")
	fs.StringVar(&o.NATSListen, "nats-listen", env("LEDGERD_NATS_LISTEN", "127.0.0.1:4222"), "client address of the embedded NATS server; port 0 picks a free one (LEDGERD_NATS_LISTEN)")
	fs.StringVar(&o.NATSStream, "nats-stream", env("LEDGERD_NATS_STREAM", "LEDGER"), "JetStream stream of the events (LEDGERD_NATS_STREAM)")
	fs.IntVar(&o.NATSReplicas, "nats-replicas", envInt(getenv, "LEDGERD_NATS_REPLICAS", 1), "stream replicas: 1, or 3 on a cluster (LEDGERD_NATS_REPLICAS)")
	fs.StringVar(&o.NATSCreds, "nats-creds", env("LEDGERD_NATS_CREDS", ""), "NATS credentials file for an external server (LEDGERD_NATS_CREDS)")
	fs.StringVar(&o.NATSCA, "nats-ca", env("LEDGERD_NATS_CA", ""), "CA certificate file to verify an external server's TLS (LEDGERD_NATS_CA)")
	fs.DurationVar(&o.ShutdownGrace, "shutdown-grace", 15*time.Second, "how long in-flight requests may finish on shutdown")
	o.PrintToken = true
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			var b strings.Builder
			fs.SetOutput(&b)
			fs.PrintDefaults()
			return fmt.Errorf("usage: ledgerd [flags]\n%s", b.String())
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return o.validate()
}

func envInt(getenv func(string) string, name string, def int) int {
	if v, err := strconv.Atoi(getenv(name)); err == nil {
		return v
	}
	return def
}

func (o *Options) validate() error {
	var errs []error
	if o.LogFormat != "text" && o.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log format %q: want text or json", o.LogFormat))
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(o.LogLevel)); err != nil {
		errs = append(errs, fmt.Errorf("log level %q: want debug, info, warn or error", o.LogLevel))
	}
	if o.NATSReplicas != 1 && o.NATSReplicas != 3 && o.NATSReplicas != 5 {
		errs = append(errs, fmt.Errorf("nats replicas %d: want 1, 3 or 5", o.NATSReplicas))
	}
	if o.DataDir == "" {
		errs = append(errs, errors.New("data dir must not be empty"))
	}
	return errors.Join(errs...)
}

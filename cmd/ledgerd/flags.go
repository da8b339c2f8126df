package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nordledger/ledger/eventstore/relay"
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
	// NATSSync is the embedded server's fsync: "always" or an interval (relay.ParseSyncInterval).
	NATSSync     string
	NATSStream   string
	NATSReplicas int
	NATSCreds    string
	NATSCA       string
	// Role is RoleWriter (the default: the event log, commands, the relay) or RoleReader (read
	// models fed from JetStream; GET routes only).
	Role      string
	WriterURL string
	ReaderID  string
	KeyFile   string
	// PopulationRegister names the population register: "" the built-in one, an http(s) URL a
	// register service, anything else a register file (popreg.Open).
	PopulationRegister        string
	PopulationRegisterTimeout time.Duration
	// PublicURL is the base URL people's browsers and a card-verification provider reach ledgerd
	// by ("": http:// and the listen address).
	PublicURL string
	// CardVerification names the card-verification provider: "sandbox" (built in) or the http(s)
	// URL of a provider (cardverify.Open), with its credentials and timeout.
	CardVerification               string
	CardVerificationToken          string
	CardVerificationCallbackSecret string
	CardVerificationTimeout        time.Duration
	// CardRegistrationTTL is how long a recurring-card registration may stay Initialized.
	CardRegistrationTTL time.Duration
	// HTTP are the HTTP server's timeouts and size limits.
	HTTP HTTPLimits
	// PprofAddr, when set, serves net/http/pprof on its own listener (profiling; off by default).
	PprofAddr string
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
	fs.StringVar(&o.NATSSync, "nats-sync", env("LEDGERD_NATS_SYNC", "1s"), `fsync of the embedded NATS store: an interval, or "always" (slower; the log, not the stream, is the system of record) (LEDGERD_NATS_SYNC)`)
	fs.StringVar(&o.NATSStream, "nats-stream", env("LEDGERD_NATS_STREAM", "LEDGER"), "JetStream stream of the events (LEDGERD_NATS_STREAM)")
	fs.IntVar(&o.NATSReplicas, "nats-replicas", envInt(getenv, "LEDGERD_NATS_REPLICAS", 1), "stream replicas: 1, or 3 on a cluster (LEDGERD_NATS_REPLICAS)")
	fs.StringVar(&o.NATSCreds, "nats-creds", env("LEDGERD_NATS_CREDS", ""), "NATS credentials file for an external server (LEDGERD_NATS_CREDS)")
	fs.StringVar(&o.NATSCA, "nats-ca", env("LEDGERD_NATS_CA", ""), "CA certificate file to verify an external server's TLS (LEDGERD_NATS_CA)")
	fs.StringVar(&o.Role, "role", env("LEDGERD_ROLE", RoleWriter), "writer, or reader: a read replica fed from JetStream that serves GET routes (LEDGERD_ROLE)")
	fs.StringVar(&o.WriterURL, "writer-url", env("LEDGERD_WRITER_URL", ""), "the writer's base URL, named to clients a reader turns away (LEDGERD_WRITER_URL)")
	fs.StringVar(&o.ReaderID, "reader-id", env("LEDGERD_READER_ID", ""), "a reader's name in its JetStream consumers; generated and kept in the data dir when empty (LEDGERD_READER_ID)")
	fs.StringVar(&o.KeyFile, "key-file", env("LEDGERD_KEY_FILE", ""), "key for national-identifier hashes, shared by writer and readers; default {data dir}/reservation.key, generated by a writer (LEDGERD_KEY_FILE)")
	fs.StringVar(&o.PopulationRegister, "population-register", env("LEDGERD_POPULATION_REGISTER", ""), "population register: a JSON register file, or the http(s) URL of a register service; built-in test persons when empty (LEDGERD_POPULATION_REGISTER)")
	fs.DurationVar(&o.PopulationRegisterTimeout, "population-register-timeout", envDuration(getenv, "LEDGERD_POPULATION_REGISTER_TIMEOUT", 5*time.Second), "how long a look-up in a register service may take (LEDGERD_POPULATION_REGISTER_TIMEOUT)")
	fs.StringVar(&o.PublicURL, "public-url", env("LEDGERD_PUBLIC_URL", ""), "base URL browsers and a card-verification provider reach ledgerd by; http://{listen address} when empty (LEDGERD_PUBLIC_URL)")
	fs.StringVar(&o.CardVerification, "card-verification", env("LEDGERD_CARD_VERIFICATION", "sandbox"), "card-verification provider: sandbox, or the http(s) URL of a provider (LEDGERD_CARD_VERIFICATION)")
	fs.StringVar(&o.CardVerificationToken, "card-verification-token", env("LEDGERD_CARD_VERIFICATION_TOKEN", ""), "bearer credential sent to an external card-verification provider (LEDGERD_CARD_VERIFICATION_TOKEN)")
	fs.StringVar(&o.CardVerificationCallbackSecret, "card-verification-callback-secret", env("LEDGERD_CARD_VERIFICATION_CALLBACK_SECRET", ""), "key (≥ 32 bytes) an external provider signs its callbacks with (LEDGERD_CARD_VERIFICATION_CALLBACK_SECRET)")
	fs.DurationVar(&o.CardVerificationTimeout, "card-verification-timeout", envDuration(getenv, "LEDGERD_CARD_VERIFICATION_TIMEOUT", 10*time.Second), "how long starting a verification at an external provider may take (LEDGERD_CARD_VERIFICATION_TIMEOUT)")
	fs.DurationVar(&o.CardRegistrationTTL, "card-registration-ttl", envDuration(getenv, "LEDGERD_CARD_REGISTRATION_TTL", 30*time.Minute), "how long a recurring-card registration may stay Initialized before it expires (LEDGERD_CARD_REGISTRATION_TTL)")
	fs.StringVar(&o.PprofAddr, "pprof-addr", env("LEDGERD_PPROF_ADDR", ""), "serve Go's profiler (net/http/pprof) on this address, e.g. 127.0.0.1:6060; off when empty (LEDGERD_PPROF_ADDR)")
	fs.DurationVar(&o.ShutdownGrace, "shutdown-grace", 15*time.Second, "how long in-flight requests may finish on shutdown")
	o.HTTP.register(fs, getenv)
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

// Roles of a ledgerd process.
const (
	RoleWriter = "writer"
	RoleReader = "reader"
)

var readerIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

func envInt(getenv func(string) string, name string, def int) int {
	if v, err := strconv.Atoi(getenv(name)); err == nil {
		return v
	}
	return def
}

func envDuration(getenv func(string) string, name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(getenv(name)); err == nil {
		return v
	}
	return def
}

func (o *Options) validate() error {
	var errs []error
	if o.PopulationRegisterTimeout <= 0 {
		errs = append(errs, fmt.Errorf("population register timeout %v: want a positive duration", o.PopulationRegisterTimeout))
	}
	if o.CardVerificationTimeout <= 0 {
		errs = append(errs, fmt.Errorf("card verification timeout %v: want a positive duration", o.CardVerificationTimeout))
	}
	if o.CardRegistrationTTL < time.Minute {
		errs = append(errs, fmt.Errorf("card registration ttl %v: want at least 1m", o.CardRegistrationTTL))
	}
	if o.PublicURL != "" {
		if u, err := url.Parse(o.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			errs = append(errs, fmt.Errorf("public url %q: want scheme://host[:port], http or https", o.PublicURL))
		}
	}
	if o.LogFormat != "text" && o.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log format %q: want text or json", o.LogFormat))
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(o.LogLevel)); err != nil {
		errs = append(errs, fmt.Errorf("log level %q: want debug, info, warn or error", o.LogLevel))
	}
	if _, err := relay.ParseSyncInterval(o.NATSSync); err != nil {
		errs = append(errs, fmt.Errorf("nats sync: %w", err))
	}
	if o.NATSReplicas != 1 && o.NATSReplicas != 3 && o.NATSReplicas != 5 {
		errs = append(errs, fmt.Errorf("nats replicas %d: want 1, 3 or 5", o.NATSReplicas))
	}
	switch o.Role {
	case RoleWriter:
	case RoleReader:
		if o.NATSURL == "" {
			errs = append(errs, errors.New("a reader needs the writer's NATS: set LEDGERD_NATS_URL"))
		}
		if o.ReaderID != "" && !readerIDRE.MatchString(o.ReaderID) {
			errs = append(errs, fmt.Errorf("reader id %q: want 1 to 40 letters, digits, '-' or '_'", o.ReaderID))
		}
	default:
		errs = append(errs, fmt.Errorf("role %q: want writer or reader", o.Role))
	}
	if o.DataDir == "" {
		errs = append(errs, errors.New("data dir must not be empty"))
	}
	errs = append(errs, o.HTTP.validate())
	return errors.Join(errs...)
}

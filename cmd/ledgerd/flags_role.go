package main

import (
	"strings"
)

// The settings a ledgerd does not use in its role or mode: a writer's -reader-id, a reader's
// -key-store, -nats-listen with -nats-url. Given (by flag or environment variable), they are
// ignored, not refused — a writer and its readers often share one environment file
// (docker-compose.yml) — and Run names them in one warning at start, so that an operator who set
// one does not believe it took effect. Only what no code path of the role or mode reads is
// listed here: a false warning is worse than none. docs/configuration.md ("Settings a role does
// not use") has the same list (TestUnusedSettingsDocumented).
//
// Not listed, as used by both roles: a reader opens -population-register too (a register file
// must load, and its operations are the writer's), and uses -nats-replicas (its reader-id
// claim's bucket), -nats-creds and -nats-ca, -read-model-wait (how long a read waits for a data
// key) and the other -http-* limits. -nats-creds / -nats-ca without -nats-url, and a
// card-verification token or secret with the sandbox, are refused instead (flags_check.go).

// unusedSetting is a flag some roles or modes never read: why returns, for the options given,
// why this ledgerd does not use it, or "" when it does.
type unusedSetting struct {
	flag string
	why  func(o *Options) string
}

// Why a reader does not use the card-verification settings.
const readerNoCards = "a reader does no card verification: it sends /card-verification/ requests to the writer (-writer-url)"

// unusedSettings are the flags some roles or modes never read, in the order ParseFlags defines
// them.
var unusedSettings = []unusedSetting{
	{"nats-listen", embeddedNATSOnly},
	{"nats-sync", embeddedNATSOnly},
	{"writer-url", writerDoesNotUse("only a reader names the writer, to the clients it turns away")},
	{"reader-id", writerDoesNotUse("only a reader has a reader id (its JetStream consumers' name)")},
	{"key-store", readerDoesNotUse("a reader keeps no key store: its data keys come from the key bus")},
	{"admin-socket", readerDoesNotUse("a reader serves no operator routes: ledgerctl backup, master-key rotate and consumer ask the writer")},
	{"backup-stall-timeout", func(o *Options) string {
		switch {
		case o.Role == RoleReader:
			return "a reader serves no online backups: the writer's admin socket does"
		case o.AdminSocket == "off":
			return "no online backups with -admin-socket off"
		}
		return ""
	}},
	{"population-register-timeout", func(o *Options) string {
		switch pr := o.PopulationRegister; {
		case o.Role == RoleReader:
			return "a reader never asks the population register: its register routes are the writer's"
		case !strings.HasPrefix(pr, "http://") && !strings.HasPrefix(pr, "https://"): // popreg.Open
			return "only a register service (an http(s) -population-register) is asked with a timeout"
		}
		return ""
	}},
	{"public-url", readerDoesNotUse(readerNoCards)},
	{"card-verification", readerDoesNotUse(readerNoCards)},
	{"card-verification-token", readerDoesNotUse(readerNoCards)},
	{"card-verification-callback-secret", readerDoesNotUse(readerNoCards)},
	{"card-verification-timeout", func(o *Options) string {
		switch {
		case o.Role == RoleReader:
			return readerNoCards
		case o.CardVerification == "" || o.CardVerification == "sandbox": // cardverify.Open
			return "the sandbox card-verification provider asks no outside service"
		}
		return ""
	}},
	{"card-registration-ttl", readerDoesNotUse("a reader takes no card registrations and records no expiry: the writer does")},
	{"personal-data-max-age", readerDoesNotUse("a reader discloses no personal data to consumers: the writer does")},
	{"disclosure-retention", readerDoesNotUse("a reader keeps no disclosure records: the writer does")},
}

// embeddedNATSOnly is why a setting of the embedded NATS server is not used: a reader never runs
// one, nor does a writer given -nats-url.
func embeddedNATSOnly(o *Options) string {
	switch {
	case o.Role == RoleReader:
		return "a reader runs no embedded NATS server"
	case o.NATSURL != "":
		return "no embedded NATS server with -nats-url"
	}
	return ""
}

func readerDoesNotUse(why string) func(*Options) string {
	return func(o *Options) string {
		if o.Role == RoleReader {
			return why
		}
		return ""
	}
}

func writerDoesNotUse(why string) func(*Options) string {
	return func(o *Options) string {
		if o.Role == RoleWriter {
			return why
		}
		return ""
	}
}

// unusedGiven returns the settings given (given says which flags were, by flag or environment
// variable) that this ledgerd does not use, each as "-flag (VARIABLE): why".
func (o *Options) unusedGiven(given map[string]bool) []string {
	var out []string
	for _, u := range unusedSettings {
		if !given[u.flag] {
			continue
		}
		if why := u.why(o); why != "" {
			out = append(out, "-"+u.flag+" ("+envName(u.flag)+"): "+why)
		}
	}
	return out
}

// warnIgnored logs, once at start, the settings given that this ledgerd does not use
// (Options.Ignored).
func (m *Main) warnIgnored() {
	if len(m.Options.Ignored) > 0 {
		m.log.Warn("settings given that this ledgerd does not use in its role or mode: ignored",
			"role", m.Options.Role, "ignored", strings.Join(m.Options.Ignored, "; "))
	}
}

// Package cardverify holds the card-verification providers of recurring-card registrations
// (SPEC §7): adapters implementing httpapi.CardVerifier and httpapi.CardVerifierPages.
//
// [Sandbox] is built into ledgerd: its redirect URL is a page ledgerd serves itself, where a
// person verifies one of the sandbox's test cards, cancels, or fails with the declined card.
// [HTTP] is the adapter to an external provider: it starts verifications with a bearer token and
// takes the provider's signed callbacks. [Open] chooses one from ledgerd's setting
// (LEDGERD_CARD_VERIFICATION). The contract of both is in docs/consents.md.
package cardverify

import (
	"errors"
	"strings"
	"time"

	"github.com/nordledger/ledger/httpapi"
)

// Config is ledgerd's card-verification setting.
type Config struct {
	// Provider is "" or "sandbox" for the Sandbox, or the http(s) base URL of an external
	// provider for the HTTP adapter.
	Provider string
	// PublicURL is ledgerd's public base URL (scheme://host[:port]).
	PublicURL string
	// Key signs the sandbox page's form tokens (at least 32 bytes).
	Key []byte
	// Token and CallbackSecret are the HTTP adapter's credentials; Timeout bounds its requests.
	Token          string
	CallbackSecret []byte
	Timeout        time.Duration
}

// Open returns the provider the configuration names.
func Open(cfg Config) (httpapi.CardVerifier, error) {
	switch {
	case cfg.Provider == "" || cfg.Provider == ProviderSandbox:
		return NewSandbox(SandboxConfig{BaseURL: cfg.PublicURL, Key: cfg.Key})
	case strings.HasPrefix(cfg.Provider, "http://") || strings.HasPrefix(cfg.Provider, "https://"):
		return NewHTTP(HTTPConfig{BaseURL: cfg.Provider, Token: cfg.Token, CallbackSecret: cfg.CallbackSecret,
			PublicURL: cfg.PublicURL, Timeout: cfg.Timeout})
	}
	return nil, errors.New(`cardverify: the card-verification provider must be "sandbox" or the http(s) URL of a provider`)
}

package popreg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/internal/tracing"
)

// HTTPConfig configures an HTTP register.
type HTTPConfig struct {
	// URL is the register service's look-up endpoint (http or https). Required.
	URL string
	// Timeout bounds one look-up, connection included (default 5s).
	Timeout time.Duration
	// Client sends the requests (default: a new http.Client). Its own Timeout, if any, also applies;
	// its CheckRedirect does not: a redirect is never followed (NewHTTP uses a copy without one).
	Client *http.Client
	// Now is the clock national identifiers are checked against (default time.Now).
	Now func() time.Time
}

// maxAnswer bounds a register's answer.
const maxAnswer = 64 << 10

// HTTP is a client of a population register service. The protocol (docs/configuration.md):
//
//	POST {URL}
//	Content-Type: application/json
//	Accept: application/json
//	traceparent: 00-{trace id}-{span id}-{flags}   (W3C Trace Context: ctx's span; with tracestate)
//
//	{"nationalIdentifier": {"regNo": "19121212-1212", "countryCode": "SE"}}
//
// The identifier is sent in the body, never in the URL, so it stays out of access logs. The
// service answers 200 with the person in the register file's shape (nationalIdentifier, name,
// address, protectedIdentity), or 404 when it does not know the person. Any other answer (a
// redirect too: it is not followed, so the identifier never goes to another URL), an answer for
// another person, invalid data, or no answer within the timeout is ErrUnavailable.
type HTTP struct {
	url     string
	timeout time.Duration
	client  *http.Client
	now     func() time.Time
}

// NewHTTP returns an HTTP register.
func NewHTTP(cfg HTTPConfig) (*HTTP, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("population register: %q is not an http(s) URL", cfg.URL)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	client := http.Client{}
	if cfg.Client != nil {
		client = *cfg.Client
	}
	client.CheckRedirect = doNotFollow
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &HTTP{url: cfg.URL, timeout: cfg.Timeout, client: &client, now: cfg.Now}, nil
}

// doNotFollow is the register client's CheckRedirect: a redirect is the register's answer (a
// status other than 200 and 404: unavailable), never followed — the identifier in the body
// would go to wherever it points.
func doNotFollow(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Person implements Register.
func (h *HTTP) Person(ctx context.Context, ni domain.NationalIdentifier) (domain.RegisteredPerson, error) {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	body, err := json.Marshal(map[string]any{"nationalIdentifier": ni})
	if err != nil {
		return domain.RegisteredPerson{}, unavailable(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return domain.RegisteredPerson{}, unavailable(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	tracing.Inject(ctx, req.Header) // the caller's span (its client span for this call) continues at the register
	resp, err := h.client.Do(req)
	if err != nil {
		// The url.Error names the URL, never the identifier (it is in the body).
		return domain.RegisteredPerson{}, unavailable(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	switch {
	case err != nil:
		return domain.RegisteredPerson{}, unavailable(err)
	case resp.StatusCode == http.StatusNotFound:
		return domain.RegisteredPerson{}, domain.ErrNotInPopulationRegister()
	case resp.StatusCode != http.StatusOK:
		return domain.RegisteredPerson{}, unavailable(fmt.Errorf("status %d", resp.StatusCode))
	case len(data) > maxAnswer:
		return domain.RegisteredPerson{}, unavailable(errors.New("the answer is too large"))
	}
	var pj personJSON
	if err := json.Unmarshal(data, &pj); err != nil {
		return domain.RegisteredPerson{}, unavailable(fmt.Errorf("the answer is not a person: %w", err))
	}
	if err := repeatedName(data); err != nil { // ambiguous.go
		return domain.RegisteredPerson{}, unavailable(fmt.Errorf("the answer is not a person: %w", err))
	}
	p, err := pj.parse(h.now())
	if err != nil {
		return domain.RegisteredPerson{}, unavailable(fmt.Errorf("the answer is not valid: %w", err))
	}
	if p.NationalIdentifier != ni {
		return domain.RegisteredPerson{}, unavailable(errors.New("the answer is for another national identifier"))
	}
	return p, nil
}

func unavailable(err error) error { return fmt.Errorf("%w: %w", ErrUnavailable, err) }

package consumer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nordledger/ledger/internal/tracing"
)

// OpenerConfig configures an Opener. URL and Token are required.
type OpenerConfig struct {
	// URL is the base URL of the ledger's writer (ledgerd with the writer role), e.g.
	// "https://ledger.example.com", without a user, query or fragment. Read replicas do not
	// disclose personal data.
	URL string
	// Token returns the bearer token to send: a JWT whose subject is this consumer (the name an
	// operator granted the ledger's personal data to), with the scope personal-data:read and
	// the ledger. It is asked for every request, so it may renew the token (StaticToken for a
	// fixed one). When the ledger refuses a token (401: its key rotated, the token expired before
	// the source thought) the request is sent once more with a token asked for again, with a ctx
	// for which TokenRefused reports true — a source that caches tokens must then fetch a new
	// one; a second 401 in a row fails Open with ErrUnauthorized. An error is taken to pass (the identity provider down or slow): Open fails
	// with it matching ErrUnavailable, and the Consumer asks again, backing off — unless it
	// matches ErrUnauthorized (wrap it so when the provider refuses this consumer's own
	// credentials, which no retry mends): then Open fails with it and Run stops.
	Token func(ctx context.Context) (string, error)
	// Client sends the requests (default: a new http.Client). Its own Timeout, if any, also
	// applies; its CheckRedirect does not: a redirect is never followed (NewOpener uses a copy
	// without one; the caller's client is left as it is).
	Client *http.Client
	// Timeout bounds each request — sent, answered and its answer read (default 30 s, or Client's
	// Timeout when that is longer) — whatever Client's, and apart each call of Token (its ctx
	// ends): a writer or an identity provider
	// that takes a request and never answers fails Open with ErrUnavailable (the Consumer asks
	// again) rather than blocking it for ever.
	Timeout time.Duration
	// MaxAge bounds how long the Opener keeps what the ledger disclosed, to open the same events
	// again (redeliveries, replays) without asking. The ledger's own bound (the maxAge of its
	// answers, ledgerd's -personal-data-max-age) always applies; 0 uses it alone.
	MaxAge time.Duration
	// Now is the clock the kept answers expire by (default time.Now).
	Now func() time.Time
	// BatchSize is the most events asked for in one request (default and at most 1000).
	BatchSize int
	// MaxKept is the most answers kept (default 100 000). When a batch's answers would pass it,
	// the expired ones go first, then as many others as needed (in no particular order: a kept
	// answer saves a request, and losing one costs only that).
	MaxKept int
}

// StaticToken returns a Token function that always gives token.
func StaticToken(token string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return token, nil }
}

// Opener obtains the personal data of events from the ledger's writer — POST
// /ledger/customer/v1/{ledgerNo}/events/personal-data, the protocol of docs/consumers.md — and
// keeps each answer for at most its maxAge. Its requests carry the span context of Open's ctx
// as W3C traceparent and tracestate (at most 512 bytes), none without one. It is safe for
// concurrent use.
type Opener struct {
	cfg OpenerConfig
	mu  sync.Mutex
	// kept holds the answers by event position, each until it expires.
	kept map[uint64]keptItem
}

type keptItem struct {
	item    disclosed
	stream  string
	expires time.Time
}

// disclosed is one item of the ledger's answer.
type disclosed struct {
	Position uint64          `json:"position"`
	Status   string          `json:"status"`
	ID       string          `json:"id"`
	Subject  string          `json:"subject"`
	Type     string          `json:"type"`
	Data     json.RawMessage `json:"data"`
	Erased   []string        `json:"erased"`
	Withheld []string        `json:"withheld"`
	Reason   string          `json:"reason"`
}

type disclosedPage struct {
	Items  []disclosed `json:"items"`
	MaxAge int         `json:"maxAge"`
}

// NewOpener returns an Opener.
func NewOpener(cfg OpenerConfig) (*Opener, error) {
	var errs []error
	switch u, err := url.Parse(cfg.URL); {
	case cfg.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		errs = append(errs, fmt.Errorf("consumer: URL %q: want the http(s) base URL of the ledger's writer", cfg.URL))
	case u.User != nil || strings.ContainsAny(cfg.URL, "?#"):
		// The request's path goes after URL: in a query or a fragment it would not be the path; a
		// user and password are never sent (the bearer token is) and would be in every error.
		errs = append(errs, fmt.Errorf("consumer: URL %q: want the writer's base URL without a user, query or fragment", u.Redacted()))
	}
	if cfg.Token == nil {
		errs = append(errs, errors.New("consumer: Token is required"))
	}
	if cfg.MaxAge < 0 || cfg.BatchSize < 0 || cfg.BatchSize > 1000 || cfg.MaxKept < 0 || cfg.Timeout < 0 {
		errs = append(errs, errors.New("consumer: MaxAge, BatchSize (at most 1000), MaxKept and Timeout must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	cfg.URL = strings.TrimSuffix(cfg.URL, "/")
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
		if cfg.Client != nil && cfg.Client.Timeout > cfg.Timeout {
			cfg.Timeout = cfg.Client.Timeout // a caller's longer bound (large batches, a slow link) holds
		}
	}
	client := http.Client{}
	if cfg.Client != nil {
		client = *cfg.Client
	}
	client.CheckRedirect = doNotFollow
	cfg.Client = &client
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 1000
	}
	if cfg.MaxKept == 0 {
		cfg.MaxKept = 100_000
	}
	return &Opener{cfg: cfg, kept: map[uint64]keptItem{}}, nil
}

// doNotFollow is the Opener client's CheckRedirect: the ledger's writer never redirects a
// request for personal data, so a redirect is an unexpected answer (Open fails with it), never
// followed — Go's client would send the positions and the traceparent to wherever it points, the
// bearer token to the same host name on another port or over plain http, and take that host's
// answer for the ledger's.
func doNotFollow(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Open opens the personal members of the events that are PersonalSealed: each becomes
// PersonalOpened, PersonalErased (the customer was forgotten) or PersonalWithheld (Withheld
// says why: ErrNotGranted, ErrProtectedIdentity), with Data and Domain set
// accordingly. Other events are left as they are. An event answered within the last maxAge is
// not asked for again — unless the ledger has since answered an event of its customer erased
// (forgotten) or withheld for a protected identity: that drops every kept answer of the customer. It fails — leaving the events not yet answered sealed — with an error
// matching ErrUnavailable when the ledger or the token source cannot be asked now (retry
// later), ErrUnauthorized when the ledger refuses the token twice in a row — once more with a
// token asked for again after the first 401 (OpenerConfig.Token) — or the token source refuses
// its credentials, ErrForbidden when the token's scopes do not allow asking (a configuration to
// mend: the events are not withheld), ErrMismatch when its answer is about another event, and otherwise
// with the ledger's problem — or the redirect it answered, which is not followed.
func (o *Opener) Open(ctx context.Context, events ...*Event) error {
	byLedger := map[string][]*Event{}
	now := o.cfg.Now()
	for _, e := range events {
		if e.Personal != PersonalSealed {
			continue
		}
		if it, ok := o.lookup(e, now); ok {
			if err := e.apply(it); err != nil {
				return err
			}
			continue
		}
		byLedger[e.LedgerNo] = append(byLedger[e.LedgerNo], e)
	}
	for ledgerNo, es := range byLedger {
		for len(es) > 0 {
			n := min(len(es), o.cfg.BatchSize)
			if err := o.ask(ctx, ledgerNo, es[:n]); err != nil {
				return err
			}
			es = es[n:]
		}
	}
	return nil
}

// Forget drops every kept answer about the events of a stream ("{ledgerNo}/{subject}"): the
// customer was forgotten (a consumer calls it when it sees CustomerForgotten; the Consumer does).
func (o *Opener) Forget(stream string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for p, k := range o.kept {
		if k.stream == stream {
			delete(o.kept, p)
		}
	}
}

func (o *Opener) lookup(e *Event, now time.Time) (disclosed, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	k, ok := o.kept[e.Position]
	switch {
	case !ok:
		return disclosed{}, false
	case !now.Before(k.expires):
		delete(o.kept, e.Position)
		return disclosed{}, false
	case k.item.ID != e.ID.String():
		return disclosed{}, false
	}
	return k.item, true
}

func (o *Opener) keep(items []disclosed, streams map[uint64]string, expires time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.kept)+len(items) > o.cfg.MaxKept {
		now := o.cfg.Now()
		for p, k := range o.kept {
			if !now.Before(k.expires) || len(o.kept)+len(items) > o.cfg.MaxKept {
				delete(o.kept, p)
			}
		}
	}
	for _, it := range items {
		if it.Status != "not-found" {
			o.kept[it.Position] = keptItem{item: it, stream: streams[it.Position], expires: expires}
		}
	}
}

// ask asks the ledger for the events (of one ledger) and applies the answer.
func (o *Opener) ask(ctx context.Context, ledgerNo string, es []*Event) error {
	positions := make([]uint64, len(es))
	streams := make(map[uint64]string, len(es))
	for i, e := range es {
		positions[i] = e.Position
		streams[e.Position] = e.Stream()
	}
	asked := o.cfg.Now()
	page, err := o.post(ctx, ledgerNo, positions)
	var withheld error
	switch {
	case errors.Is(err, ErrNotGranted):
		withheld = err
	case errors.Is(err, ErrForbidden): // the token's scopes: a configuration to mend, not a withholding
		return err
	case err != nil:
		return err
	}
	if withheld != nil {
		for _, e := range es {
			e.withhold(withheld)
		}
		return nil
	}
	if len(page.Items) != len(es) {
		return fmt.Errorf("%w: %d items for %d positions", ErrMismatch, len(page.Items), len(es))
	}
	maxAge := time.Duration(page.MaxAge) * time.Second
	if o.cfg.MaxAge > 0 && o.cfg.MaxAge < maxAge {
		maxAge = o.cfg.MaxAge
	}
	for i, e := range es {
		if err := e.apply(page.Items[i]); err != nil {
			return err
		}
	}
	if maxAge > 0 {
		o.keep(page.Items, streams, asked.Add(maxAge))
	}
	for i, e := range es {
		// Erased: the customer was forgotten. Withheld for a protected identity: the customer's
		// personal data may not be disclosed to this consumer any more. Either way no kept
		// answer opens its events again.
		if it := page.Items[i]; it.Status == "erased" || it.Status == "withheld" && it.Reason == reasonProtectedIdentity {
			o.Forget(e.Stream())
		}
	}
	return nil
}

// reasonProtectedIdentity is the reason of an item withheld because the customer's identity is
// protected (docs/consumers.md).
const reasonProtectedIdentity = "protected-identity"

// post sends one request — twice when the ledger refuses the token (401): the token source may
// renew it (a key rotated on the ledger's side, a cached token expired early), so it is asked
// for a token again, told why (TokenRefused), and only a second 401 in a row is ErrUnauthorized.
func (o *Opener) post(ctx context.Context, ledgerNo string, positions []uint64) (disclosedPage, error) {
	page, err := o.send(ctx, ctx, ledgerNo, positions)
	if perr := (*problemError)(nil); errors.As(err, &perr) && perr.Status == http.StatusUnauthorized {
		page, err = o.send(ctx, context.WithValue(ctx, tokenRefusedKey{}, true), ledgerNo, positions)
	}
	return page, err
}

// send sends one request with a token asked for with tokenCtx.
func (o *Opener) send(ctx, tokenCtx context.Context, ledgerNo string, positions []uint64) (disclosedPage, error) {
	var page disclosedPage
	tctx, cancelToken := context.WithTimeout(tokenCtx, o.cfg.Timeout) // ctx's own end is told apart below
	token, err := o.cfg.Token(tctx)
	cancelToken()
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return page, ctx.Err()
	case errors.Is(err, ErrUnauthorized): // the token source says its credentials are refused
		return page, fmt.Errorf("consumer: token: %w", err)
	default: // the identity provider down or slow: it may pass
		return page, fmt.Errorf("%w: token: %w", ErrUnavailable, err)
	}
	body, _ := json.Marshal(map[string][]uint64{"positions": positions})
	u := o.cfg.URL + "/ledger/customer/v1/" + url.PathEscape(ledgerNo) + "/events/personal-data"
	rctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout) // ctx's own end is told apart below
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return page, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	tracing.Inject(ctx, req.Header) // ctx's span (the Consumer's SpanOpen, a Handler's SpanHandle) continues at the writer
	resp, err := o.cfg.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return page, ctx.Err()
		}
		return page, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		if ctx.Err() != nil {
			return page, ctx.Err()
		}
		return page, fmt.Errorf("%w: reading the answer: %v", ErrUnavailable, err)
	}
	if len(raw) > maxAnswer {
		return page, fmt.Errorf("%w: the answer is larger than %d MiB, the most the Opener reads: ask for fewer events at a time (OpenerConfig.BatchSize, now %d)",
			ErrMismatch, maxAnswer>>20, o.cfg.BatchSize)
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, &page); err != nil {
			return page, fmt.Errorf("%w: the answer is not JSON: %v", ErrMismatch, err)
		}
		return page, nil
	}
	var p struct {
		Type   string `json:"type"`
		Detail string `json:"detail"`
	}
	_ = json.Unmarshal(raw, &p)
	perr := &problemError{Status: resp.StatusCode, Type: p.Type, Detail: p.Detail}
	switch {
	case resp.StatusCode == http.StatusForbidden && strings.HasSuffix(p.Type, "/personal-data-not-granted"):
		return page, fmt.Errorf("%w (%v)", ErrNotGranted, perr)
	case resp.StatusCode == http.StatusForbidden:
		return page, fmt.Errorf("%w (%v)", ErrForbidden, perr)
	case resp.StatusCode == http.StatusUnauthorized:
		return page, fmt.Errorf("%w (%w)", ErrUnauthorized, perr)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return page, fmt.Errorf("%w (%v)", ErrUnavailable, perr)
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return page, fmt.Errorf("consumer: asking %s for personal data: it answered %d, a redirect to %q, not followed: the ledger's writer never redirects — is URL the writer's address, or is something in between rewriting it?",
			o.cfg.URL, resp.StatusCode, cut(resp.Header.Get("Location"), 256))
	}
	return page, fmt.Errorf("consumer: asking %s for personal data: %w", o.cfg.URL, perr)
}

// maxAnswer is the most of an answer the Opener reads.
const maxAnswer = 64 << 20

// cut returns s cut to at most n bytes, marked "…" when cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// apply sets an event's data from the ledger's answer about it.
func (e *Event) apply(it disclosed) error {
	if it.Position != e.Position || it.ID != e.ID.String() {
		return fmt.Errorf("%w: asked for event %s at position %d, the ledger answered %q at %d (%s)", ErrMismatch, e.ID, e.Position, it.ID, it.Position, it.Status)
	}
	switch it.Status {
	case "opened", "clear":
		e.Data, e.Personal = it.Data, PersonalOpened
	case "erased":
		e.Data, e.Personal = it.Data, PersonalErased
		if len(it.Erased) > 0 {
			e.PersonalMembers = it.Erased
		}
	case "withheld":
		e.Data = it.Data
		e.withhold(fmt.Errorf("%w (%s)", ErrProtectedIdentity, it.Reason))
		return nil
	default:
		return fmt.Errorf("%w: the ledger answered %q for event %d", ErrMismatch, it.Status, e.Position)
	}
	e.decodeDomain()
	return nil
}

// withhold marks an event's personal members withheld for reason; Data keeps the clear members.
func (e *Event) withhold(reason error) {
	e.Personal, e.Withheld = PersonalWithheld, reason
	e.decodeDomain()
}

// tokenRefusedKey marks the ctx of a Token call made because the ledger refused the last token.
type tokenRefusedKey struct{}

// TokenRefused reports whether the Opener asks OpenerConfig.Token for a token because the ledger
// refused (401) the one it gave last: a token source that caches tokens must then fetch a new
// one rather than give the cached one again.
func TokenRefused(ctx context.Context) bool {
	refused, _ := ctx.Value(tokenRefusedKey{}).(bool)
	return refused
}

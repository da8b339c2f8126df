package cardverify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/internal/tracing"
)

// ProviderHTTP is the HTTP adapter's provider name in RecurringCardRegistrationStarted.
const ProviderHTTP = "http"

// The HTTP adapter's contract (docs/consents.md).
const (
	// StartPath is where a verification is started at the provider: POST {BaseURL}/verifications.
	StartPath = "/verifications"
	// CallbackPath is where the provider posts a verification's result to ledgerd.
	CallbackPath = httpapi.RouteCardVerificationCallback
	// SignatureHeader carries a callback's signature: "t={unix seconds},v1={hex HMAC-SHA256 of
	// "{t}.{body}" under the callback secret}".
	SignatureHeader = "Ledger-Signature"
	// SignatureTolerance is how far a callback's signature time may be from ledgerd's clock.
	SignatureTolerance = 5 * time.Minute
	actorHTTP          = "card-verification/http"
	maxCallbackBytes   = 64 << 10
	maxProviderAnswer  = 64 << 10
	maxReferenceLength = 128
)

// HTTPConfig configures the HTTP adapter.
type HTTPConfig struct {
	// BaseURL is the provider's API (http or https); verifications start at BaseURL + StartPath.
	BaseURL string
	// Token is the credential ledgerd presents to the provider (Authorization: Bearer).
	Token string
	// CallbackSecret is the key the provider signs its callbacks with (at least 32 bytes).
	CallbackSecret []byte
	// PublicURL is ledgerd's public base URL: the provider is told to call back at
	// PublicURL + CallbackPath.
	PublicURL string
	// Timeout bounds one start request (default 10s).
	Timeout time.Duration
	// Client sends the requests (default: a client with Timeout). Its CheckRedirect does not apply:
	// a redirect is never followed (NewHTTP uses a copy without one).
	Client *http.Client
}

// Validate reports every problem at once.
func (c HTTPConfig) Validate() error {
	var errs []error
	if domain.RedirectURLProblem(c.BaseURL) != "" || strings.ContainsAny(c.BaseURL, "?#") {
		// StartPath goes after the base URL: a query or fragment would swallow it.
		errs = append(errs, fmt.Errorf("cardverify: provider URL %q: want an absolute http or https URL without a query or fragment", c.BaseURL))
	}
	if c.Token == "" {
		errs = append(errs, errors.New("cardverify: the provider token (credential) is required"))
	}
	if len(c.CallbackSecret) < 32 {
		errs = append(errs, errors.New("cardverify: the callback secret must be at least 32 bytes"))
	}
	if msg := baseURLProblem(c.PublicURL); msg != "" {
		errs = append(errs, fmt.Errorf("cardverify: public URL %s", msg))
	}
	return errors.Join(errs...)
}

// HTTP is the adapter to an external card-verification provider. Start asks the provider for a
// verification (POST {BaseURL}/verifications with a bearer token); the provider sends the
// person to its own page and reports the result to ledgerd's callback (POST CallbackPath),
// signed with the callback secret (SignatureHeader). A callback that is not signed, signed with
// another key or at a time more than SignatureTolerance away is refused (401); one for a
// registration of another provider, or with another reference, is not found. It is safe for
// concurrent use.
type HTTP struct {
	cfg    HTTPConfig
	client *http.Client
}

// NewHTTP returns the HTTP adapter.
func NewHTTP(cfg HTTPConfig) (*HTTP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	client := http.Client{Timeout: cfg.Timeout}
	if cfg.Client != nil {
		client = *cfg.Client
	}
	client.CheckRedirect = doNotFollow
	return &HTTP{cfg: cfg, client: &client}, nil
}

// doNotFollow is the provider client's CheckRedirect: a redirect is the provider's answer (a
// status other than 200 and 201: the start fails), never followed — Go's client would carry the
// bearer credential to the same host name on another port or over plain http, and the body
// anywhere.
func doNotFollow(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// startRequest is the body of POST {BaseURL}/verifications.
type startRequest struct {
	RegistrationID string    `json:"registrationId"`
	Language       string    `json:"language"`
	CompleteURL    string    `json:"completeUrl"`
	CancelURL      string    `json:"cancelUrl"`
	ExpiresAt      time.Time `json:"expiresAt"`
	CallbackURL    string    `json:"callbackUrl"`
}

// startResponse is the provider's answer (200 or 201).
type startResponse struct {
	Reference   string `json:"reference"`
	RedirectURL string `json:"redirectUrl"`
}

// Start implements httpapi.CardVerifier.
func (h *HTTP) Start(ctx context.Context, v httpapi.CardVerification) (domain.CardVerificationSession, error) {
	body, err := json.Marshal(startRequest{RegistrationID: v.RegistrationID, Language: v.Language, CompleteURL: v.CompleteURL,
		CancelURL: v.CancelURL, ExpiresAt: v.ExpiresAt.UTC(), CallbackURL: h.cfg.PublicURL + CallbackPath})
	if err != nil {
		return domain.CardVerificationSession{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.BaseURL+StartPath, bytes.NewReader(body))
	if err != nil {
		return domain.CardVerificationSession{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+h.cfg.Token)
	req.Header.Set("Idempotency-Key", v.RegistrationID)
	tracing.Inject(ctx, req.Header) // the caller's span (its client span for this call) continues at the provider
	resp, err := h.client.Do(req)
	if err != nil {
		return domain.CardVerificationSession{}, fmt.Errorf("cardverify: provider: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxProviderAnswer+1))
	if err != nil {
		return domain.CardVerificationSession{}, fmt.Errorf("cardverify: provider: reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return domain.CardVerificationSession{}, fmt.Errorf("cardverify: provider answered %d", resp.StatusCode)
	}
	var sr startResponse
	if len(data) > maxProviderAnswer || json.Unmarshal(data, &sr) != nil {
		return domain.CardVerificationSession{}, errors.New("cardverify: provider's answer is not the expected JSON")
	}
	if p := domain.RedirectURLProblem(sr.RedirectURL); p != "" {
		return domain.CardVerificationSession{}, errors.New("cardverify: provider's redirectUrl " + p)
	}
	if !validReference(sr.Reference) {
		return domain.CardVerificationSession{}, fmt.Errorf("cardverify: provider's reference must be 1–%d visible ASCII characters", maxReferenceLength)
	}
	return domain.CardVerificationSession{Provider: ProviderHTTP, Reference: sr.Reference, RedirectURL: sr.RedirectURL}, nil
}

func validReference(s string) bool {
	if s == "" || len(s) > maxReferenceLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// Callback is the body of a provider's callback: the registration, the provider's reference,
// and the result in domain.ParseCardVerificationResult's terms.
type Callback struct {
	RegistrationID        string `json:"registrationId"`
	Reference             string `json:"reference"`
	Outcome               string `json:"outcome"`
	CardToken             string `json:"cardToken,omitempty"`
	InstrumentDisplayName string `json:"instrumentDisplayName,omitempty"`
	CardExpiryDate        string `json:"cardExpiryDate,omitempty"`
	ConsentExpiryDate     string `json:"consentExpiryDate,omitempty"`
	Reason                string `json:"reason,omitempty"`
}

// Sign returns the SignatureHeader value of a callback body signed at t (what a provider sends).
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + signature(secret, ts, body)
}

func signature(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// verifySignature checks a SignatureHeader value against the body at now.
func verifySignature(secret []byte, header string, body []byte, now time.Time) bool {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return false
	}
	if d := now.Sub(time.Unix(sec, 0)); d > SignatureTolerance || d < -SignatureTolerance {
		return false
	}
	want := []byte(signature(secret, ts, body))
	for _, sig := range sigs {
		if hmac.Equal([]byte(sig), want) {
			return true
		}
	}
	return false
}

// Pages implements httpapi.CardVerifierPages: the provider's callback.
func (h *HTTP) Pages(regs httpapi.CardRegistrations) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(CallbackPath, func(w http.ResponseWriter, r *http.Request) { h.callback(w, r, regs) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteProblem(w, r, http.StatusNotFound, "not-found", "no resource at this path", nil)
	})
	return mux
}

// callback records a verification's result: 204 when recorded (also when the same result was
// recorded before: providers retry), 401 for a bad signature, 400 for a body that is not a
// valid result, 404 for an unknown registration, 409 when it ended otherwise.
func (h *HTTP) callback(w http.ResponseWriter, r *http.Request, regs httpapi.CardRegistrations) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpapi.WriteProblem(w, r, http.StatusMethodNotAllowed, "method-not-allowed", r.Method+" is not supported here; allowed: POST", nil)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCallbackBytes))
	var tooBig *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &tooBig):
		httpapi.WriteProblem(w, r, http.StatusRequestEntityTooLarge, "payload-too-large", fmt.Sprintf("a callback is at most %d bytes", maxCallbackBytes), nil)
		return
	case errors.As(err, &ne) && ne.Timeout():
		httpapi.WriteProblem(w, r, http.StatusRequestTimeout, "timeout", "the callback's body was not received in time; nothing was recorded", nil)
		return
	case err != nil:
		httpapi.WriteProblem(w, r, http.StatusBadRequest, "validation", "the callback's body could not be read; nothing was recorded", nil)
		return
	}
	if !verifySignature(h.cfg.CallbackSecret, r.Header.Get(SignatureHeader), body, regs.Now()) {
		w.Header().Set("WWW-Authenticate", `Signature realm="card-verification"`)
		httpapi.WriteProblem(w, r, http.StatusUnauthorized, "unauthorized", "the callback's "+SignatureHeader+" is missing, not valid or too old", nil)
		return
	}
	var cb Callback
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cb); err != nil {
		httpapi.WriteProblem(w, r, http.StatusBadRequest, "validation", "the request is not valid: see problems",
			[]domain.Problem{{Name: "body", Description: "the callback must be a JSON object with registrationId, reference, outcome and the result's properties"}})
		return
	}
	opt := func(s string) domain.Field[string] {
		if s == "" {
			return domain.Field[string]{}
		}
		return domain.Set(s)
	}
	res, err := domain.ParseCardVerificationResult(domain.CardVerificationResultInput{
		Outcome: opt(cb.Outcome), CardToken: opt(cb.CardToken), InstrumentDisplayName: opt(cb.InstrumentDisplayName),
		CardExpiryDate: opt(cb.CardExpiryDate), ConsentExpiryDate: opt(cb.ConsentExpiryDate), Reason: opt(cb.Reason)})
	var de *domain.Error
	if errors.As(err, &de) {
		httpapi.WriteProblem(w, r, http.StatusBadRequest, "validation", "the request is not valid: see problems", de.Problems)
		return
	}
	reg, found, err := regs.Registration(r.Context(), cb.RegistrationID)
	if err != nil {
		regs.WriteError(w, r, err)
		return
	}
	if !found || reg.Provider != ProviderHTTP || reg.ProviderReference != cb.Reference {
		httpapi.WriteProblem(w, r, http.StatusNotFound, "not-found", "no registration of this provider with this registrationId and reference", nil)
		return
	}
	after, err := regs.Finish(r.Context(), reg.RegistrationID, actorHTTP, res)
	switch {
	case errors.As(err, &de) && de.Code == domain.CodeConflict:
		if cur, _, _ := regs.Registration(r.Context(), reg.RegistrationID); sameEnd(cur, res) {
			w.WriteHeader(http.StatusNoContent) // a retry of a recorded result
			return
		}
		httpapi.WriteProblem(w, r, http.StatusConflict, "conflict", de.Message, nil)
		return
	case errors.As(err, &de) && de.Code == domain.CodeValidation:
		// A completed verification of a card or consent already expired: nothing is recorded.
		httpapi.WriteProblem(w, r, http.StatusBadRequest, "validation", "the request is not valid: see problems", de.Problems)
		return
	case errors.As(err, &de):
		httpapi.WriteProblem(w, r, http.StatusNotFound, "not-found", de.Message, nil)
		return
	case err != nil:
		// Not stored (503, retry), stored while the read models lag (503 "read before
		// retrying": a retry meets the recorded result, 204), cancelled, or a failure (500,
		// logged): the server's one mapping says which, truthfully.
		regs.WriteError(w, r, err)
		return
	}
	if !sameEnd(after, res) {
		// It had expired: the expiry was recorded, not this result (an abort for another reason
		// too), and a retry of this result meets that end: 409 now as then.
		httpapi.WriteProblem(w, r, http.StatusConflict, "conflict", "the registration had expired; it was recorded as aborted", nil)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// sameEnd reports whether a registration that has ended ended with this result's outcome.
func sameEnd(reg domain.CardRegistration, res domain.CardVerificationResult) bool {
	switch res.Outcome {
	case domain.OutcomeCompleted: // with the same card: a completion naming another is not a retry
		return reg.Status == domain.CardRegistrationCompleted && reg.CardToken == res.CardToken
	case domain.OutcomeAborted:
		return reg.Status == domain.CardRegistrationAborted && reg.Reason == res.Reason
	case domain.OutcomeFailed:
		return reg.Status == domain.CardRegistrationFailed && reg.Reason == res.Reason
	}
	return false
}

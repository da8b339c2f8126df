package cardverify

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi"
)

// ProviderSandbox is the sandbox's provider name in RecurringCardRegistrationStarted.
const ProviderSandbox = "sandbox"

// The sandbox's paths: the page of a registration is SandboxPath + {registrationId}.{mac}
// (Sandbox.pagePath).
const (
	SandboxPath = httpapi.CardVerificationPrefix + "sandbox/"
	cssPath     = httpapi.RouteSandboxStylesheet
	// actorSandbox is the actor of the events the page records: the person holding the page's
	// unguessable URL has no token.
	actorSandbox = "card-verification/sandbox"
	// formCookie carries the page's form nonce (see formToken).
	formCookie = "ledger_sandbox_form"
	// maxFormBytes bounds the page's form body.
	maxFormBytes = 16 << 10
)

//go:embed assets
var assets embed.FS

var pageTemplate = template.Must(template.ParseFS(assets, "assets/sandbox.html"))

// SandboxConfig configures the sandbox provider.
type SandboxConfig struct {
	// BaseURL is ledgerd's public base URL (scheme://host[:port], the URL people's browsers reach
	// it by): redirect URLs point at BaseURL + SandboxPath + {registrationId}.{mac}.
	BaseURL string
	// Key signs the page URLs and the form tokens; at least 32 bytes, the same across restarts (ledgerd
	// derives it from its key file).
	Key []byte
}

// Validate reports every problem at once.
func (c SandboxConfig) Validate() error {
	var errs []error
	if msg := baseURLProblem(c.BaseURL); msg != "" {
		errs = append(errs, fmt.Errorf("cardverify: sandbox base URL %s", msg))
	}
	if len(c.Key) < 32 {
		errs = append(errs, errors.New("cardverify: the sandbox key must be at least 32 bytes"))
	}
	return errors.Join(errs...)
}

// baseURLProblem says why s is not an http(s) base URL without path, query or fragment.
func baseURLProblem(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Sprintf("%q: want scheme://host[:port], http or https", s)
	}
	return ""
}

// Sandbox is the card-verification provider built into ledgerd (SPEC §7): its redirect URL is a
// small page ledgerd serves itself, in the registration's language, where a person enters one of
// the sandbox's TestCards and verifies it (Completed, or Failed for the declined card) or
// cancels (Aborted). The page then sends the browser to the registration's completeUrl
// (Completed, Failed) or cancelUrl (Aborted). It is safe for concurrent use.
//
// Safety: the page's URL names the registration by its id, 144 random bits, and a MAC of the id
// under the sandbox's key: the id is in the clear in the registration's events (on NATS, in the
// audit trail), the URL — its redirectUrl — is sealed as personal data, and the id alone opens
// no page. The form carries a
// token bound to the registration and to a nonce in a SameSite=Strict, HttpOnly cookie set with
// the page, so a form posted from anywhere else is refused; a registration ends once, so a
// replayed form changes nothing. Responses forbid framing, caching and referrers. No card number
// is kept: only the masked number and a random card token are recorded.
type Sandbox struct {
	base   string
	secure bool
	key    []byte
}

// NewSandbox returns the sandbox provider.
func NewSandbox(cfg SandboxConfig) (*Sandbox, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Sandbox{base: strings.TrimSuffix(cfg.BaseURL, "/"), secure: strings.HasPrefix(cfg.BaseURL, "https:"), key: cfg.Key}, nil
}

// Start implements httpapi.CardVerifier: the redirect URL is the registration's page.
func (s *Sandbox) Start(ctx context.Context, v httpapi.CardVerification) (domain.CardVerificationSession, error) {
	if !domain.ValidRegistrationID(v.RegistrationID) {
		return domain.CardVerificationSession{}, errors.New("cardverify: invalid registration id")
	}
	return domain.CardVerificationSession{Provider: ProviderSandbox, RedirectURL: s.base + s.pagePath(v.RegistrationID)}, nil
}

// pagePath is the path of a registration's page: SandboxPath + {registrationId}.{mac}, the MAC
// (128 bits of an HMAC-SHA256 under the sandbox's key, base64url) binding the page to the id.
func (s *Sandbox) pagePath(id string) string { return SandboxPath + id + "." + s.pageMAC(id) }

func (s *Sandbox) pageMAC(id string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("ledger-sandbox-page\x00" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// pageRegistration returns the registration id a page's last path segment names, if its MAC is
// the id's.
func (s *Sandbox) pageRegistration(segment string) (string, bool) {
	id, mac, ok := strings.Cut(segment, ".")
	if !ok || !domain.ValidRegistrationID(id) || !hmac.Equal([]byte(mac), []byte(s.pageMAC(id))) {
		return "", false
	}
	return id, true
}

// Pages implements httpapi.CardVerifierPages: the registration pages and their stylesheet.
func (s *Sandbox) Pages(regs httpapi.CardRegistrations) http.Handler {
	p := &sandboxPages{s: s, regs: regs}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+cssPath, serveCSS)
	mux.HandleFunc(SandboxPath+"{page}", p.page)
	// Anything else the server mounts here is not for a browser: the callback route, which this
	// provider does not use (an external provider's), answers like every API route, with a problem.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteProblem(w, r, http.StatusNotFound, "not-found", "this card-verification provider takes no callbacks", nil)
	})
	return mux
}

func textsOf(lang string) texts { _, t := textsFor(lang); return t }

func serveCSS(w http.ResponseWriter, r *http.Request) {
	css, _ := assets.ReadFile("assets/sandbox.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(css)
}

// sandboxPages serves the pages of one server's registrations.
type sandboxPages struct {
	s    *Sandbox
	regs httpapi.CardRegistrations
}

// pageData is the template's data.
type pageData struct {
	Lang, CSS string
	T         texts
	// The form, when Form is true.
	Form          bool
	Action, Token string
	Expiry        string
	Errors        map[string]string
	Cards         []TestCard
	// The message page otherwise, with a link back to the shop.
	Message, Back string
}

func (p *sandboxPages) page(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, HEAD, POST")
		p.message(w, http.StatusMethodNotAllowed, "", textsOf("").NotFound, "", nil)
		return
	}
	id, ok := p.s.pageRegistration(r.PathValue("page"))
	if !ok {
		p.message(w, http.StatusNotFound, "", textsOf("").NotFound, "", nil)
		return
	}
	reg, found, err := p.regs.Registration(r.Context(), id)
	switch {
	case err != nil:
		p.failed(w, r, err)
		return
	case !found:
		p.message(w, http.StatusNotFound, "", textsOf("").NotFound, "", nil)
		return
	}
	t := textsOf(reg.Language)
	now := p.regs.Now()
	switch {
	case reg.Status != domain.CardRegistrationInitialized:
		p.message(w, http.StatusConflict, reg.Language, t.Ended, backURL(reg), &reg)
		return
	case reg.Expired(now) && r.Method != http.MethodPost:
		p.message(w, http.StatusGone, reg.Language, t.Expired, reg.CancelURL, &reg)
		return
	}
	if r.Method != http.MethodPost {
		nonce := randomToken()
		p.setNonce(w, id, nonce, reg)
		p.form(w, http.StatusOK, reg, p.formToken(id, nonce), "", nil)
		return
	}
	p.submit(w, r, reg)
}

// submit handles the posted form: the token must match the page's cookie; cancel aborts, a
// verified test card completes, the declined one fails; the browser is then sent on.
func (p *sandboxPages) submit(w http.ResponseWriter, r *http.Request, reg domain.CardRegistration) {
	t := textsOf(reg.Language)
	id := reg.RegistrationID
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	parseErr := r.ParseForm()
	cookie, cookieErr := r.Cookie(formCookie)
	token := ""
	if cookieErr == nil {
		token = p.formToken(id, cookie.Value)
	}
	if parseErr != nil || cookieErr != nil || r.Header.Get("Sec-Fetch-Site") == "cross-site" ||
		!hmac.Equal([]byte(r.PostForm.Get("token")), []byte(token)) {
		p.message(w, http.StatusForbidden, reg.Language, t.FormExpired, p.s.pagePath(id), &reg)
		return
	}
	var res domain.CardVerificationResult
	var err error
	switch action := r.PostForm.Get("action"); {
	case action == "cancel" || reg.Expired(p.regs.Now()): // an expired registration only ends (Finish records the expiry)
		res, err = domain.ParseCardVerificationResult(domain.CardVerificationResultInput{Outcome: domain.Set(string(domain.OutcomeAborted))})
	case action == "verify" || action == "":
		form, card, problems := parseCardForm(r.PostForm.Get("pan"), r.PostForm.Get("expiry"), r.PostForm.Get("cvc"), p.regs.Now())
		if len(problems) > 0 {
			errs := map[string]string{}
			for field, key := range problems {
				errs[field] = t.errors[key]
			}
			p.form(w, http.StatusBadRequest, reg, token, r.PostForm.Get("expiry"), errs)
			return
		}
		res, err = p.result(form, card)
	default:
		p.form(w, http.StatusBadRequest, reg, token, "", nil)
		return
	}
	if err != nil {
		p.failed(w, r, err)
		return
	}
	after, err := p.regs.Finish(r.Context(), id, actorSandbox, res)
	var de *domain.Error
	switch {
	case errors.As(err, &de) && de.Code == domain.CodeConflict:
		p.message(w, http.StatusConflict, reg.Language, t.Ended, backURL(reg), &reg)
		return
	case errors.As(err, &de) && (de.Code == domain.CodeNotFound || de.Code == domain.CodeCustomerNotFound || de.Code == domain.CodeCustomerForgotten):
		// The registration is gone — replaced, or its customer forgotten (or never there) since
		// the page read it: answered as the page is from now on.
		p.message(w, http.StatusNotFound, reg.Language, t.NotFound, "", &reg)
		return
	case errors.As(err, &de) && de.Code == domain.CodeValidation:
		// The result was refused, nothing recorded: the form again, saying why.
		p.form(w, http.StatusBadRequest, reg, token, r.PostForm.Get("expiry"), refusedResult(t, de.Problems))
		return
	case err != nil:
		p.failed(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: formCookie, Value: "", Path: p.s.pagePath(id), MaxAge: -1, HttpOnly: true, Secure: p.s.secure, SameSite: http.SameSiteStrictMode})
	p.securityHeaders(w, &reg)
	http.Redirect(w, r, backURL(after), http.StatusSeeOther)
}

// refusedResult returns the form's messages for the problems of a result the ledger refused
// (domain.Customer.FinishCardRegistration): the card's expiry month over — it ended between
// reading the form and recording — or the consent's (the sandbox gives the consent the card's
// expiry), on the expiry field, the card's first; anything else as a refusal of the form as a
// whole, which does not blame the date.
func refusedResult(t texts, problems []domain.Problem) map[string]string {
	errs := map[string]string{}
	for _, pr := range problems {
		switch pr.Name {
		case domain.PropCardExpiryDate:
			errs["expiry"] = t.errors[errExpired]
		case domain.PropConsentExpiryDate:
			if _, card := errs["expiry"]; !card {
				errs["expiry"] = t.errors[errConsentOver]
			}
		default:
			errs["form"] = t.errors[errRefused]
		}
	}
	if len(errs) == 0 {
		errs["form"] = t.errors[errRefused]
	}
	return errs
}

// result is the verification's result for a test card.
func (p *sandboxPages) result(form cardForm, card TestCard) (domain.CardVerificationResult, error) {
	if card.Declined {
		return domain.ParseCardVerificationResult(domain.CardVerificationResultInput{
			Outcome: domain.Set(string(domain.OutcomeFailed)), Reason: domain.Set("declined")})
	}
	token, err := uuid.NewRandom()
	if err != nil {
		return domain.CardVerificationResult{}, err
	}
	return domain.ParseCardVerificationResult(domain.CardVerificationResultInput{
		Outcome:               domain.Set(string(domain.OutcomeCompleted)),
		CardToken:             domain.Set(token.String()),
		InstrumentDisplayName: domain.Set(mask(form.number)),
		CardExpiryDate:        domain.Set(fmt.Sprintf("%02d/%04d", form.month, form.year)),
		ConsentExpiryDate:     domain.Set(fmt.Sprintf("%02d-%04d", form.month, form.year)),
	})
}

// backURL is where the browser goes after a registration ended: cancelUrl when it was aborted
// (cancelled or expired), completeUrl otherwise (completed, failed: the shop reads the status).
func backURL(reg domain.CardRegistration) string {
	if reg.Status == domain.CardRegistrationAborted {
		return reg.CancelURL
	}
	return reg.CompleteURL
}

// formToken binds a form to its registration and to the nonce in the page's cookie.
func (p *sandboxPages) formToken(id, nonce string) string {
	m := hmac.New(sha256.New, p.s.key)
	m.Write([]byte("ledger-sandbox-form\x00" + id + "\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// setNonce sets the page's form cookie, scoped to the registration's page, until it expires.
func (p *sandboxPages) setNonce(w http.ResponseWriter, id, nonce string, reg domain.CardRegistration) {
	maxAge := int(reg.ExpiresAt.Sub(p.regs.Now()).Seconds()) + 1
	http.SetCookie(w, &http.Cookie{Name: formCookie, Value: nonce, Path: p.s.pagePath(id), MaxAge: maxAge,
		HttpOnly: true, Secure: p.s.secure, SameSite: http.SameSiteStrictMode})
}

func randomToken() string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// form renders the card form.
func (p *sandboxPages) form(w http.ResponseWriter, status int, reg domain.CardRegistration, token, expiry string, errs map[string]string) {
	lang, t := textsFor(reg.Language)
	p.render(w, status, &reg, pageData{Lang: lang, CSS: cssPath, T: t, Form: true, Action: p.s.pagePath(reg.RegistrationID),
		Token: token, Expiry: expiry, Errors: errs, Cards: TestCards})
}

// message renders a page with a message and an optional link back.
func (p *sandboxPages) message(w http.ResponseWriter, status int, lang, msg, back string, reg *domain.CardRegistration) {
	lang, t := textsFor(lang)
	p.render(w, status, reg, pageData{Lang: lang, CSS: cssPath, T: t, Message: msg, Back: back})
}

// failed answers an error of reading or recording a registration as every route answers it, with
// the server's one mapping (CardRegistrations.WriteError, which logs the service's failures): a
// result not stored (a full disk) is a 503 "not stored" with Retry-After, one stored while the
// read models lag a 503 "read before retrying" — never "an unexpected error" for a result that
// was recorded — and anything else a 500 that reveals nothing.
func (p *sandboxPages) failed(w http.ResponseWriter, r *http.Request, err error) {
	p.securityHeaders(w, nil)
	p.regs.WriteError(w, r, err)
}

func (p *sandboxPages) render(w http.ResponseWriter, status int, reg *domain.CardRegistration, data pageData) {
	var b strings.Builder
	if err := pageTemplate.Execute(&b, data); err != nil {
		p.securityHeaders(w, nil)
		http.Error(w, "An unexpected error occurred.", http.StatusInternalServerError)
		return
	}
	p.securityHeaders(w, reg)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(b.String()))
}

// securityHeaders: no framing, no caching, no referrer (the page's URL is its secret), nothing
// loaded but the page's own stylesheet, forms posted only to the page (and redirected only to
// the registration's completeUrl and cancelUrl origins, or their scheme where origin cannot
// name the host).
func (p *sandboxPages) securityHeaders(w http.ResponseWriter, reg *domain.CardRegistration) {
	sources := []string{"'self'"}
	if reg != nil {
		for _, u := range []string{reg.CompleteURL, reg.CancelURL} {
			if o := origin(u); o != "" && !slices.Contains(sources, o) {
				sources = append(sources, o)
			}
		}
	}
	formAction := strings.Join(sources, " ")
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

// origin returns the CSP source of a validated redirect URL: scheme://host[:port] when a CSP
// host-source can spell its host (ASCII letters, digits, '-' and '.'), its scheme ("https:")
// otherwise — an underscore, an IPv6 literal or a non-ASCII name makes the source invalid, a
// browser ignores it and then blocks the redirect to the URL the API accepted. "" when the URL
// has no host.
func origin(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	if strings.IndexFunc(u.Hostname(), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.')
	}) >= 0 {
		return u.Scheme + ":"
	}
	if port := u.Port(); port != "" {
		return u.Scheme + "://" + u.Hostname() + ":" + port
	}
	return u.Scheme + "://" + u.Hostname() // "host:" has an empty port, which no CSP source has
}

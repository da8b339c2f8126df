package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/internal/app"
)

// CardVerificationPrefix is the path under which a card-verification provider's own requests
// are served: the sandbox's page (/card-verification/sandbox/...) and an external provider's
// callbacks (/card-verification/callback). They are not ledger routes: the person's browser and
// the provider carry no bearer token.
const CardVerificationPrefix = "/card-verification/"

// The routes of the providers' own requests. The router registers them whichever provider is
// configured (so Server.Routes and the OpenAPI document list them): a provider that does not
// serve one answers it 404. Other paths under CardVerificationPrefix are not served.
const (
	// RouteSandboxPage is the sandbox provider's page of a registration (GET the form, POST it):
	// {page} is "{registrationId}.{mac}", the MAC binding the page to the id (cardverify.Sandbox).
	RouteSandboxPage = CardVerificationPrefix + "sandbox/{page}"
	// RouteSandboxStylesheet is the sandbox page's stylesheet.
	RouteSandboxStylesheet = CardVerificationPrefix + "sandbox/assets/sandbox.css"
	// RouteCardVerificationCallback is where an external provider posts a verification's result.
	RouteCardVerificationCallback = CardVerificationPrefix + "callback"
)

// DefaultCardRegistrationTTL is how long a recurring-card registration may stay Initialized when
// Config.CardRegistrationTTL is zero.
const DefaultCardRegistrationTTL = 30 * time.Minute

// CardVerifier is a card-verification provider (SPEC §7), implemented by the adapters of
// httpapi/cardverify. Implementations are safe for concurrent use.
//
// Start opens a verification for a registration that is about to start and answers where to
// send the person (domain.CardVerificationSession). Nothing is recorded before it answers: an
// error means the provider could not be asked, and the registration is not started (503). The
// result comes back later through the provider's own requests (CardVerifierPages).
type CardVerifier interface {
	Start(ctx context.Context, v CardVerification) (domain.CardVerificationSession, error)
}

// CardVerification is what a provider is told of a registration it is to verify a card for.
type CardVerification struct {
	// RegistrationID is unguessable (144 random bits): it may name the verification page.
	RegistrationID string
	Language       string // one of domain.CardVerificationLanguages
	CompleteURL    string // where the person goes when the verification is over
	CancelURL      string // where the person goes when they cancel
	ExpiresAt      time.Time
}

// CardVerifierPages is implemented by a CardVerifier that serves requests of its own under
// CardVerificationPrefix (the sandbox's page, an external provider's callbacks). The server
// hands the handler Pages returns the requests of RouteSandboxPage, RouteSandboxStylesheet and
// RouteCardVerificationCallback in the methods each takes, and the registrations it gets are how
// the pages read a registration and record its end. A read replica redirects these requests to
// the writer.
type CardVerifierPages interface {
	Pages(regs CardRegistrations) http.Handler
}

// CardRegistrations gives a provider's pages the registrations (implemented by the server).
type CardRegistrations interface {
	// Registration returns the registration with id while it is its customer's latest one (an
	// older, replaced registration is not found).
	Registration(ctx context.Context, id string) (domain.CardRegistration, bool, error)
	// Finish records a verification's result for registration id, as actor (the provider's
	// name), and returns the registration after it. A registration that ended already is a
	// *domain.Error with CodeConflict (it is completed once); one not found CodeNotFound; one
	// that expired ends Aborted (reason expired) whatever the result.
	Finish(ctx context.Context, id, actor string, res domain.CardVerificationResult) (domain.CardRegistration, error)
	// Now is the server's clock (expiry is judged by it).
	Now() time.Time
	// WriteError answers an error of Registration or Finish as every route answers it: mapped
	// to a status in one place (problem.go) and logged when it is the service's failure — so a
	// result stored while the read models lag is not reported as not recorded.
	WriteError(w http.ResponseWriter, r *http.Request, err error)
}

// CardRegistrationIndex finds the customer of a recurring-card registration (implemented by
// *projections.Customers).
type CardRegistrationIndex interface {
	CardRegistration(ctx context.Context, registrationID string) (ledgerNo, customerNo string, found bool, err error)
}

// verifierError is a card-verification provider that could not answer (503, nothing changed).
type verifierError struct{ err error }

func (e *verifierError) Error() string { return "card-verification provider: " + e.err.Error() }
func (e *verifierError) Unwrap() error { return e.err }

// newRegistrationID returns an unguessable registration id: 144 random bits, base64url (24
// characters).
func newRegistrationID() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// cardVerificationPages mounts the provider's own requests on their routes. A read replica
// (which needs no CardVerifier) sends every such request to the writer — 307 keeps the method
// and the form — or answers 421 when it knows no writer: the page's form and the callbacks
// record events, and the page belongs with them. A method a route does not take is a 405
// problem, as on every route.
func (s *Server) cardVerificationPages(mux *http.ServeMux) {
	pages := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.writeError(w, r, errNoResource) })
	switch pv, ok := s.cfg.CardVerifier.(CardVerifierPages); {
	case s.cfg.ReadOnly:
		pages = func(w http.ResponseWriter, r *http.Request) {
			if s.cfg.WriterURL == "" {
				s.writeError(w, r, s.errReadOnly())
				return
			}
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, r, strings.TrimSuffix(s.cfg.WriterURL, "/")+r.URL.RequestURI(), http.StatusTemporaryRedirect)
		}
	case ok:
		pages = pv.Pages(cardRegistrations{s}).ServeHTTP
	}
	for _, rt := range []Route{
		{Pattern: RouteSandboxPage, Methods: []string{http.MethodGet, http.MethodPost}},
		{Pattern: RouteSandboxStylesheet, Methods: []string{http.MethodGet}},
		{Pattern: RouteCardVerificationCallback, Methods: []string{http.MethodPost}},
	} {
		s.handle(mux, rt.Pattern, rt.Methods, s.onlyMethods(rt.Methods, pages))
	}
}

// onlyMethods answers methods other than methods (and HEAD where GET is one) with a 405 problem.
func (s *Server) onlyMethods(methods []string, h http.HandlerFunc) http.HandlerFunc {
	allowed := slices.Clone(methods)
	if slices.Contains(methods, http.MethodGet) {
		allowed = append(allowed, http.MethodHead)
	}
	slices.Sort(allowed)
	allow := strings.Join(allowed, ", ")
	return func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(allowed, r.Method) {
			s.writeError(w, r, methodNotAllowed(r.Method, allow))
			return
		}
		h(w, r)
	}
}

// cardRegistrations implements CardRegistrations over the server's read model and commands.
type cardRegistrations struct{ s *Server }

func (c cardRegistrations) Now() time.Time { return c.s.now() }

func (c cardRegistrations) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	c.s.writeError(w, r, err)
}

func (c cardRegistrations) Registration(ctx context.Context, id string) (domain.CardRegistration, bool, error) {
	if !domain.ValidRegistrationID(id) || c.s.cfg.CardRegistrations == nil {
		return domain.CardRegistration{}, false, nil
	}
	ledgerNo, no, found, err := c.s.cfg.CardRegistrations.CardRegistration(ctx, id)
	if err != nil || !found {
		return domain.CardRegistration{}, false, err
	}
	st, found, err := c.s.cfg.Customers.Customer(ctx, ledgerNo, no)
	if err != nil || !found || st.CardRegistration == nil || st.CardRegistration.RegistrationID != id {
		return domain.CardRegistration{}, false, err
	}
	return *st.CardRegistration, true, nil
}

func (c cardRegistrations) Finish(ctx context.Context, id, actor string, res domain.CardVerificationResult) (domain.CardRegistration, error) {
	s := c.s
	if !domain.ValidRegistrationID(id) || s.cfg.CardRegistrations == nil || s.cfg.Commands == nil {
		return domain.CardRegistration{}, domain.ErrNoActiveCardRegistration()
	}
	ledgerNo, no, found, err := s.cfg.CardRegistrations.CardRegistration(ctx, id)
	if err != nil {
		return domain.CardRegistration{}, err
	}
	if !found {
		return domain.CardRegistration{}, domain.ErrNoActiveCardRegistration()
	}
	// The trace context is the request's span (the sandbox form's or the provider's callback),
	// which the handler takes from ctx.
	meta := app.Meta{Actor: actor, CorrelationID: correlationID(ctx), CausationID: info(ctx).requestIDOf(), Time: s.now().UTC(),
		Command: "finishCardRegistration"}
	if meta.CorrelationID == "" {
		meta.CorrelationID = uuid.Must(uuid.NewV7()).String()
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.WriteTimeout)
	defer cancel()
	out, err := s.cfg.Commands.Execute(cctx, ledgerNo, no, nil, meta, app.FinishCardRegistration(id, res, meta.Time))
	if err != nil {
		return domain.CardRegistration{}, err
	}
	if st := out.State; st.CardRegistration != nil && st.CardRegistration.RegistrationID == id {
		return *st.CardRegistration, nil
	}
	return domain.CardRegistration{}, errMissingAfterWrite
}

// startCardVerification asks the provider to start a verification. A provider that could not
// answer is a verifierError, unless the caller went away.
func (s *Server) startCardVerification(ctx context.Context, v CardVerification) (_ domain.CardVerificationSession, err error) {
	if s.cfg.CardVerifier == nil {
		return domain.CardVerificationSession{}, &verifierError{errors.New("no card-verification provider is configured")}
	}
	cctx, span := startCall(ctx, SpanCardVerification) // trace.go
	defer func() { endCall(span, err) }()
	session, err := s.cfg.CardVerifier.Start(cctx, v)
	switch {
	case err == nil && session.Provider != "" && domain.RedirectURLProblem(session.RedirectURL) == "":
		return session, nil
	case err == nil:
		err = errors.New("the provider answered without a provider name or a valid redirect URL")
	case ctx.Err() != nil:
		return session, ctx.Err()
	}
	return session, &verifierError{err}
}

// WriteProblem writes a problem response (SPEC §8) for a provider's own requests (its callbacks),
// so they answer as the ledger routes do. A *domain.Error maps to its status as everywhere.
func WriteProblem(w http.ResponseWriter, r *http.Request, status int, code, detail string, problems []domain.Problem) {
	writeProblem(w, r, status, code, detail, problems)
}

package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/httpapi/auth"
)

// Route patterns (also the route label in logs).
const (
	prefix              = "/ledger/customer/v1/{ledgerNo}"
	routeCustomers      = prefix + "/customers"
	routeCustomer       = prefix + "/customers/{customerNo}"
	routeLegalAddress   = prefix + "/customers/{customerNo}/legal-address"
	routeBillingAddress = prefix + "/customers/{customerNo}/billing-address"
	routeFindCustomer   = prefix + "/find-customer"
	routeSurpluses      = routeCustomer + "/surpluses"
	routeSurplus        = routeSurpluses + "/{surplusId}"
	routeSettle         = routeSurplus + "/settle"
	routeConfirm        = routeSurplus + "/confirm-regulation"
	routeOrders         = routeSurplus + "/active-disbursement-orders"
	routeOrder          = routeOrders + "/{orderId}"
	routeOrderComplete  = routeOrder + "/complete"
	routeKycQuestions   = prefix + "/kyc-questions"
	routeKycQuestionsUC = prefix + "/Kyc-Questions" // as the document's note spells it
	routeKycAnswers     = routeCustomer + "/update-kyc-answers"
	routeCustomerEvents = routeCustomer + "/events"
	routeEvents         = prefix + "/events"
	routeHealth         = "/healthz"
	routeReady          = "/readyz"
	routeMetrics        = "/metrics"
)

// ledgerHandler handles a request on a ledger route for an authenticated caller. It writes its
// answer, or returns an error, which writeError answers (problem.go).
type ledgerHandler func(w http.ResponseWriter, r *http.Request, c *call) error

// endpoint is one method of a route: the scope it needs and its handler.
type endpoint struct {
	scope   string
	handler ledgerHandler
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	s.route(mux, routeCustomers, map[string]endpoint{
		http.MethodPost: {auth.ScopeCustomerWrite, s.createCustomer},
	})
	s.route(mux, routeCustomer, map[string]endpoint{
		http.MethodGet:   {auth.ScopeCustomerRead, s.getCustomer},
		http.MethodPatch: {auth.ScopeCustomerWrite, s.patchCustomer},
	})
	s.route(mux, routeLegalAddress, map[string]endpoint{
		http.MethodGet:  {auth.ScopeCustomerRead, s.getLegalAddress},
		http.MethodPut:  {auth.ScopeCustomerWrite, s.putLegalAddress},
		http.MethodPost: {auth.ScopePopulationRegister, s.updateLegalAddressFromRegister},
	})
	s.populationRegisterRoutes(mux)
	s.consentRoutes(mux) // consent.go
	s.route(mux, routeBillingAddress, map[string]endpoint{
		http.MethodGet:    {auth.ScopeCustomerRead, s.getBillingAddress},
		http.MethodPost:   {auth.ScopeCustomerWrite, s.postBillingAddress},
		http.MethodPut:    {auth.ScopeCustomerWrite, s.putBillingAddress},
		http.MethodDelete: {auth.ScopeCustomerWrite, s.deleteBillingAddress},
	})
	s.route(mux, routeFindCustomer, map[string]endpoint{
		http.MethodPost: {auth.ScopeCustomerRead, s.findCustomer},
	})
	s.route(mux, routeSurpluses, map[string]endpoint{
		http.MethodGet:  {auth.ScopeCustomerRead, s.listSurpluses},
		http.MethodPost: {auth.ScopeSurplusWrite, s.registerSurplus},
	})
	s.route(mux, routeSurplus, map[string]endpoint{http.MethodGet: {auth.ScopeCustomerRead, s.getSurplus}})
	s.route(mux, routeSettle, map[string]endpoint{http.MethodPost: {auth.ScopeSurplusWrite, s.settleSurplus}})
	s.route(mux, routeConfirm, map[string]endpoint{http.MethodPost: {auth.ScopeSurplusWrite, s.confirmRegulation}})
	s.route(mux, routeOrders, map[string]endpoint{
		http.MethodGet:  {auth.ScopeCustomerRead, s.listOrders},
		http.MethodPost: {auth.ScopeDisbursementWrite, s.orderDisbursement},
	})
	s.route(mux, routeOrder, map[string]endpoint{http.MethodGet: {auth.ScopeCustomerRead, s.getOrder}})
	s.route(mux, routeOrderComplete, map[string]endpoint{http.MethodPost: {auth.ScopeSurplusWrite, s.completeDisbursement}})
	s.handle(mux, routeConnectCustomerDetails, []string{http.MethodPost}, s.connectCustomerDetails)
	s.route(mux, routeKycQuestions, map[string]endpoint{http.MethodGet: {auth.ScopeCustomerRead, s.getKycQuestions}})
	s.route(mux, routeKycQuestionsUC, map[string]endpoint{http.MethodGet: {auth.ScopeCustomerRead, s.getKycQuestions}})
	s.route(mux, routeKycAnswers, map[string]endpoint{http.MethodPost: {auth.ScopeKycWrite, s.updateKycAnswers}})
	s.route(mux, routeCustomerEvents, map[string]endpoint{http.MethodGet: {auth.ScopeAuditRead, s.customerEvents}})
	s.route(mux, routeEvents, map[string]endpoint{http.MethodGet: {auth.ScopeAuditRead, s.ledgerEvents}})
	s.route(mux, routeForget, map[string]endpoint{http.MethodPost: {auth.ScopeCustomerErase, s.forgetCustomer}})
	s.personalDataRoutes(mux)                                                                    // personal_data.go
	s.uiRoutes(mux)                                                                              // ui.go: the audit page under /ui/
	s.handle(mux, routeHealth, []string{http.MethodGet}, s.getOnly(http.HandlerFunc(s.healthz))) // documents.go: 405 for other methods
	s.handle(mux, routeReady, []string{http.MethodGet}, s.getOnly(http.HandlerFunc(s.readyz)))
	s.documentRoutes(mux) // documents.go: /openapi.json, /asyncapi.json, /docs, /metrics
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.writeError(w, r, errNoResource) })
	return mux
}

// route registers a path with its methods; other methods get a 405 problem with an Allow header.
// HEAD is answered wherever GET is.
func (s *Server) route(mux *http.ServeMux, pattern string, methods map[string]endpoint) {
	allowed := make([]string, 0, len(methods)+1)
	for m := range methods {
		allowed = append(allowed, m)
	}
	if _, ok := methods[http.MethodGet]; ok {
		allowed = append(allowed, http.MethodHead)
	}
	slices.Sort(allowed)
	allow := strings.Join(allowed, ", ")
	scopes := make(map[string]string, len(methods))
	accepted := make(map[string]acceptedQuery, len(methods))
	for m, ep := range methods {
		scopes[m] = ep.scope
		accepted[m] = acceptedQueryOf(m, pattern)
	}
	s.registered = append(s.registered, Route{Pattern: pattern, Methods: slices.DeleteFunc(slices.Clone(allowed), func(m string) bool { return m == http.MethodHead }), Scopes: scopes})
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		setRoute(r, pattern)
		// A ledger route answers a customer's personal data (or a problem): no cache keeps it —
		// not a shared one, not a browser's behind a page that reads the API.
		w.Header().Set("Cache-Control", "no-store")
		method := r.Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		ep, ok := methods[method]
		if !ok {
			s.writeError(w, r, methodNotAllowed(r.Method, allow))
			return
		}
		if !acceptsJSON(r.Header.Values("Accept")) { // accept.go
			s.writeError(w, r, errNotAcceptable)
			return
		}
		if !readScope(ep.scope) {
			info(r.Context()).command = commandName(r.Method, pattern) // observe.go
		}
		query, ps := accepted[method].parse(r) // query.go
		if len(ps) > 0 {
			s.writeError(w, r, invalid(ps...))
			return
		}
		if s.cfg.ReadOnly && !readScope(ep.scope) {
			s.writeError(w, r, s.errReadOnly())
			return
		}
		// A read replica's key bus may not hold a customer's data key yet (it was started
		// again while NATS is away, or the bus lags the stream): the read waits for it as long
		// as for the read models, then answers 503 instead of holding the client for ever. (A
		// writer's keys are in its own key store: nothing waits there.)
		if s.cfg.ReadOnly {
			r = r.WithContext(personal.WithKeyWait(r.Context(), s.cfg.WriteTimeout))
		}
		// A write is carried out for a client that half-closes its connection after a complete
		// request (net/http cancels the request's context when it reads that): what it does before
		// its command — waiting for the read models, asking the population register or the
		// card-verification provider — is not cut short by it either, each bounded by its own
		// timeout, as the command is (commandContext).
		if !readScope(ep.scope) {
			r = r.WithContext(context.WithoutCancel(r.Context()))
		}
		if err := s.serveLedger(w, r, ep, query); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// readScope reports whether endpoints needing scope only read (a read replica serves them).
func readScope(scope string) bool {
	return scope == auth.ScopeCustomerRead || scope == auth.ScopeAuditRead
}

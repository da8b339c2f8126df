package httpapi

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/internal/app"
)

// routeConnectCustomerDetails is the Connect client API's "Get customer details" (SPEC §3, the
// Connect paragraph), served from the ledger's read models.
const routeConnectCustomerDetails = "/client/v1/{merchantId}/products/{paymentProductId}/customerDetails"

// LookupKeyFiscalNumber is the lookup key this service can look customers up by: the national
// identity number in the request's country.
const LookupKeyFiscalNumber = "fiscalNumber"

// ConnectMerchant is a merchant of the Connect client API: the ledger its look-ups read and its
// payment products by paymentProductId.
type ConnectMerchant struct {
	LedgerNo string
	Products map[string]ConnectProduct
}

// ConnectProduct is a payment product: for each country it serves (ISO 3166-1 alpha-2, upper
// case), the lookup keys a look-up must send — the fields Get Payment Product marks
// usedForLookup. Every key is required; only LookupKeyFiscalNumber is supported.
type ConnectProduct struct {
	Countries map[string][]string
}

// validateMerchants reports every problem of the Connect configuration at once, naming the
// merchant and product.
func (c Config) validateMerchants() []error {
	var errs []error
	if len(c.Merchants) > 0 && c.Lookups == nil && !c.ReadOnly {
		errs = append(errs, errors.New("httpapi: Lookups is required when Merchants are configured"))
	}
	for _, id := range slices.Sorted(maps.Keys(c.Merchants)) {
		m := c.Merchants[id]
		if c.Ledgers != nil {
			if _, ok := c.Ledgers.Ledger(m.LedgerNo); !ok {
				errs = append(errs, fmt.Errorf("httpapi: merchant %s: ledger %q is not configured", id, m.LedgerNo))
			}
		}
		for _, pid := range slices.Sorted(maps.Keys(m.Products)) {
			for cc, keys := range m.Products[pid].Countries {
				for _, k := range keys {
					if k != LookupKeyFiscalNumber {
						errs = append(errs, fmt.Errorf("httpapi: merchant %s product %s country %s: lookup key %q is not supported (only %s)", id, pid, cc, k, LookupKeyFiscalNumber))
					}
				}
			}
		}
	}
	return errs
}

// LookupRecorder records customer-details look-ups (implemented by *app.Handler).
type LookupRecorder interface {
	RecordLookup(ctx context.Context, ledgerNo string, e domain.CustomerDetailsLookedUp, meta app.Meta) (app.Result, error)
}

// customerDetails is Connect's GetCustomerDetailsResponse. Every property is present; one the
// ledger does not hold is "" (as the document's languageCode), so a form pre-filled from it
// never shows "undefined".
type customerDetails struct {
	FiscalNumber string `json:"fiscalNumber"`
	City         string `json:"city"`
	Street       string `json:"street"`
	Zip          string `json:"zip"`
	Country      string `json:"country"`
	FirstName    string `json:"firstName"`
	Surname      string `json:"surname"`
	EmailAddress string `json:"emailAddress"`
	PhoneNumber  string `json:"phoneNumber"`
	LanguageCode string `json:"languageCode"`
}

// connectCustomerDetails serves the look-up. Order matters for tenancy: the caller is
// authenticated first; an unknown merchant and one whose ledger the token may not use are the
// same 404; only then are the scope, the product and the body looked at.
func (s *Server) connectCustomerDetails(w http.ResponseWriter, r *http.Request) {
	setRoute(r, routeConnectCustomerDetails)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.writeConnectError(w, r, connectMethod, "")
		return
	}
	if s.cfg.ReadOnly { // every look-up is recorded in the log, which only the writer has
		msg := ""
		if s.cfg.WriterURL != "" {
			msg = connectReadOnly.message + " The writer is " + s.cfg.WriterURL + "."
		}
		s.writeConnectError(w, r, connectReadOnly, msg)
		return
	}
	p, ok := s.connectPrincipal(w, r)
	if !ok {
		return
	}
	merchantID, productID := r.PathValue("merchantId"), r.PathValue("paymentProductId")
	merchant, ok := s.cfg.Merchants[merchantID]
	if !ok || !p.CanAccessLedger(merchant.LedgerNo) {
		s.writeConnectError(w, r, connectNoMerchant, "")
		return
	}
	if !p.HasScope(auth.ScopeCustomerRead) {
		w.Header().Set("WWW-Authenticate", scopeChallenge(auth.ScopeCustomerRead))
		s.writeConnectError(w, r, connectForbidden, "")
		return
	}
	product, ok := merchant.Products[productID]
	if !ok {
		s.writeConnectProblems(w, r, []connectProblem{{kind: connectUnknownProduct, property: "paymentProductId"}})
		return
	}
	body, empty, err := readBody(r)
	if err != nil {
		s.writeConnectErr(w, r, err)
		return
	}
	if empty {
		s.writeConnectError(w, r, connectMissing, "A GetCustomerDetailsRequest is required as the request body.")
		return
	}
	req, problems := parseCustomerDetailsRequest(body, product)
	if len(problems) > 0 {
		s.writeConnectProblems(w, r, problems)
		return
	}
	s.lookUp(w, r, p, merchantID, productID, merchant.LedgerNo, req)
}

// connectPrincipal authenticates the caller, answering 401 when the token is missing or invalid.
func (s *Server) connectPrincipal(w http.ResponseWriter, r *http.Request) (auth.Principal, bool) {
	token, err := auth.BearerToken(r)
	var p auth.Principal
	if err == nil {
		p, err = s.cfg.Verifier.VerifyContext(r.Context(), token)
	}
	if ctxErr := r.Context().Err(); err != nil && ctxErr != nil && errors.Is(err, ctxErr) {
		s.writeConnectErr(w, r, err) // the request ended before its token could be checked: not a 401
		return p, false
	}
	if err != nil {
		w.Header().Set("WWW-Authenticate", bearerChallenge(err))
		msg := ""
		if !errors.Is(err, auth.ErrMissingToken) {
			msg = "The bearer token is not valid: " + err.Error()
		}
		s.writeConnectError(w, r, connectUnauthorized, msg)
		return p, false
	}
	return p, true
}

// lookUp finds the customer, records the look-up, and only then answers: nothing is disclosed
// that is not on record. A customer who may not be disclosed is answered exactly like no match.
//
// It runs in a command's context (commandContext), not the request's: a client that half-closes
// its connection after a complete request has made it, and a look-up recorded is answered.
func (s *Server) lookUp(w http.ResponseWriter, r *http.Request, p auth.Principal, merchantID, productID, ledgerNo string, req customerDetailsRequest) {
	ctx, cancel := s.commandContext(r)
	defer cancel()
	if err := s.readModelsReady(ctx); err != nil {
		s.writeConnectErr(w, r, err)
		return
	}
	st, found, err := s.findByFiscalNumber(ctx, ledgerNo, req.countryCode, req.values[LookupKeyFiscalNumber])
	if err != nil {
		s.writeConnectErr(w, r, err)
		return
	}
	e := domain.CustomerDetailsLookedUp{MerchantID: merchantID, PaymentProductID: productID, CountryCode: req.countryCode,
		Keys: req.keys, Result: domain.LookupNotFound}
	if found {
		e.CustomerNo, e.Result = st.CustomerNo, domain.LookupResult(st)
	}
	ri := info(ctx)
	meta := app.Meta{Actor: p.Subject, CorrelationID: ri.correlationID, CausationID: ri.requestIDOf(), Time: s.now().UTC(),
		TraceParent: ri.traceParent, TraceState: ri.traceState}
	// A look-up stored while the read models lag is on record (only its audit entry is not
	// readable yet): it is answered.
	res, err := s.cfg.Lookups.RecordLookup(ctx, ledgerNo, e, meta)
	if err != nil && !(res.Changed && errors.Is(err, eventstore.ErrNotApplied)) {
		s.writeConnectErr(w, r, err)
		return
	}
	// A customer forgotten since the search is recorded as no match (no customer number).
	if e.Result != domain.LookupFound || res.CustomerNo == "" {
		s.writeConnectError(w, r, connectNotFound, "")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, detailsOf(st))
}

// readModelsReady waits (bounded) until the read models reached the read floor.
func (s *Server) readModelsReady(ctx context.Context) error {
	return s.waitFloor(ctx)
}

// findByFiscalNumber finds the ledger's customer holding a national identifier of the country, in
// any form the national-identifier rules accept. A value the rules reject matches nobody.
func (s *Server) findByFiscalNumber(ctx context.Context, ledgerNo, countryCode, value string) (domain.CustomerState, bool, error) {
	in := domain.NationalIdentifierInput{RegNo: domain.Set(value), CountryCode: domain.Set(countryCode)}
	candidates, err := domain.LookupNationalIdentifiers(in, "", s.now())
	if err != nil {
		return domain.CustomerState{}, false, nil
	}
	for _, cand := range candidates {
		no, found, err := s.cfg.Customers.FindByNationalID(ctx, ledgerNo, cand)
		if err != nil {
			return domain.CustomerState{}, false, err
		}
		if !found {
			continue
		}
		st, found, err := s.cfg.Customers.Customer(ctx, ledgerNo, no)
		if err != nil {
			return domain.CustomerState{}, false, err
		}
		if !found {
			return domain.CustomerState{}, false, errIndexWithoutCustomer
		}
		if st.Forgotten { // its index entry is removed with it; a moment's race at most
			return domain.CustomerState{}, false, nil
		}
		return st, true, nil
	}
	return domain.CustomerState{}, false, nil
}

// errIndexWithoutCustomer: the national-identifier index names a customer the read model lacks
// (both are written in one transaction) — a bug.
var errIndexWithoutCustomer = errors.New("httpapi: the national-identifier index names a customer the read model lacks")

// detailsOf maps a customer to Connect's customer details: the name split into first name and
// surname, the legal address, and the contact details as the ledger holds them.
func detailsOf(st domain.CustomerState) customerDetails {
	d := customerDetails{EmailAddress: st.EmailAddress, PhoneNumber: st.MSISDN, LanguageCode: strings.ToLower(st.PreferredLanguageCode)}
	if st.NationalIdentifier != nil {
		d.FiscalNumber = st.NationalIdentifier.RegNo
	}
	d.FirstName, d.Surname = splitName(st.Name, st.LegalEntity)
	if a := st.LegalAddress; a != nil {
		d.Street, d.Zip, d.City, d.Country = a.StreetAddress, a.ZipCode, a.City, a.CountryCode
	}
	return d
}

// splitName splits a person's name at its last space: "Britt-Marie Axelstopp" is first name
// "Britt-Marie", surname "Axelstopp". A one-word name, or a business's name (which has no first
// name), is all surname.
func splitName(name, legalEntity string) (first, surname string) {
	name = strings.TrimSpace(name)
	i := strings.LastIndexFunc(name, unicode.IsSpace)
	if i < 0 || legalEntity == domain.LegalEntityBusiness {
		return "", name
	}
	return strings.TrimRightFunc(name[:i], unicode.IsSpace), strings.TrimSpace(name[i:])
}

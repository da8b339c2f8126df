package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi/auth"
)

// Operation is a hypermedia operation the caller may perform next.
type Operation struct {
	Rel    string `json:"rel"`
	Method string `json:"method"`
	Href   string `json:"href"`
}

// customerResource is the customer as the document's GET examples show it. legalAddress and
// billingAddress are URIs, or the address objects when expanded.
type customerResource struct {
	ID                      string                     `json:"@id"`
	CustomerNo              string                     `json:"customerNo"`
	NationalIdentifier      *domain.NationalIdentifier `json:"nationalIdentifier,omitempty"`
	VATNo                   string                     `json:"vatNo,omitempty"`
	LegalEntity             string                     `json:"legalEntity,omitempty"`
	Name                    string                     `json:"name"`
	EmailAddress            string                     `json:"emailAddress,omitempty"`
	ProtectedIdentity       bool                       `json:"protectedIdentity"`
	PreferredLanguageCode   string                     `json:"preferredLanguageCode,omitempty"`
	LegalStatus             string                     `json:"legalStatus"`
	MSISDN                  string                     `json:"msisdn,omitempty"`
	DistributionType        string                     `json:"distributionType,omitempty"`
	TaxIdentificationNumber string                     `json:"taxIdentificationNumber,omitempty"`
	ActiveConsents          []string                   `json:"activeConsents"`
	EDIAddressInfo          *ediResource               `json:"eDIAddressInfo,omitempty"`
	LegalAddress            any                        `json:"legalAddress,omitempty"`
	BillingAddress          any                        `json:"billingAddress,omitempty"`
	Surpluses               string                     `json:"surpluses"`
	Operations              []Operation                `json:"operations"`
}

// ediResource renders eDIAddressInfo with the document's casing.
type ediResource struct {
	VAN                  string `json:"VAN,omitempty"`
	InterChangeRecipient string `json:"InterChangeRecipient,omitempty"`
	BuyerID              string `json:"BuyerId"`
}

// addressResource is a legal or billing address with its operations.
type addressResource struct {
	domain.Address
	Operations []Operation `json:"operations"`
}

// createdResource is the body of 201 responses and find-customer.
type createdResource struct {
	ID         string `json:"@id"`
	CustomerNo string `json:"customerNo"`
}

func customerPath(ledgerNo, customerNo string) string {
	return "/ledger/customer/v1/" + ledgerNo + "/customers/" + customerNo
}

func (c *call) customerResource(s domain.CustomerState, expandLegal, expandBilling bool) customerResource {
	self := customerPath(c.ledgerNo, s.CustomerNo)
	res := customerResource{
		ID: self, CustomerNo: s.CustomerNo, NationalIdentifier: s.NationalIdentifier, VATNo: s.VATNo,
		LegalEntity: s.LegalEntity, Name: s.Name, EmailAddress: s.EmailAddress, ProtectedIdentity: s.ProtectedIdentity,
		PreferredLanguageCode: s.PreferredLanguageCode, LegalStatus: s.LegalStatus, MSISDN: s.MSISDN,
		DistributionType: s.DistributionType, TaxIdentificationNumber: s.TaxIdentificationNumber,
		ActiveConsents: s.ActiveConsentsAt(c.now), Surpluses: self + "/surpluses", Operations: []Operation{},
	}
	if e := s.EDIAddressInfo; e != nil {
		res.EDIAddressInfo = &ediResource{VAN: e.VAN, InterChangeRecipient: e.InterChangeRecipient, BuyerID: e.BuyerID}
	}
	disclose := c.mayDisclose(s) // protected.go
	if s.LegalAddress != nil && disclose {
		if expandLegal {
			res.LegalAddress = c.legalAddressResource(s, true)
		} else {
			res.LegalAddress = self + "/legal-address"
		}
	}
	if s.BillingAddress != nil && disclose {
		if expandBilling {
			res.BillingAddress = c.billingAddressResource(s)
		} else {
			res.BillingAddress = self + "/billing-address"
		}
	}
	if c.principal.HasScope(auth.ScopeCustomerWrite) {
		res.Operations = append(res.Operations, Operation{"partial-update-customer", http.MethodPatch, self})
		if s.BillingAddress == nil {
			res.Operations = append(res.Operations, Operation{"add-billing-address", http.MethodPost, self + "/billing-address"})
		}
	}
	// The document: update-kyc-answers is offered when the answers are up for renewal (or missing).
	if c.principal.HasScope(auth.ScopeKycWrite) && c.ledger.KycRenewalDue(s, c.now) {
		res.Operations = append(res.Operations, Operation{"update-kyc-answers", http.MethodPost, self + "/update-kyc-answers"})
	}
	return res
}

// legalAddressResource renders the legal address with its operations. The population register's
// operation is offered to callers with its scope, for customers with a national identifier to
// look up, when a register is configured; its href is the one the document prints where the
// address appears: the legal address itself inside an expanded customer, the operation's own
// route on the legal-address resource (both routes serve it).
func (c *call) legalAddressResource(s domain.CustomerState, expanded bool) addressResource {
	href := customerPath(c.ledgerNo, s.CustomerNo) + "/legal-address"
	ops := []Operation{}
	if c.principal.HasScope(auth.ScopeCustomerWrite) {
		ops = append(ops, Operation{"update", http.MethodPut, href})
	}
	if c.register && s.NationalIdentifier != nil && c.principal.HasScope(auth.ScopePopulationRegister) {
		opHref := href + "/" + relLegalAddressFromRegister
		if expanded {
			opHref = href
		}
		ops = append(ops, Operation{relLegalAddressFromRegister, http.MethodPost, opHref})
	}
	return addressResource{Address: *s.LegalAddress, Operations: ops}
}

func (c *call) billingAddressResource(s domain.CustomerState) addressResource {
	href := customerPath(c.ledgerNo, s.CustomerNo) + "/billing-address"
	ops := []Operation{}
	if c.principal.HasScope(auth.ScopeCustomerWrite) {
		ops = append(ops, Operation{"update", http.MethodPut, href}, Operation{"delete", http.MethodDelete, href})
	}
	return addressResource{Address: *s.BillingAddress, Operations: ops}
}

// encodeJSON writes v as every JSON answer of the API is written: compact, one line ending in a
// newline (pretty-printing took a sixth of a GET's CPU; clients parse it, people pipe it through
// jq), and without Go's HTML escaping — a link's & is an &, not \u0026: the answers are
// application/json, never HTML, and the middleware forbids sniffing them as anything else.
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeJSON writes a JSON response with encodeJSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := getBuffer()
	defer putBuffer(buf)
	var err error
	if r, ok := v.(customerResource); ok { // the most frequent body, without reflection
		var b []byte
		if b, err = appendCustomerResource(buf.AvailableBuffer(), &r); err == nil {
			buf.Write(append(b, '\n'))
		}
	} else {
		err = encodeJSON(buf, v)
	}
	if err != nil {
		http.Error(w, `{"type":"ledger/customer/v1/problems/fatal","status":500}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// bufferPool holds response buffers; buffers grown past maxPooledBuffer are left to the GC.
var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBuffer = 64 << 10

func getBuffer() *bytes.Buffer {
	b := bufferPool.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuffer {
		bufferPool.Put(b)
	}
}

// etag renders a stream version as a strong entity tag.
func etag(version uint64) string { return `"` + strconv.FormatUint(version, 10) + `"` }

package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi/auth"
)

// surplusResource is a surplus as the document shows it.
type surplusResource struct {
	SurplusID string      `json:"surplusId"`
	Balance   json.Number `json:"balance"`
	Currency  string      `json:"currency"`
	Date      string      `json:"date"`
	Status    string      `json:"status"`
	// SettledAmount is the amount settle reserved, which confirm-regulation takes from the
	// balance: shown while pending-regulate only (this service's addition).
	SettledAmount json.Number `json:"settledAmount,omitempty"`
	Invoice       string      `json:"invoice,omitempty"`
	Account       string      `json:"account,omitempty"`
	Operations    []Operation `json:"operations"`
	ID            string      `json:"@id"`
}

// orderResource is an active disbursement order as the document shows it, with its id.
type orderResource struct {
	ID                   string                       `json:"@id"`
	OrderID              string                       `json:"orderId"`
	Operations           []Operation                  `json:"operations"`
	NorwegianBankAccount *domain.NorwegianBankAccount `json:"norwegianBankAccount,omitempty"`
	SwedishBankAccount   *swedishAccountResource      `json:"swedishBankAccount,omitempty"`
	International        *domain.InternationalAccount `json:"international,omitempty"`
	SwedishSus           *susResource                 `json:"swedishSus,omitempty"`
}

// susResource is a SUS payout; its address, where the payment notice goes, is left out for
// callers that may not see a protected customer's addresses (protected.go).
type susResource struct {
	NationalIdentifier domain.NationalIdentifier `json:"nationalIdentifier"`
	Address            *domain.Address           `json:"address,omitempty"`
}

type swedishAccountResource struct {
	AccountNo   string `json:"accountNo"`
	AccountType string `json:"accountType"`
}

// listResource is the document's list shape.
type listResource struct {
	Items      any        `json:"items"`
	Navigation navigation `json:"navigation"`
}

type navigation struct {
	ID       string `json:"@id"`
	First    string `json:"first,omitempty"`
	Previous string `json:"previous,omitempty"`
	Next     string `json:"next,omitempty"`
}

func surplusPath(ledgerNo, customerNo, surplusID string) string {
	return customerPath(ledgerNo, customerNo) + "/surpluses/" + surplusID
}

func (c *call) surplusResource(customerNo string, s domain.SurplusState) surplusResource {
	self := surplusPath(c.ledgerNo, customerNo, s.SurplusID)
	ops := []Operation{}
	switch s.Status {
	case domain.SurplusOpen:
		if c.principal.HasScope(auth.ScopeDisbursementWrite) {
			ops = append(ops, Operation{"add-disbursement-orders", http.MethodPost, self + "/active-disbursement-orders"})
		}
		if c.principal.HasScope(auth.ScopeSurplusWrite) {
			ops = append(ops, Operation{"settle", http.MethodPost, self + "/settle"})
		}
	case domain.SurplusPendingRegulate:
		if c.principal.HasScope(auth.ScopeSurplusWrite) {
			ops = append(ops, Operation{"confirm-regulation", http.MethodPost, self + "/confirm-regulation"})
		}
	}
	res := surplusResource{
		SurplusID: s.SurplusID, Balance: s.Balance.JSON(), Currency: s.Balance.Currency(),
		Date: s.Date.UTC().Format(domain.SurplusDateLayout), Status: string(s.Status),
		Invoice: s.Invoice, Account: s.Account, Operations: ops, ID: self,
	}
	if s.Status == domain.SurplusPendingRegulate {
		res.SettledAmount = s.Settled.JSON()
	}
	return res
}

// orderResource renders an order; disclose says whether the caller may see the customer's
// addresses (call.mayDisclose).
func (c *call) orderResource(customerNo, surplusID string, o domain.DisbursementOrder, disclose bool) orderResource {
	self := surplusPath(c.ledgerNo, customerNo, surplusID) + "/active-disbursement-orders/" + o.OrderID
	ops := []Operation{}
	if c.principal.HasScope(auth.ScopeSurplusWrite) {
		ops = append(ops, Operation{"complete", http.MethodPost, self + "/complete"})
	}
	d := o.Destination
	res := orderResource{ID: self, OrderID: o.OrderID, Operations: ops, NorwegianBankAccount: d.NorwegianBankAccount,
		International: d.International}
	if sus := d.SwedishSus; sus != nil {
		res.SwedishSus = &susResource{NationalIdentifier: sus.NationalIdentifier}
		if disclose {
			res.SwedishSus.Address = &sus.Address
		}
	}
	if a := d.SwedishBankAccount; a != nil {
		res.SwedishBankAccount = &swedishAccountResource{AccountNo: a.DisplayAccountNo(), AccountType: a.AccountType}
	}
	return res
}

// page is a skip/take window. skip is kept as sent (up to 2^64-1): the navigation links of a
// page beyond the list name the pages around the one asked for.
type page struct {
	skip uint64
	take int
}

const (
	defaultTake = 50
	maxTake     = 1000
)

// parsePage reads skip (≥ 0, default 0) and take (1–1000, default 50), each given at most once.
func parsePage(q url.Values) (page, []domain.Problem) {
	p := queryParams{q: q}
	skip := p.uint("skip", 0, 0, ^uint64(0))
	take := p.uint("take", defaultTake, 1, maxTake)
	return page{skip: skip, take: int(take)}, p.problems
}

// window returns the slice bounds of the page within total items, and its navigation.
func (p page) window(base string, total int) (from, to int, nav navigation) {
	link := func(skip uint64) string {
		if p.take == defaultTake {
			return base + "?skip=" + strconv.FormatUint(skip, 10)
		}
		return base + "?skip=" + strconv.FormatUint(skip, 10) + "&take=" + strconv.Itoa(p.take)
	}
	from = total // a page beyond the list (no overflow: from+take is at most total+maxTake)
	if p.skip < uint64(total) {
		from = int(p.skip)
	}
	to = min(from+p.take, total)
	nav = navigation{ID: base, First: link(0)}
	if p.skip > 0 { // the first page has none, as the last has no next
		nav.Previous = link(p.skip - min(p.skip, uint64(p.take)))
	}
	if to < total {
		nav.Next = link(uint64(to))
	}
	return from, to, nav
}

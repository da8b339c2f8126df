package domain_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
)

const invoiceURI = "/ledger/invoice/v1/1000/invoices/AAA"

// surplusInput is SPEC §5's register example.
func surplusInput(id, balance string) domain.SurplusInput {
	return domain.SurplusInput{
		SurplusID: s(id),
		Balance:   s(balance),
		Currency:  s("SEK"),
		Date:      s("2023-01-01T00:00:00"),
		Invoice:   s(invoiceURI),
	}
}

var jan1 = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)

func sek(t testing.TB, raw string) domain.Money { return money(t, raw, "SEK") }

// decided returns a function that takes a decision's result, which must be a success, applies
// its events to c and returns them: decided(t, c)(c.ConfirmRegulation("1")).
func decided(t *testing.T, c *domain.Customer) func([]domain.Event, error) []domain.Event {
	return func(events []domain.Event, err error) []domain.Event {
		t.Helper()
		if err != nil {
			t.Fatalf("decision: %v", err)
		}
		apply(t, c, events...)
		return events
	}
}

// withSurplus returns Tolvan's customer with surplus id of balance SEK registered.
func withSurplus(t *testing.T, id, balance string) *domain.Customer {
	t.Helper()
	c := newCustomer(t, validInput())
	cmd, err := domain.ParseRegisterSurplus(surplusInput(id, balance), today)
	if err != nil {
		t.Fatal(err)
	}
	events, err := c.RegisterSurplus(cmd)
	decided(t, c)(events, err)
	return c
}

// wantError fails unless err is a *domain.Error matching sentinel.
func wantError(t *testing.T, err error, sentinel error) {
	t.Helper()
	var e *domain.Error
	if !errors.As(err, &e) || !errors.Is(err, sentinel) {
		t.Fatalf("got error %v, want %v", err, sentinel)
	}
}

func surplusOf(t *testing.T, c *domain.Customer, id string) domain.SurplusState {
	t.Helper()
	sp, ok := c.State().Surplus(id)
	if !ok {
		t.Fatalf("no surplus %q", id)
	}
	return sp
}

var norwegian = domain.Destination{NorwegianBankAccount: &domain.NorwegianBankAccount{AccountNo: "86011117947"}}

func TestParseRegisterSurplus(t *testing.T) {
	tests := []struct {
		name string
		edit func(*domain.SurplusInput)
		want domain.SurplusRegistered
	}{
		{"SPEC's example", func(*domain.SurplusInput) {}, domain.SurplusRegistered{SurplusID: "123", Balance: sek(t, "10"), Date: jan1, Invoice: invoiceURI}},
		{"account instead of invoice", func(in *domain.SurplusInput) {
			in.Invoice, in.Account = domain.Field[string]{}, s("/ledger/account/v1/1000/accounts/BBB")
		}, domain.SurplusRegistered{SurplusID: "123", Balance: sek(t, "10"), Date: jan1, Account: "/ledger/account/v1/1000/accounts/BBB"}},
		{"neither, invoice null", func(in *domain.SurplusInput) { in.Invoice = domain.Null[string]() },
			domain.SurplusRegistered{SurplusID: "123", Balance: sek(t, "10"), Date: jan1}},
		{"date defaults to now, truncated", func(in *domain.SurplusInput) { in.Date = domain.Field[string]{} },
			domain.SurplusRegistered{SurplusID: "123", Balance: sek(t, "10"), Date: today, Invoice: invoiceURI}},
		{"date null is now", func(in *domain.SurplusInput) { in.Date = domain.Null[string]() },
			domain.SurplusRegistered{SurplusID: "123", Balance: sek(t, "10"), Date: today, Invoice: invoiceURI}},
		{"date with Z", func(in *domain.SurplusInput) { in.Date = s("2023-01-01T00:00:00Z") },
			domain.SurplusRegistered{SurplusID: "123", Balance: sek(t, "10"), Date: jan1, Invoice: invoiceURI}},
		{"date with an offset", func(in *domain.SurplusInput) { in.Date = s("2023-01-01T01:30:00+01:30") },
			domain.SurplusRegistered{SurplusID: "123", Balance: sek(t, "10"), Date: jan1, Invoice: invoiceURI}},
		{"date with a negative offset", func(in *domain.SurplusInput) { in.Date = s("2022-12-31T19:00:00-05:00") },
			domain.SurplusRegistered{SurplusID: "123", Balance: sek(t, "10"), Date: jan1, Invoice: invoiceURI}},
		{"date a minute ahead (clock skew)", func(in *domain.SurplusInput) { in.Date = s("2026-06-15T12:01:00") },
			domain.SurplusRegistered{SurplusID: "123", Balance: sek(t, "10"), Date: today.Add(time.Minute), Invoice: invoiceURI}},
		{"every id character, trimmed, currency lower case", func(in *domain.SurplusInput) {
			in.SurplusID, in.Currency, in.Balance = s(" aZ09-._~ "), s("nok"), s("0.5")
		}, domain.SurplusRegistered{SurplusID: "aZ09-._~", Balance: money(t, "0.50", "NOK"), Date: jan1, Invoice: invoiceURI}},
		{"50 characters, JPY", func(in *domain.SurplusInput) {
			in.SurplusID, in.Currency, in.Balance = s(strings.Repeat("Y", 50)), s("JPY"), s("1000")
		}, domain.SurplusRegistered{SurplusID: strings.Repeat("Y", 50), Balance: money(t, "1000", "JPY"), Date: jan1, Invoice: invoiceURI}},
		{"URI with query and escapes", func(in *domain.SurplusInput) { in.Invoice = s("/ledger/invoice/v1/1000/invoices/A%20B?x=1") },
			domain.SurplusRegistered{SurplusID: "123", Balance: sek(t, "10"), Date: jan1, Invoice: "/ledger/invoice/v1/1000/invoices/A%20B?x=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := surplusInput("123", "10.00")
			tt.edit(&in)
			cmd, err := domain.ParseRegisterSurplus(in, today)
			if err != nil {
				t.Fatal(err)
			}
			c := newCustomer(t, validInput())
			events, err := c.RegisterSurplus(cmd)
			if err != nil {
				t.Fatal(err)
			}
			assertEvents(t, events, []domain.Event{tt.want})
			if cmd.SurplusID() != tt.want.SurplusID {
				t.Fatalf("SurplusID() = %q", cmd.SurplusID())
			}
		})
	}
}

func TestParseRegisterSurplusRejects(t *testing.T) {
	r := strings.Repeat
	tests := []struct {
		name     string
		edit     func(*domain.SurplusInput)
		problems []string
	}{
		{"nothing", func(in *domain.SurplusInput) { *in = domain.SurplusInput{} }, []string{"balance", "currency", "surplusId"}},
		{"everything null", func(in *domain.SurplusInput) {
			*in = domain.SurplusInput{SurplusID: domain.Null[string](), Balance: domain.Null[string](), Currency: domain.Null[string]()}
		}, []string{"balance", "currency", "surplusId"}},
		{"id of 51 characters", func(in *domain.SurplusInput) { in.SurplusID = s(r("1", 51)) }, []string{"surplusId"}},
		{"id with a slash", func(in *domain.SurplusInput) { in.SurplusID = s("12/3") }, []string{"surplusId"}},
		{"id with a space", func(in *domain.SurplusInput) { in.SurplusID = s("12 3") }, []string{"surplusId"}},
		{"id with a non-ASCII letter", func(in *domain.SurplusInput) { in.SurplusID = s("åäö") }, []string{"surplusId"}},
		{"id ..", func(in *domain.SurplusInput) { in.SurplusID = s("..") }, []string{"surplusId"}},
		{"id blank", func(in *domain.SurplusInput) { in.SurplusID = s("  ") }, []string{"surplusId"}},
		{"balance zero", func(in *domain.SurplusInput) { in.Balance = s("0.00") }, []string{"balance"}},
		{"balance negative", func(in *domain.SurplusInput) { in.Balance = s("-10.00") }, []string{"balance"}},
		{"balance with 3 decimals", func(in *domain.SurplusInput) { in.Balance = s("10.001") }, []string{"balance"}},
		{"balance with an exponent and too many decimals", func(in *domain.SurplusInput) { in.Balance = s("1e-3") }, []string{"balance"}},
		{"balance too large", func(in *domain.SurplusInput) { in.Balance = s("10000000000000") }, []string{"balance"}},
		{"balance decimals for JPY", func(in *domain.SurplusInput) { in.Currency, in.Balance = s("JPY"), s("10.50") }, []string{"balance"}},
		{"bad balance and unknown currency", func(in *domain.SurplusInput) { in.Balance, in.Currency = s("abc"), s("XYZ") }, []string{"balance", "currency"}},
		{"withdrawn currency", func(in *domain.SurplusInput) { in.Currency = s("HRK") }, []string{"currency"}},
		{"date with a space", func(in *domain.SurplusInput) { in.Date = s("2023-01-01 00:00:00") }, []string{"date"}},
		{"date only", func(in *domain.SurplusInput) { in.Date = s("2023-01-01") }, []string{"date"}},
		{"date with fractions", func(in *domain.SurplusInput) { in.Date = s("2023-01-01T00:00:00.5") }, []string{"date"}},
		{"date with a one-digit hour", func(in *domain.SurplusInput) { in.Date = s("2023-01-01T0:00:000") }, []string{"date"}},
		{"date not in the calendar", func(in *domain.SurplusInput) { in.Date = s("2023-02-29T00:00:00") }, []string{"date"}},
		{"date with a bad offset", func(in *domain.SurplusInput) { in.Date = s("2023-01-01T00:00:00+25:00") }, []string{"date"}},
		{"date in the future", func(in *domain.SurplusInput) { in.Date = s("2026-06-15T12:06:00") }, []string{"date"}},
		{"date before 1900", func(in *domain.SurplusInput) { in.Date = s("0001-01-01T00:00:00") }, []string{"date"}},
		{"invoice and account", func(in *domain.SurplusInput) { in.Account = s("/ledger/account/v1/1000/accounts/BBB") }, []string{"account"}},
		{"absolute invoice URI", func(in *domain.SurplusInput) { in.Invoice = s("https://example.com/invoices/AAA") }, []string{"invoice"}},
		{"network-path invoice URI", func(in *domain.SurplusInput) { in.Invoice = s("//example.com/invoices/AAA") }, []string{"invoice"}},
		{"invoice without a slash", func(in *domain.SurplusInput) { in.Invoice = s("invoices/AAA") }, []string{"invoice"}},
		{"invoice with a space", func(in *domain.SurplusInput) { in.Invoice = s("/invoices/A A") }, []string{"invoice"}},
		{"invoice with a bad escape", func(in *domain.SurplusInput) { in.Invoice = s("/invoices/%zz") }, []string{"invoice"}},
		{"invoice empty", func(in *domain.SurplusInput) { in.Invoice = s("") }, []string{"invoice"}},
		{"account too long", func(in *domain.SurplusInput) {
			in.Invoice, in.Account = domain.Field[string]{}, s("/"+r("a", 512))
		}, []string{"account"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := surplusInput("123", "10.00")
			tt.edit(&in)
			cmd, err := domain.ParseRegisterSurplus(in, today)
			if err == nil {
				t.Fatalf("got %+v, want problems %v", cmd, tt.problems)
			}
			if got, want := problemNames(t, err), sorted(tt.problems...); !slices.Equal(got, want) {
				t.Fatalf("problems %v, want %v (%v)", got, want, err)
			}
		})
	}
}

// TestSurplusDisbursementLifecycle: register → order → complete; the surplus is depleted.
func TestSurplusDisbursementLifecycle(t *testing.T) {
	c := withSurplus(t, "Abc-1", "10.00")
	if sp := surplusOf(t, c, "abc-1"); sp.Status != domain.SurplusOpen || sp.Balance != sek(t, "10") || sp.SurplusID != "Abc-1" || sp.Date != jan1 || sp.Invoice != invoiceURI {
		t.Fatalf("registered: %+v", sp)
	}

	d, err := domain.ParseDestination(seTyped("3300-1010101010", "BKSE"), today)
	if err != nil {
		t.Fatal(err)
	}
	events, err := c.OrderDisbursement("ABC-1", "order-1", d)
	orderedAt := today.Add(time.Duration(c.Version()) * time.Minute) // the time apply gives the event
	assertEvents(t, decided(t, c)(events, err), []domain.Event{
		domain.DisbursementOrdered{SurplusID: "Abc-1", OrderID: "order-1", Amount: sek(t, "10"), Destination: bank("3300", "1010101010")},
	})
	sp := surplusOf(t, c, "abc-1")
	want := []domain.DisbursementOrder{{OrderID: "order-1", Destination: bank("3300", "1010101010"), OrderedAt: orderedAt}}
	if sp.Status != domain.SurplusPendingDisbursement || !reflect.DeepEqual(sp.ActiveDisbursementOrders, want) {
		t.Fatalf("ordered: %+v", sp)
	}
	if got := c.State().CurrentSurpluses(); len(got) != 1 {
		t.Fatalf("CurrentSurpluses: %+v", got)
	}

	events, err = c.CompleteDisbursement("abc-1", "ORDER-1")
	assertEvents(t, decided(t, c)(events, err), []domain.Event{
		domain.DisbursementCompleted{SurplusID: "Abc-1", OrderID: "order-1", Amount: sek(t, "10")},
	})
	sp = surplusOf(t, c, "Abc-1")
	zero, _ := domain.NewMoney(0, "SEK")
	if !sp.Depleted() || sp.Status != domain.SurplusDepleted || sp.Balance != zero || sp.ActiveDisbursementOrders != nil {
		t.Fatalf("completed: %+v", sp)
	}
	if got := c.State().CurrentSurpluses(); got != nil {
		t.Fatalf("a depleted surplus is current: %+v", got)
	}
	// It stays in the state, and its id stays taken.
	if len(c.State().Surpluses) != 1 {
		t.Fatal("depleted surplus removed from the state")
	}
	cmd, _ := domain.ParseRegisterSurplus(surplusInput("ABC-1", "5"), today)
	_, err = c.RegisterSurplus(cmd)
	wantError(t, err, domain.ErrConflict)
}

// TestSurplusSettleLifecycle: settle part → confirm → open with the rest → settle the rest →
// confirm → depleted.
func TestSurplusSettleLifecycle(t *testing.T) {
	c := withSurplus(t, "789", "30.00")

	cmd, err := domain.ParseSettleSurplus(domain.SettleInput{Amount: s("10.5")})
	if err != nil || cmd.WholeBalance() {
		t.Fatal(err)
	}
	events, err := c.SettleSurplus("789", cmd)
	assertEvents(t, decided(t, c)(events, err), []domain.Event{domain.SurplusSettled{SurplusID: "789", Amount: sek(t, "10.50")}})
	if sp := surplusOf(t, c, "789"); sp.Status != domain.SurplusPendingRegulate || sp.Balance != sek(t, "30") || sp.Settled != sek(t, "10.5") {
		t.Fatalf("settled: %+v", sp)
	}

	events, err = c.ConfirmRegulation("789")
	assertEvents(t, decided(t, c)(events, err), []domain.Event{domain.SurplusRegulated{SurplusID: "789", Amount: sek(t, "10.50"), Balance: sek(t, "19.50")}})
	if sp := surplusOf(t, c, "789"); sp.Status != domain.SurplusOpen || sp.Balance != sek(t, "19.5") || !sp.Settled.IsZero() {
		t.Fatalf("regulated: %+v", sp)
	}

	whole, err := domain.ParseSettleSurplus(domain.SettleInput{Amount: domain.Null[string]()})
	if err != nil || !whole.WholeBalance() {
		t.Fatal(err)
	}
	events, err = c.SettleSurplus("789", whole)
	assertEvents(t, decided(t, c)(events, err), []domain.Event{domain.SurplusSettled{SurplusID: "789", Amount: sek(t, "19.50")}})
	events, err = c.ConfirmRegulation("789")
	zero, _ := domain.NewMoney(0, "SEK")
	assertEvents(t, decided(t, c)(events, err), []domain.Event{domain.SurplusRegulated{SurplusID: "789", Amount: sek(t, "19.50"), Balance: zero}})
	if sp := surplusOf(t, c, "789"); !sp.Depleted() || sp.Balance != zero {
		t.Fatalf("depleted: %+v", sp)
	}
}

// TestSurplusSettleExactBalance: settling exactly the balance, given as an amount, depletes it.
func TestSurplusSettleExactBalance(t *testing.T) {
	c := withSurplus(t, "1", "10.00")
	cmd, _ := domain.ParseSettleSurplus(domain.SettleInput{Amount: s("10")})
	decided(t, c)(c.SettleSurplus("1", cmd))
	decided(t, c)(c.ConfirmRegulation("1"))
	if !surplusOf(t, c, "1").Depleted() {
		t.Fatal("not depleted")
	}
	// Ordering a disbursement after a partial regulation pays out what is left.
	c = withSurplus(t, "2", "10.00")
	cmd, _ = domain.ParseSettleSurplus(domain.SettleInput{Amount: s("4")})
	decided(t, c)(c.SettleSurplus("2", cmd))
	decided(t, c)(c.ConfirmRegulation("2"))
	events := decided(t, c)(c.OrderDisbursement("2", "o", norwegian))
	if got := events[0].(domain.DisbursementOrdered).Amount; got != sek(t, "6") {
		t.Fatalf("ordered %v", got)
	}
}

func TestSurplusIllegalTransitions(t *testing.T) {
	open := func(t *testing.T) *domain.Customer { return withSurplus(t, "S1", "10.00") }
	pendingDisbursement := func(t *testing.T) *domain.Customer {
		c := open(t)
		decided(t, c)(c.OrderDisbursement("S1", "o1", norwegian))
		return c
	}
	pendingRegulate := func(t *testing.T) *domain.Customer {
		c := open(t)
		decided(t, c)(c.SettleSurplus("S1", domain.SettleSurplus{}))
		return c
	}
	depleted := func(t *testing.T) *domain.Customer {
		c := pendingDisbursement(t)
		decided(t, c)(c.CompleteDisbursement("S1", "o1"))
		return c
	}
	order := func(c *domain.Customer) ([]domain.Event, error) { return c.OrderDisbursement("s1", "o2", norwegian) }
	complete := func(c *domain.Customer) ([]domain.Event, error) { return c.CompleteDisbursement("s1", "o1") }
	settle := func(c *domain.Customer) ([]domain.Event, error) { return c.SettleSurplus("s1", domain.SettleSurplus{}) }
	confirm := func(c *domain.Customer) ([]domain.Event, error) { return c.ConfirmRegulation("s1") }
	tests := []struct {
		name   string
		setup  func(*testing.T) *domain.Customer
		decide func(*domain.Customer) ([]domain.Event, error)
		want   error
	}{
		{"complete on open", open, complete, domain.ErrNotFound},
		{"confirm on open", open, confirm, domain.ErrConflict},
		{"order twice", pendingDisbursement, order, domain.ErrConflict},
		{"settle while pending-disbursement", pendingDisbursement, settle, domain.ErrConflict},
		{"confirm while pending-disbursement", pendingDisbursement, confirm, domain.ErrConflict},
		{"complete an unknown order", pendingDisbursement, func(c *domain.Customer) ([]domain.Event, error) { return c.CompleteDisbursement("S1", "o2") }, domain.ErrNotFound},
		{"order while pending-regulate", pendingRegulate, order, domain.ErrConflict},
		{"settle twice", pendingRegulate, settle, domain.ErrConflict},
		{"complete while pending-regulate", pendingRegulate, complete, domain.ErrNotFound},
		{"order depleted", depleted, order, domain.ErrSurplusDepleted},
		{"complete twice", depleted, complete, domain.ErrSurplusDepleted},
		{"settle depleted", depleted, settle, domain.ErrSurplusDepleted},
		{"confirm depleted", depleted, confirm, domain.ErrSurplusDepleted},
		{"order unknown surplus", open, func(c *domain.Customer) ([]domain.Event, error) { return c.OrderDisbursement("S2", "o", norwegian) }, domain.ErrNotFound},
		{"settle unknown surplus", open, func(c *domain.Customer) ([]domain.Event, error) { return c.SettleSurplus("S2", domain.SettleSurplus{}) }, domain.ErrNotFound},
		{"confirm unknown surplus", open, func(c *domain.Customer) ([]domain.Event, error) { return c.ConfirmRegulation("") }, domain.ErrNotFound},
		{"complete unknown surplus", pendingDisbursement, func(c *domain.Customer) ([]domain.Event, error) { return c.CompleteDisbursement("S1 ", "o1") }, domain.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.setup(t)
			before := c.State()
			events, err := tt.decide(c)
			if events != nil {
				t.Fatalf("events %s", dump(events))
			}
			wantError(t, err, tt.want)
			if !reflect.DeepEqual(c.State(), before) {
				t.Fatal("a rejected decision changed the state")
			}
		})
	}
	if !errors.Is(&domain.Error{Code: domain.CodeSurplusNotFound}, domain.ErrNotFound) {
		t.Fatal("CodeSurplusNotFound is not the not-found problem type")
	}
}

func TestSurplusOnMissingCustomer(t *testing.T) {
	c := new(domain.Customer)
	cmd, err := domain.ParseRegisterSurplus(surplusInput("1", "1"), today)
	if err != nil {
		t.Fatal(err)
	}
	for _, decide := range []func() ([]domain.Event, error){
		func() ([]domain.Event, error) { return c.RegisterSurplus(cmd) },
		func() ([]domain.Event, error) { return c.OrderDisbursement("1", "o", norwegian) },
		func() ([]domain.Event, error) { return c.CompleteDisbursement("1", "o") },
		func() ([]domain.Event, error) { return c.SettleSurplus("1", domain.SettleSurplus{}) },
		func() ([]domain.Event, error) { return c.ConfirmRegulation("1") },
	} {
		_, err := decide()
		wantError(t, err, domain.ErrCustomerNotFound)
	}
}

func TestRegisterSurplusDuplicate(t *testing.T) {
	c := withSurplus(t, "Abc", "10.00")
	for _, id := range []string{"Abc", "abc", "ABC"} {
		cmd, err := domain.ParseRegisterSurplus(surplusInput(id, "1"), today)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.RegisterSurplus(cmd)
		wantError(t, err, domain.ErrConflict)
	}
	cmd, _ := domain.ParseRegisterSurplus(surplusInput("Abcd", "20"), today)
	decided(t, c)(c.RegisterSurplus(cmd))
	st := c.State()
	if len(st.Surpluses) != 2 || st.Surpluses[0].SurplusID != "Abc" || st.Surpluses[1].SurplusID != "Abcd" {
		t.Fatalf("registration order: %+v", st.Surpluses)
	}
	// A zero command is a programming error, not a client's.
	if _, err := c.RegisterSurplus(domain.RegisterSurplus{}); err == nil || errors.Is(err, domain.ErrValidation) {
		t.Fatalf("zero command: %v", err)
	}
}

func TestSettleAmountRejects(t *testing.T) {
	for _, raw := range []string{"0", "0.00", "-1", "0e3", "abc", "", "010"} {
		if _, err := domain.ParseSettleSurplus(domain.SettleInput{Amount: s(raw)}); !slices.Equal(problemNames(t, err), []string{"amount"}) {
			t.Errorf("ParseSettleSurplus(%q): %v", raw, err)
		}
	}
	// Decimals are checked against the surplus's currency, and the problem names its limit (it
	// said "at most 4 decimals", the most any currency has, for a SEK amount).
	c := withSurplus(t, "1", "10.00")
	for _, raw := range []string{"10.01", "10.001", "11", "1e-5", "10.00001"} {
		cmd, err := domain.ParseSettleSurplus(domain.SettleInput{Amount: s(raw)})
		if err != nil {
			t.Fatal(err)
		}
		events, err := c.SettleSurplus("1", cmd)
		if events != nil || !slices.Equal(problemNames(t, err), []string{"amount"}) {
			t.Errorf("SettleSurplus(%q): %v", raw, err)
		}
		if ps := problemsOf(t, err); raw != "10.01" && raw != "11" && (len(ps) != 1 || !strings.Contains(ps[0].Description, "at most 2 decimals for SEK")) {
			t.Errorf("SettleSurplus(%q): %+v; want the problem to name SEK's 2 decimals", raw, ps)
		}
	}
	if surplusOf(t, c, "1").Status != domain.SurplusOpen {
		t.Fatal("a rejected settlement changed the status")
	}
}

func TestOrderDisbursementProgrammingErrors(t *testing.T) {
	c := withSurplus(t, "1", "10.00")
	for _, tt := range []struct {
		orderID string
		d       domain.Destination
	}{
		{"", norwegian},
		{"a/b", norwegian},
		{strings.Repeat("a", 51), norwegian},
		{"o", domain.Destination{}},
		{"o", domain.Destination{NorwegianBankAccount: norwegian.NorwegianBankAccount, International: &domain.InternationalAccount{}}},
	} {
		if _, err := c.OrderDisbursement("1", tt.orderID, tt.d); err == nil || errors.As(err, new(*domain.Error)) {
			t.Errorf("OrderDisbursement(%q, %+v): %v, want a plain error", tt.orderID, tt.d, err)
		}
	}
}

// TestOrderDisbursementSharesNothing: the event's destination is a copy of the command's, and
// the state's a copy of the event's.
func TestOrderDisbursementSharesNothing(t *testing.T) {
	c := withSurplus(t, "1", "10.00")
	d, _ := domain.ParseDestination(susInput(tolvan), today)
	events := decided(t, c)(c.OrderDisbursement("1", "o", d))
	events[0].(domain.DisbursementOrdered).Destination.SwedishSus.Address.City = "changed"
	if d.SwedishSus.Address.City != "STOCKHOLM" || surplusOf(t, c, "1").ActiveDisbursementOrders[0].Destination.SwedishSus.Address.City != "STOCKHOLM" {
		t.Fatal("destination shared")
	}
	st := c.State()
	st.Surpluses[0].ActiveDisbursementOrders[0].Destination.SwedishSus.Address.City = "changed"
	st.Surpluses[0].ActiveDisbursementOrders[0].OrderID = "changed"
	st.Surpluses[0].Status = "changed"
	sp, _ := c.State().Surplus("1")
	sp.ActiveDisbursementOrders[0].OrderID = "changed"
	cur := c.State().CurrentSurpluses()
	cur[0].ActiveDisbursementOrders[0].OrderID = "changed"
	if now := surplusOf(t, c, "1"); now.Status != domain.SurplusPendingDisbursement || now.ActiveDisbursementOrders[0].OrderID != "o" ||
		now.ActiveDisbursementOrders[0].Destination.SwedishSus.Address.City != "STOCKHOLM" {
		t.Fatalf("State() shares surpluses: %+v", now)
	}
}

// TestSurplusStateRestores: a state with surpluses survives the projection's JSON round trip
// and RestoreCustomer, and the restored customer decides like the original.
func TestSurplusStateRestores(t *testing.T) {
	c := withSurplus(t, "open", "10.00")
	for _, id := range []string{"ordered", "settled", "depleted"} {
		cmd, _ := domain.ParseRegisterSurplus(surplusInput(id, "20.00"), today)
		decided(t, c)(c.RegisterSurplus(cmd))
	}
	d, _ := domain.ParseDestination(susInput(tolvan), today)
	decided(t, c)(c.OrderDisbursement("ordered", "o1", d))
	decided(t, c)(c.SettleSurplus("settled", domain.SettleSurplus{}))
	decided(t, c)(c.OrderDisbursement("depleted", "o2", norwegian))
	decided(t, c)(c.CompleteDisbursement("depleted", "o2"))

	want := c.State()
	data, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var got domain.CustomerState
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("JSON round trip:\n got  %+v\n want %+v", got, want)
	}
	r := domain.RestoreCustomer(got)
	if !reflect.DeepEqual(r.State(), want) {
		t.Fatal("RestoreCustomer changed the state")
	}
	if ids := func() (ids []string) {
		for _, sp := range r.State().CurrentSurpluses() {
			ids = append(ids, sp.SurplusID+":"+string(sp.Status))
		}
		return ids
	}(); !slices.Equal(ids, []string{"open:open", "ordered:pending-disbursement", "settled:pending-regulate"}) {
		t.Fatalf("current surpluses %v", ids)
	}
	for _, r := range []*domain.Customer{c, r} {
		decided(t, r)(r.CompleteDisbursement("ordered", "o1"))
		decided(t, r)(r.ConfirmRegulation("settled"))
		_, err := r.CompleteDisbursement("depleted", "o2")
		wantError(t, err, domain.ErrSurplusDepleted)
	}
	if !reflect.DeepEqual(r.State(), c.State()) {
		t.Fatal("restored customer decided differently")
	}
}

func TestSurplusApplyRejects(t *testing.T) {
	created := createdEvent(t)
	reg := domain.SurplusRegistered{SurplusID: "S", Balance: sek(t, "10"), Date: jan1}
	ordered := domain.DisbursementOrdered{SurplusID: "S", OrderID: "o", Amount: sek(t, "10"), Destination: norwegian}
	settled := domain.SurplusSettled{SurplusID: "S", Amount: sek(t, "4")}
	tests := []struct {
		name  string
		setup []domain.Event
		event domain.Event
	}{
		{"registered before created", nil, reg},
		{"registered twice", []domain.Event{created, reg}, domain.SurplusRegistered{SurplusID: "s", Balance: sek(t, "1"), Date: jan1}},
		{"registered without balance", []domain.Event{created}, domain.SurplusRegistered{SurplusID: "S", Date: jan1}},
		{"registered with a bad id", []domain.Event{created}, domain.SurplusRegistered{SurplusID: "a b", Balance: sek(t, "1"), Date: jan1}},
		{"ordered for an unknown surplus", []domain.Event{created, reg}, domain.DisbursementOrdered{SurplusID: "T", OrderID: "o", Amount: sek(t, "10"), Destination: norwegian}},
		{"ordered twice", []domain.Event{created, reg, ordered}, ordered},
		{"ordered with another amount", []domain.Event{created, reg}, domain.DisbursementOrdered{SurplusID: "S", OrderID: "o", Amount: sek(t, "9"), Destination: norwegian}},
		{"ordered without destination", []domain.Event{created, reg}, domain.DisbursementOrdered{SurplusID: "S", OrderID: "o", Amount: sek(t, "10")}},
		{"completed when open", []domain.Event{created, reg}, domain.DisbursementCompleted{SurplusID: "S", OrderID: "o", Amount: sek(t, "10")}},
		{"completed another order", []domain.Event{created, reg, ordered}, domain.DisbursementCompleted{SurplusID: "S", OrderID: "p", Amount: sek(t, "10")}},
		{"settled while ordered", []domain.Event{created, reg, ordered}, settled},
		{"settled more than the balance", []domain.Event{created, reg}, domain.SurplusSettled{SurplusID: "S", Amount: sek(t, "11")}},
		{"settled in another currency", []domain.Event{created, reg}, domain.SurplusSettled{SurplusID: "S", Amount: money(t, "4", "NOK")}},
		{"regulated when open", []domain.Event{created, reg}, domain.SurplusRegulated{SurplusID: "S", Amount: sek(t, "4"), Balance: sek(t, "6")}},
		{"regulated another amount", []domain.Event{created, reg, settled}, domain.SurplusRegulated{SurplusID: "S", Amount: sek(t, "5"), Balance: sek(t, "5")}},
		{"regulated to a wrong balance", []domain.Event{created, reg, settled}, domain.SurplusRegulated{SurplusID: "S", Amount: sek(t, "4"), Balance: sek(t, "5")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := new(domain.Customer)
			apply(t, c, tt.setup...)
			before := c.State()
			if err := c.Apply(domain.Recorded{Event: tt.event, Version: c.Version() + 1, Time: today}); err == nil {
				t.Fatal("Apply succeeded, want an error")
			}
			if !reflect.DeepEqual(c.State(), before) {
				t.Fatal("a rejected event changed the state")
			}
		})
	}
}

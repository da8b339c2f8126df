package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
)

func TestParseRetentionPeriod(t *testing.T) {
	last := time.Date(2020, 2, 29, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		ends time.Time
	}{
		{"", last},
		{"P7Y", time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)}, // AddDate normalizes 29 February
		{"P6M", time.Date(2020, 8, 29, 10, 0, 0, 0, time.UTC)},
		{"P1Y2M3D", time.Date(2021, 5, 2, 10, 0, 0, 0, time.UTC)},
		{"P2W", time.Date(2020, 3, 14, 10, 0, 0, 0, time.UTC)},
	} {
		p, err := domain.ParseRetentionPeriod(tt.in)
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if got := p.Ends(last); !got.Equal(tt.ends) || p.String() != tt.in {
			t.Errorf("%q: ends %v (%q), want %v", tt.in, got, p.String(), tt.ends)
		}
	}
	for _, bad := range []string{"7Y", "P", "P0Y", "P1H", "PT1H", "P1D1Y", "P-1Y", "P99999Y"} {
		if _, err := domain.ParseRetentionPeriod(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestForget(t *testing.T) {
	c := newCustomer(t, validInput())
	last := c.State().UpdatedAt
	events, err := c.Forget(last, domain.RetentionPeriod{})
	assertEvents(t, decided(t, c)(events, err), []domain.Event{
		domain.CustomerForgotten{LastActivity: last, NationalIdentifierReleased: true},
	})
	st := c.State()
	want := domain.ForgottenState("9999", 2, today.Add(time.Minute))
	if !st.Forgotten || st.Name != "" || st.NationalIdentifier != nil || st.LegalAddress != nil || st.Version != 2 || !st.UpdatedAt.Equal(want.UpdatedAt) || st.CustomerNo != "9999" {
		t.Fatalf("state after forget: %+v", st)
	}
	if !c.Forgotten() {
		t.Fatal("Forgotten() = false")
	}
	// Nothing can be decided on a forgotten customer but another forget, which is refused.
	_, err = c.Forget(today.AddDate(1, 0, 0), domain.RetentionPeriod{})
	wantError(t, err, domain.ErrCustomerForgotten)
	// Its stream takes no other event.
	if err := c.Apply(domain.Recorded{Event: domain.BillingAddressRemoved{}, Version: 3, Time: today}); err == nil {
		t.Fatal("an event applied to a forgotten customer")
	}
	if err := c.Apply(domain.Recorded{Event: domain.CustomerForgotten{}, Version: 3, Time: today}); err != nil {
		t.Fatalf("CustomerForgotten again: %v", err)
	}
	// A restored forgotten state is forgotten.
	if r := domain.RestoreCustomer(want); !r.Forgotten() || !r.Exists() {
		t.Fatal("restored forgotten state")
	}
}

func TestForgetWithoutNationalIdentifier(t *testing.T) {
	in := validInput()
	in.NationalIdentifier = domain.Field[domain.NationalIdentifierInput]{}
	in.VATNo = domain.Field[string]{}
	c := newCustomer(t, in)
	events, err := c.Forget(today.AddDate(0, 0, 1), domain.RetentionPeriod{})
	if err != nil || len(events) != 1 || events[0].(domain.CustomerForgotten).NationalIdentifierReleased {
		t.Fatalf("forget: %v %+v", err, events)
	}
}

func TestForgetRefused(t *testing.T) {
	sevenYears, _ := domain.ParseRetentionPeriod("P7Y")
	tests := []struct {
		name      string
		customer  func(t *testing.T) *domain.Customer
		now       time.Time
		retention domain.RetentionPeriod
		want      error
		reason    string
	}{
		{"no customer", func(*testing.T) *domain.Customer { return new(domain.Customer) }, today, domain.RetentionPeriod{}, domain.ErrCustomerNotFound, ""},
		{"retention not over", func(t *testing.T) *domain.Customer { return newCustomer(t, validInput()) },
			today.AddDate(7, 0, 0).Add(-time.Second), sevenYears, domain.ErrConflict, "retention period (P7Y)"},
		{"open surplus", func(t *testing.T) *domain.Customer { return withSurplus(t, "1", "10.00") },
			today.AddDate(8, 0, 0), sevenYears, domain.ErrConflict, "1 surplus is not depleted (open or being settled); settle or pay it out first"},
		{"two open surpluses", func(t *testing.T) *domain.Customer {
			c := withSurplus(t, "1", "10.00")
			cmd, err := domain.ParseRegisterSurplus(surplusInput("2", "5.00"), today)
			if err != nil {
				t.Fatal(err)
			}
			decided(t, c)(c.RegisterSurplus(cmd))
			return c
		}, today.AddDate(8, 0, 0), sevenYears, domain.ErrConflict, "2 surpluses are not depleted (open or being settled); settle or pay them out first"},
		{"surplus being settled", func(t *testing.T) *domain.Customer {
			c := withSurplus(t, "1", "10.00")
			decided(t, c)(c.SettleSurplus("1", domain.SettleSurplus{}))
			return c
		}, today.AddDate(8, 0, 0), sevenYears, domain.ErrConflict, "not depleted"},
		{"active disbursement order", func(t *testing.T) *domain.Customer {
			c := withSurplus(t, "1", "10.00")
			decided(t, c)(c.OrderDisbursement("1", "o-1", norwegian))
			return c
		}, today.AddDate(8, 0, 0), sevenYears, domain.ErrConflict, "1 surplus has an active disbursement order; complete it first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.customer(t)
			before := c.State()
			events, err := c.Forget(tt.now, tt.retention)
			if events != nil {
				t.Fatalf("events %+v", events)
			}
			wantError(t, err, tt.want)
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("reason %q lacks %q", err, tt.reason)
			}
			if after := c.State(); after.Version != before.Version {
				t.Error("a refused forget changed the customer")
			}
		})
	}
}

// TestForgetAfterRetention: the period counts from the last event, so a late change moves it.
func TestForgetAfterRetention(t *testing.T) {
	sevenYears, _ := domain.ParseRetentionPeriod("P7Y")
	c := withSurplus(t, "1", "10.00")
	decided(t, c)(c.OrderDisbursement("1", "o-1", norwegian))
	decided(t, c)(c.CompleteDisbursement("1", "o-1"))
	last := c.State().UpdatedAt
	if _, err := c.Forget(last.AddDate(7, 0, 0).Add(-time.Nanosecond), sevenYears); err == nil {
		t.Fatal("forgotten a nanosecond early")
	}
	events, err := c.Forget(last.AddDate(7, 0, 0), sevenYears)
	assertEvents(t, decided(t, c)(events, err), []domain.Event{
		domain.CustomerForgotten{LastActivity: last, RetentionPeriod: "P7Y", NationalIdentifierReleased: true},
	})
}

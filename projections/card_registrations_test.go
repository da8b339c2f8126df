package projections_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/projections"
)

// TestCardRegistrationIndex: registrations are found by id (ended ones too); only Initialized
// ones are pending, listed by expiry up to a time; the customer's state carries the latest
// registration and the consent; and a rebuild from the log makes the same index.
func TestCardRegistrationIndex(t *testing.T) {
	dir := t.TempDir()
	store, err := eventstore.Open(filepath.Join(dir, "events.db"), eventstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h, err := app.New(store, app.Config{ReservationKey: key})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	meta := app.Meta{Actor: "t", CorrelationID: "c", Time: t0}
	p := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	start, err := domain.ParseStartCardRegistration(domain.StartCardRegistrationInput{
		CompleteURL: domain.Set("https://shop.example/done"), CancelURL: domain.Set("https://shop.example/cancel"), Language: domain.Set("sv-SE")})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"registration-of-100-aaaa", "registration-of-101-bbbb", "registration-of-102-cccc"}
	for i, id := range ids {
		no := fmt.Sprint(100 + i)
		cmd, err := domain.ParseCreateCustomer(domain.CustomerInput{CustomerNo: domain.Set(no), Name: domain.Set("C"),
			LegalAddress: domain.Set(domain.AddressInput{Addressee: domain.Set("C"), City: domain.Set("X"), ZipCode: domain.Set("11122"), CountryCode: domain.Set("SE")})}, p, t0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Create(ctx, p, cmd, meta); err != nil {
			t.Fatal(err)
		}
		session := domain.CardVerificationSession{Provider: "sandbox", RedirectURL: "http://127.0.0.1/card-verification/sandbox/" + id}
		expires := t0.Add(time.Duration(10*(i+1)) * time.Minute) // 100: 00:10, 101: 00:20, 102: 00:30
		if _, err := h.Execute(ctx, "1000", no, nil, meta, func(c *domain.Customer) ([]domain.Event, error) {
			return c.StartCardRegistration(start, id, session, t0, expires)
		}); err != nil {
			t.Fatal(err)
		}
	}
	// 101 completes: no longer pending.
	done := domain.CardVerificationResult{Outcome: domain.OutcomeCompleted, CardToken: "2eb28854-07ec-4e88-b672-7c61cc54b461",
		InstrumentDisplayName: "551000******1232", CardExpiryDate: "04/2035", ConsentExpiryDate: "04-2035"}
	if _, err := h.Execute(ctx, "1000", "101", nil, meta, func(c *domain.Customer) ([]domain.Event, error) {
		return c.FinishCardRegistration(ids[1], done, t0.Add(time.Minute))
	}); err != nil {
		t.Fatal(err)
	}

	check := func(customers *projections.Customers) {
		t.Helper()
		for i, id := range ids {
			ledgerNo, no, found, err := customers.CardRegistration(ctx, id)
			if err != nil || !found || ledgerNo != "1000" || no != fmt.Sprint(100+i) {
				t.Errorf("CardRegistration(%s) = %s %s %v %v", id, ledgerNo, no, found, err)
			}
		}
		if _, _, found, _ := customers.CardRegistration(ctx, "registration-of-nobody"); found {
			t.Error("an unknown registration was found")
		}
		expired := func(at time.Time) []string {
			refs, err := customers.ExpiredCardRegistrations(ctx, at, 10)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range refs {
				out = append(out, r.CustomerNo+":"+r.RegistrationID)
			}
			return out
		}
		if got := expired(t0.Add(10*time.Minute - 1)); got != nil {
			t.Errorf("expired before the first expiry: %v", got)
		}
		if got, want := expired(t0.Add(10*time.Minute)), []string{"100:" + ids[0]}; !reflect.DeepEqual(got, want) {
			t.Errorf("expired at the first expiry: %v, want %v", got, want)
		}
		if got, want := expired(t0.Add(time.Hour)), []string{"100:" + ids[0], "102:" + ids[2]}; !reflect.DeepEqual(got, want) {
			t.Errorf("expired an hour later (101 completed): %v, want %v", got, want)
		}
		if refs, _ := customers.ExpiredCardRegistrations(ctx, t0.Add(time.Hour), 1); len(refs) != 1 {
			t.Errorf("limit 1: %v", refs)
		}
		st, _, _ := customers.Customer(ctx, "1000", "101")
		if st.CardRegistration == nil || st.CardRegistration.Status != domain.CardRegistrationCompleted || st.RecurringCard == nil ||
			st.RecurringCard.CardToken != done.CardToken || !reflect.DeepEqual(st.ActiveConsents, []string{"RecurringCard"}) {
			t.Errorf("customer 101: %+v %+v %v", st.CardRegistration, st.RecurringCard, st.ActiveConsents)
		}
	}

	customers, r, stop := run(t, store, filepath.Join(dir, "p.db"))
	waitHead(t, store, r)
	check(customers)
	// 100 expires (recorded): no longer pending.
	if _, err := h.Execute(ctx, "1000", "100", nil, meta, func(c *domain.Customer) ([]domain.Event, error) {
		return c.ExpireCardRegistration(ids[0], t0.Add(time.Hour))
	}); err != nil {
		t.Fatal(err)
	}
	waitHead(t, store, r)
	if refs, _ := customers.ExpiredCardRegistrations(ctx, t0.Add(time.Hour), 10); len(refs) != 1 || refs[0].RegistrationID != ids[2] {
		t.Errorf("after 100's expiry: %v", refs)
	}
	stop()

	// A rebuild from the log makes the same index.
	rebuilt, r2, stop2 := run(t, store, filepath.Join(dir, "p2.db"))
	defer stop2()
	waitHead(t, store, r2)
	if refs, _ := rebuilt.ExpiredCardRegistrations(ctx, t0.Add(time.Hour), 10); len(refs) != 1 || refs[0].RegistrationID != ids[2] {
		t.Errorf("rebuilt: %v", refs)
	}
	if _, no, found, _ := rebuilt.CardRegistration(ctx, ids[0]); !found || no != "100" {
		t.Errorf("rebuilt: registration of 100 not found")
	}
}

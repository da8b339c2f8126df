package domain_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
)

// unknownEvent is an event type the customer does not know.
type unknownEvent struct{}

func (unknownEvent) EventType() string { return "Unknown" }

func createdEvent(t *testing.T) domain.CustomerCreated {
	t.Helper()
	e, problems := create(t, validInput(), sePolicy)
	if problems != nil {
		t.Fatal(problems)
	}
	return e
}

func TestCustomerApplyRejects(t *testing.T) {
	created := createdEvent(t)
	tests := []struct {
		name  string
		setup []domain.Event // applied first, as versions 1, 2, …
		apply domain.Recorded
	}{
		{"version 0 first", nil, domain.Recorded{Event: created, Version: 0}},
		{"version 2 first", nil, domain.Recorded{Event: created, Version: 2}},
		{"same version twice", []domain.Event{created}, domain.Recorded{Event: domain.BillingAddressAdded{Address: payexKalle}, Version: 1}},
		{"a version skipped", []domain.Event{created}, domain.Recorded{Event: domain.BillingAddressAdded{Address: payexKalle}, Version: 3}},
		{"an older version", []domain.Event{created, domain.BillingAddressAdded{Address: payexKalle}}, domain.Recorded{Event: domain.BillingAddressRemoved{}, Version: 1}},
		{"created twice", []domain.Event{created}, domain.Recorded{Event: created, Version: 2}},
		{"legal address before created", nil, domain.Recorded{Event: domain.LegalAddressReplaced{Address: payexKalle}, Version: 1}},
		{"billing address before created", nil, domain.Recorded{Event: domain.BillingAddressAdded{Address: payexKalle}, Version: 1}},
		{"details before created", nil, domain.Recorded{Event: domain.CustomerDetailsChanged{Set: domain.DetailChanges{EmailAddress: ptr("x@y.z")}}, Version: 1}},
		{"unknown event type", []domain.Event{created}, domain.Recorded{Event: unknownEvent{}, Version: 2}},
		{"nil event", []domain.Event{created}, domain.Recorded{Version: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := new(domain.Customer)
			apply(t, c, tt.setup...)
			before, exists := c.State(), c.Exists()
			if err := c.Apply(tt.apply); err == nil {
				t.Fatal("Apply succeeded, want an error")
			}
			// A rejected event leaves the aggregate as it was.
			if got := c.State(); !reflect.DeepEqual(got, before) || c.Exists() != exists {
				t.Fatalf("state changed by a rejected event:\n got  %+v\n want %+v", got, before)
			}
		})
	}
}

func TestCustomerApplyTimes(t *testing.T) {
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	c := new(domain.Customer)
	for i, r := range []domain.Recorded{
		{Event: createdEvent(t), Version: 1, Time: t0},
		{Event: domain.BillingAddressAdded{Address: payexKalle}, Version: 2, Time: t0.Add(time.Hour)},
	} {
		if err := c.Apply(r); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	st := c.State()
	if !st.CreatedAt.Equal(t0) || !st.UpdatedAt.Equal(t0.Add(time.Hour)) || st.Version != 2 {
		t.Fatalf("got created %v, updated %v, version %d", st.CreatedAt, st.UpdatedAt, st.Version)
	}
}

// TestCustomerStateIsACopy: changing what State returns, or an event after it was applied,
// does not change the aggregate.
func TestCustomerStateIsACopy(t *testing.T) {
	in := validInput()
	in.BillingAddress = domain.Set(payexBillingAddress())
	c := newCustomer(t, in)
	want := c.State()

	got := c.State()
	got.NationalIdentifier.RegNo = "changed"
	got.EDIAddressInfo.BuyerID = "changed"
	got.LegalAddress.City = "changed"
	got.BillingAddress.City = "changed"
	got.ActiveConsents = append(got.ActiveConsents, "changed")
	got.Name = "changed"
	if now := c.State(); !reflect.DeepEqual(now, want) {
		t.Fatalf("mutating State() changed the aggregate:\n got  %+v\n want %+v", now, want)
	}

	// Events share nothing with the state they were applied to.
	created := createdEvent(t)
	edi := domain.EDIAddressInfo{BuyerID: "1"}
	c2 := new(domain.Customer)
	apply(t, c2, created, domain.CustomerDetailsChanged{Set: domain.DetailChanges{EDIAddressInfo: &edi}})
	want2 := c2.State()
	created.NationalIdentifier.RegNo = "changed"
	edi.BuyerID = "changed"
	if now := c2.State(); !reflect.DeepEqual(now, want2) {
		t.Fatalf("mutating an applied event changed the aggregate:\n got  %+v\n want %+v", now, want2)
	}

	// Clone of a state with consents copies the slice.
	st := domain.CustomerState{ActiveConsents: []string{domain.ConsentAutogiro}}
	cl := st.Clone()
	cl.ActiveConsents[0] = "changed"
	if st.ActiveConsents[0] != domain.ConsentAutogiro {
		t.Fatal("Clone shares ActiveConsents")
	}
}

// TestCustomerCreateSharesNothingWithTheCommand: the events of Create can be changed (e.g. by a
// projection) without changing a command that is retried.
func TestCustomerCreateSharesNothingWithTheCommand(t *testing.T) {
	cmd, err := domain.ParseCreateCustomer(validInput(), sePolicy, today)
	if err != nil {
		t.Fatal(err)
	}
	first, err := new(domain.Customer).Create(cmd)
	if err != nil {
		t.Fatal(err)
	}
	e := first[0].(domain.CustomerCreated)
	e.NationalIdentifier.RegNo = "changed"
	e.EDIAddressInfo.BuyerID = "changed"
	second, err := new(domain.Customer).Create(cmd)
	if err != nil {
		t.Fatal(err)
	}
	assertEvents(t, second, []domain.Event{createdEvent(t)})
	if got := cmd.NationalIdentifier().RegNo; got != tolvan {
		t.Fatalf("command changed: %q", got)
	}
}

func TestCustomerStateSwedish(t *testing.T) {
	tests := []struct {
		st   domain.CustomerState
		want bool
	}{
		{domain.CustomerState{NationalIdentifier: &domain.NationalIdentifier{CountryCode: "SE"}}, true},
		{domain.CustomerState{NationalIdentifier: &domain.NationalIdentifier{CountryCode: "NO"}, LegalAddress: &domain.Address{CountryCode: "SE"}}, false},
		{domain.CustomerState{LegalAddress: &domain.Address{CountryCode: "SE"}}, true},
		{domain.CustomerState{LegalAddress: &domain.Address{CountryCode: "FI"}}, false},
		{domain.CustomerState{}, false},
	}
	for i, tt := range tests {
		if got := tt.st.Swedish(); got != tt.want {
			t.Errorf("%d: got %v, want %v", i, got, tt.want)
		}
	}
}

package app_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/app"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestCommandSpanNotApplied: a command answered with an error matching eventstore.ErrNotApplied
// — a write stored while the read models cannot show it, and a refusal decided while they lag
// behind what it was decided against (answered 503 either way) — ends its span as an error with
// the outcome "not-applied", not as the domain refusal it was decided to be; every span the
// command started has ended.
func TestCommandSpanNotApplied(t *testing.T) {
	store, err := eventstore.Open(filepath.Join(t.TempDir(), "events.db"), eventstore.Options{Applier: lagging{}})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h, err := app.New(store, app.Config{ReservationKey: key})
	if err != nil {
		t.Fatal(err)
	}
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	ctx, root := tp.Tracer("test").Start(context.Background(), "request")

	se := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	in := domain.CustomerInput{CustomerNo: domain.Set("9999"), Name: domain.Set("Tolvan Tolvansson"),
		LegalAddress: domain.Set(domain.AddressInput{Addressee: domain.Set("Tolvan"), City: domain.Set("STOCKHOLM"),
			ZipCode: domain.Set("15961"), CountryCode: domain.Set("SE")})}
	cmd, err := domain.ParseCreateCustomer(in, se, today)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := h.Create(ctx, se, cmd, meta); !errors.Is(err, eventstore.ErrNotApplied) || !res.Changed {
		t.Fatalf("Create with read models that cannot be written: %+v, %v", res, err)
	}
	// Refused while the read models lag: the answer waits for them until its ctx ends.
	cctx, cancel := context.WithCancel(ctx)
	_, err = h.Execute(cctx, "1000", "9999", nil, meta, func(*domain.Customer) ([]domain.Event, error) {
		cancel()
		return nil, &domain.Error{Code: domain.CodeValidation, Message: "refused (test)"}
	})
	if !errors.Is(err, eventstore.ErrNotApplied) {
		t.Fatalf("Execute refused while the read models lag: %v", err)
	}
	root.End()

	commands := 0
	for _, sp := range rec.Ended() {
		if !strings.HasPrefix(sp.Name(), app.SpanCommand+" ") {
			continue
		}
		commands++
		outcome := ""
		for _, a := range sp.Attributes() {
			if a.Key == app.AttrOutcome {
				outcome = a.Value.AsString()
			}
		}
		if sp.Status().Code != codes.Error || outcome != "not-applied" {
			t.Errorf("%s: status %v, outcome %q; want an error, not-applied", sp.Name(), sp.Status(), outcome)
		}
	}
	if commands != 2 {
		t.Errorf("%d command spans ended, want 2", commands)
	}
	if started, ended := len(rec.Started()), len(rec.Ended()); started != ended {
		t.Errorf("%d spans started, %d ended", started, ended)
	}
}

package personal_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/personal"
)

// The CPU cost of sealing and opening, without the disk: go test -run '^$' -bench . ./eventstore/personal
// (BENCHMARKS.md). The event is the golden CustomerCreated (every personal member set).

func BenchmarkSealEvent(b *testing.B) {
	p := personal.NewProtector(openStore(b, "", ring(b, masterA)))
	data := goldenFiles(b)[domain.TypeCustomerCreated][0]
	id := uuid.New()
	if _, err := p.SealEvent(ctx, stream, id, domain.TypeCustomerCreated, data); err != nil { // makes the key
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := p.SealEvent(ctx, stream, id, domain.TypeCustomerCreated, data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenEvent(b *testing.B) {
	p := personal.NewProtector(openStore(b, "", ring(b, masterA)))
	data := goldenFiles(b)[domain.TypeCustomerCreated][0]
	e := event(domain.TypeCustomerCreated, nil)
	sealed, err := p.SealEvent(ctx, e.Stream, e.ID, e.Type, data)
	if err != nil {
		b.Fatal(err)
	}
	e.Data = sealed
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := p.Decode(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodePlain is the same event decoded as stored in the clear: the baseline of
// BenchmarkOpenEvent.
func BenchmarkDecodePlain(b *testing.B) {
	p := personal.NewProtector(openStore(b, "", ring(b, masterA)))
	e := event(domain.TypeCustomerCreated, goldenFiles(b)[domain.TypeCustomerCreated][0])
	b.SetBytes(int64(len(e.Data)))
	for b.Loop() {
		if _, _, err := p.Decode(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSealOpenState(b *testing.B) {
	p := personal.NewProtector(openStore(b, "", ring(b, masterA)))
	if _, err := p.SealEvent(ctx, stream, uuid.New(), domain.TypeLegalAddressReplaced, []byte(`{"address":{"addressee":"A","city":"B","zipCode":"1","countryCode":"SE"}}`)); err != nil {
		b.Fatal(err)
	}
	state := make([]byte, 1200) // a customer's state JSON is about this size
	for i := range state {
		state[i] = 'x'
	}
	b.SetBytes(int64(len(state)))
	for b.Loop() {
		sealed, err := p.SealState(ctx, stream, state)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.OpenState(ctx, stream, sealed); err != nil {
			b.Fatal(err)
		}
	}
}

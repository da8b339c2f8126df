package personal_test

import (
	"fmt"
	"path/filepath"
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

// BenchmarkForgetEvictions is what a forget asks of the writer's key store before it destroys
// the key: three evictions of a key in memory (the customer projection's and the audit index's,
// as they apply CustomerForgotten, then the forget handler's), per forgotten customer.
func BenchmarkForgetEvictions(b *testing.B) {
	s, err := personal.OpenStore(filepath.Join(b.TempDir(), "keys.db"), ring(b, masterA), personal.StoreOptions{DeferCreates: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var subjects []string
	made := func(from int) { // another thousand customers, their keys in memory
		b.StopTimer()
		defer b.StartTimer()
		subjects = subjects[:0]
		for i := range 1000 {
			sub := fmt.Sprintf("1000/customers/%d", from+i)
			if _, err := s.DataKey(ctx, sub, true); err != nil {
				b.Fatal(err)
			}
			subjects = append(subjects, sub)
		}
		if err := s.CommitPending(); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; b.Loop(); i++ {
		if i%1000 == 0 {
			made(i)
		}
		sub := subjects[i%1000]
		s.Evict(sub)
		s.Evict(sub)
		s.Evict(sub)
	}
}

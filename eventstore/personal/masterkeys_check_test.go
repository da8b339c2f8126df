package personal_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore/personal"
)

func subjects(from, n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("1000/customers/%d", from+i)
	}
	return s
}

// TestCheckMasterKeysReadsEveryKey: one data key in the middle of the store still wrapped by an
// old master key — its customer's key not re-wrapped yet when a rotation stopped, or written by a
// writer with the old key first — refuses a ring that lacks that key, as docs/data-protection.md
// promises of a start whose key list lacks a master key still in use. So the start's check reads
// every record's master key id: a sample (the first and the last records, a check record) would
// pass this ring, and the writer would answer that customer with a 500.
func TestCheckMasterKeysReadsEveryKey(t *testing.T) {
	s := openStore(t, "", ring(t, masterB))
	if err := personal.PutKeys(s, ring(t, masterB), subjects(0, 500)); err != nil {
		t.Fatal(err)
	}
	if err := personal.PutKeys(s, ring(t, masterA), subjects(500, 1)); err != nil {
		t.Fatal(err)
	}
	if err := personal.PutKeys(s, ring(t, masterB), subjects(501, 500)); err != nil {
		t.Fatal(err)
	}
	idA := ring(t, masterA).Current()
	if err := s.CheckMasterKeys(ring(t, masterB)); !errors.Is(err, personal.ErrMasterKey) || !strings.Contains(err.Error(), idA) {
		t.Fatalf("a ring without %s, which wraps one key: %v", idA, err)
	}
	if err := s.CheckMasterKeys(ring(t, masterB, masterA)); err != nil {
		t.Fatalf("the ring with both keys: %v", err)
	}
}

// BenchmarkCheckMasterKeys is the start's master-key check over 100k customers' keys, page cache
// warm (go test -run '^$' -bench CheckMasterKeys -benchtime 20x ./eventstore/personal).
func BenchmarkCheckMasterKeys(b *testing.B) {
	s := openStore(b, "", ring(b, masterA))
	if err := personal.PutKeys(s, ring(b, masterA), subjects(0, 100_000)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.CheckMasterKeys(ring(b, masterA)); err != nil {
			b.Fatal(err)
		}
	}
}

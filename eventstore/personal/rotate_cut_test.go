package personal_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nordledger/ledger/eventstore/personal"
)

// cutAfter is a context that ends once Err was asked n times: Rotate asks it before each batch,
// so a rotation under it stops after n batches were committed — the key store a crash leaves
// between two of its transactions.
type cutAfter struct {
	context.Context
	n atomic.Int32
}

func (c *cutAfter) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// TestRotateCutShort: a rotation stopped after its first batch (a crash between two of its
// transactions) reports an error; the store, reopened with the key file as the docs have it
// then (the new key first, the old after), opens every key — some wrapped by the new key, some
// by the old; a rotation that lacks the old key is still refused; the next rotation finishes it,
// leaves no key wrapped by the old master key in the file, and the store opens every key with
// the new master key alone.
func TestRotateCutShort(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.db")
	s := openStore(t, path, ring(t, masterA))
	const n = 2500 // three batches
	subjects := make([]string, n)
	for i := range subjects {
		subjects[i] = fmt.Sprintf("1000/customers/%d", i)
		dataKey(t, s, subjects[i], true)
	}
	oldRecord, _, _ := s.Record(subjects[n-1]) // the last batch's: not re-wrapped by the cut rotation
	cut := &cutAfter{Context: ctx}
	cut.n.Store(1)
	if _, err := s.Rotate(cut, ring(t, masterB, masterA)); err == nil {
		t.Fatal("a rotation cut short reported success")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2, err := personal.OpenStore(path, ring(t, masterB, masterA), personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	byMaster := map[string]int{}
	for _, sub := range subjects {
		rec, _, _ := s2.Record(sub)
		byMaster[rec.Master]++
		if _, err := s2.DataKey(ctx, sub, false); err != nil {
			t.Fatalf("after the cut rotation, with the new key first and the old after: %v", err)
		}
	}
	if byMaster[ring(t, masterA).Current()] == 0 || byMaster[ring(t, masterB).Current()] == 0 {
		t.Fatalf("the cut rotation was not cut between batches: %v", byMaster)
	}
	if _, err := s2.Rotate(ctx, ring(t, masterB)); err == nil || !strings.Contains(err.Error(), "rotation refused") {
		t.Fatalf("a rotation without the old key after a cut one: %v", err)
	}
	rep, err := s2.Rotate(ctx, ring(t, masterB, masterA))
	if err != nil {
		t.Fatal(err)
	}
	if want := (personal.RotateReport{Current: ring(t, masterB).Current(), Rewrapped: byMaster[ring(t, masterA).Current()], Keys: n}); rep != want {
		t.Fatalf("the second rotation: %+v, want %+v", rep, want)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(readFile(t, path), []byte(b64(oldRecord.Wrapped))) {
		t.Error("a key wrapped by the old master key is still in the file")
	}
	s3 := openStore(t, path, ring(t, masterB))
	for _, sub := range subjects {
		if _, err := s3.DataKey(ctx, sub, false); err != nil {
			t.Fatalf("with the new master key alone: %v", err)
		}
	}
}

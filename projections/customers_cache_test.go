package projections

import (
	"fmt"
	"testing"

	"github.com/nordledger/ledger/domain"
)

// TestStateCache: a state is served only for the very bytes it was decoded from, as a copy the
// caller may change, and the cache stays bounded.
func TestStateCache(t *testing.T) {
	c := newStateCache()
	state := domain.CustomerState{CustomerNo: "1", Name: "A", LegalAddress: &domain.Address{City: "STOCKHOLM"}}
	c.put("1000/1", []byte(`{"v":1}`), state)
	state.LegalAddress.City = "changed by the caller after put"

	got, ok := c.get("1000/1", []byte(`{"v":1}`))
	if !ok || got.LegalAddress.City != "STOCKHOLM" {
		t.Fatalf("get = %+v, %v; want the state as put", got, ok)
	}
	got.LegalAddress.City = "changed by the caller after get"
	if again, _ := c.get("1000/1", []byte(`{"v":1}`)); again.LegalAddress.City != "STOCKHOLM" {
		t.Errorf("a caller's change reached the cache: %q", again.LegalAddress.City)
	}
	if _, ok := c.get("1000/1", []byte(`{"v":2}`)); ok {
		t.Error("a state was served for other bytes than it was decoded from")
	}
	if _, ok := c.get("1000/2", []byte(`{"v":1}`)); ok {
		t.Error("a state was served for another key")
	}
	// A reader's put is refused when the key was dropped (a forget) since the reader began.
	token := c.token("1000/3")
	c.drop("1000/3")
	c.putIf("1000/3", []byte(`{"v":1}`), state, token)
	if _, ok := c.get("1000/3", []byte(`{"v":1}`)); ok {
		t.Error("a state read before its key was dropped was remembered after the drop")
	}
	c.putIf("1000/3", []byte(`{"v":1}`), state, c.token("1000/3"))
	if _, ok := c.get("1000/3", []byte(`{"v":1}`)); !ok {
		t.Error("a state read after the drop was not remembered")
	}
	for i := range 3 * stateCacheMax {
		c.put(fmt.Sprint("1000/", i), []byte("x"), state)
	}
	if n := c.len(); n > stateCacheMax {
		t.Errorf("%d states remembered, want at most %d", n, stateCacheMax)
	}
}

package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// clock is a settable time for the verifier.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }
func newClock(t time.Time) *clock    { return &clock{now: t} }
func hs256(t *testing.T, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestVerifiedTokensAreRemembered: a token verified once is accepted again without a new
// verification, with the same Principal; once its "exp" (plus leeway) has passed it is refused
// although remembered, and after verifiedTTL it is verified again. Failures are not remembered.
func TestVerifiedTokensAreRemembered(t *testing.T) {
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	clk := newClock(start)
	v, err := NewVerifier(context.Background(), Config{HS256Secret: []byte("0123456789abcdef0123456789abcdef"), Now: clk.Now, Leeway: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	tok := hs256(t, jwt.MapClaims{"sub": "alice", "iat": start.Unix(), "exp": start.Add(90 * time.Second).Unix(), "ledgers": []string{"1000"}, "scope": "customer:read"})

	first, err := v.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	second, err := v.Verify(tok)
	if err != nil || v.parses.Load() != 1 {
		t.Fatalf("second Verify: %v, %d full verifications, want 1", err, v.parses.Load())
	}
	if second.Subject != first.Subject || !second.ExpiresAt.Equal(first.ExpiresAt) || !second.HasScope("customer:read") || !second.CanAccessLedger("1000") {
		t.Errorf("remembered principal %+v differs from %+v", second, first)
	}

	clk.Add(verifiedTTL + time.Second) // past the TTL, before exp: verified again
	if _, err := v.Verify(tok); err != nil || v.parses.Load() != 2 {
		t.Fatalf("after the TTL: %v, %d full verifications, want 2", err, v.parses.Load())
	}
	clk.Add(30*time.Second + 10*time.Second) // exp + leeway passed, while remembered
	if _, err := v.Verify(tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("expired remembered token: %v, want ErrInvalidToken", err)
	}

	bad := tok[:len(tok)-2] + "xx"
	for range 2 {
		if _, err := v.Verify(bad); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("bad signature: %v", err)
		}
	}
	if n := v.parses.Load(); n != 5 {
		t.Errorf("%d full verifications, want 5 (a failure is verified every time)", n)
	}
}

// TestVerifiedCacheIsBounded: the cache never holds more than verifiedMax tokens.
func TestVerifiedCacheIsBounded(t *testing.T) {
	var c verifiedCache
	now := time.Now()
	for i := range verifiedMax + 500 {
		var key [32]byte
		copy(key[:], fmt.Sprintf("%032d", i))
		c.put(key, Principal{Subject: "s"}, now, now.Add(time.Hour))
		if n := c.len(); n > verifiedMax {
			t.Fatalf("%d tokens remembered, want at most %d", n, verifiedMax)
		}
	}
}

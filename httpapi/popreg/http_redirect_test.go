package popreg_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/popreg"
)

// TestHTTPDoesNotFollowRedirects: a register service answering a redirect is a register that did
// not answer 200 or 404 — "any other status" (docs/configuration.md) — so the look-up is
// unavailable. The redirect is not followed: the national identifier in the body is never sent to
// the redirect's target (another host, an http:// downgrade), and that target's answer is never
// taken for the register's.
func TestHTTPDoesNotFollowRedirects(t *testing.T) {
	var asked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, tolvanJSON)
	}))
	t.Cleanup(other.Close)
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		register := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/lookup", status)
		}))
		r, err := popreg.NewHTTP(popreg.HTTPConfig{URL: register.URL + "/lookup", Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		p, err := r.Person(context.Background(), tolvan)
		if !errors.Is(err, popreg.ErrUnavailable) {
			t.Errorf("a %d redirect: %+v, %v; want ErrUnavailable", status, p, err)
		}
		register.Close()
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("the redirect's target was asked %d times: the identifier left for another host", n)
	}

	// A redirect to itself, forever, ends at once too.
	var loops atomic.Int32
	var loop *httptest.Server
	loop = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loops.Add(1)
		http.Redirect(w, r, loop.URL+"/lookup", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(loop.Close)
	r, _ := popreg.NewHTTP(popreg.HTTPConfig{URL: loop.URL + "/lookup", Timeout: 5 * time.Second})
	if _, err := r.Person(context.Background(), tolvan); !errors.Is(err, popreg.ErrUnavailable) {
		t.Errorf("a redirect loop: %v; want ErrUnavailable", err)
	}
	if n := loops.Load(); n != 1 {
		t.Errorf("a redirect loop was followed: %d requests, want 1", n)
	}
}

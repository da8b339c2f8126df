package httpapi_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/internal/app"
)

// storedButFailed counts the look-ups whose recording returned an error although their event
// was stored (the error matches eventstore.ErrNotApplied).
type storedButFailed struct {
	httpapi.LookupRecorder
	n *atomic.Int32
}

func (r storedButFailed) RecordLookup(ctx context.Context, ledgerNo string, e domain.CustomerDetailsLookedUp, meta app.Meta) (app.Result, error) {
	res, err := r.LookupRecorder.RecordLookup(ctx, ledgerNo, e, meta)
	if errors.Is(err, eventstore.ErrNotApplied) {
		r.n.Add(1)
	}
	return res, err
}

// TestConnectLookupHalfClosed: a Connect client that sends a complete look-up and then
// half-closes its connection (shutdown(SHUT_WR)) before reading is still a client, as on the
// customer routes (TestE2EHalfClosedWrite): the look-up is recorded and answered — not answered
// "unavailable" because the server saw the end of the client's side (which cancels the request's
// context), with the look-up recorded or not depending on when that was seen.
func TestConnectLookupHalfClosed(t *testing.T) {
	var stored atomic.Int32
	h := buildHarness(t, false, func(cfg *httpapi.Config) { cfg.Lookups = storedButFailed{cfg.Lookups, &stored} })
	if code, body := h.do(http.MethodPost, "/ledger/customer/v1/1000/customers", "application/json", validCustomer); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	addr := strings.TrimPrefix(h.srv.URL, "http://")
	body := `{"countryCode":"SE","values":[{"key":"fiscalNumber","value":"191212121212"}]}`
	for i := range 10 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			connectPath, addr, h.token, len(body), body)
		if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("look-up %d: no answer: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		conn.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("look-up %d by a half-closed client: %s %s, want 200 with the details", i, resp.Status, b)
		}
	}
	if n := stored.Load(); n > 0 {
		t.Errorf("%d look-ups were recorded in the log and answered as failed", n)
	}
}

// lagRecorder records look-ups with the real recorder and then reports them as a recorder does
// while the read models cannot show them: stored (Changed) with an error matching
// eventstore.ErrNotApplied — or, with lost set, as never stored (the log could not be written).
type lagRecorder struct {
	httpapi.LookupRecorder
	lost bool
}

func (r lagRecorder) RecordLookup(ctx context.Context, ledgerNo string, e domain.CustomerDetailsLookedUp, meta app.Meta) (app.Result, error) {
	res, err := r.LookupRecorder.RecordLookup(ctx, ledgerNo, e, meta)
	if err != nil {
		return res, err
	}
	lag := &eventstore.NotAppliedError{Position: res.Position, Err: errors.New("the read models cannot be written (test)")}
	if r.lost {
		return app.Result{}, fmt.Errorf("%w: no space left on device (test)", eventstore.ErrWriteFailed)
	}
	return res, lag
}

// TestConnectLookupOnRecordWhileReadModelsLag: a look-up stored in the log is on record, so it
// is answered with the details even when the read models cannot show it yet; one the recorder
// reports as not stored is not answered (503), as before.
func TestConnectLookupOnRecordWhileReadModelsLag(t *testing.T) {
	body := `{"countryCode":"SE","values":[{"key":"fiscalNumber","value":"191212121212"}]}`
	for _, lost := range []bool{false, true} {
		h := buildHarness(t, false, func(cfg *httpapi.Config) { cfg.Lookups = lagRecorder{cfg.Lookups, lost} })
		if code, b := h.do(http.MethodPost, "/ledger/customer/v1/1000/customers", "application/json", validCustomer); code != http.StatusCreated {
			t.Fatalf("create: %d %s", code, b)
		}
		code, b := h.do(http.MethodPost, connectPath, "application/json", body)
		switch {
		case !lost && (code != http.StatusOK || !strings.Contains(b, `"fiscalNumber"`)):
			t.Errorf("a look-up on record while the read models lag: %d %s; want 200 with the details", code, b)
		case lost && code != http.StatusServiceUnavailable:
			t.Errorf("a look-up not stored: %d %s; want 503", code, b)
		}
	}
}

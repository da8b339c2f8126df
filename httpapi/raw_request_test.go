package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// advResp is the answer to one request of raw.
type advResp struct {
	code int
	ct   string
	body string
	hdr  http.Header
}

// raw sends a request with the harness's token and the headers given (a value of "\x00delete"
// removes one), the target's path sent as it is, unescaped; a nil body sends none.
func (h *routeHarness) raw(t *testing.T, method, target string, hdr map[string]string, body []byte) advResp {
	t.Helper()
	u, _ := url.Parse(h.srv.URL)
	req, err := http.NewRequest(method, h.srv.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	path, query, _ := strings.Cut(target, "?")
	req.URL = &url.URL{Scheme: u.Scheme, Host: u.Host, Opaque: "//" + u.Host + path, RawQuery: query}
	req.Header.Set("Authorization", "Bearer "+h.token)
	for k, v := range hdr {
		if v == "\x00delete" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	if body == nil {
		req.Body = nil
		req.ContentLength = 0
	}
	c := *h.srv.Client()
	c.Timeout = 20 * time.Second
	resp, err := c.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, target, err)
		return advResp{code: -1}
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return advResp{resp.StatusCode, resp.Header.Get("Content-Type"), string(data), resp.Header}
}

// advState is what a refused write must leave as it was: customer 9999's ETag and the number
// of events in the ledger.
type advState struct {
	etag   string
	events int
}

// state reads the advState.
func (h *routeHarness) state(t *testing.T) advState {
	t.Helper()
	r := h.raw(t, "GET", "/ledger/customer/v1/1000/customers/9999", nil, nil)
	n := 0
	from := "1"
	for {
		e := h.raw(t, "GET", "/ledger/customer/v1/1000/events?limit=1000&fromPosition="+from, nil, nil)
		var page struct {
			Items      []json.RawMessage
			Navigation struct{ Next string }
		}
		if err := json.Unmarshal([]byte(e.body), &page); err != nil {
			t.Fatalf("events: %d %s", e.code, e.body)
		}
		n += len(page.Items)
		if page.Navigation.Next == "" {
			break
		}
		u, _ := url.Parse(page.Navigation.Next)
		from = u.Query().Get("fromPosition")
	}
	return advState{r.hdr.Get("ETag"), n}
}

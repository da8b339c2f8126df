package cardverify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi"
)

var (
	testKey = []byte("sandbox-key-sandbox-key-sandbox-key-0123")
	now     = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
)

func TestTestCardsAreCards(t *testing.T) {
	for _, c := range TestCards {
		if !luhn(c.Number) || len(c.Number) < 13 {
			t.Errorf("%s is not a valid card number", c.Number)
		}
	}
	if got := mask(TestCards[0].Number); got != "551000******1232" {
		t.Fatalf("mask = %s, want the document's 551000******1232", got)
	}
	if got := mask("4925000000000004"); got != "492500******0004" {
		t.Fatalf("mask = %s", got)
	}
	if got := mask("4925000000004"); got != "492500***0004" {
		t.Fatalf("mask of 13 digits = %s", got)
	}
}

func TestParseCardForm(t *testing.T) {
	f, card, problems := parseCardForm(" 5510 0000-0000 1232 ", "04/35", "123", now)
	if len(problems) != 0 || f.number != "5510000000001232" || f.month != 4 || f.year != 2035 || card.Declined {
		t.Fatalf("got %+v %+v %v", f, card, problems)
	}
	for _, expiry := range []string{"0435", "04/2035", "04-35", " 04 / 35 "} {
		if _, _, ps := parseCardForm("5510000000001232", expiry, "123", now); len(ps) != 0 {
			t.Errorf("expiry %q: %v", expiry, ps)
		}
	}
	if _, _, ps := parseCardForm("5510000000001232", "06/26", "123", now); len(ps) != 0 {
		t.Errorf("a card expiring this month is valid: %v", ps)
	}
	if _, card, _ := parseCardForm("4000000000000002", "12/30", "000", now); !card.Declined {
		t.Error("the declined card")
	}
	tests := []struct {
		pan, expiry, cvc string
		want             map[string]string
	}{
		{"", "", "", map[string]string{"pan": errNumber, "expiry": errExpiry, "cvc": errCVC}},
		{"5510000000001233", "04/35", "123", map[string]string{"pan": errNotValid}},                 // a wrong check digit
		{"5510 0000 0000 1233", "04/35", "123", map[string]string{"pan": errNotValid}},              // as typed
		{"551000000000123", "04/35", "123", map[string]string{"pan": errNotValid}},                  // a digit left out, 15 left
		{"4111111111111111", "04/35", "123", map[string]string{"pan": errNotTestCard}},              // a real-looking card
		{"55100000000012320000", "04/35", "123", map[string]string{"pan": errNumber}},               // 20 digits
		{"5510abcd00001232", "04/35", "123", map[string]string{"pan": errNumber}},                   // letters
		{"5510000000001232", "05/26", "123", map[string]string{"expiry": errExpired}},               // last month
		{"5510000000001232", "13/35", "12a", map[string]string{"expiry": errExpiry, "cvc": errCVC}}, // month 13
		{"5510000000001232", "04/1999", "1234", map[string]string{"expiry": errExpiry, "cvc": errCVC}},
	}
	for _, tt := range tests {
		if _, _, got := parseCardForm(tt.pan, tt.expiry, tt.cvc, now); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q %q %q: %v, want %v", tt.pan, tt.expiry, tt.cvc, got, tt.want)
		}
	}
}

// TestPageTexts: every language of the document has every text of the page.
func TestPageTexts(t *testing.T) {
	for _, lang := range domain.CardVerificationLanguages {
		tx, ok := pageTexts[lang]
		if !ok {
			t.Errorf("no texts for %s", lang)
			continue
		}
		v := reflect.ValueOf(tx)
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.Kind() == reflect.String && f.String() == "" {
				t.Errorf("%s: %s is empty", lang, v.Type().Field(i).Name)
			}
		}
		seen := map[string]string{}
		for _, k := range []string{errNumber, errNotValid, errNotTestCard, errExpiry, errExpired, errCVC, errConsentOver, errRefused} {
			if tx.errors[k] == "" {
				t.Errorf("%s: no text for %s", lang, k)
			}
			if other, dup := seen[tx.errors[k]]; dup {
				t.Errorf("%s: %s says what %s says: %q", lang, k, other, tx.errors[k])
			}
			seen[tx.errors[k]] = k
		}
	}
	if lang, _ := textsFor("de-DE"); lang != "en-US" {
		t.Errorf("an unknown language falls back to %s", lang)
	}
}

func TestSignatures(t *testing.T) {
	secret := []byte("callback-secret-callback-secret-0123456789")
	body := []byte(`{"registrationId":"x"}`)
	h := Sign(secret, now, body)
	if !strings.HasPrefix(h, "t="+strconv.FormatInt(now.Unix(), 10)+",v1=") {
		t.Fatalf("Sign = %s", h)
	}
	if !verifySignature(secret, h, body, now) || !verifySignature(secret, h, body, now.Add(SignatureTolerance)) ||
		!verifySignature(secret, h, body, now.Add(-SignatureTolerance)) {
		t.Fatal("a valid signature was refused")
	}
	// Several v1 signatures (a provider rotating its secret): one must match.
	other := Sign([]byte("another-secret-another-secret-0123456789"), now, body)
	if !verifySignature(secret, h+","+other[strings.Index(other, "v1="):], body, now) {
		t.Fatal("a header with the right signature among others was refused")
	}
	for name, tt := range map[string]struct {
		header string
		body   []byte
		at     time.Time
	}{
		"another body":    {h, []byte(`{"registrationId":"y"}`), now},
		"another secret":  {other, body, now},
		"too old":         {h, body, now.Add(SignatureTolerance + time.Second)},
		"from the future": {h, body, now.Add(-SignatureTolerance - time.Second)},
		"no time":         {h[strings.Index(h, "v1="):], body, now},
		"no signature":    {h[:strings.Index(h, ",")], body, now},
		"empty":           {"", body, now},
		"garbage":         {"t=abc,v1=zz", body, now},
	} {
		if verifySignature(secret, tt.header, tt.body, tt.at) {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestOpenAndConfig(t *testing.T) {
	v, err := Open(Config{PublicURL: "http://127.0.0.1:8080", Key: testKey})
	if _, ok := v.(*Sandbox); err != nil || !ok {
		t.Fatalf("the default provider: %T %v", v, err)
	}
	v, err = Open(Config{Provider: "https://provider.example/api", PublicURL: "https://ledger.example", Token: "t",
		CallbackSecret: []byte("callback-secret-callback-secret-0123456789")})
	if _, ok := v.(*HTTP); err != nil || !ok {
		t.Fatalf("the HTTP provider: %T %v", v, err)
	}
	for name, cfg := range map[string]Config{
		"unknown provider":    {Provider: "stripe", PublicURL: "http://127.0.0.1:8080", Key: testKey},
		"short key":           {PublicURL: "http://127.0.0.1:8080", Key: []byte("short")},
		"public URL w/ path":  {PublicURL: "http://127.0.0.1:8080/ledger", Key: testKey},
		"public URL relative": {PublicURL: "/ledger", Key: testKey},
		"HTTP without token":  {Provider: "https://provider.example", PublicURL: "https://ledger.example", CallbackSecret: []byte("callback-secret-callback-secret-0123456789")},
		"HTTP short secret":   {Provider: "https://provider.example", PublicURL: "https://ledger.example", Token: "t", CallbackSecret: []byte("short")},
		"HTTP without public": {Provider: "https://provider.example", Token: "t", CallbackSecret: []byte("callback-secret-callback-secret-0123456789")},
	} {
		if _, err := Open(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	err = HTTPConfig{BaseURL: "ftp://x", PublicURL: "x"}.Validate()
	if err == nil || strings.Count(err.Error(), "\n") < 3 {
		t.Errorf("Validate reports every problem at once: %v", err)
	}
}

func TestSandboxStart(t *testing.T) {
	s, err := NewSandbox(SandboxConfig{BaseURL: "https://ledger.example/", Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Start(context.Background(), httpapi.CardVerification{RegistrationID: "Qm9hcmQtcmVnaXN0cmF0aW9u"})
	// The page's URL is the id and a MAC of it under the key (the id alone is in the clear in the
	// registration's events; the URL is sealed): 128 bits of HMAC-SHA256, base64url.
	m := hmac.New(sha256.New, testKey)
	m.Write([]byte("ledger-sandbox-page\x00Qm9hcmQtcmVnaXN0cmF0aW9u"))
	want := domain.CardVerificationSession{Provider: "sandbox",
		RedirectURL: "https://ledger.example/card-verification/sandbox/Qm9hcmQtcmVnaXN0cmF0aW9u." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])}
	if err != nil || got != want {
		t.Fatalf("Start = %+v %v, want %+v", got, err, want)
	}
	if _, err := s.Start(context.Background(), httpapi.CardVerification{RegistrationID: "../x"}); err == nil {
		t.Fatal("an invalid id was accepted")
	}
}

func TestHTTPStartFailures(t *testing.T) {
	answer := func(status int, body string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			w.Write([]byte(body))
		}))
	}
	v := httpapi.CardVerification{RegistrationID: "Qm9hcmQtcmVnaXN0cmF0aW9u", Language: "en-US", CompleteURL: "https://a.example/", CancelURL: "https://a.example/", ExpiresAt: now}
	for name, srv := range map[string]*httptest.Server{
		"500":                    answer(500, `{}`),
		"not JSON":               answer(201, `<html>`),
		"no redirect":            answer(201, `{"reference":"r"}`),
		"relative redirect":      answer(201, `{"reference":"r","redirectUrl":"/checkout"}`),
		"no reference":           answer(201, `{"redirectUrl":"https://p.example/c"}`),
		"reference with a space": answer(201, `{"reference":"r r","redirectUrl":"https://p.example/c"}`),
		"huge answer":            answer(201, `{"reference":"r","redirectUrl":"https://p.example/c","x":"`+strings.Repeat("a", maxProviderAnswer)+`"}`),
		"slow": httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body) // the server notices the client going away once the body is read
			<-r.Context().Done()
		})),
	} {
		h, err := NewHTTP(HTTPConfig{BaseURL: srv.URL, Token: "t", CallbackSecret: testKey, PublicURL: "https://ledger.example", Timeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if s, err := h.Start(context.Background(), v); err == nil {
			t.Errorf("%s: %+v", name, s)
		}
		srv.Close()
	}
}

// TestCallbackBodyTooSlowIs408: a callback whose body does not arrive within the server's read
// timeout is answered 408 — not 413, as every unreadable body was before — and nothing is
// recorded (the registrations are never reached).
func TestCallbackBodyTooSlowIs408(t *testing.T) {
	srv := httptest.NewUnstartedServer((&HTTP{}).Pages(nil))
	srv.Config.ReadTimeout = time.Second // the request's head arrives well within it on a loaded machine; its body never does
	srv.Start()
	defer srv.Close()
	// The body's first bytes, then nothing until the answer has come: only the server's read
	// timeout can end the request.
	pr, pw := io.Pipe()
	answered := make(chan struct{})
	go func() {
		pw.Write([]byte(`{"registrationId":`))
		<-answered
		pw.Close()
	}()
	req, err := http.NewRequest(http.MethodPost, srv.URL+CallbackPath, pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	close(answered)
	if err != nil {
		t.Fatalf("POST %s: %v", CallbackPath, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(data), "timeout") {
		t.Errorf("a callback whose body stalls: %d %s; want 408 timeout", resp.StatusCode, data)
	}
}

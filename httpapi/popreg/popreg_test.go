package popreg_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi/popreg"
)

var (
	tolvan = domain.NationalIdentifier{RegNo: "19121212-1212", CountryCode: "SE"}
	nobody = domain.NationalIdentifier{RegNo: "19811218-9876", CountryCode: "SE"}
)

const tolvanJSON = `{"nationalIdentifier": {"regNo": "191212121212", "countryCode": "se"}, "name": "Tolvan Tolvansson",
 "address": {"addressee": "Tolvan Tolvansson", "streetAddress": "Tolvansgatan 12", "coAddress": null, "city": "STOCKHOLM", "zipCode": "112 12", "countryCode": "SE"}}`

var tolvanPerson = domain.RegisteredPerson{NationalIdentifier: tolvan, Name: "Tolvan Tolvansson",
	Address: domain.Address{Addressee: "Tolvan Tolvansson", StreetAddress: "Tolvansgatan 12", City: "STOCKHOLM", ZipCode: "11212", CountryCode: "SE"}}

// TestDefault: the built-in register is valid and holds the persons SPEC §7 names.
func TestDefault(t *testing.T) {
	r := popreg.Default()
	if r.Len() < 4 {
		t.Fatalf("the built-in register holds %d persons", r.Len())
	}
	for _, ni := range []domain.NationalIdentifier{tolvan, {RegNo: "19811228-9874", CountryCode: "SE"},
		{RegNo: "15108695088", CountryCode: "NO"}, {RegNo: "131052-308T", CountryCode: "FI"}} {
		if _, err := r.Person(context.Background(), ni); err != nil {
			t.Errorf("%s %s: %v", ni.CountryCode, ni.RegNo, err)
		}
	}
	p, err := r.Person(context.Background(), tolvan)
	if err != nil || p != tolvanPerson {
		t.Errorf("Tolvan: %+v, %v", p, err)
	}
	protected, _ := r.Person(context.Background(), domain.NationalIdentifier{RegNo: "19811228-9874", CountryCode: "SE"})
	if !protected.ProtectedIdentity {
		t.Errorf("the built-in register has no protected identity")
	}
	if _, err := r.Person(context.Background(), nobody); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("unknown person: %v, want not-found", err)
	}
}

func TestParseFile(t *testing.T) {
	f, err := popreg.ParseFile([]byte(`{"people": [`+tolvanJSON+`]}`), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if p, err := f.Person(context.Background(), tolvan); err != nil || p != tolvanPerson {
		t.Fatalf("got %+v, %v", p, err)
	}
	bad := []struct{ name, data string }{
		{"not JSON", `{`},
		{"unknown property", `{"persons": []}`},
		{"duplicate", `{"people": [` + tolvanJSON + `,` + strings.Replace(tolvanJSON, "191212121212", "19121212-1212", 1) + `]}`},
		{"invalid person", `{"people": [{"nationalIdentifier": {"regNo": "19121212-1213", "countryCode": "SE"}, "name": "", "address": {}}]}`},
		{"protectedIdentity twice", `{"people": [` + strings.Replace(tolvanJSON, `"name": "Tolvan Tolvansson",`, `"name": "Tolvan Tolvansson", "protectedIdentity": true, "PROTECTEDIDENTITY": false,`, 1) + `]}`},
		{"Swedish zip code not 5 digits", `{"people": [` + strings.Replace(tolvanJSON, `"112 12"`, `"1121"`, 1) + `]}`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := popreg.ParseFile([]byte(tt.data), time.Now())
			if err == nil {
				t.Fatal("accepted")
			}
			if strings.Contains(err.Error(), "1212") || strings.Contains(err.Error(), "1121") {
				t.Errorf("the error reveals the identifier: %v", err)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "register.json")
	if err := os.WriteFile(path, []byte(`{"people": [`+tolvanJSON+`]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, setting := range []string{"", path, "http://127.0.0.1:1/lookup", "https://register.example/lookup"} {
		if _, err := popreg.Open(setting, time.Second); err != nil {
			t.Errorf("Open(%q): %v", setting, err)
		}
	}
	for _, setting := range []string{filepath.Join(t.TempDir(), "missing.json"), "http://"} {
		if _, err := popreg.Open(setting, time.Second); err == nil {
			t.Errorf("Open(%q) accepted", setting)
		}
	}
}

// registerServer is a register service speaking the documented protocol, answering with
// answer(regNo) (status, body).
func registerServer(t *testing.T, answer func(regNo string) (int, string)) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || r.URL.Path != "/lookup" {
			t.Errorf("request %s %s %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		if strings.Contains(r.URL.String(), "1212") {
			t.Errorf("the identifier is in the URL")
		}
		var req struct {
			NationalIdentifier struct{ RegNo, CountryCode string } `json:"nationalIdentifier"`
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &req); err != nil || req.NationalIdentifier.CountryCode == "" {
			t.Errorf("request body %s: %v", body, err)
		}
		status, out := answer(req.NationalIdentifier.RegNo)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, out)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTP(t *testing.T) {
	srv := registerServer(t, func(regNo string) (int, string) {
		switch regNo {
		case tolvan.RegNo:
			return http.StatusOK, tolvanJSON
		case nobody.RegNo:
			return http.StatusNotFound, `{}`
		case "19811228-9874":
			return http.StatusOK, tolvanJSON // the answer names someone else
		case "18900101-0008":
			return http.StatusOK, `{"name": 5}`
		default:
			return http.StatusInternalServerError, `oops`
		}
	})
	r, err := popreg.NewHTTP(popreg.HTTPConfig{URL: srv.URL + "/lookup", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if p, err := r.Person(ctx, tolvan); err != nil || p != tolvanPerson {
		t.Fatalf("Tolvan: %+v, %v", p, err)
	}
	if _, err := r.Person(ctx, nobody); !errors.Is(err, domain.ErrNotFound) || errors.Is(err, popreg.ErrUnavailable) {
		t.Fatalf("unknown person: %v, want not-found", err)
	}
	for _, regNo := range []string{"19811228-9874", "18900101-0008", "19800101-0009"} {
		_, err := r.Person(ctx, domain.NationalIdentifier{RegNo: regNo, CountryCode: "SE"})
		if !errors.Is(err, popreg.ErrUnavailable) {
			t.Errorf("%s: %v, want ErrUnavailable", regNo, err)
		}
		if err != nil && strings.Contains(err.Error(), regNo) {
			t.Errorf("the error reveals the identifier: %v", err)
		}
	}
}

func TestHTTPTimeoutAndDown(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	r, _ := popreg.NewHTTP(popreg.HTTPConfig{URL: slow.URL, Timeout: 50 * time.Millisecond})
	// The register holds the request until the test ends: only the timeout can end it (without
	// it, the test runs into go test's -timeout, not into a bound a stalled machine exceeds).
	if _, err := r.Person(context.Background(), tolvan); !errors.Is(err, popreg.ErrUnavailable) {
		t.Fatalf("slow register: %v, want ErrUnavailable", err)
	}

	down := httptest.NewServer(http.NotFoundHandler())
	url := down.URL
	down.Close()
	r, _ = popreg.NewHTTP(popreg.HTTPConfig{URL: url})
	if _, err := r.Person(context.Background(), tolvan); !errors.Is(err, popreg.ErrUnavailable) {
		t.Fatalf("register down: %v, want ErrUnavailable", err)
	}
}

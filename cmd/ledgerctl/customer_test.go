package main

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
)

// fieldTable reads the customer command's table as field → value.
func fieldTable(t *testing.T, out string) map[string]string {
	t.Helper()
	header, rows := tableRows(t, out)
	if len(header) != 2 || header[0] != "FIELD" || header[1] != "VALUE" {
		t.Fatalf("header %q", header)
	}
	m := map[string]string{}
	for _, r := range rows {
		if len(r) != 2 {
			t.Fatalf("row %q", r)
		}
		m[r[0]] = r[1]
	}
	return m
}

func TestCustomerNowAndAsOf(t *testing.T) {
	a := auditStory(t)
	base := []string{"customer", "--url", a.url, "--secret-file", a.secretFile, "--customer", "9999"}
	tests := []struct {
		name string
		args []string
		want map[string]string // fields that must have these values ("" : absent)
	}{
		{"now", nil, map[string]string{"version": "5", "emailAddress": "anna.a@example.se", "msisdn": "+46701234567",
			"legalAddress.city": "UPPSALA", "billingAddress.city": "UPPSALA", "name": "Anna Andersson"}},
		{"as of version 2", []string{"--as-of-version", "2"}, map[string]string{"version": "2", "emailAddress": "anna@example.se",
			"msisdn": "", "legalAddress.city": "STOCKHOLM", "billingAddress.city": ""}},
		{"as of a time between changes", []string{"--as-of", testTime.Add(3 * time.Minute).Format(time.RFC3339)},
			map[string]string{"version": "2", "emailAddress": "anna@example.se", "legalAddress.city": "STOCKHOLM"}},
		{"as of the time of a change", []string{"--as-of", testTime.Add(4 * time.Minute).Format(time.RFC3339)},
			map[string]string{"version": "3", "legalAddress.city": "UPPSALA", "legalAddress.streetAddress": "Storgatan 1", "billingAddress.city": ""}},
		{"as of a date", []string{"--as-of", testTime.AddDate(0, 0, 1).Format(time.DateOnly)}, map[string]string{"version": "5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, nil, append(base, tt.args...)...)
			if code != exitOK || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			got := fieldTable(t, stdout)
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q\n%s", k, got[k], v, stdout)
				}
			}
			for k := range got {
				if strings.Contains(k, "operations") || k == "@id" || k == "surpluses" {
					t.Errorf("the table shows %s", k)
				}
			}
		})
	}

	// --json is the API's resource, as a GET with asOfVersion answers it.
	stdout, _, code := runCLI(t, nil, append(base, "--as-of-version", "3", "--json")...)
	if code != exitOK {
		t.Fatalf("--json: exit %d", code)
	}
	req, _ := http.NewRequest(http.MethodGet, a.url+"/ledger/customer/v1/1000/customers/9999?asOfVersion=3&$expand=legaladdress,billingaddress", nil)
	req.Header.Set("Authorization", "Bearer "+a.token(t, "x", []string{"1000"}, auth.ScopeCustomerRead, auth.ScopeAuditRead))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	direct, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var got, want any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("--json: %v: %q", err, stdout)
	}
	json.Unmarshal(direct, &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("--json:\n%s\nthe API:\n%s", stdout, direct)
	}
}

func TestCustomerErrors(t *testing.T) {
	a := auditStory(t)
	base := []string{"customer", "--url", a.url, "--secret-file", a.secretFile}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"before it existed", []string{"--customer", "9999", "--as-of", testTime.Format(time.RFC3339)}, exitFailure,
			"ledgerctl customer: 404 Customer not found: the customer does not exist at that time or version"},
		{"a version not reached", []string{"--customer", "9999", "--as-of-version", "9"}, exitFailure,
			"404 Not found: the customer has no version 9 yet"},
		{"no such customer", []string{"--customer", "1234"}, exitFailure, "404 Customer not found"},
		{"protected history", []string{"--customer", "4711", "--as-of-version", "1"}, exitFailure,
			"403 Forbidden: the customer has a protected identity"},
		{"both", []string{"--customer", "9999", "--as-of", "1h", "--as-of-version", "1"}, exitUsage, "give --as-of or --as-of-version, not both"},
		{"bad time", []string{"--customer", "9999", "--as-of", "March"}, exitUsage, `--as-of: "March" is not an RFC 3339 time`},
		{"version 0", []string{"--customer", "9999", "--as-of-version", "0"}, exitUsage, "--as-of-version must be at least 1"},
		{"no customer", nil, exitUsage, "--customer is required"},
		{"a list flag", []string{"--customer", "9999", "--limit", "3"}, exitUsage, "flag provided but not defined: -limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, nil, append(base, tt.args...)...)
			if code != tt.wantCode || stdout != "" || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("exit %d (want %d), stdout %q, stderr %q (want %q)", code, tt.wantCode, stdout, stderr, tt.wantStderr)
			}
		})
	}
	// A protected customer now: the minted token (no population-register scope) gets it without
	// its addresses, as any client does.
	stdout, stderr, code := runCLI(t, nil, append(base, "--customer", "4711")...)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	got := fieldTable(t, stdout)
	if got["protectedIdentity"] != "true" || got["name"] != "Sigrid Skyddad" {
		t.Errorf("protected customer: %v", got)
	}
	for k := range got {
		if strings.HasPrefix(k, "legalAddress") || strings.HasPrefix(k, "billingAddress") {
			t.Errorf("protected customer: the table shows %s", k)
		}
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
)

// tableRows splits a table into its header and rows of cells (columns separated by 2+ spaces).
func tableRows(t *testing.T, out string) (header []string, rows [][]string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	split := func(l string) []string {
		var cells []string
		for _, c := range strings.Split(l, "  ") {
			if c = strings.TrimSpace(c); c != "" {
				cells = append(cells, c)
			}
		}
		return cells
	}
	if len(lines) == 0 || lines[0] == "" {
		t.Fatalf("no table: %q", out)
	}
	header = split(lines[0])
	for _, l := range lines[1:] {
		rows = append(rows, split(l))
	}
	return header, rows
}

// column returns the cells of a column.
func column(header []string, rows [][]string, name string) []string {
	i := slices.Index(header, name)
	var out []string
	for _, r := range rows {
		if i >= 0 && i < len(r) {
			out = append(out, r[i])
		}
	}
	return out
}

// jsonLines decodes --json output.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var items []map[string]any
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		items = append(items, m)
	}
	return items
}

func field(items []map[string]any, name string) []string {
	var out []string
	for _, it := range items {
		out = append(out, fmt.Sprint(it[name]))
	}
	return out
}

func TestEventsTable(t *testing.T) {
	a := auditStory(t)
	stdout, stderr, code := runCLI(t, nil, "events", "--url", a.url, "--secret-file", a.secretFile, "--customer", "9999")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	header, rows := tableRows(t, stdout)
	if want := []string{"VERSION", "POSITION", "TIME", "TYPE", "ACTOR", "CORRELATION-ID", "DATA"}; !slices.Equal(header, want) {
		t.Fatalf("header %q, want %q", header, want)
	}
	want := [][]string{
		{"1", "1", minute(1), "CustomerCreated", "alice", "c-create"},
		{"2", "2", minute(2), "CustomerDetailsChanged", "bob", "c-mail"},
		{"3", "4", minute(4), "LegalAddressReplaced", "alice", "c-legal"},
		{"4", "6", minute(6), "BillingAddressAdded", "bob", "c-bill"},
		{"5", "7", minute(7), "CustomerDetailsChanged", "bob", "c-mail2"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), stdout)
	}
	for i, w := range want {
		if len(rows[i]) != 7 || !slices.Equal(rows[i][:6], w) {
			t.Errorf("row %d = %q, want %q + data", i, rows[i], w)
		}
	}
	// The data column: the event's JSON on one line — who changed the e-mail to what.
	if d := rows[1][6]; !strings.Contains(d, `"emailAddress":"anna@example.se"`) {
		t.Errorf("data of version 2: %s", d)
	}
	if d := rows[2][6]; !strings.Contains(d, `"city":"UPPSALA"`) {
		t.Errorf("data of version 3: %s", d)
	}
}

func TestEventsJSON(t *testing.T) {
	a := auditStory(t)
	stdout, stderr, code := runCLI(t, map[string]string{apiURLEnv: a.url, apiTokenEnv: a.token(t, "auditor", []string{"1000"}, auth.ScopeAuditRead)},
		"events", "--customer", "9999", "--json")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	items := jsonLines(t, stdout)
	if got := field(items, "version"); !slices.Equal(got, []string{"1", "2", "3", "4", "5"}) {
		t.Fatalf("versions %q", got)
	}
	if got := field(items, "actor"); !slices.Equal(got, []string{"alice", "bob", "alice", "bob", "bob"}) {
		t.Errorf("actors %q", got)
	}
	// Each line is the API's item, whole: the SPEC §9 envelope and the data as JSON.
	for _, it := range items {
		for _, k := range []string{"id", "stream", "position", "version", "type", "schemaVersion", "time", "actor", "correlationId", "causationId", "data"} {
			if _, ok := it[k]; !ok {
				t.Errorf("item without %s: %v", k, it)
			}
		}
		if it["stream"] != "1000/customers/9999" {
			t.Errorf("stream %v", it["stream"])
		}
	}
	set, _ := items[4]["data"].(map[string]any)["set"].(map[string]any)
	if set["emailAddress"] != "anna.a@example.se" || set["msisdn"] != "+46701234567" {
		t.Errorf("data of version 5: %v", items[4]["data"])
	}
	if tm := items[0]["time"]; tm != testTime.Add(time.Minute).Format(time.RFC3339Nano) {
		t.Errorf("time %v", tm)
	}
}

func TestEventsPaging(t *testing.T) {
	a := auditStory(t)
	base := []string{"events", "--url", a.url, "--secret-file", a.secretFile, "--customer", "9999"}
	versions := func(stdout string) []string {
		var v []string
		for _, it := range jsonLines(t, stdout) {
			v = append(v, fmt.Sprint(it["version"]))
		}
		return v
	}

	// --limit stops early and names where to go on.
	stdout, stderr, code := runCLI(t, nil, append(base, "--limit", "2", "--json")...)
	if code != exitOK || !slices.Equal(versions(stdout), []string{"1", "2"}) {
		t.Fatalf("--limit 2: exit %d, %q", code, stdout)
	}
	if !strings.Contains(stderr, "continue with --from-version 3") {
		t.Errorf("--limit 2: stderr %q", stderr)
	}
	if got := a.served(); len(got) != 1 || !strings.Contains(got[0], "limit=2") {
		t.Errorf("--limit 2 asked %q", got)
	}
	stdout, stderr, _ = runCLI(t, nil, append(base, "--from-version", "3", "--limit", "2", "--json")...)
	if !slices.Equal(versions(stdout), []string{"3", "4"}) || !strings.Contains(stderr, "--from-version 5") {
		t.Errorf("--from-version 3 --limit 2: %q, stderr %q", stdout, stderr)
	}
	a.served()

	// --all follows the navigation links to the end.
	stdout, stderr, code = runCLI(t, nil, append(base, "--all", "--page-size", "2", "--json")...)
	if code != exitOK || stderr != "" || !slices.Equal(versions(stdout), []string{"1", "2", "3", "4", "5"}) {
		t.Fatalf("--all --page-size 2: exit %d, %q, stderr %q", code, stdout, stderr)
	}
	want := []string{
		"/ledger/customer/v1/1000/customers/9999/events?fromVersion=1&limit=2",
		"/ledger/customer/v1/1000/customers/9999/events?fromVersion=3&limit=2",
		"/ledger/customer/v1/1000/customers/9999/events?fromVersion=5&limit=2",
	}
	if got := a.served(); !slices.Equal(got, want) {
		t.Errorf("--all --page-size 2 asked %q, want %q", got, want)
	}
	// A limit beyond a page: pages until the limit.
	stdout, stderr, _ = runCLI(t, nil, append(base, "--limit", "3", "--page-size", "2")...)
	if _, rows := tableRows(t, stdout); len(rows) != 3 || !strings.Contains(stderr, "--from-version 4") {
		t.Errorf("--limit 3 --page-size 2: %q, stderr %q", stdout, stderr)
	}
	// Past the end: nothing, said on stderr.
	stdout, stderr, code = runCLI(t, nil, append(base, "--from-version", "6")...)
	if code != exitOK || stdout != "" || !strings.Contains(stderr, "no events from version 6") {
		t.Errorf("--from-version 6: exit %d, %q, stderr %q", code, stdout, stderr)
	}
}

func TestAuditFilters(t *testing.T) {
	a := auditStory(t)
	tests := []struct {
		name          string
		args          []string
		wantPositions []string
	}{
		{"everything of the ledger", nil, []string{"1", "2", "4", "5", "6", "7", "8"}},
		{"actor", []string{"--actor", "bob"}, []string{"2", "6", "7"}},
		{"type", []string{"--type", "CustomerCreated"}, []string{"1", "5"}},
		{"type in another case", []string{"--type", "customercreated"}, []string{"1", "5"}},
		{"correlation id", []string{"--correlation-id", "c-create"}, []string{"1", "5"}},
		{"since", []string{"--since", testTime.Add(6 * time.Minute).Format(time.RFC3339)}, []string{"6", "7", "8"}},
		{"until", []string{"--until", testTime.Add(4 * time.Minute).Format(time.RFC3339)}, []string{"1", "2"}},
		{"window and actor", []string{"--since", testTime.Add(2 * time.Minute).Format(time.RFC3339), "--until", testTime.Add(7 * time.Minute).Format(time.RFC3339), "--actor", "bob"}, []string{"2", "6"}},
		{"type and actor", []string{"--type", "CustomerDetailsChanged", "--actor", "carol"}, []string{"8"}},
		{"a date", []string{"--since", testTime.Format(time.DateOnly), "--until", testTime.AddDate(0, 0, 1).Format(time.DateOnly)}, []string{"1", "2", "4", "5", "6", "7", "8"}},
		{"from position", []string{"--from-position", "6"}, []string{"6", "7", "8"}},
		{"another ledger's actor", []string{"--actor", "dave"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"audit", "--url", a.url, "--secret-file", a.secretFile}, tt.args...)
			stdout, stderr, code := runCLI(t, nil, append(args, "--json")...)
			if code != exitOK {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			items := jsonLines(t, stdout)
			if got := field(items, "position"); !slices.Equal(got, tt.wantPositions) {
				t.Errorf("--json positions %q, want %q", got, tt.wantPositions)
			}
			for _, it := range items {
				if !strings.HasPrefix(fmt.Sprint(it["stream"]), "1000/") {
					t.Errorf("ledger 1000's audit shows %v", it["stream"])
				}
			}
			stdout, stderr, code = runCLI(t, nil, args...)
			if code != exitOK {
				t.Fatalf("table: exit %d, stderr %q", code, stderr)
			}
			if tt.wantPositions == nil {
				if stdout != "" || !strings.Contains(stderr, "no events match") {
					t.Errorf("table: %q, stderr %q", stdout, stderr)
				}
				return
			}
			header, rows := tableRows(t, stdout)
			if got := column(header, rows, "POSITION"); !slices.Equal(got, tt.wantPositions) {
				t.Errorf("table positions %q, want %q\n%s", got, tt.wantPositions, stdout)
			}
		})
	}
}

func TestAuditTable(t *testing.T) {
	a := auditStory(t)
	stdout, stderr, code := runCLI(t, nil, "audit", "--url", a.url, "--secret-file", a.secretFile, "--from-position", "5")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	header, rows := tableRows(t, stdout)
	if want := []string{"POSITION", "TIME", "STREAM", "VERSION", "TYPE", "ACTOR", "CORRELATION-ID", "DATA"}; !slices.Equal(header, want) {
		t.Fatalf("header %q", header)
	}
	want := [][]string{
		{"5", minute(5), "customers/4711", "1", "CustomerCreated", "carol", "c-create"},
		{"6", minute(6), "customers/9999", "4", "BillingAddressAdded", "bob", "c-bill"},
		{"7", minute(7), "customers/9999", "5", "CustomerDetailsChanged", "bob", "c-mail2"},
		{"8", minute(8), "customers/4711", "2", "CustomerDetailsChanged", "carol", "c-protect"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows:\n%s", len(rows), stdout)
	}
	for i, w := range want {
		if !slices.Equal(rows[i][:7], w) {
			t.Errorf("row %d = %q, want %q", i, rows[i], w)
		}
	}
	// Customer 4711's identity is protected now: the minted token (audit:read only) sees who
	// did what when, not the data.
	for _, i := range []int{0, 3} {
		if d := strings.Join(rows[i][7:], " "); d != "(withheld: protected identity)" {
			t.Errorf("row %d data %q", i, d)
		}
	}
	if !strings.Contains(rows[2][7], `"emailAddress":"anna.a@example.se"`) {
		t.Errorf("row 2 data %q", rows[2][7])
	}
	// With the population-register scope the data shows.
	tok := a.token(t, "auditor", []string{"1000"}, auth.ScopeAuditRead, auth.ScopePopulationRegister)
	stdout, _, _ = runCLI(t, nil, "audit", "--url", a.url, "--token", tok, "--from-position", "8", "--json")
	if items := jsonLines(t, stdout); len(items) != 1 || items[0]["dataWithheld"] != nil || !strings.Contains(fmt.Sprint(items[0]["data"]), "protectedIdentity:true") {
		t.Errorf("with population-register: %q", stdout)
	}
}

func TestAuditPaging(t *testing.T) {
	a := auditStory(t)
	base := []string{"audit", "--url", a.url, "--secret-file", a.secretFile, "--json"}
	stdout, stderr, code := runCLI(t, nil, append(base, "--actor", "bob", "--all", "--page-size", "1")...)
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if got := field(jsonLines(t, stdout), "position"); !slices.Equal(got, []string{"2", "6", "7"}) {
		t.Errorf("positions %q", got)
	}
	// Every page after the first is the previous page's next link, the filter kept.
	got := a.served()
	if len(got) < 3 {
		t.Fatalf("asked %q", got)
	}
	for _, r := range got {
		if !strings.HasPrefix(r, "/ledger/customer/v1/1000/events?") || !strings.Contains(r, "actor=bob") || !strings.Contains(r, "limit=1") {
			t.Errorf("request %q", r)
		}
	}
	stdout, stderr, _ = runCLI(t, nil, append(base, "--limit", "2")...)
	if got := field(jsonLines(t, stdout), "position"); !slices.Equal(got, []string{"1", "2"}) || !strings.Contains(stderr, "continue with --from-position 3") {
		t.Errorf("--limit 2: %q, stderr %q", got, stderr)
	}
}

// closedURL returns the URL of a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

func TestEventsAndAuditErrors(t *testing.T) {
	a := auditStory(t)
	otherSecret := secretFile(t, "another secret, another ledgerd, 32+ bytes long")
	noAudit := a.token(t, "clerk", []string{"1000"}, auth.ScopeCustomerRead)
	ledger2000 := a.token(t, "auditor", []string{"2000"}, auth.ScopeAuditRead)
	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"401 another secret", nil, []string{"events", "--url", a.url, "--secret-file", otherSecret, "--customer", "9999"},
			exitFailure, "ledgerctl events: 401 Unauthorized: the bearer token is not valid"},
		{"401 garbage token", nil, []string{"audit", "--url", a.url, "--token", "not.a.token"},
			exitFailure, "ledgerctl audit: 401 Unauthorized"},
		{"403 another ledger", nil, []string{"events", "--url", a.url, "--token", ledger2000, "--customer", "9999"},
			exitFailure, "ledgerctl events: 403 Forbidden: the token does not grant access to this ledger"},
		{"403 no audit:read", map[string]string{apiTokenEnv: noAudit}, []string{"audit", "--url", a.url},
			exitFailure, "ledgerctl audit: 403 Forbidden: the token lacks the scope audit:read"},
		{"403 protected history", nil, []string{"events", "--url", a.url, "--secret-file", a.secretFile, "--customer", "4711"},
			exitFailure, "403 Forbidden: the customer has a protected identity"},
		{"404 no such customer", nil, []string{"events", "--url", a.url, "--secret-file", a.secretFile, "--customer", "1234"},
			exitFailure, "ledgerctl events: 404 Customer not found: the customer does not exist"},
		{"404 no such ledger", nil, []string{"audit", "--url", a.url, "--secret-file", a.secretFile, "--ledger", "3000"},
			exitFailure, "ledgerctl audit: 404 Not found: the ledger does not exist"},
		{"unreachable", nil, []string{"audit", "--url", closedURL(t), "--secret-file", a.secretFile},
			exitFailure, "ledgerctl audit: cannot reach ledgerd at http://127.0.0.1:"},
		{"no secret to mint with", map[string]string{}, []string{"audit", "--url", a.url, "--secret-file", "/nonexistent/jwt-secret"},
			exitFailure, "no token: give --token or $LEDGERCTL_TOKEN"},
		{"400 no such type", nil, []string{"audit", "--url", a.url, "--secret-file", a.secretFile, "--type", "Nope"},
			exitFailure, "  type: type must be one of the event types: BillingAddressAdded, "},
		{"no customer", nil, []string{"events", "--url", a.url}, exitUsage, "--customer is required"},
		{"bad since", nil, []string{"audit", "--since", "yesterday"}, exitUsage, `--since: "yesterday" is not an RFC 3339 time`},
		{"empty actor", nil, []string{"audit", "--actor", ""}, exitUsage, "--actor is empty; leave it out to match every event"},
		{"blank type", nil, []string{"audit", "--type", " "}, exitUsage, "--type is empty"},
		{"empty correlation id", nil, []string{"audit", "--correlation-id="}, exitUsage, "--correlation-id is empty"},
		{"empty until", nil, []string{"audit", "--until", ""}, exitUsage, "--until is empty"},
		{"until before since", nil, []string{"audit", "--since", "2026-03-02", "--until", "2026-03-01"}, exitUsage, "--until must be later than --since"},
		{"limit 0", nil, []string{"audit", "--limit", "0"}, exitUsage, "--limit 0"},
		{"page size", nil, []string{"events", "--customer", "1", "--page-size", "1001"}, exitUsage, "--page-size 1001"},
		{"from version 0", nil, []string{"events", "--customer", "1", "--from-version", "0"}, exitUsage, "--from-version must be at least 1"},
		{"bad url", nil, []string{"audit", "--url", "ftp://x"}, exitUsage, `--url "ftp://x" is not an http(s) URL`},
		{"token and secret", nil, []string{"audit", "--token", "x.y.z", "--secret-file", a.secretFile}, exitUsage, "give --token or a secret"},
		{"stray argument", nil, []string{"events", "--customer", "1", "9999"}, exitUsage, `unexpected argument "9999"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, tt.env, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d; stderr %q", code, tt.wantCode, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr %q, want it to contain %q", stderr, tt.wantStderr)
			}
		})
	}
	// A validation problem of the API lists its problems.
	_, stderr, code := runCLI(t, nil, "audit", "--url", a.url, "--secret-file", a.secretFile, "--type", strings.Repeat("x", 300))
	if code != exitFailure || !strings.Contains(stderr, "400 Validation failed") || !strings.Contains(stderr, "  type: type must be at most 256 characters") {
		t.Errorf("validation: exit %d, stderr %q", code, stderr)
	}
}

// TestAPIDefaults: the URL and the token come from the environment as documented.
func TestAPIDefaults(t *testing.T) {
	for env, want := range map[string]string{
		"":                  "http://127.0.0.1:8080",
		"127.0.0.1:9090":    "http://127.0.0.1:9090",
		":9090":             "http://127.0.0.1:9090",
		"0.0.0.0:9090":      "http://127.0.0.1:9090",
		"[::]:9090":         "http://127.0.0.1:9090",
		"ledger.local:8080": "http://ledger.local:8080",
	} {
		if got := apiURLDefault(func(k string) string { return map[string]string{httpAddrEnv: env}[k] }); got != want {
			t.Errorf("%s=%q: --url default %q, want %q", httpAddrEnv, env, got, want)
		}
	}
	if got := apiURLDefault(func(k string) string {
		return map[string]string{httpAddrEnv: ":1", apiURLEnv: "https://ledger.example"}[k]
	}); got != "https://ledger.example" {
		t.Errorf("$%s ignored: %q", apiURLEnv, got)
	}

	// Minted from $LEDGERD_JWT_SECRET: the token of the query is valid for the ledger only, with
	// audit:read only.
	a := auditStory(t)
	stdout, stderr, code := runCLI(t, map[string]string{apiURLEnv: a.url, secretEnv: fileSecret}, "audit", "--limit", "1", "--json")
	if code != exitOK || len(jsonLines(t, stdout)) != 1 {
		t.Fatalf("exit %d, %q, stderr %q", code, stdout, stderr)
	}
	f := apiFlags{ledger: "2000", given: map[string]bool{}, scopes: []string{auth.ScopeAuditRead}}
	e := &env{getenv: func(k string) string { return map[string]string{secretEnv: fileSecret}[k] }, now: time.Now}
	tok, err := f.bearer(e)
	if err != nil {
		t.Fatal(err)
	}
	p := verify(t, tok, fileSecret, auth.Config{})
	// A token in the environment is never shown by --help.
	stdout, _, _ = runCLI(t, map[string]string{apiTokenEnv: "secret.token.value"}, "audit", "--help")
	if strings.Contains(stdout, "secret.token.value") || !strings.Contains(stdout, "-token token") {
		t.Errorf("audit --help shows the token or no --token: %q", stdout)
	}
	if p.Subject != mintedSubject || !slices.Equal(p.Ledgers(), []string{"2000"}) || !slices.Equal(p.Scopes(), []string{auth.ScopeAuditRead}) {
		t.Errorf("minted token: %+v", p)
	}
}

// TestAuditWindowAtYearOne: --until 0001-01-01 (the zero time) selects the events before year
// one — none — as the API does; it was left out of the query and every event was printed. A
// window not later than its since is a usage error there too.
func TestAuditWindowAtYearOne(t *testing.T) {
	a := auditStory(t)
	base := []string{"audit", "--url", a.url, "--secret-file", a.secretFile, "--json"}
	for _, until := range []string{"0001-01-01", "0001-01-01T00:00:00Z"} {
		stdout, stderr, code := runCLI(t, nil, append(base, "--until", until)...)
		if code != exitOK || stdout != "" || !strings.Contains(stderr, "no events match") {
			t.Errorf("--until %s: exit %d, %d lines, stderr %q; want no events", until, code, len(jsonLines(t, stdout)), stderr)
		}
	}
	if _, stderr, code := runCLI(t, nil, append(base, "--since", "0001-01-01", "--until", "0001-01-01")...); code != exitUsage {
		t.Errorf("--since 0001-01-01 --until 0001-01-01: exit %d, stderr %q; want a usage error", code, stderr)
	}
}

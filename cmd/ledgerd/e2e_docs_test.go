package main

// The operator documentation against the program: the metrics docs/operations.md lists are those
// ledgerd exports, and the README says how to install the commands the docs write.

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestE2EMetricsDocumented: every ledgerd_* metric family a writer exports is in the metrics table
// of docs/operations.md, and every ledgerd_* metric the table lists is exported by a writer —
// unless its row says it is a reader's. (ledgerd_log_commits_total and ledgerd_log_appends_total
// were exported but not listed.)
func TestE2EMetricsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{} // metric → its table row
	for _, l := range strings.Split(string(doc), "\n") {
		if m := regexp.MustCompile("^\\| `(ledgerd_[a-z_]+)` \\|").FindStringSubmatch(l); m != nil {
			rows[m[1]] = l
		}
	}
	s := startServer(t)
	s.createCustomer(t, s.token, newCustomer("4200", "Metric Reader")) // the command and append metrics have a sample
	exported := scrape(t, s)
	for name := range exported {
		if strings.HasPrefix(name, "ledgerd_") && rows[name] == "" {
			t.Errorf("ledgerd exports %s, which docs/operations.md does not list", name)
		}
	}
	for name, row := range rows {
		if exported[name] == nil && !strings.HasSuffix(strings.TrimSpace(row), "(reader) |") {
			t.Errorf("docs/operations.md lists %s, which a writer does not export (and the row does not end in \"(reader)\")", name)
		}
	}
}

// TestReadmeSaysHowToInstallTheCommands: the docs write `ledgerctl ...`; the README says how to
// get it on the PATH (go install ./cmd/...) before its first example that runs it so, and so does
// docs/ledgerctl.md.
func TestReadmeSaysHowToInstallTheCommands(t *testing.T) {
	const install = "go install ./cmd/..."
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	first := -1
	for _, b := range shBlocks(string(readme)) {
		if regexp.MustCompile(`(?m)^ledgerctl `).MatchString(b.text) {
			first = strings.Index(string(readme), b.text)
			break
		}
	}
	if first < 0 {
		t.Fatal("no example in README.md runs ledgerctl")
	}
	if i := strings.Index(string(readme), install); i < 0 || i > first {
		t.Errorf("README.md does not say %q before its first example that runs ledgerctl", install)
	}
	page, err := os.ReadFile("../../docs/ledgerctl.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), install) {
		t.Errorf("docs/ledgerctl.md does not say how to install ledgerctl (%s)", install)
	}
}

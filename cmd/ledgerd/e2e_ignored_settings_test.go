package main

import (
	"strings"
	"testing"
)

// TestE2EIgnoredSettingsLoggedAtStart: a started writer given settings it does not use — a
// reader's -reader-id, and (from the test helper) -nats-listen with an external -nats-url — says
// so in one WARN line at start, naming each with its variable and why; it still starts.
func TestE2EIgnoredSettingsLoggedAtStart(t *testing.T) {
	ns := startExternalNATS(t, t.TempDir(), -1)
	s := startServer(t, withArgs("-nats-url", ns.ClientURL(), "-reader-id", "r1"))
	var lines []string
	for _, l := range strings.Split(s.logs.String(), "\n") {
		if strings.Contains(l, "level=WARN") && strings.Contains(l, "LEDGERD_READER_ID") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("WARN lines naming LEDGERD_READER_ID: %q, want one", lines)
	}
	for _, want := range []string{"-reader-id (LEDGERD_READER_ID): ", "-nats-listen (LEDGERD_NATS_LISTEN): no embedded NATS server with -nats-url"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("the WARN line lacks %q:\n%s", want, lines[0])
		}
	}
	if strings.Contains(lines[0], "-nats-url (") || strings.Contains(lines[0], "-data-dir") {
		t.Errorf("the WARN line names a setting this writer uses:\n%s", lines[0])
	}
}

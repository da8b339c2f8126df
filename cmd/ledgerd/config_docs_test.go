package main

// The README's configuration table against ledgerd's flags: a newcomer reads the table, an
// operator reads ledgerd -h, and the two must name the same flags, variables and defaults.

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// usageFlags returns ledgerd's flags as -h prints them: name → default ("" when none is printed).
func usageFlags(t *testing.T) map[string]string {
	t.Helper()
	err := NewMain().ParseFlags([]string{"-h"}, func(string) string { return "" })
	if err == nil {
		t.Fatal("ledgerd -h: no usage")
	}
	flags := map[string]string{}
	var last string
	for _, l := range strings.Split(err.Error(), "\n") {
		if m := regexp.MustCompile(`^  -([a-z0-9-]+)`).FindStringSubmatch(l); m != nil {
			last = m[1]
			flags[last] = ""
			continue
		}
		if m := regexp.MustCompile(`\(default "?([^")]*)"?\)$`).FindStringSubmatch(l); m != nil && last != "" {
			flags[last] = m[1]
		}
	}
	if len(flags) < 30 {
		t.Fatalf("ledgerd -h lists %d flags:\n%v", len(flags), err)
	}
	return flags
}

// sameDefault compares a default as the README writes it with ledgerd's (durations in any form).
func sameDefault(doc, flag string) bool {
	if a, err := time.ParseDuration(doc); err == nil {
		b, err := time.ParseDuration(flag)
		return err == nil && a == b
	}
	return doc == flag
}

// TestReadmeConfigurationTableIsLedgerdsFlags: every flag of ledgerd -h is in the README's
// "Configuration" section (or, for the card-verification provider's, in docs/configuration.md)
// with its environment variable, and with the default -h prints; every flag the table names
// exists.
func TestReadmeConfigurationTableIsLedgerdsFlags(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "\n## Configuration\n")
	section, _, _ = strings.Cut(section, "\n## ")
	guide, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	flags := usageFlags(t)
	backticked := regexp.MustCompile("`-([a-z0-9-]+)`")
	documented := map[string]bool{}
	for _, m := range backticked.FindAllStringSubmatch(section+string(guide), -1) {
		documented[m[1]] = true
	}
	rows := 0
	for _, l := range strings.Split(section, "\n") {
		cells := strings.Split(l, " | ")
		if !strings.HasPrefix(l, "| `-") || len(cells) < 4 {
			continue
		}
		rows++
		names := backticked.FindAllStringSubmatch(cells[0], -1)
		defaults := strings.Split(cells[2], " / ")
		for i, n := range names {
			name := n[1]
			def, known := flags[name]
			if !known {
				t.Errorf("README.md's configuration table names -%s, which ledgerd does not have", name)
				continue
			}
			env := envName(name)
			short := "..." + strings.TrimPrefix(env, "LEDGERD_HTTP") // the table's `..._READ_TIMEOUT`
			if noEnv[name] != (strings.TrimSpace(cells[1]) == "—") || !noEnv[name] && !strings.Contains(cells[1], env) && !strings.Contains(cells[1], short) {
				t.Errorf("README.md: -%s's variable %s: the row says %q", name, env, cells[1])
			}
			if def == "" {
				continue
			}
			if len(defaults) != len(names) {
				t.Errorf("README.md: the row of -%s gives %d defaults for %d flags: %q", name, len(defaults), len(names), cells[2])
				continue
			}
			doc := regexp.MustCompile("^`([^`]*)`").FindStringSubmatch(strings.TrimSpace(defaults[i]))
			if doc == nil || !sameDefault(doc[1], def) {
				t.Errorf("README.md: -%s defaults to %q (ledgerd -h), the table says %q", name, def, defaults[i])
			}
		}
	}
	if rows < 25 {
		t.Fatalf("found %d rows in README.md's configuration table", rows)
	}
	for name := range flags {
		if !documented[name] {
			t.Errorf("ledgerd -%s is in neither README.md's configuration section nor docs/configuration.md", name)
		}
	}
}

// TestConfigurationGuideTablesAreLedgerdsFlags: every row of docs/configuration.md's flag tables
// (Flag | Environment | Default | Meaning) names a flag ledgerd has, with its environment variable
// and the default -h prints.
func TestConfigurationGuideTablesAreLedgerdsFlags(t *testing.T) {
	guide, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	flags := usageFlags(t)
	rows := 0
	for n, l := range strings.Split(string(guide), "\n") {
		cells := strings.Split(l, " | ")
		m := regexp.MustCompile("^\\| `-([a-z0-9-]+)`$").FindStringSubmatch(cells[0])
		if m == nil || len(cells) < 4 {
			continue
		}
		rows++
		name := m[1]
		def, known := flags[name]
		if !known {
			t.Errorf("docs/configuration.md:%d names -%s, which ledgerd does not have", n+1, name)
			continue
		}
		if env := "`" + envName(name) + "`"; strings.TrimSpace(cells[1]) != env {
			t.Errorf("docs/configuration.md:%d: -%s's variable is %s; the row says %q", n+1, name, env, cells[1])
		}
		if def == "" {
			continue
		}
		doc := regexp.MustCompile("^`([^`]*)`$").FindStringSubmatch(strings.TrimSpace(cells[2]))
		if doc == nil || !sameDefault(doc[1], def) {
			t.Errorf("docs/configuration.md:%d: -%s defaults to %q (ledgerd -h), the row says %q", n+1, name, def, cells[2])
		}
	}
	if rows < 14 {
		t.Fatalf("found %d flag rows in docs/configuration.md", rows)
	}
}

// TestE2EBinaryHelp: ledgerd -h prints its flags on stdout and exits 0, as ledgerctl --help does
// (it printed them as an error, on stderr, with exit status 2); a flag it lacks is still 2.
func TestE2EBinaryHelp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildLedgerd(t)
	for _, args := range [][]string{{"-h"}, {"--help"}} {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil || !strings.Contains(stdout.String(), "-http-addr") || stderr.Len() > 0 {
			t.Errorf("ledgerd %s: %v\nstdout: %s\nstderr: %s", args[0], err, stdout.String(), stderr.String())
		}
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "-no-such-flag")
	cmd.Stderr = &stderr
	if err := cmd.Run(); !strings.Contains(stderr.String(), "no-such-flag") {
		t.Errorf("ledgerd -no-such-flag: %v, %s", err, stderr.String())
	} else if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Errorf("ledgerd -no-such-flag: %v, want exit status 2", err)
	}
}

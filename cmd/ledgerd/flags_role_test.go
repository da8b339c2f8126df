package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestParseFlagsReportsSettingsTheRoleIgnores: ParseFlags names every setting given — by flag or
// by environment variable, never a default — that this ledgerd does not use in its role or mode
// (Options.Ignored, logged by Run), and none it uses.
func TestParseFlagsReportsSettingsTheRoleIgnores(t *testing.T) {
	dir := t.TempDir()
	nats := "nats://127.0.0.1:4222"
	reader := []string{"-role", "reader", "-nats-url", nats}
	secret := strings.Repeat("s", 32)
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want []string // the flags reported, in order
	}{
		{"writer given a reader id", []string{"-reader-id", "r1"}, nil, []string{"reader-id"}},
		{"writer given the writer url", []string{"-writer-url", "http://writer:8080"}, nil, []string{"writer-url"}},
		{"reader given a key store", append(reader, "-key-store", filepath.Join(dir, "keys.db")), nil, []string{"key-store"}},
		{"external NATS given the embedded server's fsync", []string{"-nats-url", nats, "-nats-sync", "always"}, nil, []string{"nats-sync"}},
		{"external NATS given the embedded server's address by environment", nil,
			map[string]string{"LEDGERD_NATS_URL": nats, "LEDGERD_NATS_LISTEN": "0.0.0.0:4222"}, []string{"nats-listen"}},
		{"reader given writer settings by environment", nil, map[string]string{"LEDGERD_ROLE": "reader", "LEDGERD_NATS_URL": nats,
			"LEDGERD_ADMIN_SOCKET": "off", "LEDGERD_DISCLOSURE_RETENTION": "48h", "LEDGERD_READER_ID": "r1"},
			[]string{"admin-socket", "disclosure-retention"}},
		{"flag and environment: reported once", []string{"-reader-id", "r1"}, map[string]string{"LEDGERD_READER_ID": "r2"}, []string{"reader-id"}},
		{"reader given every writer-only setting", append(slices.Clone(reader),
			"-nats-listen", "127.0.0.1:0", "-nats-sync", "always", "-key-store", filepath.Join(dir, "k.db"),
			"-admin-socket", filepath.Join(dir, "a.sock"), "-backup-stall-timeout", "2m", "-population-register-timeout", "3s",
			"-public-url", "https://ledger.example", "-card-verification", "https://cards.example",
			"-card-verification-token", "t", "-card-verification-callback-secret", secret, "-card-verification-timeout", "3s",
			"-card-registration-ttl", "1h", "-personal-data-max-age", "10s", "-disclosure-retention", "48h"), nil,
			[]string{"nats-listen", "nats-sync", "key-store", "admin-socket", "backup-stall-timeout", "population-register-timeout",
				"public-url", "card-verification", "card-verification-token", "card-verification-callback-secret",
				"card-verification-timeout", "card-registration-ttl", "personal-data-max-age", "disclosure-retention"}},
		{"writer without admin socket given the backup stall timeout", []string{"-admin-socket", "off", "-backup-stall-timeout", "2m"}, nil,
			[]string{"backup-stall-timeout"}},
		{"writer with the sandbox given the provider's timeout", []string{"-card-verification", "sandbox", "-card-verification-timeout", "3s"}, nil,
			[]string{"card-verification-timeout"}},
		{"writer with the built-in register given a register timeout", []string{"-population-register-timeout", "3s"}, nil,
			[]string{"population-register-timeout"}},

		// Nothing reported: defaults, and settings the role uses.
		{"writer with defaults", nil, nil, nil},
		{"reader with defaults", reader, nil, nil},
		{"writer given every writer setting", []string{"-nats-listen", "127.0.0.1:0", "-nats-sync", "always",
			"-key-store", filepath.Join(dir, "k.db"), "-admin-socket", filepath.Join(dir, "a.sock"), "-backup-stall-timeout", "2m",
			"-population-register", "https://register.example", "-population-register-timeout", "3s",
			"-public-url", "https://ledger.example", "-card-verification", "https://cards.example",
			"-card-verification-token", "t", "-card-verification-callback-secret", secret, "-card-verification-timeout", "3s",
			"-card-registration-ttl", "1h", "-personal-data-max-age", "10s", "-disclosure-retention", "48h"}, nil, nil},
		{"reader given settings both roles use", append(slices.Clone(reader), "-reader-id", "r1", "-writer-url", "http://writer:8080",
			"-nats-replicas", "3", "-nats-stream", "L2", "-population-register", "https://register.example",
			"-key-file", filepath.Join(dir, "reservation.key"), "-master-key-file", filepath.Join(dir, "master.key"),
			"-read-model-wait", "5s", "-http-max-body-bytes", "8192", "-jwt-leeway", "10s", "-config", "", "-pprof-addr", "127.0.0.1:0"), nil, nil},
		{"external NATS writer given the settings it uses", []string{"-nats-url", nats, "-nats-replicas", "3", "-nats-stream", "L2"}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMain()
			args := append([]string{"-data-dir", dir}, tc.args...)
			if err := m.ParseFlags(args, func(k string) string { return tc.env[k] }); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range m.Options.Ignored {
				flag, rest, ok := strings.Cut(s, " ")
				name := strings.TrimPrefix(flag, "-")
				if !ok || !strings.HasPrefix(rest, "("+envName(name)+"): ") || len(rest) < len(envName(name))+8 {
					t.Errorf("%q: want -flag (VARIABLE): why", s)
				}
				got = append(got, name)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("reported %q, want %q:\n%s", got, tc.want, strings.Join(m.Options.Ignored, "\n"))
			}
		})
	}
	// The reason the brief's operator reads.
	m := NewMain()
	if err := m.ParseFlags([]string{"-data-dir", dir, "-nats-url", nats, "-nats-listen", "0.0.0.0:4222"}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if want := "-nats-listen (LEDGERD_NATS_LISTEN): no embedded NATS server with -nats-url"; !slices.Equal(m.Options.Ignored, []string{want}) {
		t.Errorf("ignored %q, want %q", m.Options.Ignored, want)
	}
}

// TestUnusedSettingsAreFlags: every setting flags_role.go lists is one of ledgerd's flags, once.
func TestUnusedSettingsAreFlags(t *testing.T) {
	flags := usageFlags(t)
	seen := map[string]bool{}
	for _, u := range unusedSettings {
		if _, ok := flags[u.flag]; !ok || seen[u.flag] {
			t.Errorf("unusedSettings: -%s is no flag of ledgerd, or listed twice", u.flag)
		}
		seen[u.flag] = true
	}
}

// TestUnusedSettingsDocumented: docs/configuration.md's table of the settings a role does not use
// names exactly the flags flags_role.go lists.
func TestUnusedSettingsDocumented(t *testing.T) {
	guide, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(guide), "\n## Settings a role does not use\n")
	if !ok {
		t.Fatal(`docs/configuration.md has no section "Settings a role does not use"`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var documented, listed []string
	for _, m := range regexp.MustCompile("(?m)^\\| `-([a-z0-9-]+)` \\|").FindAllStringSubmatch(section, -1) {
		documented = append(documented, m[1])
	}
	for _, u := range unusedSettings {
		listed = append(listed, u.flag)
	}
	if !slices.Equal(documented, listed) {
		t.Errorf("docs/configuration.md's table names %q; flags_role.go lists %q (in this order)", documented, listed)
	}
}

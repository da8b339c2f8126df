package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestParseFlagsTakesTheComposeSettings: every ledgerd of docker-compose.yml starts with the
// settings it is given — the Dockerfile's ENV under the service's environment, as Docker merges
// them — so a check added to ParseFlags that refuses a value the deployment sets fails here, not
// at `docker compose up` (deploy/ cannot run ParseFlags: it is package main's).
func TestParseFlagsTakesTheComposeSettings(t *testing.T) {
	root := filepath.Join("..", "..")
	df, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	image := map[string]string{}
	for _, m := range regexp.MustCompile(`(LEDGERD_[A-Z0-9_]+)=(\S+)`).FindAllStringSubmatch(string(df), -1) {
		image[m[1]] = m[2]
	}
	if image["LEDGERD_DATA_DIR"] == "" {
		t.Fatal("found no LEDGERD_DATA_DIR in the Dockerfile: the scan is broken")
	}
	text, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Command     any               `yaml:"command"`
			Environment map[string]string `yaml:"environment"` // the compose file uses the map form
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(text, &compose); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	roles := map[string]int{}
	for name, s := range compose.Services {
		role := s.Environment["LEDGERD_ROLE"]
		if role == "" {
			continue // a NATS node
		}
		roles[role]++
		if s.Command != nil {
			t.Errorf("%s: a command line, which this test does not give ParseFlags", name)
		}
		env := map[string]string{}
		for k, v := range image {
			env[k] = v
		}
		for k, v := range s.Environment {
			if strings.Contains(v, "${") {
				t.Errorf("%s: %s=%q is interpolated by compose, which this test does not do", name, k, v)
			}
			env[k] = v
		}
		m := NewMain()
		if err := m.ParseFlags(nil, func(k string) string { return env[k] }); err != nil {
			t.Errorf("%s: ledgerd refuses its settings: %v", name, err)
			continue
		}
		o := m.Options
		if o.Role != role || o.NATSURL != env["LEDGERD_NATS_URL"] || o.ReaderID != env["LEDGERD_READER_ID"] || o.DataDir != env["LEDGERD_DATA_DIR"] {
			t.Errorf("%s: role %q, nats url %q, reader id %q, data dir %q: not the environment's", name, o.Role, o.NATSURL, o.ReaderID, o.DataDir)
		}
		// Writer and readers share one environment (x-ledgerd-env): none is given a setting it
		// does not use (flags_role.go), which it would warn of at start.
		if len(o.Ignored) > 0 {
			t.Errorf("%s: given settings it does not use: %q", name, o.Ignored)
		}
	}
	if roles[RoleWriter] == 0 || roles[RoleReader] == 0 {
		t.Errorf("ledgerd services by role %v: want a writer and readers", roles)
	}
}

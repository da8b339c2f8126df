package deploy

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// byRole splits the services into NATS nodes and ledgerd writers and readers.
func byRole(t *testing.T, c composeFile) (nats, writers, readers []string) {
	t.Helper()
	for name, s := range c.Services {
		switch {
		case strings.HasPrefix(s.Image, "nats:"):
			nats = append(nats, name)
		case s.Environment["LEDGERD_ROLE"] == "writer":
			writers = append(writers, name)
		case s.Environment["LEDGERD_ROLE"] == "reader":
			readers = append(readers, name)
		default:
			t.Errorf("service %s: neither a NATS node nor a ledgerd with LEDGERD_ROLE writer or reader", name)
		}
	}
	slices.Sort(nats)
	slices.Sort(readers)
	return nats, writers, readers
}

func TestNATSCluster(t *testing.T) {
	c, _ := loadCompose(t)
	nodes, _, _ := byRole(t, c)
	if len(nodes) != 3 {
		t.Fatalf("NATS nodes %v, want 3", nodes)
	}
	names := map[string]bool{}
	for _, n := range nodes {
		s := c.Services[n]
		if !strings.Contains(s.Image, "alpine") {
			t.Errorf("%s: image %q: the healthcheck needs wget, want an -alpine image", n, s.Image)
		}
		name := s.Command.flag("--name")
		if name == "" || names[name] {
			t.Errorf("%s: server name %q missing or not distinct", n, name)
		}
		names[name] = true

		var routed []string
		for _, r := range strings.Split(s.Command.flag("--routes"), ",") {
			u, err := url.Parse(r)
			if err != nil || u.Scheme != "nats" || u.Port() != "6222" {
				t.Errorf("%s: route %q: want nats://{node}:6222", n, r)
				continue
			}
			routed = append(routed, u.Hostname())
		}
		slices.Sort(routed)
		others := slices.DeleteFunc(slices.Clone(nodes), func(o string) bool { return o == n })
		if !slices.Equal(routed, others) {
			t.Errorf("%s: routes to %v, want the other two nodes %v", n, routed, others)
		}

		conf := s.Command.flag("--config")
		host, ok := hostPath(s, conf)
		if !ok {
			t.Errorf("%s: config %q is not mounted from the repository", n, conf)
		} else {
			checkNATSConf(t, n, readFile(t, host))
		}
		if vol, ok := s.mounts()["/data"]; !ok || strings.HasPrefix(vol, ".") {
			t.Errorf("%s: no named volume at /data (the JetStream store)", n)
		}
		if s.Healthcheck == nil {
			t.Errorf("%s: no healthcheck (ledgerd waits for service_healthy)", n)
		}
	}
	if p := c.Services[nodes[0]].Ports; !slices.Contains(p, "4222:4222") {
		t.Errorf("%s: ports %v, want 4222:4222 for outside consumers", nodes[0], p)
	}
}

// hostPath returns the repository file mounted at container path p.
func hostPath(s service, p string) (string, bool) {
	src, ok := s.mounts()[p]
	if !ok || !strings.HasPrefix(src, "./") {
		return "", false
	}
	return strings.TrimPrefix(src, "./"), true
}

func checkNATSConf(t *testing.T, node, conf string) {
	t.Helper()
	for _, want := range []struct{ what, re string }{
		{"JetStream storing in /data", `(?s)jetstream\s*\{[^}]*store_dir:\s*"?/data"?`},
		{"fsync on every write", `(?s)jetstream\s*\{[^}]*sync_interval:\s*"?always"?`},
		{"cluster named ledger", `(?s)cluster\s*\{[^}]*name:\s*"?ledger"?`},
		{"cluster listening on 6222", `(?s)cluster\s*\{[^}]*listen:\s*"?0\.0\.0\.0:6222"?`},
		{"monitoring on 8222 (healthcheck)", `(?m)^\s*http_port:\s*8222`},
	} {
		if !regexp.MustCompile(want.re).MatchString(conf) {
			t.Errorf("%s: NATS config lacks %s", node, want.what)
		}
	}
}

func TestLedgerdServices(t *testing.T) {
	c, _ := loadCompose(t)
	nodes, writers, readers := byRole(t, c)
	if len(writers) != 1 || len(readers) != 2 {
		t.Fatalf("writers %v, readers %v: want one writer and two readers", writers, readers)
	}
	writer := writers[0]
	wantURL := strings.Join(mapf(nodes, func(n string) string { return "nats://" + n + ":4222" }), ",")
	volumes := map[string]string{}
	for _, name := range append([]string{writer}, readers...) {
		s := c.Services[name]
		env := s.Environment
		if s.Build == nil && s.Image == "" {
			t.Errorf("%s: neither build nor image", name)
		}
		for k, want := range map[string]string{
			"LEDGERD_HTTP_ADDR": ":8080", "LEDGERD_DATA_DIR": "/data", "LEDGERD_NATS_URL": wantURL,
			"LEDGERD_NATS_REPLICAS": "3", "LEDGERD_LOG_FORMAT": "json",
		} {
			if env[k] != want {
				t.Errorf("%s: %s = %q, want %q", name, k, env[k], want)
			}
		}
		vol, ok := s.mounts()["/data"]
		if !ok || strings.HasPrefix(vol, ".") {
			t.Errorf("%s: no named volume at /data", name)
		} else if other, dup := volumes[vol]; dup {
			t.Errorf("%s and %s share volume %s: each ledgerd needs its own", name, other, vol)
		}
		volumes[vol] = name
		for _, n := range nodes {
			if s.DependsOn[n] != "service_healthy" {
				t.Errorf("%s: depends_on %s: %q, want service_healthy", name, n, s.DependsOn[n])
			}
		}
		checkSecrets(t, c, name, s)
	}
	if p := c.Services[writer].Ports; !slices.Equal(p, []string{"8080:8080"}) {
		t.Errorf("%s: ports %v, want [8080:8080]", writer, p)
	}
	ids := map[string]bool{}
	validID := regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	for i, name := range readers {
		s := c.Services[name]
		id := s.Environment["LEDGERD_READER_ID"]
		if !validID.MatchString(id) || ids[id] {
			t.Errorf("%s: LEDGERD_READER_ID %q: want distinct ids of letters, digits, '-' and '_'", name, id)
		}
		ids[id] = true
		if got := s.Environment["LEDGERD_WRITER_URL"]; got != "http://localhost:8080" {
			t.Errorf("%s: LEDGERD_WRITER_URL %q, want the writer's published http://localhost:8080", name, got)
		}
		if want := []string{"808" + string(rune('1'+i)) + ":8080"}; !slices.Equal(s.Ports, want) {
			t.Errorf("%s: ports %v, want %v", name, s.Ports, want)
		}
		if s.DependsOn[writer] == "" {
			t.Errorf("%s: does not depend on %s (which creates the stream)", name, writer)
		}
	}
}

// checkSecrets: every ledgerd gets the shared JWT secret where it reads it (LEDGERD_JWT_SECRET
// unset: {data dir}/jwt-secret), the HMAC key named by LEDGERD_KEY_FILE and the master keys
// named by LEDGERD_MASTER_KEY_FILE.
func checkSecrets(t *testing.T, c composeFile, name string, s service) {
	t.Helper()
	at := map[string]string{}
	for _, sec := range s.Secrets {
		if _, ok := c.Secrets[sec.Source]; !ok {
			t.Errorf("%s: secret %q is not declared", name, sec.Source)
		}
		at[sec.Source] = sec.path()
	}
	if s.Environment["LEDGERD_JWT_SECRET"] != "" || at["jwt-secret"] != s.Environment["LEDGERD_DATA_DIR"]+"/jwt-secret" {
		t.Errorf("%s: the jwt-secret secret must be mounted at {data dir}/jwt-secret (got %q) with LEDGERD_JWT_SECRET unset", name, at["jwt-secret"])
	}
	if kf := s.Environment["LEDGERD_KEY_FILE"]; kf == "" || at["ledger-key"] != kf {
		t.Errorf("%s: LEDGERD_KEY_FILE %q, want the path of the ledger-key secret (%q)", name, kf, at["ledger-key"])
	}
	if mk := s.Environment["LEDGERD_MASTER_KEY_FILE"]; mk == "" || at["master-key"] != mk {
		t.Errorf("%s: LEDGERD_MASTER_KEY_FILE %q, want the path of the master-key secret (%q)", name, mk, at["master-key"])
	}
}

func TestVolumesAndSecretsDeclared(t *testing.T) {
	c, _ := loadCompose(t)
	for name, s := range c.Services {
		for dst, src := range s.mounts() {
			if strings.HasPrefix(src, "./") {
				if _, err := os.Stat(filepath.Join(root, src)); err != nil {
					t.Errorf("%s: bind mount of %s: %v", name, dst, err)
				}
			} else if _, ok := c.Volumes[src]; !ok {
				t.Errorf("%s: volume %q is not declared", name, src)
			}
		}
	}
	gitignore := readFile(t, ".gitignore")
	for name, sec := range c.Secrets {
		if !strings.HasPrefix(sec.File, "./secrets/") {
			t.Errorf("secret %s: file %q, want one under ./secrets/", name, sec.File)
		}
	}
	if !strings.Contains(gitignore, "/secrets/*") {
		t.Error(".gitignore does not ignore /secrets/*")
	}
	if _, err := os.Stat(filepath.Join(root, "secrets", "README.md")); err != nil {
		t.Errorf("secrets/README.md (how to create the secrets): %v", err)
	}
}

func TestDockerfile(t *testing.T) {
	c, _ := loadCompose(t)
	for name, s := range c.Services {
		if s.Build != nil && s.Build != "." {
			t.Errorf("%s: build %v, want \".\" (the Dockerfile at the root)", name, s.Build)
		}
	}
	df := readFile(t, "Dockerfile")
	for _, want := range []struct{ what, re string }{
		{"a golang:1.26 build stage", `(?m)^FROM golang:1\.26\S* AS build`},
		{"static builds", `CGO_ENABLED=0`},
		{"ledgerd built with -trimpath", `go build -trimpath [^\n]*\./cmd/ledgerd`},
		{"ledgerctl built", `go build [^\n]*\./cmd/ledgerctl`},
		{"a non-root user", `(?m)^USER (nonroot|65532)`},
		{"port 8080", `(?m)^EXPOSE 8080$`},
		{"a /data volume", `(?m)^VOLUME /data$`},
		{"LEDGERD_HTTP_ADDR=:8080", `LEDGERD_HTTP_ADDR=:8080`},
		{"LEDGERD_DATA_DIR=/data", `LEDGERD_DATA_DIR=/data`},
	} {
		if !regexp.MustCompile(want.re).MatchString(df) {
			t.Errorf("Dockerfile lacks %s", want.what)
		}
	}
	if _, err := os.Stat(filepath.Join(root, ".dockerignore")); err != nil {
		t.Error(err)
	}
}

// TestSettingsKnown: every LEDGERD_* name in the deployment files is a setting ledgerd reads: a
// flag's variable (LEDGERD_ and the flag's name in capitals, cmd/ledgerd/flags.go) but for the
// flags without one, or a variable named in the sources (the master keys: internal/datadir).
func TestSettingsKnown(t *testing.T) {
	known := map[string]bool{}
	setting := regexp.MustCompile(`LEDGERD_[A-Z0-9_]+`)
	files, err := filepath.Glob(filepath.Join(root, "cmd", "ledgerd", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("cmd/ledgerd sources: %v", err)
	}
	more, _ := filepath.Glob(filepath.Join(root, "internal", "datadir", "*.go"))
	noEnv := map[string]bool{}
	for _, f := range append(files, more...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`"(LEDGERD_[A-Z0-9_]+)"`).FindAllSubmatch(src, -1) {
			known[string(m[1])] = true
		}
		for _, m := range regexp.MustCompile(`fs\.[A-Za-z0-9]+Var\([^,]+, "([a-z0-9-]+)"`).FindAllSubmatch(src, -1) {
			known["LEDGERD_"+strings.ToUpper(strings.ReplaceAll(string(m[1]), "-", "_"))] = true
		}
		if m := regexp.MustCompile(`noEnv = map\[string\]bool\{([^}]*)\}`).FindSubmatch(src); m != nil {
			for _, name := range regexp.MustCompile(`"([a-z0-9-]+)"`).FindAllSubmatch(m[1], -1) {
				noEnv["LEDGERD_"+strings.ToUpper(strings.ReplaceAll(string(name[1]), "-", "_"))] = true
			}
		}
	}
	for name := range noEnv {
		delete(known, name)
	}
	if !known["LEDGERD_NATS_URL"] {
		t.Fatal("found no LEDGERD_NATS_URL in cmd/ledgerd: the scan is broken")
	}
	for _, f := range []string{"docker-compose.yml", "Dockerfile"} {
		for _, name := range setting.FindAllString(readFile(t, f), -1) {
			if !known[name] {
				t.Errorf("%s names %s, which cmd/ledgerd does not read", f, name)
			}
		}
	}
}

func mapf(in []string, f func(string) string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = f(s)
	}
	return out
}

// TestSecretsCreatedByTheDocs: every page that tells how to start the compose file creates every
// secret file it reads, readable by the containers (docs/operations.md missed master.key, so
// `docker compose up` failed as that page has it).
func TestSecretsCreatedByTheDocs(t *testing.T) {
	c, _ := loadCompose(t)
	for _, page := range []string{"README.md", "docs/operations.md", "secrets/README.md"} {
		text := readFile(t, page)
		var chmod string
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, "chmod ") {
				chmod = l
			}
		}
		for name, sec := range c.Secrets {
			file := strings.TrimPrefix(sec.File, "./")
			if !regexp.MustCompile(`openssl rand -hex 32 > ` + regexp.QuoteMeta(file) + `\b`).MatchString(text) {
				t.Errorf("%s does not create %s (secret %s) with openssl rand -hex 32", page, file, name)
			}
			if !strings.Contains(chmod+" ", " "+file+" ") {
				t.Errorf("%s does not make %s (secret %s) readable by the containers (chmod 644)", page, file, name)
			}
		}
	}
}

// TestNoAddressSpaceLimit: no ledgerd has an address-space limit. ledgerd maps each bbolt file
// its size plus 10 GiB (internal/boltmap): some 42 GiB of address space, little of it resident.
// A memory limit (mem_limit, deploy.resources) counts resident memory and is fine; ulimits "as"
// (RLIMIT_AS, ulimit -v) counts the maps, and ledgerd would refuse to start (docs/operations.md).
// ("memlock" does not matter: ledgerd locks no memory.)
func TestNoAddressSpaceLimit(t *testing.T) {
	c, _ := loadCompose(t)
	_, writers, readers := byRole(t, c)
	for _, name := range append(writers, readers...) {
		if v, ok := c.Services[name].Ulimits["as"]; ok {
			t.Errorf("%s: ulimits as: %v: ledgerd maps about 42 GiB of address space plus its files; set a memory limit instead", name, v)
		}
	}
}

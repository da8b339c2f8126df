package archtest_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/nordledger/ledger"

// root is the repository's root (this package is internal/archtest).
func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// goList runs go list in the repository's root and returns its lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = root(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// ourImports returns every package of the module with the packages of the module it imports
// (not its tests'), paths relative to the module.
func ourImports(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, line := range goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...") {
		fields := strings.Fields(line)
		pkg := rel(fields[0])
		out[pkg] = []string{}
		for _, imp := range fields[1:] {
			if strings.HasPrefix(imp, module+"/") {
				out[pkg] = append(out[pkg], rel(imp))
			}
		}
		slices.Sort(out[pkg])
	}
	return out
}

func rel(path string) string { return strings.TrimPrefix(path, module+"/") }

// TestPackageTable: docs/architecture.md's package table names every package and, for each, the
// packages of ours it imports — exactly what the code imports.
func TestPackageTable(t *testing.T) {
	f, err := os.Open(filepath.Join(root(t), "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	row := regexp.MustCompile("^\\| `([a-z/]+)` \\|.*\\| ([^|]*) \\|$")
	tick := regexp.MustCompile("`([a-z/]+)`")
	table := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := row.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		imports := []string{}
		for _, im := range tick.FindAllStringSubmatch(m[2], -1) {
			imports = append(imports, im[1])
		}
		slices.Sort(imports)
		table[m[1]] = imports
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	actual := ourImports(t)
	for pkg, imports := range actual {
		documented, ok := table[pkg]
		switch {
		case !ok:
			t.Errorf("package %s is not in the table of docs/architecture.md", pkg)
		case !slices.Equal(documented, imports):
			t.Errorf("docs/architecture.md says %s imports %v; it imports %v", pkg, documented, imports)
		}
	}
	for pkg := range table {
		if _, ok := actual[pkg]; !ok {
			t.Errorf("docs/architecture.md lists %s, which is no package", pkg)
		}
	}
}

// layers are docs/architecture.md's layers, lowest first: a package imports packages of its own
// layer or a lower one, never a higher one.
var layers = [][]string{
	{"domain", "domain/nordic"},
	{"eventstore", "eventstore/personal", "eventstore/eventstoretest", "internal/tracing", "internal/boltcheck", "internal/boltmap", "internal/jsonw", "internal/jsonscan", "internal/progress", "internal/keyindex"},
	{"internal/app"},
	{"httpapi", "httpapi/auth", "httpapi/apidocs", "httpapi/apidocs/asyncapitest", "httpapi/auditui", "httpapi/popreg", "httpapi/cardverify",
		"projections", "eventstore/relay", "eventstore/feed", "eventstore/wire", "eventstore/consumer",
		"eventstore/personal/disclosure", "eventstore/personal/keysync", "internal/contracttest", "internal/browsertest", "internal/natsproxy", "internal/archtest", "deploy"},
	{"cmd/ledgerd", "cmd/ledgerctl", "cmd/ledgerbench", "cmd/addressbook", "internal/datadir", "internal/admin"},
}

// TestImportDirection: imports follow the layers, the domain imports nothing of ours but
// domain/nordic, and the packages that must stay free of a dependency are.
func TestImportDirection(t *testing.T) {
	layer := map[string]int{}
	for i, ps := range layers {
		for _, p := range ps {
			layer[p] = i
		}
	}
	for pkg, imports := range ourImports(t) {
		l, ok := layer[pkg]
		if !ok {
			t.Errorf("package %s has no layer: give it one here and in docs/architecture.md", pkg)
			continue
		}
		for _, imp := range imports {
			if layer[imp] > l {
				t.Errorf("%s (layer %d) imports %s (layer %d): imports go down, never up", pkg, l, imp, layer[imp])
			}
		}
	}
	// What some packages must never depend on, directly or not.
	never := map[string][]string{
		"domain":              {module + "/", "go.etcd.io/bbolt", "github.com/nats-io", "github.com/ThreeDotsLabs/watermill"},
		"internal/app":        {module + "/projections", module + "/httpapi", module + "/eventstore/relay", module + "/eventstore/feed", module + "/eventstore/wire", "github.com/nats-io", "github.com/ThreeDotsLabs/watermill"},
		"projections":         {module + "/httpapi", module + "/internal/app", module + "/eventstore/relay", module + "/eventstore/feed", module + "/eventstore/wire", "github.com/nats-io", "github.com/ThreeDotsLabs/watermill"},
		"eventstore":          {module + "/projections", module + "/internal/app", module + "/httpapi", "github.com/nats-io", "github.com/ThreeDotsLabs/watermill"},
		"eventstore/wire":     {"github.com/nats-io"},
		"eventstore/feed":     {module + "/projections", "github.com/nats-io/nats-server"},
		"eventstore/consumer": {"go.etcd.io/bbolt", "github.com/nats-io/nats-server", "github.com/ThreeDotsLabs/watermill"},
		"httpapi":             {module + "/projections", module + "/eventstore/relay", "github.com/nats-io", "github.com/ThreeDotsLabs/watermill"},
	}
	for pkg, banned := range never {
		for _, dep := range goList(t, "-deps", "./"+pkg) {
			if dep == module+"/"+pkg || (pkg == "domain" && dep == module+"/domain/nordic") {
				continue
			}
			for _, b := range banned {
				if dep == b || strings.HasPrefix(dep, b) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}

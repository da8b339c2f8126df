package archtest_test

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestLayerDiagram: the layers docs/architecture.md draws hold the packages TestImportDirection
// holds the imports to (layers), each in the same layer; a package the table marks "(tests only)"
// may be left out of the drawing.
func TestLayerDiagram(t *testing.T) {
	text, err := os.ReadFile(filepath.Join(root(t), "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]int{}
	for i, ps := range layers {
		for _, p := range ps {
			known[p] = i
		}
	}
	testsOnly := map[string]bool{}
	row := regexp.MustCompile("^\\| `([a-z/]+)` \\| \\(tests only\\)")
	for _, line := range strings.Split(string(text), "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			testsOnly[m[1]] = true
		}
	}
	// The drawing: from the line naming the top layer to the first blank line, layers parted by
	// rules, the top one first. "httpapi (auth, apidocs)" names httpapi/auth and httpapi/apidocs.
	drawn := map[string]int{}
	group := regexp.MustCompile(`([a-z/]+) \(([a-z, ]+)\)`)
	section, in := 0, false
	for _, line := range strings.Split(string(text), "\n") {
		switch {
		case !in && strings.HasPrefix(line, " wiring "):
			in = true
		case !in:
			continue
		case strings.TrimSpace(line) == "":
			in = false
		case strings.HasPrefix(strings.TrimSpace(line), "───"):
			section++
			continue
		}
		if !in {
			if len(drawn) > 0 {
				break
			}
			continue
		}
		var words []string
		for _, m := range group.FindAllStringSubmatch(line, -1) {
			for _, sub := range strings.Split(m[2], ",") {
				words = append(words, m[1]+"/"+strings.TrimSpace(sub))
			}
		}
		words = append(words, strings.Fields(line)...)
		for _, w := range words {
			if _, ok := known[w]; ok {
				drawn[w] = len(layers) - 1 - section
			}
		}
	}
	if section != len(layers)-1 {
		t.Fatalf("docs/architecture.md draws %d layers; TestImportDirection knows %d", section+1, len(layers))
	}
	names := []string{"domain", "event log", "application", "adapters", "wiring"}
	for p, l := range known {
		d, ok := drawn[p]
		switch {
		case !ok && !testsOnly[p]:
			t.Errorf("docs/architecture.md draws no layer for %s (TestImportDirection: %s)", p, names[l])
		case ok && d != l:
			t.Errorf("docs/architecture.md draws %s in the %s layer; TestImportDirection holds it to %s", p, names[d], names[l])
		}
	}
}

// TestDocsCiteTestsThatExist: every test, benchmark, fuzz test or example the documentation names
// as holding a claim (docs/*.md, README.md, BENCHMARKS.md) is a function of a test file — in the
// package it is named with, when it is named with one (`httpapi.TestRoutesMatchOpenAPI`). A name
// followed by "..." or in a `go test -run` pattern stands for the tests it begins.
func TestDocsCiteTestsThatExist(t *testing.T) {
	dir := root(t)
	funcRE := regexp.MustCompile(`(?m)^func ((?:Test|Benchmark|Fuzz|Example)\w*)\(`)
	defined := map[string][]string{} // name → the packages (directories) defining it
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		pkg, _ := filepath.Rel(dir, filepath.Dir(path))
		for _, m := range funcRE.FindAllSubmatch(src, -1) {
			defined[string(m[1])] = append(defined[string(m[1])], filepath.ToSlash(pkg))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := filepath.Glob(filepath.Join(dir, "docs", "*.md"))
	docs = append(docs, filepath.Join(dir, "README.md"), filepath.Join(dir, "BENCHMARKS.md"))
	citeRE := regexp.MustCompile(`(?:\b([a-z][a-z0-9]*(?:/[a-z][a-z0-9]*)*)\.)?\b((?:Test|Benchmark|Fuzz|Example)[A-Z0-9_]\w*)`)
	cited := 0
	for _, doc := range docs {
		f, err := os.Open(doc)
		if err != nil {
			t.Fatal(err)
		}
		name, _ := filepath.Rel(dir, doc)
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			for _, m := range citeRE.FindAllStringSubmatchIndex(line, -1) {
				cited++
				test := line[m[4]:m[5]]
				pkg := ""
				if m[2] >= 0 {
					pkg = line[m[2]:m[3]]
				}
				prefix := strings.HasPrefix(line[m[5]:], "...") || strings.Contains(line, "-run ")
				var where []string
				for def, pkgs := range defined {
					if def == test || (prefix && strings.HasPrefix(def, test)) {
						where = append(where, pkgs...)
					}
				}
				switch {
				case len(where) == 0:
					t.Errorf("%s:%d cites %s, which no test file defines", name, n, test)
				case pkg != "" && !slices.ContainsFunc(where, func(p string) bool { return p == pkg || strings.HasSuffix(p, "/"+pkg) }):
					t.Errorf("%s:%d cites %s.%s; it is in %v", name, n, pkg, test, where)
				}
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if cited == 0 {
		t.Fatal("the docs cite no test: the pattern no longer finds them")
	}
}

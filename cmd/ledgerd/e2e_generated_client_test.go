package main

// A client generated from the served OpenAPI document by a common generator compiles without
// a warning and keeps money exact.

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	// The generated client imports github.com/oapi-codegen/runtime. Importing it here keeps it in
	// go.mod and go.sum (pinned, in the module cache with everything else), so the client the test
	// generates builds offline with the module's own versions.
	_ "github.com/oapi-codegen/runtime"
)

// oapiCodegen is the generator, pinned by go.mod's tool directive.
const oapiCodegen = "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"

// TestE2EGeneratedClient: oapi-codegen (the version go.mod pins) generates a Go client (models
// and client) from the /openapi.json ledgerd serves, with its default configuration: no warning,
// no type renamed because two names collide (this oapi-codegen refuses a collision instead of
// renaming), and the code compiles (`go vet` clean). A program using only the generated client
// then creates a customer and registers a surplus of 1234567.89 SEK through a real ledgerd, reads
// it back, settles 1234567.88 and confirms: every amount stays exact on the way in and out (an
// `Amount` of float32 — a JSON number without `format: double` — sent 1234567.9).
func TestE2EGeneratedClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds oapi-codegen and a generated client")
	}
	s := startServer(t)
	doc := s.do(t, http.MethodGet, "/openapi.json", "", nil)
	expectStatus(t, doc, http.StatusOK)

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "openapi.json"), doc.Body)
	writeFile(t, filepath.Join(dir, "oapi-codegen.yaml"), []byte("package: ledgerclient\n"+
		"generate: {models: true, client: true}\noutput: ledgerclient/client.gen.go\n"))
	if err := os.Mkdir(filepath.Join(dir, "ledgerclient"), 0o755); err != nil {
		t.Fatal(err)
	}
	gen := exec.Command(sharedBuild(t, "oapi-codegen", oapiCodegen), "-config", "oapi-codegen.yaml", "openapi.json")
	gen.Dir = dir
	var genOut, genErr bytes.Buffer
	gen.Stdout, gen.Stderr = &genOut, &genErr
	if err := gen.Run(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s%s", err, genOut.String(), genErr.String())
	}
	if genOut.Len()+genErr.Len() > 0 {
		t.Errorf("oapi-codegen printed (a warning?):\n%s%s", genOut.String(), genErr.String())
	}
	code := string(mustRead(t, filepath.Join(dir, "ledgerclient", "client.gen.go")))
	if !strings.Contains(code, "type Amount = float64") {
		t.Errorf("the generated Amount is not float64: %s", regexp.MustCompile(`type Amount = \S+`).FindString(code))
	}

	// A module of its own with this module's requirements (go.mod and go.sum), so the client
	// builds from the module cache: GOPROXY=off makes a missing requirement an error, not a download.
	mod := regexp.MustCompile(`(?m)^module .*$`).ReplaceAll(mustRead(t, "../../go.mod"), []byte("module ledgerclient.test"))
	mod = regexp.MustCompile(`(?ms)^tool \(.*?^\)\n`).ReplaceAll(mod, nil)
	writeFile(t, filepath.Join(dir, "go.mod"), mod)
	writeFile(t, filepath.Join(dir, "go.sum"), mustRead(t, "../../go.sum"))
	writeFile(t, filepath.Join(dir, "main.go"), mustRead(t, filepath.Join("testdata", "generatedclient", "main.go")))
	bin := filepath.Join(dir, "generatedclient")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	for _, args := range [][]string{{"vet", "./..."}, {"build", "-o", bin, "."}} {
		cmd := exec.Command(goTool, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
			t.Fatalf("go %s of the generated client: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	const customerNo = "4711"
	run := exec.Command(bin, "-url", s.base, "-token", s.token, "-ledger", demoLedger, "-customer", customerNo)
	var stdout, stderr bytes.Buffer
	run.Stdout, run.Stderr = &stdout, &stderr
	if err := run.Run(); err != nil {
		t.Fatalf("the generated client's program: %v\n%s", err, stderr.String())
	}
	var got struct{ Registered, Read, Remaining string }
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("the program's output %q: %v", stdout.String(), err)
	}
	if got.Registered != "1234567.89" || got.Read != "1234567.89" || got.Remaining != "0.01" {
		t.Errorf("the generated client held registered %s, read %s, remaining %s; want 1234567.89, 1234567.89, 0.01",
			got.Registered, got.Read, got.Remaining)
	}

	// What the service stored: the exact amounts, in the events and in the read model.
	events := s.do(t, http.MethodGet, customersPath(demoLedger, customerNo, "events"), s.token, nil)
	expectStatus(t, events, http.StatusOK)
	for _, want := range []string{`"balance":{"amount":"1234567.89","currency":"SEK"}`, `"amount":{"amount":"1234567.88","currency":"SEK"}`} {
		if !bytes.Contains(events.Body, []byte(want)) {
			t.Errorf("the customer's events do not hold %s: %s", want, events.Body)
		}
	}
	surplus := s.do(t, http.MethodGet, customersPath(demoLedger, customerNo, "surpluses", "generated-1"), s.token, nil)
	if !bytes.Contains(surplus.Body, []byte(`"balance":0.01,`)) {
		t.Errorf("the surplus after the settlement: %s", surplus)
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

package main

// Damaged files: a damaged read-model file is rebuilt from the log at start; a damaged event log
// or key store stops the service with a message naming the file.

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// damage describes one way a file can be damaged.
type damage struct {
	name string
	do   func(t *testing.T, path string)
}

var damages = []damage{
	{"garbage-header", func(t *testing.T, path string) { overwrite(t, path, 0, bytes.Repeat([]byte{0xFF}, 8192)) }},
	{"zeroed-meta", func(t *testing.T, path string) { overwrite(t, path, 0, make([]byte, 8192)) }},
	{"truncated", func(t *testing.T, path string) {
		if err := os.Truncate(path, 3*4096); err != nil { // the two meta pages and one more
			t.Fatal(err)
		}
	}},
	{"empty", func(t *testing.T, path string) {
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
	}},
	{"scrambled-pages", func(t *testing.T, path string) {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		for off := int64(2 * 4096); off+4096 <= fi.Size(); off += 3 * 4096 {
			overwrite(t, path, off, bytes.Repeat([]byte{0x5A}, 4096))
		}
	}},
}

func overwrite(t *testing.T, path string, off int64, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(data, off); err != nil {
		t.Fatal(err)
	}
}

// TestE2EDamagedReadModelsRebuilt: ledgerd stopped, its projections.db damaged in several ways;
// started again it serves every customer as before, and the read models equal a rebuild.
func TestE2EDamagedReadModelsRebuilt(t *testing.T) {
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			s := startServer(t)
			var before []*response
			for i := range 30 {
				no := fmt.Sprint(6000 + i)
				s.createCustomer(t, s.token, newCustomer(no, fmt.Sprint("Damage Test ", i)))
				expectStatus(t, s.do(t, http.MethodPatch, customersPath(demoLedger, no), s.token, `{"emailAddress":"x@example.se"}`), http.StatusOK)
				before = append(before, s.do(t, http.MethodGet, customersPath(demoLedger, no)+"?$expand=legaladdress", s.token, nil))
			}
			s.stop(t)
			d.do(t, filepath.Join(s.dir, "projections.db"))
			s.start(t)
			for _, b := range before {
				r := s.do(t, http.MethodGet, b.Path+"?$expand=legaladdress", s.token, nil)
				if r.Status != http.StatusOK || !bytes.Equal(r.Body, b.Body) {
					t.Errorf("after damage and restart %s differs:\nbefore %s\nafter  %s", r, b.Body, r.Body)
				}
			}
			s.stop(t)
			compareProjections(t, s.dir, false)
		})
	}
}

// TestE2EDamagedLogStops: a damaged events.db — or keys.db, the customers' data keys, or
// disclosures.db, the grants and the record of disclosures — stops the
// ledgerd binary at start with exit status 1 and a message that names the file; the file is left
// as it was for the operator (docs/operations.md: restore it from a backup). An empty key store
// is no new one: sealed events need the keys it held.
func TestE2EDamagedLogStops(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildLedgerd(t)
	for _, file := range []string{"events.db", "keys.db", "disclosures.db"} {
		for _, d := range damages {
			t.Run(file+"/"+d.name, func(t *testing.T) {
				s := startServer(t)
				for i := range 30 {
					s.createCustomer(t, s.token, newCustomer(fmt.Sprint(6000+i), "Damage Test"))
				}
				s.stop(t)
				path := filepath.Join(s.dir, file)
				d.do(t, path)
				damaged, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := waitContext(t) // a ledgerd that starts (wrongly) is killed near the test's deadline
				defer cancel()
				cmd := exec.CommandContext(ctx, bin, "-data-dir", s.dir, "-http-addr", "127.0.0.1:0", "-nats-listen", "127.0.0.1:0")
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				err = cmd.Run()
				ee, ok := err.(*exec.ExitError)
				if !ok || ee.ExitCode() != 1 {
					t.Fatalf("ledgerd on a damaged %s: %v (want exit status 1); stderr:\n%s", file, err, stderr.String())
				}
				last := lastLine(stderr.String())
				if !strings.Contains(last, path) || !strings.Contains(last, "ledgerd:") {
					t.Errorf("the last line does not name the damaged file %s:\n%s", path, last)
				}
				if after, _ := os.ReadFile(path); !bytes.Equal(after, damaged) {
					t.Errorf("ledgerd changed the damaged %s", file)
				}
			})
		}
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

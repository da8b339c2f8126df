package personal_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore/personal"
)

const (
	masterA = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	masterB = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f"
)

func ring(t testing.TB, keys ...string) *personal.MasterKeys {
	t.Helper()
	m, err := personal.ParseMasterKeys(strings.Join(keys, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// openStore opens a key store in a temporary directory, closed when the test ends.
func openStore(t testing.TB, path string, m *personal.MasterKeys) *personal.Store {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "keys.db")
	}
	s, err := personal.OpenStore(path, m, personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// goldenFiles returns every golden event of the domain (testdata/golden and its variants) by
// type: the stored JSON of every event type, in every shape.
func goldenFiles(t testing.TB) map[string][][]byte {
	t.Helper()
	out := map[string][][]byte{}
	for _, dir := range []string{"../../domain/testdata/golden", "../../domain/testdata/golden/variants"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
				continue
			}
			typ, _, _ := strings.Cut(strings.TrimSuffix(e.Name(), ".json"), ".")
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out[typ] = append(out[typ], []byte(strings.TrimSpace(string(data))))
		}
	}
	return out
}

// b64 is how a key record's bytes appear in its JSON.
func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

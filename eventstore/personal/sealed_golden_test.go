package personal_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
)

var updateSealed = flag.Bool("update", false, "rewrite the sealed golden files in domain/testdata/golden/sealed")

// The test vector of the sealed golden files (domain/testdata/golden/sealed/README.md).
const (
	vectorKey    = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	vectorStream = "1000/customers/9999"
	vectorID     = "0198c3a2-7b1e-7c3d-9f00-5a1b2c3d4e5f"
	sealedDir    = "../../domain/testdata/golden/sealed"
)

// fixedKey is a key source with one data key for every subject.
type fixedKey struct{ k *personal.DataKey }

func (f fixedKey) DataKey(context.Context, string, bool) (*personal.DataKey, error) { return f.k, nil }
func (fixedKey) Evict(string)                                                       {}

// TestSealedGolden: every golden event sealed with the test vector's key is byte for byte its file
// in domain/testdata/golden/sealed — the stored (and published) form of personal data is a
// contract forever — and opens to the golden event again.
func TestSealedGolden(t *testing.T) {
	raw, _ := hex.DecodeString(vectorKey)
	k, err := personal.NewDataKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	p := personal.NewProtector(fixedKey{k})
	for name, data := range goldenByFile(t) {
		typ, _, _ := strings.Cut(name, ".")
		id := uuid.MustParse(vectorID)
		sealed, err := p.SealEvent(ctx, goldenStream(name), id, typ, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		path := filepath.Join(sealedDir, name+".json")
		if *updateSealed {
			if err := os.WriteFile(path, append(sealed, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run go test -run TestSealedGolden -update ./eventstore/personal once for a new golden event)", name, err)
		}
		if !bytes.Equal(sealed, bytes.TrimSpace(want)) {
			t.Errorf("%s: sealed\n%s\nthe golden file holds\n%s", name, sealed, want)
		}
		opened, err := p.OpenEvent(ctx, eventstore.Event{ID: id, Stream: goldenStream(name), Type: typ, Data: bytes.TrimSpace(want)})
		if err != nil || !jsonEqual(t, opened.Data, data) {
			t.Errorf("%s: opens to %s (%v), want %s", name, opened.Data, err, data)
		}
	}
}

// goldenStream is the stream a golden event is sealed in: the test vector's, but the ledger's
// stream of unmatched look-ups for the look-up that matched nobody (its result is about nobody
// and stays clear: domain.PersonalFieldsIn).
func goldenStream(name string) string {
	if name == "CustomerDetailsLookedUp.unmatched" {
		return "1000/lookups/unmatched"
	}
	return vectorStream
}

// TestSealedFormatAsDocumented opens every sealed golden file with nothing but the standard
// library and the steps docs/data-protection.md gives ("How an event is stored"): the keys
// derived from the data key with HMAC-SHA256 under their labels, AES-256-GCM with the 12-byte
// nonce in front, the event's associated data, the plaintext an object of paths put back into
// the event. What the document says is what the code does.
func TestSealedFormatAsDocumented(t *testing.T) {
	dataKey, _ := hex.DecodeString(vectorKey)
	mac := hmac.New(sha256.New, dataKey)
	mac.Write([]byte("nordledger personal data v1: encryption"))
	block, _ := aes.NewCipher(mac.Sum(nil))
	aead, _ := cipher.NewGCM(block)
	golden := goldenByFile(t)
	files, _ := filepath.Glob(filepath.Join(sealedDir, "*.json"))
	if len(files) != len(golden) {
		t.Fatalf("%d sealed golden files for %d golden events", len(files), len(golden))
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		typ, _, _ := strings.Cut(name, ".")
		b, _ := os.ReadFile(path)
		var event map[string]any
		if err := json.Unmarshal(b, &event); err != nil {
			t.Fatal(err)
		}
		pd, sealed := event["$pd"].(map[string]any)
		if !sealed {
			if !jsonEqual(t, b, golden[name]) {
				t.Errorf("%s: without $pd, yet not the golden event", name)
			}
			continue
		}
		delete(event, "$pd")
		c, err := base64.StdEncoding.DecodeString(pd["c"].(string))
		if err != nil || pd["v"] != 1.0 {
			t.Fatalf("%s: $pd %v", name, pd)
		}
		aad := []byte("event\x00" + vectorStream + "\x00" + vectorID + "\x00" + typ)
		plain, err := aead.Open(nil, c[:12], c[12:], aad)
		if err != nil {
			t.Fatalf("%s: does not open as documented: %v", name, err)
		}
		var members map[string]any
		if err := json.Unmarshal(plain, &members); err != nil {
			t.Fatal(err)
		}
		var f []string
		for _, x := range pd["f"].([]any) {
			f = append(f, x.(string))
		}
		if len(f) != len(members) {
			t.Errorf("%s: f lists %v, the plaintext holds %d members", name, f, len(members))
		}
		for _, path := range f {
			putPath(event, strings.Split(path, "."), members[path])
		}
		opened, _ := json.Marshal(event)
		if !jsonEqual(t, opened, golden[name]) {
			t.Errorf("%s: opened as documented\n%s\nwant\n%s", name, opened, golden[name])
		}
	}
}

// putPath sets a value at a concrete path: member names, and array indexes where the value is an
// array.
func putPath(v any, segs []string, value any) any {
	if len(segs) == 0 {
		return value
	}
	if arr, ok := v.([]any); ok {
		i, _ := strconv.Atoi(segs[0])
		arr[i] = putPath(arr[i], segs[1:], value)
		return arr
	}
	m, ok := v.(map[string]any)
	if !ok {
		m = map[string]any{}
	}
	m[segs[0]] = putPath(m[segs[0]], segs[1:], value)
	return m
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		return false
	}
	if err := json.Unmarshal(b, &y); err != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// goldenByFile returns every golden event by its file name without ".json" ("CustomerCreated",
// "DisbursementOrdered.swedishSus").
func goldenByFile(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, dir := range []string{"../../domain/testdata/golden", "../../domain/testdata/golden/variants"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out[strings.TrimSuffix(filepath.Base(f), ".json")] = bytes.TrimSpace(b)
		}
	}
	return out
}

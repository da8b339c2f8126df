package personal

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
)

// flatSamples are event data in the shapes SealEvent's flat path meets and in shapes it must
// treat as the general path does: repeated names, nulls, escapes, a sealed member, non-objects.
var flatSamples = []string{
	`{"customerNo":"1","name":"A","emailAddress":"a@example.se","legalAddress":{"city":"X"}}`,
	`{"name":null,"emailAddress":" null ","msisdn":"+46","vatNo":"SE1"}`,
	`{"name":"first","name":"second","x":1,"x":2}`,
	`{"na\u006de":"escaped","\u00e5":1,"<&>":2,"a\"b":3}`,
	`{"name":"A","$pd":{"v":1,"f":[],"c":""}}`,
	`{"$pd":1}`,
	`{}`,
	`{ "b" : 1 , "a" : [ 1 , { "name" : "inner" } ] }`,
	`[1]`,
	`null`,
	`{"name":`,
	``,
}

// TestFlatSplitEqualsTake: for every type whose personal paths are top-level, splitFlat takes
// and keeps exactly what parseObject and take do, and encodeMembers writes what encodeObject
// writes; both fail on the same data.
func TestFlatSplitEqualsTake(t *testing.T) {
	var data [][]byte
	for _, dir := range []string{"../../domain/testdata/golden", "../../domain/testdata/golden/variants"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			data = append(data, b)
		}
	}
	if len(data) == 0 {
		t.Fatal("no golden events")
	}
	for _, s := range flatSamples {
		data = append(data, []byte(s))
	}
	flat := 0
	for _, typ := range domain.ClassifiedEventTypes() {
		paths, _ := domain.PersonalFields(typ)
		if len(paths) == 0 || !flatPaths(paths) {
			continue
		}
		flat++
		for _, d := range data {
			checkFlatSplit(t, paths, d)
		}
	}
	if flat < 4 {
		t.Fatalf("%d event types take the flat path", flat)
	}
	if flatPaths([]string{"name", "set.emailAddress"}) {
		t.Error("a nested path is taken for a flat one")
	}
}

func checkFlatSplit(t *testing.T, paths []string, data []byte) {
	t.Helper()
	rest, taken, err := splitFlat(data, paths)
	o, wantErr := parseObject(data)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%v %s: error %v, the general path's %v", paths, data, err, wantErr)
	}
	if err != nil {
		return
	}
	vals := object{}
	for _, p := range paths {
		if err := take(o, p, vals); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := string(encodeMembers(taken)), string(encodeObject(vals)); got != want {
		t.Fatalf("%v %s: taken %s, the general path takes %s", paths, data, got, want)
	}
	if got, want := string(encodeMembers(rest)), string(encodeObject(o)); got != want {
		t.Fatalf("%v %s: kept %s, the general path keeps %s", paths, data, got, want)
	}
	if _, want := o[SealedMember]; has(rest, SealedMember) != want {
		t.Fatalf("%s: has(%s) = %v", data, SealedMember, !want)
	}
	if strings.Join(names(taken), ",") != strings.Join(sortedKeys(vals), ",") {
		t.Fatalf("%s: names %v", data, names(taken))
	}
	with := withMember(rest, entry{SealedMember, []byte(`0`)})
	o[SealedMember] = []byte(`0`)
	if got, want := string(encodeMembers(with)), string(encodeObject(o)); !has(rest, SealedMember) && got != want {
		t.Fatalf("%s: with %s: %s, want %s", data, SealedMember, got, want)
	}
}

func sortedKeys(o object) []string {
	var ks []string
	for k := range o {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// FuzzSplitFlat: on any data, the flat path agrees with the general one.
func FuzzSplitFlat(f *testing.F) {
	for _, s := range flatSamples {
		f.Add([]byte(s))
	}
	paths, _ := domain.PersonalFields(domain.TypeCustomerCreated)
	f.Fuzz(func(t *testing.T, data []byte) { checkFlatSplit(t, paths, data) })
}

package domain_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
)

// TestEveryEventTypeIsClassified fails when an event type the domain can store has no entry in
// the personal-data classification (domain/personal.go): its personal members would be stored
// in the clear and survive the customer's erasure. Add the type's entry, listing the paths of
// its personal members (an empty list when it has none).
func TestEveryEventTypeIsClassified(t *testing.T) {
	classified := domain.ClassifiedEventTypes()
	for _, typ := range domain.EventTypes() {
		if _, ok := domain.PersonalFields(typ); !ok {
			t.Errorf("event type %s has no personal-data classification: add it to personalFields in domain/personal.go", typ)
		}
	}
	for _, typ := range classified {
		if !slices.Contains(domain.EventTypes(), typ) {
			t.Errorf("the classification names %s, which is not an event type the domain decodes", typ)
		}
	}
}

// TestPersonalFieldPaths: every path is well formed (no empty segment, "*" never first or
// last) and no path is listed twice or inside another.
func TestPersonalFieldPaths(t *testing.T) {
	for _, typ := range domain.ClassifiedEventTypes() {
		paths, _ := domain.PersonalFields(typ)
		for i, p := range paths {
			segs := strings.Split(p, ".")
			for j, s := range segs {
				if s == "" || (s == "*" && (j == 0 || j == len(segs)-1)) || strings.HasPrefix(s, "$") {
					t.Errorf("%s: malformed path %q", typ, p)
				}
			}
			for k, q := range paths {
				if k != i && (p == q || strings.HasPrefix(p, q+".")) {
					t.Errorf("%s: path %q repeats or lies inside %q", typ, p, q)
				}
			}
		}
	}
	if _, ok := domain.PersonalFields("NoSuchEvent"); ok {
		t.Error("an unknown type is classified")
	}
}

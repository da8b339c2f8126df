package httpapi

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestSameName: the allocation-free comparison of property names agrees with comparing their
// strings.ToLower forms, ASCII or not.
func TestSameName(t *testing.T) {
	names := []string{"", "name", "NAME", "Name", "nam", "names", "emailAddress", "EMAILADDRESS", "emaİlAddress",
		"\u212aey", "key", "KEY", "straße", "STRASSE", "ΣΑΣ", "σας", "customerNo", "customerno", "customer_no", "@[`{"}
	for _, a := range names {
		for _, b := range names {
			if got, want := sameName(a, b), strings.ToLower(a) == strings.ToLower(b); got != want {
				t.Errorf("sameName(%q, %q) = %v, want %v", a, b, got, want)
			}
		}
	}
}

// FuzzSameName: sameName(a, b) is strings.ToLower(a) == strings.ToLower(b) for any two strings,
// valid UTF-8 or not (the seeds from TestSameName; .ci/run fuzzes it briefly).
func FuzzSameName(f *testing.F) {
	for _, p := range [][2]string{{"name", "NAME"}, {"\u212aey", "key"}, {"emaİlAddress", "emailaddress"},
		{"straße", "STRASSE"}, {"ΣΑΣ", "σας"}, {"ab\xff", "AB\xfe"}, {"a", "ab"}, {"x\u212a", "xk"}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := sameName(a, b), strings.ToLower(a) == strings.ToLower(b); got != want {
			t.Errorf("sameName(%q, %q) = %v, want %v", a, b, got, want)
		}
	})
}

// TestObjectMembers: lookups, duplicates and the unread properties, below and above the size at
// which an object indexes its names.
func TestObjectMembers(t *testing.T) {
	for _, n := range []int{1, indexedMembers, indexedMembers + 1, 3 * indexedMembers} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var b strings.Builder
			b.WriteString("{")
			for i := range n {
				if i > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `"Prop%02d":%d`, i, i)
			}
			b.WriteString("}")
			o, err := parseObject([]byte(b.String()), "x.")
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n; i += 2 {
				v, ok := o.raw(fmt.Sprintf("PROP%02d", i))
				if !ok || string(v) != fmt.Sprint(i) {
					t.Fatalf("raw(PROP%02d) = %s, %v", i, v, ok)
				}
			}
			if _, ok := o.raw("prop"); ok {
				t.Error("raw(prop) found a member")
			}
			var want []string
			for i := 1; i < n; i += 2 {
				want = append(want, fmt.Sprintf("Prop%02d", i))
			}
			if got := o.unused(); !slices.Equal(got, want) {
				t.Errorf("unused = %v, want %v", got, want)
			}
			dup := strings.TrimSuffix(b.String(), "}") + fmt.Sprintf(`,"pROP%02d":0}`, n-1)
			for _, raw := range []string{dup, dup[:len(dup)-1]} { // split, and decoded (malformed)
				var de *duplicateError
				if _, err := parseObject([]byte(raw), "x."); !errors.As(err, &de) || de.name != fmt.Sprintf("x.pROP%02d", n-1) {
					t.Errorf("parseObject with a duplicate: %v", err)
				}
			}
		})
	}
}

// BenchmarkCustomerBody: a create body of the kind ledgerbench sends, split and read into the
// domain's input (the body's one decode, without the domain's validation).
func BenchmarkCustomerBody(b *testing.B) {
	body := []byte(`{"customerNo":"1000123","nationalIdentifier":{"regNo":"19121212-1212","countryCode":"SE"},` +
		`"legalEntity":"consumer","name":"Tolvan Tolvansson","emailAddress":"tolvan@example.se","msisdn":"+46701234567",` +
		`"preferredLanguageCode":"sv","distributionType":"Email","legalAddress":{"addressee":"Tolvan Tolvansson",` +
		`"streetAddress":"Storgatan 1","city":"STOCKHOLM","zipCode":"11152","countryCode":"SE"}}`)
	b.ReportAllocs()
	for b.Loop() {
		o, err := parseObject(body, "")
		if err != nil {
			b.Fatal(err)
		}
		var f fields
		f.customerInput(o)
		if len(f.problems) > 0 {
			b.Fatal(f.problems)
		}
	}
}

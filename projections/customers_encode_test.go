package projections

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
)

// trickyStrings are strings encoding/json writes in every way it has: as they are, escaped,
// HTML-safe, with invalid UTF-8 replaced.
var trickyStrings = []string{"", "1000000096", "Åsa Öberg", "a\"b\\c", "<b>&</b>", "line\nbreak\t\x00\x1f\x7f",
	"\u2028\u2029", "bad\xff\xc3", "日本語", "sv", "SE", "plain-ascii value 123"}

// fill sets v (settable) to random values: every field of every struct, pointers nil or
// pointing to filled values, slices nil, empty or filled, times zero, UTC or elsewhere, with and
// without nanoseconds. Unexported fields (Money's) are left alone; money is set by fillMoney.
func fill(r *rand.Rand, v reflect.Value) {
	if v.Type() == reflect.TypeFor[time.Time]() {
		times := []time.Time{{}, time.Date(2026, 11, 21, 13, 50, 3, 362238087, time.UTC),
			time.Date(1999, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600)), time.Unix(int64(r.Uint32()), int64(r.IntN(1e9)))}
		v.Set(reflect.ValueOf(times[r.IntN(len(times))]))
		return
	}
	if v.Type() == reflect.TypeFor[domain.Money]() {
		if r.IntN(2) == 0 {
			m, _ := domain.NewMoney(r.Int64N(1e9), "SEK")
			v.Set(reflect.ValueOf(m))
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(trickyStrings[r.IntN(len(trickyStrings))])
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(r.Int64N(1000) - 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(r.Uint64() >> r.IntN(64))
	case reflect.Pointer:
		if r.IntN(3) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(r, p.Elem())
		v.Set(p)
	case reflect.Slice:
		switch r.IntN(3) {
		case 0:
			v.SetZero()
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		default:
			s := reflect.MakeSlice(v.Type(), 1+r.IntN(3), 3)
			for i := range s.Len() {
				fill(r, s.Index(i))
			}
			v.Set(s)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() && r.IntN(4) != 0 {
				fill(r, f)
			}
		}
	default:
		panic("fill: no values for " + v.Type().String())
	}
}

// TestMarshalStateIsJSONMarshal: the customers' encoder writes exactly what json.Marshal writes,
// for states with any of their fields set or unset (a field added to the state, or to one of its
// members, is set here too and fails this test until the encoder writes it).
func TestMarshalStateIsJSONMarshal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(s domain.CustomerState) {
		t.Helper()
		want, wantErr := json.Marshal(s)
		got, err := marshalState(s)
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Fatalf("error %v, json.Marshal's %v", err, wantErr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("marshalState:\n%s\njson.Marshal:\n%s", got, want)
		}
	}
	check(domain.CustomerState{})
	check(domain.ForgottenState("1000000001", 7, time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)))
	for range 5000 {
		var s domain.CustomerState
		fill(r, reflect.ValueOf(&s).Elem())
		check(s)
	}
	// Times json.Marshal cannot write, at the top level and inside a member.
	check(domain.CustomerState{UpdatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
	check(domain.CustomerState{KycAnsweredAt: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)})
	check(domain.CustomerState{CardRegistration: &domain.CardRegistration{EndedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}})
}

// BenchmarkMarshalState compares the customers' encoder with json.Marshal on a customer with the
// members ledgerbench's seed gives it.
func BenchmarkMarshalState(b *testing.B) {
	s := domain.CustomerState{CustomerNo: "1000000096", NationalIdentifier: &domain.NationalIdentifier{RegNo: "199001011234", CountryCode: "SE"},
		LegalEntity: "Person", Name: "Åsa Öberg", EmailAddress: "asa.oberg@example.se", PreferredLanguageCode: "sv",
		LegalStatus: "Active", MSISDN: "+46701234567", DistributionType: "Email",
		LegalAddress: &domain.Address{Addressee: "Åsa Öberg", StreetAddress: "Storgatan 1", City: "Stockholm", ZipCode: "11122", CountryCode: "SE"},
		Version:      1,
		CreatedAt:    time.Date(2026, 11, 21, 13, 50, 3, 362238087, time.UTC),
		UpdatedAt:    time.Date(2026, 11, 21, 13, 50, 3, 362238087, time.UTC),
	}
	b.Run("marshalState", func(b *testing.B) {
		for b.Loop() {
			marshalState(s)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		for b.Loop() {
			json.Marshal(s)
		}
	})
}

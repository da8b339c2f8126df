package domain_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
)

// yesNo are the possible answers of a yes/no question.
var yesNo = []domain.KycPossibleAnswerConfig{
	{AnswerCode: "yes", AnswerText: map[string]string{"en": "Yes", "sv": "Ja"}},
	{AnswerCode: "no", AnswerText: map[string]string{"en": "No", "sv": "Nej"}},
}

// testKycConfig holds the document's questions (employment and income, optional), the ones its
// answer example uses, and a text sub-question with a regex.
func testKycConfig() domain.KycConfig {
	return domain.KycConfig{Questions: []domain.KycQuestionConfig{
		{QuestionCode: "employment", QuestionText: map[string]string{"en": "What is your current employment?", "sv": "Vad är din nuvarande sysselsättning?"},
			Answer: domain.KycAnswerConfig{Type: "single", PossibleAnswers: []domain.KycPossibleAnswerConfig{
				{AnswerCode: "selfemployed", AnswerText: map[string]string{"en": "Own business", "sv": "Eget företag"}},
				{AnswerCode: "private_employee", AnswerText: map[string]string{"en": "Private employee"}},
			}}},
		{QuestionCode: "taxable_outside_sweden", QuestionText: map[string]string{"en": "Taxable outside Sweden?"},
			Answer: domain.KycAnswerConfig{Type: "single", Required: true, PossibleAnswers: yesNo},
			SubQuestions: []domain.KycQuestionConfig{{
				QuestionCode: "tin", QuestionText: map[string]string{"en": "Foreign tax identification number"}, AskedWhen: []string{"YES"},
				Answer: domain.KycAnswerConfig{Type: "text", Required: true, TextValidationRegEx: `^[A-Z0-9]{5,20}$`},
			}}},
		{QuestionCode: "multiple_citizenship", QuestionText: map[string]string{"en": "More than one citizenship?"},
			Answer: domain.KycAnswerConfig{Type: "single", Required: true, PossibleAnswers: yesNo},
			SubQuestions: []domain.KycQuestionConfig{{
				QuestionCode: "citizen_ship_country_codes", QuestionText: map[string]string{"en": "Citizenships"}, AskedWhen: []string{"yes"},
				Answer: domain.KycAnswerConfig{Type: "multi", Required: true, AnswerCodeSet: domain.KycCodeSetCountries},
			}}},
	}}
}

func mustKyc(t *testing.T, c domain.KycConfig) *domain.Kyc {
	t.Helper()
	k, err := domain.NewKyc("1000", c)
	if err != nil {
		t.Fatalf("NewKyc: %v", err)
	}
	return k
}

// answers builds an input from questionCode, answerCode pairs.
func answers(pairs ...string) domain.KycAnswersInput {
	var list []domain.KycAnswerInput
	for i := 0; i+1 < len(pairs); i += 2 {
		list = append(list, domain.KycAnswerInput{QuestionCode: s(pairs[i]), AnswerCode: s(pairs[i+1])})
	}
	return domain.KycAnswersInput{Answers: domain.Set(list)}
}

// TestKycDocumentAnswerExample: the document's update-kyc-answers example is valid.
func TestKycDocumentAnswerExample(t *testing.T) {
	k := mustKyc(t, testKycConfig())
	cmd, err := domain.ParseKycAnswers(answers(
		"taxable_outside_sweden", "no", "multiple_citizenship", "yes",
		"citizen_ship_country_codes", "SWE", "citizen_ship_country_codes", "NOR"), k)
	if err != nil {
		t.Fatal(err)
	}
	want := []domain.KycAnswer{
		{QuestionCode: "taxable_outside_sweden", AnswerCode: "no"}, {QuestionCode: "multiple_citizenship", AnswerCode: "yes"},
		{QuestionCode: "citizen_ship_country_codes", AnswerCode: "SWE"}, {QuestionCode: "citizen_ship_country_codes", AnswerCode: "NOR"},
	}
	if got := cmd.Answers(); !reflect.DeepEqual(got, want) {
		t.Errorf("answers %+v, want %+v", got, want)
	}
}

func TestParseKycAnswersValues(t *testing.T) {
	k := mustKyc(t, testKycConfig())
	cmd, err := domain.ParseKycAnswers(answers(
		" Taxable_Outside_Sweden ", "YES", "tin", " AB12345 ", "multiple_citizenship", "No", "EMPLOYMENT", "selfemployed"), k)
	if err != nil {
		t.Fatal(err)
	}
	want := []domain.KycAnswer{
		{QuestionCode: "taxable_outside_sweden", AnswerCode: "yes"}, {QuestionCode: "tin", AnswerText: "AB12345"},
		{QuestionCode: "multiple_citizenship", AnswerCode: "no"}, {QuestionCode: "employment", AnswerCode: "selfemployed"},
	}
	if got := cmd.Answers(); !reflect.DeepEqual(got, want) {
		t.Errorf("answers %+v, want %+v", got, want)
	}
	// Country codes in any case are stored upper-case.
	cmd, err = domain.ParseKycAnswers(answers("taxable_outside_sweden", "no", "multiple_citizenship", "yes", "citizen_ship_country_codes", "dnk"), k)
	if err != nil || cmd.Answers()[2].AnswerCode != "DNK" {
		t.Errorf("dnk: %+v, %v", cmd.Answers(), err)
	}
}

// TestParseKycAnswersRules: every rule failing once, named where it fails.
func TestParseKycAnswersRules(t *testing.T) {
	k := mustKyc(t, testKycConfig())
	base := []string{"taxable_outside_sweden", "no", "multiple_citizenship", "no"}
	with := func(pairs ...string) domain.KycAnswersInput {
		return answers(append(append([]string{}, base...), pairs...)...)
	}
	tests := []struct {
		name string
		in   domain.KycAnswersInput
		want []string // problem names
		desc string   // part of a description
	}{
		{"answers missing", domain.KycAnswersInput{}, []string{"answers"}, "required"},
		{"answers null", domain.KycAnswersInput{Answers: domain.Null[[]domain.KycAnswerInput]()}, []string{"answers"}, "required"},
		{"answers empty", answers(), []string{"answers"}, "at least one"},
		{"too many answers", domain.KycAnswersInput{Answers: domain.Set(make([]domain.KycAnswerInput, domain.MaxKycAnswers+1))}, []string{"answers"}, "at most"},
		{"questionCode missing", with("", "yes"), []string{"answers[2].questionCode"}, "required"},
		{"answerCode missing", with("employment", " "), []string{"answers[2].answerCode"}, "required"},
		{"unknown question", with("favourite_colour", "blue"), []string{"answers[2].questionCode"}, "not a question"},
		{"unknown answer code", with("employment", "astronaut"), []string{"answers[2].answerCode"}, "not one of the possible answers"},
		{"not a country code", answers("taxable_outside_sweden", "no", "multiple_citizenship", "yes", "citizen_ship_country_codes", "SE"),
			[]string{"answers[2].answerCode"}, "not one of the possible answers"},
		{"text not matching the regex", answers("taxable_outside_sweden", "yes", "tin", "ab-1", "multiple_citizenship", "no"),
			[]string{"answers[1].answerCode"}, "textValidationRegEx"},
		{"text too long", answers("taxable_outside_sweden", "yes", "tin", strings.Repeat("A", domain.MaxKycTextAnswerLength+1), "multiple_citizenship", "no"),
			[]string{"answers[1].answerCode"}, "at most"},
		{"text with control characters", answers("taxable_outside_sweden", "yes", "tin", "AB\x0012345", "multiple_citizenship", "no"),
			[]string{"answers[1].answerCode"}, "control"},
		{"single answered twice", with("taxable_outside_sweden", "yes"), []string{"answers[2].questionCode"}, "more than once"},
		{"text answered twice", answers("taxable_outside_sweden", "yes", "tin", "AB12345", "tin", "CD12345", "multiple_citizenship", "no"),
			[]string{"answers[2].questionCode"}, "more than once"},
		{"multi with the same code twice", answers("taxable_outside_sweden", "no", "multiple_citizenship", "yes",
			"citizen_ship_country_codes", "SWE", "citizen_ship_country_codes", "swe"), []string{"answers[3].answerCode"}, "more than once"},
		{"required question unanswered", answers("multiple_citizenship", "no"), []string{"answers"}, "taxable_outside_sweden is required"},
		{"required sub-question unanswered", answers("taxable_outside_sweden", "no", "multiple_citizenship", "yes"),
			[]string{"answers"}, "citizen_ship_country_codes is required when question multiple_citizenship is answered yes"},
		{"sub-question not asked", with("citizen_ship_country_codes", "SWE"), []string{"answers[2].questionCode"}, "asked only when"},
		{"sub-question without its parent", answers("taxable_outside_sweden", "no", "citizen_ship_country_codes", "SWE"),
			[]string{"answers", "answers[1].questionCode"}, "multiple_citizenship is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := domain.ParseKycAnswers(tt.in, k)
			if got := problemNames(t, err); !reflect.DeepEqual(got, sorted(tt.want...)) {
				t.Fatalf("problems %q, want %q (%v)", got, sorted(tt.want...), err)
			}
			var found bool
			for _, p := range problemsOf(t, err) {
				found = found || strings.Contains(p.Description, tt.desc)
			}
			if !found {
				t.Errorf("no problem description contains %q: %v", tt.desc, problemsOf(t, err))
			}
			noLeak(t, err, "favourite_colour", "astronaut", "ab-1", "AB12345")
		})
	}
}

// TestParseKycAnswersEverythingWrong: all problems at once.
func TestParseKycAnswersEverythingWrong(t *testing.T) {
	k := mustKyc(t, testKycConfig())
	_, err := domain.ParseKycAnswers(answers("nope", "x", "employment", "x", "employment", "selfemployed", "tin", "x"), k)
	want := sorted("answers[0].questionCode", "answers[1].answerCode", "answers[2].questionCode", "answers[3].answerCode",
		"answers[3].questionCode", "answers", "answers")
	if got := problemNames(t, err); !reflect.DeepEqual(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
}

func TestAnswerKycDecisionAndRenewal(t *testing.T) {
	k := mustKyc(t, domain.KycConfig{RenewalPeriod: "P6M", Questions: testKycConfig().Questions})
	p := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE", Kyc: k}
	cmd, err := domain.ParseKycAnswers(answers("taxable_outside_sweden", "no", "multiple_citizenship", "no"), k)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := new(domain.Customer).AnswerKyc(cmd); !errors.Is(err, domain.ErrCustomerNotFound) {
		t.Fatalf("unknown customer: %v", err)
	}
	c := newCustomer(t, validInput())
	if !p.KycRenewalDue(c.State(), today) {
		t.Error("a customer without answers is not due")
	}
	events, err := c.AnswerKyc(cmd)
	if err != nil {
		t.Fatal(err)
	}
	assertEvents(t, events, []domain.Event{domain.KycAnswersUpdated{Answers: cmd.Answers()}})
	apply(t, c, events...)
	at := c.State().KycAnsweredAt
	if at.IsZero() {
		t.Fatal("KycAnsweredAt not recorded")
	}
	for _, tt := range []struct {
		now  time.Time
		want bool
	}{
		{at, false}, {at.AddDate(0, 6, 0).Add(-time.Second), false}, {at.AddDate(0, 6, 0), true}, {at.AddDate(2, 0, 0), true},
	} {
		if got := p.KycRenewalDue(c.State(), tt.now); got != tt.want {
			t.Errorf("due at answered+%v: %v, want %v", tt.now.Sub(at), got, tt.want)
		}
	}
	// Without KYC, or with it disabled, nothing is ever due.
	if (domain.LedgerPolicy{}).KycRenewalDue(c.State(), at.AddDate(5, 0, 0)) {
		t.Error("due without KYC")
	}
	off := false
	disabled := domain.LedgerPolicy{Kyc: mustKyc(t, domain.KycConfig{Enabled: &off, Questions: testKycConfig().Questions})}
	if disabled.KycRenewalDue(domain.CustomerState{}, today) {
		t.Error("due with KYC disabled")
	}
	if _, err := disabled.KycForAnswers(); !errors.Is(err, domain.ErrKycConfiguration) {
		t.Errorf("disabled KycForAnswers: %v", err)
	}
	if _, err := (domain.LedgerPolicy{}).KycForAnswers(); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("no KYC KycForAnswers: %v", err)
	}
	if got, err := p.KycForAnswers(); got != k || err != nil {
		t.Errorf("KycForAnswers: %v, %v", got, err)
	}
}

func TestKycQuestionsTranslated(t *testing.T) {
	k := mustKyc(t, testKycConfig())
	sv := k.Questions("sv")
	if sv[0].QuestionText != "Vad är din nuvarande sysselsättning?" || sv[0].PossibleAnswers[0].AnswerText != "Eget företag" {
		t.Errorf("sv: %+v", sv[0])
	}
	if sv[0].PossibleAnswers[1].AnswerText != "Private employee" || sv[1].QuestionText != "Taxable outside Sweden?" {
		t.Errorf("a text missing in sv is not English: %+v", sv)
	}
	for _, lang := range []string{"", "de", "en"} {
		if got := k.Questions(lang)[0].QuestionText; got != "What is your current employment?" {
			t.Errorf("language %q: %q", lang, got)
		}
	}
	cit := sv[2].SubQuestions[0]
	if cit.Type != domain.KycMulti || !cit.Required || len(cit.PossibleAnswers) != 250 || !reflect.DeepEqual(cit.AskedWhen, []string{"yes"}) {
		t.Errorf("citizenship sub-question: %+v", cit)
	}
	if tin := sv[1].SubQuestions[0]; tin.TextValidationRegEx != `^[A-Z0-9]{5,20}$` || len(tin.PossibleAnswers) != 0 || !reflect.DeepEqual(tin.AskedWhen, []string{"yes"}) {
		t.Errorf("tin sub-question: %+v", tin)
	}
	if got := k.Languages(); !reflect.DeepEqual(got, []string{"en", "sv"}) {
		t.Errorf("Languages() = %q", got)
	}
}

func TestParseKycLanguage(t *testing.T) {
	for in, want := range map[string]string{"": "", "sv": "sv", "SV": "sv", " En ": "en", "de": "de", "sv-SE": "sv", "EN-us": "en", "nb-NO": "nb"} {
		if got, err := domain.ParseKycLanguage(in); got != want || err != nil {
			t.Errorf("ParseKycLanguage(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"swe", "s", "s1", "sv-", "sv-S", "sv-SE1", "sv_SE", "sv-1E", "ö1", "\x00v"} {
		if _, err := domain.ParseKycLanguage(in); !reflect.DeepEqual(problemNames(t, err), []string{"language"}) {
			t.Errorf("ParseKycLanguage(%q): %v", in, err)
		}
	}
}

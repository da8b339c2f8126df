package domain_test

import (
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
)

// TestNewKycRefuses: every configuration problem is reported, naming the ledger, the question
// and the problem.
func TestNewKycRefuses(t *testing.T) {
	off := false
	en := func(t string) map[string]string { return map[string]string{"en": t} }
	single := domain.KycAnswerConfig{Type: "single", PossibleAnswers: yesNo}
	tests := []struct {
		name string
		edit func(*domain.KycConfig)
		want []string // parts of one error line
	}{
		{"no questions", func(c *domain.KycConfig) { c.Questions = nil }, []string{"ledger 1000: KYC: questions"}},
		{"duplicate question code", func(c *domain.KycConfig) {
			c.Questions = append(c.Questions, domain.KycQuestionConfig{QuestionCode: "Employment", QuestionText: en("Again?"), Answer: single})
		}, []string{`ledger 1000: KYC question "Employment" (questions[3])`, "more than once", "first at questions[0]"}},
		{"duplicate code of a sub-question", func(c *domain.KycConfig) {
			c.Questions[0].SubQuestions = []domain.KycQuestionConfig{{QuestionCode: "tin", QuestionText: en("?"), Answer: single}}
		}, []string{`KYC question "tin" (questions[1].subQuestions[0])`, "more than once"}},
		{"regex that does not compile", func(c *domain.KycConfig) {
			c.Questions[1].SubQuestions[0].Answer.TextValidationRegEx = `^(?=x)$`
		}, []string{`ledger 1000: KYC question "tin" (questions[1].subQuestions[0])`, "textValidationRegEx does not compile"}},
		{"sub-question with sub-questions", func(c *domain.KycConfig) {
			c.Questions[2].SubQuestions[0].SubQuestions = []domain.KycQuestionConfig{{QuestionCode: "deeper", QuestionText: en("?"), Answer: single}}
		}, []string{`KYC question "citizen_ship_country_codes" (questions[2].subQuestions[0])`, "cannot have sub-questions"}},
		{"bad question code", func(c *domain.KycConfig) { c.Questions[0].QuestionCode = "employment status" }, []string{"KYC question questions[0]", "questionCode may contain only"}},
		{"unknown type", func(c *domain.KycConfig) { c.Questions[0].Answer.Type = "yesno" }, []string{`"employment"`, "answer.type must be single, multi or text"}},
		{"single without answers", func(c *domain.KycConfig) { c.Questions[0].Answer.PossibleAnswers = nil }, []string{`"employment"`, "needs possibleAnswers"}},
		{"both answers and a code set", func(c *domain.KycConfig) { c.Questions[0].Answer.AnswerCodeSet = domain.KycCodeSetCountries }, []string{`"employment"`, "not both"}},
		{"unknown code set", func(c *domain.KycConfig) { c.Questions[2].SubQuestions[0].Answer.AnswerCodeSet = "iso4217" }, []string{"answerCodeSet must be"}},
		{"text with possible answers", func(c *domain.KycConfig) { c.Questions[1].SubQuestions[0].Answer.PossibleAnswers = yesNo }, []string{`"tin"`, "takes no possibleAnswers"}},
		{"regex on a single question", func(c *domain.KycConfig) { c.Questions[0].Answer.TextValidationRegEx = "^x$" }, []string{`"employment"`, "only for text answers"}},
		{"duplicate answer code", func(c *domain.KycConfig) {
			c.Questions[0].Answer.PossibleAnswers = append(c.Questions[0].Answer.PossibleAnswers, domain.KycPossibleAnswerConfig{AnswerCode: "SELFEMPLOYED", AnswerText: en("x")})
		}, []string{`"employment"`, "possibleAnswers[2].answerCode is configured more than once"}},
		{"no English text", func(c *domain.KycConfig) { c.Questions[0].QuestionText = map[string]string{"sv": "Fråga"} }, []string{`"employment"`, `questionText needs an English ("en") text`}},
		{"answer without English text", func(c *domain.KycConfig) {
			c.Questions[0].Answer.PossibleAnswers[0].AnswerText = map[string]string{"sv": "Eget"}
		}, []string{`"employment"`, "possibleAnswers[0].answerText needs an English"}},
		{"bad language", func(c *domain.KycConfig) { c.Questions[0].QuestionText["SV"] = "x" }, []string{`"SV" is not a lower-case ISO 639-1 language code`}},
		{"blank text", func(c *domain.KycConfig) { c.Questions[0].QuestionText["sv"] = " " }, []string{"questionText.sv must be non-blank"}},
		{"askedWhen on a top-level question", func(c *domain.KycConfig) { c.Questions[0].AskedWhen = []string{"yes"} }, []string{"askedWhen is only for sub-questions"}},
		{"askedWhen naming no answer of the parent", func(c *domain.KycConfig) { c.Questions[2].SubQuestions[0].AskedWhen = []string{"maybe"} }, []string{
			`"citizen_ship_country_codes"`, `askedWhen[0] is not an answer code of the parent question "multiple_citizenship"`}},
		{"bad renewal period", func(c *domain.KycConfig) { c.RenewalPeriod = "1 year" }, []string{"ledger 1000: KYC: renewalPeriod must be an ISO 8601 period"}},
		{"zero renewal period", func(c *domain.KycConfig) { c.RenewalPeriod = "P0D" }, []string{"renewalPeriod must be longer than zero"}},
		{"disabled without questions is fine, but a bad period is not", func(c *domain.KycConfig) { c.Enabled, c.Questions, c.RenewalPeriod = &off, nil, "PY" }, []string{"renewalPeriod"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testKycConfig()
			tt.edit(&c)
			k, err := domain.NewKyc("1000", c)
			if err == nil {
				t.Fatalf("NewKyc accepted it: %+v", k)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				ok := true
				for _, w := range tt.want {
					ok = ok && strings.Contains(line, w)
				}
				if ok {
					return
				}
			}
			t.Errorf("no error line contains all of %q:\n%v", tt.want, err)
		})
	}
}

// TestNewKycReportsEveryProblem: several problems, one line each.
func TestNewKycReportsEveryProblem(t *testing.T) {
	c := testKycConfig()
	c.RenewalPeriod = "forever"
	c.Questions[0].Answer.Type = ""
	c.Questions[1].SubQuestions[0].Answer.TextValidationRegEx = "("
	_, err := domain.NewKyc("7", c)
	if err == nil || len(strings.Split(err.Error(), "\n")) != 3 {
		t.Fatalf("want 3 problems, got %v", err)
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if !strings.HasPrefix(line, "ledger 7: KYC") {
			t.Errorf("line does not name the ledger: %q", line)
		}
	}
}

func TestNewKycAccepts(t *testing.T) {
	off := false
	for _, c := range []domain.KycConfig{
		testKycConfig(),
		{Enabled: &off},
		{RenewalPeriod: "P1Y6M2W3D", Questions: testKycConfig().Questions},
		{RenewalPeriod: "P90D", Questions: []domain.KycQuestionConfig{{QuestionCode: "note", QuestionText: map[string]string{"en": "Note"},
			Answer:       domain.KycAnswerConfig{Type: "text"},
			SubQuestions: []domain.KycQuestionConfig{{QuestionCode: "more", QuestionText: map[string]string{"en": "More"}, Answer: domain.KycAnswerConfig{Type: "text"}}}}}},
	} {
		if _, err := domain.NewKyc("1000", c); err != nil {
			t.Errorf("NewKyc: %v", err)
		}
	}
	// A disabled configuration takes no answers and is never due.
	k := mustKyc(t, domain.KycConfig{Enabled: &off})
	if k.Enabled() || k.RenewalDue(today, today.AddDate(10, 0, 0)) {
		t.Error("disabled KYC is enabled or due")
	}
}

// A sub-question without askedWhen is asked by any answer to its parent, text included.
func TestKycSubQuestionOfTextParent(t *testing.T) {
	k := mustKyc(t, domain.KycConfig{Questions: []domain.KycQuestionConfig{{QuestionCode: "note", QuestionText: map[string]string{"en": "Note"},
		Answer:       domain.KycAnswerConfig{Type: "text"},
		SubQuestions: []domain.KycQuestionConfig{{QuestionCode: "more", QuestionText: map[string]string{"en": "More"}, Answer: domain.KycAnswerConfig{Type: "text", Required: true}}}}}})
	if _, err := domain.ParseKycAnswers(answers("note", "hello"), k); !strings.Contains(err.Error(), "answers") {
		t.Errorf("required sub-question of an answered text question: %v", err)
	}
	if _, err := domain.ParseKycAnswers(answers("note", "hello", "more", "world"), k); err != nil {
		t.Error(err)
	}
	if _, err := domain.ParseKycAnswers(answers("more", "world"), k); err == nil {
		t.Error("sub-question answered without its parent")
	}
}

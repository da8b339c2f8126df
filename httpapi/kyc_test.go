package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
)

// testKyc is the KYC configuration of the harness's ledger: a yes/no question with a country
// sub-question and a text question.
func testKyc(t testing.TB) *domain.Kyc {
	t.Helper()
	yesNo := []domain.KycPossibleAnswerConfig{
		{AnswerCode: "yes", AnswerText: map[string]string{"en": "Yes", "sv": "Ja"}},
		{AnswerCode: "no", AnswerText: map[string]string{"en": "No", "sv": "Nej"}},
	}
	k, err := domain.NewKyc("1000", domain.KycConfig{Questions: []domain.KycQuestionConfig{
		{QuestionCode: "multiple_citizenship", QuestionText: map[string]string{"en": "More than one citizenship?", "sv": "Flera medborgarskap?"},
			Answer: domain.KycAnswerConfig{Type: "single", Required: true, PossibleAnswers: yesNo},
			SubQuestions: []domain.KycQuestionConfig{{QuestionCode: "citizen_ship_country_codes", QuestionText: map[string]string{"en": "Citizenships"},
				AskedWhen: []string{"yes"}, Answer: domain.KycAnswerConfig{Type: "multi", Required: true, AnswerCodeSet: domain.KycCodeSetCountries}}}},
		{QuestionCode: "occupation", QuestionText: map[string]string{"en": "Occupation"},
			Answer: domain.KycAnswerConfig{Type: "text", TextValidationRegEx: `^[\p{L} ]{2,40}$`}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

const kycAnswersPath = base + "/update-kyc-answers"

// TestKycAnswersDecoding: body problems are named by their place in the answers list, each once.
func TestKycAnswersDecoding(t *testing.T) {
	h := newHarness(t)
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	tests := []struct {
		body string
		want []string
	}{
		{`{}`, []string{"answers"}},
		{`{"answers": null}`, []string{"answers"}},
		{`{"answers": {}}`, []string{"answers"}},
		{`{"answers": "yes"}`, []string{"answers"}},
		{`{"answers": []}`, []string{"answers"}},
		{`{"answers": [1, {"questionCode": "multiple_citizenship", "answerCode": "no"}]}`, []string{"answers[0]"}},
		{`{"answers": [{"questionCode": 1, "answerCode": true}]}`, []string{"answers", "answers[0].questionCode", "answers[0].answerCode"}},
		{`{"answers": [{"questionCode": "multiple_citizenship", "answerCode": "no", "answerText": "x"}]}`, []string{"answers[0].answerText"}},
		{`{"answers": [{"questionCode": "multiple_citizenship", "QuestionCode": "occupation", "answerCode": "no"}]}`, []string{"answers", "answers[0]"}},
		{`{"answers": [{"questionCode": "multiple_citizenship", "answerCode": "no"}], "extra": 1}`, []string{"extra"}},
		{`{"answers": [{"questionCode": "occupation", "answerCode": "4711"}]}`, []string{"answers", "answers[0].answerCode"}},
	}
	for _, tt := range tests {
		got := h.mustDo(http.MethodPost, kycAnswersPath, tt.body, http.StatusBadRequest)
		var names []string
		for _, p := range got["problems"].([]any) {
			names = append(names, p.(map[string]any)["name"].(string))
		}
		slices.Sort(names)
		slices.Sort(tt.want)
		if !slices.Equal(names, tt.want) {
			t.Errorf("%s: problems %q, want %q", tt.body, names, tt.want)
		}
	}
	// Valid: 204 without a body; property names in any case, a text matching the regex.
	code, body := h.do(http.MethodPost, kycAnswersPath, "application/json",
		`{"Answers": [{"QUESTIONCODE": "multiple_citizenship", "answercode": "YES"}, {"questionCode": "citizen_ship_country_codes", "answerCode": "fin"},
		{"questionCode": "occupation", "answerCode": "Snickare"}]}`)
	if code != http.StatusNoContent || body != "" {
		t.Errorf("valid answers: %d %q", code, body)
	}
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers/4711/update-kyc-answers",
		`{"answers": [{"questionCode": "multiple_citizenship", "answerCode": "no"}]}`, http.StatusNotFound)
}

func TestKycQuestions(t *testing.T) {
	h := newHarness(t)
	got := h.mustDo(http.MethodGet, "/ledger/customer/v1/1000/kyc-questions?language=SV", "", http.StatusOK)
	qs := got["kycQuestions"].([]any)
	first := qs[0].(map[string]any)
	if first["questionText"] != "Flera medborgarskap?" || got["@id"] != "/ledger/customer/v1/1000/kyc-questions?language=sv" {
		t.Errorf("sv: %v", got)
	}
	sub := first["subQuestions"].([]any)[0].(map[string]any)
	if sub["questionText"] != "Citizenships" || len(sub["answer"].(map[string]any)["possibleAnswers"].([]any)) != 250 {
		t.Errorf("sub-question: %v", sub["questionText"])
	}
	text := qs[1].(map[string]any)
	if a := text["answer"].(map[string]any); a["type"] != "text" || a["textValidationRegEx"] != `^[\p{L} ]{2,40}$` || len(a["possibleAnswers"].([]any)) != 0 {
		t.Errorf("text question: %v", text)
	}
	if _, ok := text["subQuestions"]; ok {
		t.Errorf("subQuestions shown on a question without any: %v", text)
	}
	for _, q := range []string{"", "?language=de", "?Language=en", "?language="} {
		got := h.mustDo(http.MethodGet, "/ledger/customer/v1/1000/Kyc-Questions"+q, "", http.StatusOK)
		if first := got["kycQuestions"].([]any)[0].(map[string]any); first["questionText"] != "More than one citizenship?" {
			t.Errorf("%q: not English: %v", q, first["questionText"])
		}
	}
	// A language with a region (as the card-verification flow takes it) is its language.
	got = h.mustDo(http.MethodGet, "/ledger/customer/v1/1000/kyc-questions?language=sv-SE", "", http.StatusOK)
	if first := got["kycQuestions"].([]any)[0].(map[string]any); first["questionText"] != "Flera medborgarskap?" || got["@id"] != "/ledger/customer/v1/1000/kyc-questions?language=sv" {
		t.Errorf("sv-SE: %v", got)
	}
	for _, q := range []string{"?language=swe", "?language=1", "?language=sv&language=en", "?language=sv_SE", "?language=sv-SE-x"} {
		code, body := h.do(http.MethodGet, "/ledger/customer/v1/1000/kyc-questions"+q, "", "")
		if code != http.StatusBadRequest || !strings.Contains(body, `"name":"language"`) {
			t.Errorf("%q: %d %s", q, code, body)
		}
	}
}

// TestKycAnswersAnswerTheirVersion: recording answers is a write on the customer, and its 204
// carries the version it wrote as every other write's answer does (README: "a write's answer
// carries the version it wrote"), so a client can send its next write with If-Match without
// reading the customer first. It carried no ETag.
func TestKycAnswersAnswerTheirVersion(t *testing.T) {
	h := newHarness(t)
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	for i, want := range []string{`"2"`, `"3"`} {
		req, err := http.NewRequest(http.MethodPost, h.srv.URL+kycAnswersPath,
			strings.NewReader(`{"answers": [{"questionCode": "multiple_citizenship", "answerCode": "no"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("ETag") != want {
			t.Errorf("answers %d: %s with ETag %q, want 204 with ETag %s", i, resp.Status, resp.Header.Get("ETag"), want)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+base, nil)
	req.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("ETag"); got != `"3"` {
		t.Errorf("the customer after two answers: ETag %s, want \"3\"", got)
	}
}

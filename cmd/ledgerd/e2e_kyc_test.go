package main

// KYC end to end (issue 6, SPEC §6): the document's "Kys-Questions" and "Update-kyc-answers"
// examples sent verbatim to the demo ledger, every validation rule, renewal as the clock moves,
// ledgers without or with disabled KYC, and configuration errors refused at start.

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi/auth"
)

// kycOp is the update-kyc-answers operation of a customer.
func kycOp(ledgerNo, no string) operation {
	return operation{"update-kyc-answers", http.MethodPost, customersPath(ledgerNo, no, "update-kyc-answers")}
}

// customerOperations returns the operations of GET customer.
func (s *testServer) customerOperations(t *testing.T, ledgerNo, no, token string) []operation {
	t.Helper()
	r := s.do(t, http.MethodGet, customersPath(ledgerNo, no), token, nil)
	expectStatus(t, r, http.StatusOK)
	return operationsAt(t, r.object(t), "operations")
}

// docStatus returns the status of an example response testdata/doc/<name> from its status line
// (the update-kyc-answers response has its body right after its headers, so docResponse cannot
// read it).
func docStatus(t *testing.T, name string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "doc", name))
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 2 {
		t.Fatalf("%s: bad status line %q", name, line)
	}
	status, err := strconv.Atoi(f[1])
	if err != nil {
		t.Fatalf("%s: bad status line %q", name, line)
	}
	return status
}

func TestE2EKycDocumentExamples(t *testing.T) {
	s := startServer(t)
	no := "9999"
	s.createCustomer(t, s.token, newCustomer(no, "Britt-Marie Axelstopp"))
	v := defaultVars(s.token, "consumer")

	// No answers yet: the operation is offered, as in the document's GET customer example.
	assertOperations(t, "new customer", s.customerOperations(t, demoLedger, no, s.token), []operation{kycOp(demoLedger, no)})

	// The questions example, in English: the document's two questions with its texts and answers.
	v.Language = "en"
	r := s.sendDocRequest(t, "kyc-questions.http", v)
	wantStatus, want := docResponse(t, "kyc-questions.response.http", v)
	if r.Status != wantStatus {
		t.Fatalf("kyc-questions: %s; want %d", r, wantStatus)
	}
	got := r.object(t)
	assertContainsJSON(t, "kyc-questions operations", map[string]any{"operations": want["operations"]}, got)
	gotQs, _ := got["kycQuestions"].([]any)
	byCode := map[string]map[string]any{}
	for _, q := range gotQs {
		m, _ := q.(map[string]any)
		code, _ := m["questionCode"].(string)
		byCode[code] = m
	}
	for _, wq := range want["kycQuestions"].([]any) {
		wq := wq.(map[string]any)
		code := wq["questionCode"].(string)
		// SPEC §6: optional in the demo ledger, whose answer example answers neither; the
		// example's "required": true only illustrates the shape.
		setPath(t, wq, "answer.required", false, false)
		assertContainsJSON(t, "kyc-questions "+code, wq, byCode[code])
	}
	for _, code := range []string{"taxable_outside_sweden", "multiple_citizenship"} {
		if req, _ := jsonPath(byCode[code], "answer.required"); req != true {
			t.Errorf("%s: required %v, want true", code, req)
		}
	}
	subs, _ := byCode["multiple_citizenship"]["subQuestions"].([]any)
	if len(subs) != 1 {
		t.Fatalf("multiple_citizenship: subQuestions %s", show(byCode["multiple_citizenship"]["subQuestions"]))
	}
	sub := subs[0].(map[string]any)
	assertContainsJSON(t, "citizen_ship_country_codes", map[string]any{
		"questionCode": "citizen_ship_country_codes", "askedWhen": []any{"yes"},
		"answer": map[string]any{"type": "multi", "required": true},
	}, sub)
	answers, _ := jsonPath(sub, "answer.possibleAnswers")
	if list, _ := answers.([]any); len(list) != 250 || !strings.Contains(show(list), `{"answerCode":"NOR","answerText":"NOR"}`) {
		t.Errorf("citizen_ship_country_codes: possibleAnswers %d, want the 250 ISO 3166-1 alpha-3 codes", len(list))
	}

	// Swedish; a language without texts and no language at all fall back to English.
	v.Language = "sv"
	got = s.sendDocRequest(t, "kyc-questions.http", v).object(t)
	assertContainsJSON(t, "kyc-questions?language=sv", map[string]any{"questionText": "Vilken är din nuvarande sysselsättning?"}, got["kycQuestions"].([]any)[0])
	if a, _ := jsonPath(got["kycQuestions"].([]any)[0], "answer"); !strings.Contains(show(a), `"answerText":"Eget företag"`) {
		t.Errorf("sv answers: %s", show(a))
	}
	for _, target := range []string{"/kyc-questions?language=de", "/kyc-questions", "/Kyc-Questions?Language=EN"} {
		got = s.do(t, http.MethodGet, "/ledger/customer/v1/"+demoLedger+target, s.token, nil).object(t)
		assertContainsJSON(t, target, map[string]any{"questionText": "What is your current employment?"}, got["kycQuestions"].([]any)[0])
	}
	assertValidation(t, s.do(t, http.MethodGet, "/ledger/customer/v1/"+demoLedger+"/kyc-questions?language=svenska", s.token, nil), "language")

	// The answer example: 204 without a body.
	r = s.sendDocRequest(t, "update-kyc-answers.http", v)
	if want := docStatus(t, "update-kyc-answers.response.http"); r.Status != want || len(r.Body) != 0 {
		t.Fatalf("update-kyc-answers: %s; want %d without a body", r, want)
	}
	// Answered: no longer offered. The answers are not on the customer resource.
	assertOperations(t, "after answering", s.customerOperations(t, demoLedger, no, s.token), nil, "update-kyc-answers")
	body := string(s.do(t, http.MethodGet, customersPath(demoLedger, no)+"?$expand=legaladdress", s.token, nil).Body)
	for _, leak := range []string{"taxable_outside_sweden", "citizen_ship", "SWE", "answers"} {
		if strings.Contains(body, leak) {
			t.Errorf("the customer resource shows KYC answers (%q): %s", leak, body)
		}
	}

	// The audit trail: who answered what, when.
	s.stop(t)
	events := streamEvents(readEvents(t, s.dir), demoLedger, no)
	last := events[len(events)-1]
	if last.Type != domain.TypeKycAnswersUpdated || last.Actor != "developer" || last.Time.IsZero() || last.CorrelationID == "" {
		t.Fatalf("last event %s by %q at %v (correlation %q), want KycAnswersUpdated by the token's subject", last.Type, last.Actor, last.Time, last.CorrelationID)
	}
	var data domain.KycAnswersUpdated
	if err := json.Unmarshal(last.Data, &data); err != nil {
		t.Fatal(err)
	}
	wantAnswers := []domain.KycAnswer{
		{QuestionCode: "taxable_outside_sweden", AnswerCode: "no"}, {QuestionCode: "multiple_citizenship", AnswerCode: "yes"},
		{QuestionCode: "citizen_ship_country_codes", AnswerCode: "SWE"}, {QuestionCode: "citizen_ship_country_codes", AnswerCode: "NOR"},
	}
	if !reflect.DeepEqual(data.Answers, wantAnswers) {
		t.Errorf("stored answers %+v, want %+v", data.Answers, wantAnswers)
	}
}

// kycTestConfig is a ledger 1000 with the demo questions plus a text sub-question with a regex,
// ledger 2000 without KYC and ledger 3000 with KYC disabled.
func kycTestConfig(t *testing.T) string {
	t.Helper()
	kyc := demoKyc()
	kyc.Questions[2].SubQuestions = []domain.KycQuestionConfig{{
		QuestionCode: "foreign_tin", QuestionText: map[string]string{"en": "Your foreign tax identification number"}, AskedWhen: []string{"yes"},
		Answer: domain.KycAnswerConfig{Type: "text", Required: true, TextValidationRegEx: `^[A-Z0-9]{5,20}$`},
	}}
	off := false
	disabled := demoKyc()
	disabled.Enabled = &off
	f := LedgerFile{Ledgers: []LedgerConfig{
		{LedgerNo: "1000", CountryCode: "SE", Kyc: kyc},
		{LedgerNo: "2000", CountryCode: "SE"},
		{LedgerNo: "3000", CountryCode: "SE", Kyc: disabled},
	}}
	return writeLedgerFile(t, f)
}

func writeLedgerFile(t *testing.T, f any) string {
	t.Helper()
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ledgers.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// kycBody builds an update-kyc-answers body from questionCode, answerCode pairs.
func kycBody(pairs ...string) map[string]any {
	answers := []any{}
	for i := 0; i+1 < len(pairs); i += 2 {
		answers = append(answers, map[string]any{"questionCode": pairs[i], "answerCode": pairs[i+1]})
	}
	return map[string]any{"answers": answers}
}

// TestE2EKycValidation: every rule of SPEC §6 failing once, each named; then all at once.
func TestE2EKycValidation(t *testing.T) {
	s := startServer(t, withConfig(kycTestConfig(t)))
	no := "4711"
	s.createCustomer(t, s.token, newCustomer(no, "Kyc Test"))
	path := customersPath(demoLedger, no, "update-kyc-answers")
	ok := []string{"taxable_outside_sweden", "no", "multiple_citizenship", "no"}
	with := func(pairs ...string) map[string]any { return kycBody(append(append([]string{}, ok...), pairs...)...) }

	tests := []struct {
		name  string
		body  any
		names []string
	}{
		{"no body", nil, []string{"body"}},
		{"answers missing", map[string]any{}, []string{"answers"}},
		{"answers not a list", map[string]any{"answers": "no"}, []string{"answers"}},
		{"unknown property", map[string]any{"answers": kycBody(ok...)["answers"], "comment": "x"}, []string{"comment"}},
		{"unknown question", with("favourite_colour", "blue"), []string{"answers[2].questionCode"}},
		{"answer code not among the possible answers", with("employment", "astronaut"), []string{"answers[2].answerCode"}},
		{"country code that is not ISO 3166-1 alpha-3", kycBody("taxable_outside_sweden", "no", "multiple_citizenship", "yes", "citizen_ship_country_codes", "SE"),
			[]string{"answers[2].answerCode"}},
		{"text answer not matching the regex", kycBody("taxable_outside_sweden", "yes", "foreign_tin", "12-34", "multiple_citizenship", "no"),
			[]string{"answers[1].answerCode"}},
		{"single answered twice", with("multiple_citizenship", "yes"), []string{"answers[2].questionCode"}},
		{"multi with the same answer twice", kycBody("taxable_outside_sweden", "no", "multiple_citizenship", "yes",
			"citizen_ship_country_codes", "NOR", "citizen_ship_country_codes", "NOR"), []string{"answers[3].answerCode"}},
		{"required question unanswered", kycBody("taxable_outside_sweden", "no"), []string{"answers"}},
		{"required sub-question unanswered", kycBody("taxable_outside_sweden", "yes", "multiple_citizenship", "no"), []string{"answers"}},
		{"sub-question not asked by the parent's answer", with("citizen_ship_country_codes", "SWE"), []string{"answers[2].questionCode"}},
		{"everything at once", kycBody("nope", "x", "employment", "x", "employment", "selfemployed", "foreign_tin", "ab", "citizen_ship_country_codes", "XXX"),
			[]string{"answers[0].questionCode", "answers[1].answerCode", "answers[2].questionCode", "answers[3].answerCode",
				"answers[3].questionCode", "answers[4].answerCode", "answers[4].questionCode", "answers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := assertValidation(t, s.do(t, http.MethodPost, path, s.token, tt.body), tt.names...)
			if len(p.Problems) < len(tt.names) {
				t.Errorf("problems %q, want %q", p.names(), tt.names)
			}
			for _, x := range p.Problems {
				for _, leak := range []string{"favourite_colour", "astronaut", "12-34"} {
					if strings.Contains(x.Description, leak) {
						t.Errorf("problem %s echoes the submitted value: %q", x.Name, x.Description)
					}
				}
			}
		})
	}
	// The required-question problems name the question.
	p := assertValidation(t, s.do(t, http.MethodPost, path, s.token, kycBody("taxable_outside_sweden", "yes")), "answers")
	if d := show(p.Problems); !strings.Contains(d, "multiple_citizenship is required") || !strings.Contains(d, "foreign_tin is required when") {
		t.Errorf("required problems do not name the questions: %s", d)
	}

	// Valid with the text sub-question; nothing else was stored by the failures.
	expectStatus(t, s.do(t, http.MethodPost, path, s.token,
		kycBody("Taxable_Outside_Sweden", "YES", "foreign_tin", "AB12345", "multiple_citizenship", "no", "income", "incomeinterval2")), http.StatusNoContent)

	// Unknown customer; a token without kyc:write; in a ledger without KYC and with KYC disabled.
	assertProblem(t, s.do(t, http.MethodPost, customersPath(demoLedger, "1234", "update-kyc-answers"), s.token, kycBody(ok...)), http.StatusNotFound, "customer-not-found")
	writer := s.mint(t, "writer", []string{demoLedger}, auth.ScopeCustomerRead, auth.ScopeCustomerWrite)
	assertProblem(t, s.do(t, http.MethodPost, path, writer, kycBody(ok...)), http.StatusForbidden, "forbidden")

	s.stop(t)
	var kycEvents int
	for _, e := range streamEvents(readEvents(t, s.dir), demoLedger, no) {
		if e.Type == domain.TypeKycAnswersUpdated {
			kycEvents++
			if !strings.Contains(string(e.Data), `"answerText":"AB12345"`) {
				t.Errorf("text answer not stored as answerText: %s", e.Data)
			}
		}
	}
	if kycEvents != 1 {
		t.Errorf("%d KycAnswersUpdated events, want 1", kycEvents)
	}
}

// TestE2EKycLedgersWithoutKyc: a ledger without KYC has no questions and takes no answers (404);
// one with KYC disabled shows its questions but takes no answers (409); neither offers the
// operation.
func TestE2EKycLedgersWithoutKyc(t *testing.T) {
	s := startServer(t, withConfig(kycTestConfig(t)))
	body := kycBody("taxable_outside_sweden", "no", "multiple_citizenship", "no")
	for _, ledger := range []string{"2000", "3000"} {
		r := s.do(t, http.MethodPost, customersPath(ledger), s.token, newCustomer("5000", "Utan Kyc"))
		expectStatus(t, r, http.StatusCreated)
		assertOperations(t, "ledger "+ledger, s.customerOperations(t, ledger, "5000", s.token), nil, "update-kyc-answers")
	}
	assertProblem(t, s.do(t, http.MethodGet, "/ledger/customer/v1/2000/kyc-questions?language=sv", s.token, nil),
		http.StatusNotFound, "company-kyc-questions-not-configured")
	assertProblem(t, s.do(t, http.MethodPost, customersPath("2000", "5000", "update-kyc-answers"), s.token, body), http.StatusNotFound, "not-found")
	assertProblem(t, s.do(t, http.MethodPost, customersPath("3000", "5000", "update-kyc-answers"), s.token, body), http.StatusConflict, "kyc-configuration")
	expectStatus(t, s.do(t, http.MethodGet, "/ledger/customer/v1/3000/kyc-questions", s.token, nil), http.StatusOK)
	// The ledger's KYC problems come before the body's.
	assertProblem(t, s.do(t, http.MethodPost, customersPath("3000", "5000", "update-kyc-answers"), s.token, `{"answers": 1}`), http.StatusConflict, "kyc-configuration")
}

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// TestE2EKycRenewal: the operation appears when there are no answers or they are a renewal
// period (the demo ledger's P1Y) old, and disappears when they are renewed; an answer before
// it is due is taken too (the document: "able to update KYC ... even if current aren't expired").
func TestE2EKycRenewal(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Second)
	clock := &testClock{t: start}
	s := startServer(t, withClock(clock.now))
	no := "8080"
	s.createCustomer(t, s.token, newCustomer(no, "Renewal Test"))
	op := kycOp(demoLedger, no)
	answer := func() {
		t.Helper()
		expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger, no, "update-kyc-answers"), s.token,
			kycBody("taxable_outside_sweden", "no", "multiple_citizenship", "no")), http.StatusNoContent)
	}
	offered := func(when string, want bool) {
		t.Helper()
		ops := s.customerOperations(t, demoLedger, no, s.token)
		if want {
			assertOperations(t, when, ops, []operation{op})
		} else {
			assertOperations(t, when, ops, nil, op.Rel)
		}
	}
	offered("before any answers", true)
	reader := s.mint(t, "reader", []string{demoLedger}, auth.ScopeCustomerRead, auth.ScopeCustomerWrite)
	assertOperations(t, "without kyc:write", s.customerOperations(t, demoLedger, no, reader), nil, op.Rel)

	answer()
	offered("just answered", false)
	clock.set(start.AddDate(1, 0, 0).Add(-time.Second))
	offered("a second short of a year", false)
	answer() // early renewal is allowed
	answeredAt := clock.now()
	clock.set(answeredAt.AddDate(1, 0, -1))
	offered("a day short of a year after the renewal", false)
	clock.set(answeredAt.AddDate(1, 0, 0))
	offered("a year after the renewal", true)
	clock.set(answeredAt.AddDate(3, 0, 0))
	offered("three years later", true)
	answer()
	offered("renewed", false)

	// The event times are the service's clock: renewal survives a restart.
	s.restart(t)
	offered("after a restart", false)
	clock.set(clock.now().AddDate(1, 0, 0))
	offered("a year after, after a restart", true)
}

// TestE2EKycConfigurationRefusedAtStart: KYC configuration errors stop the service at start,
// naming the ledger, the question and the problem.
func TestE2EKycConfigurationRefusedAtStart(t *testing.T) {
	en := func(s string) map[string]string { return map[string]string{"en": s} }
	yesNo := []domain.KycPossibleAnswerConfig{{AnswerCode: "yes", AnswerText: en("Yes")}, {AnswerCode: "no", AnswerText: en("No")}}
	q := func(code string) domain.KycQuestionConfig {
		return domain.KycQuestionConfig{QuestionCode: code, QuestionText: en(code + "?"), Answer: domain.KycAnswerConfig{Type: "single", PossibleAnswers: yesNo}}
	}
	tests := []struct {
		name      string
		questions []domain.KycQuestionConfig
		want      []string
	}{
		{"duplicate codes", []domain.KycQuestionConfig{q("pep"), q("PEP")}, []string{`"PEP"`, "more than once"}},
		{"regex that does not compile", []domain.KycQuestionConfig{{QuestionCode: "tin", QuestionText: en("TIN"),
			Answer: domain.KycAnswerConfig{Type: "text", TextValidationRegEx: `^(?<!x)[0-9]+$`}}}, []string{`"tin"`, "textValidationRegEx does not compile"}},
		{"sub-question with sub-questions", []domain.KycQuestionConfig{func() domain.KycQuestionConfig {
			parent, sub := q("pep"), q("pep_role")
			sub.SubQuestions = []domain.KycQuestionConfig{q("pep_since")}
			parent.SubQuestions = []domain.KycQuestionConfig{sub}
			return parent
		}()}, []string{`"pep_role"`, "cannot have sub-questions"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := writeLedgerFile(t, LedgerFile{Ledgers: []LedgerConfig{
				{LedgerNo: "1000", CountryCode: "SE"},
				{LedgerNo: "4242", CountryCode: "SE", Kyc: &domain.KycConfig{Questions: tt.questions}},
			}})
			m := NewMain()
			if err := m.ParseFlags([]string{"-http-addr", "127.0.0.1:0", "-nats-listen", "127.0.0.1:0", "-data-dir", t.TempDir(), "-config", cfg},
				func(string) string { return "" }); err != nil {
				t.Fatal(err)
			}
			logs := &syncBuffer{}
			m.Stdout, m.LogOutput = logs, logs
			err := m.Run(context.Background())
			m.Close()
			if err == nil {
				t.Fatal("the service started with a bad KYC configuration")
			}
			for _, w := range append([]string{cfg, "ledger 4242: KYC question"}, tt.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

package domain

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Kyc is a ledger's validated know-your-customer configuration: its questions (with
// translations), whether answers are taken, and how long they stay current. Build it with
// NewKyc. It is immutable and safe for concurrent use.
type Kyc struct {
	enabled   bool
	renewal   kycPeriod
	questions []*kycQuestion          // top level, in configured order
	byCode    map[string]*kycQuestion // lower-case code → question, sub-questions included
	languages []string                // every language some text is in, sorted
}

// kycQuestion is a validated question.
type kycQuestion struct {
	code      string
	text      map[string]string // language → text; "en" always present
	typ       KycAnswerType
	required  bool
	regex     string
	re        *regexp.Regexp // nil without a regex
	answers   []kycAnswer    // possible answers (configured, or the code set's)
	answerIdx map[string]int // lower-case answer code → index in answers
	askedWhen []string       // the parent's answer codes that ask a sub-question
	parent    *kycQuestion   // nil at the top level
	subs      []*kycQuestion
}

// kycAnswer is a possible answer.
type kycAnswer struct {
	code string
	text map[string]string
}

// Enabled reports whether customers may answer now.
func (k *Kyc) Enabled() bool { return k.enabled }

// Languages returns the languages texts are configured in, sorted ("en" among them).
func (k *Kyc) Languages() []string { return slices.Clone(k.languages) }

// question returns a question or sub-question by code, ignoring ASCII case.
func (k *Kyc) question(code string) (*kycQuestion, bool) {
	q, ok := k.byCode[strings.ToLower(code)]
	return q, ok
}

// answer returns the canonical code of a possible answer, ignoring ASCII case.
func (q *kycQuestion) answer(code string) (string, bool) {
	i, ok := q.answerIdx[strings.ToLower(code)]
	if !ok {
		return "", false
	}
	return q.answers[i].code, true
}

// asks reports whether a sub-question is asked by its parent's answer codes.
func (q *kycQuestion) asks(parentAnswers []string) bool {
	if len(parentAnswers) == 0 {
		return false
	}
	if len(q.askedWhen) == 0 {
		return true
	}
	for _, a := range parentAnswers {
		if slices.Contains(q.askedWhen, a) {
			return true
		}
	}
	return false
}

// TranslatedKycQuestion is a question with its texts in one language, as GET kyc-questions
// shows it.
type TranslatedKycQuestion struct {
	QuestionCode        string
	QuestionText        string
	Type                KycAnswerType
	Required            bool
	TextValidationRegEx string
	PossibleAnswers     []TranslatedKycAnswer
	AskedWhen           []string // on sub-questions: the parent's answer codes that ask it (empty: any)
	SubQuestions        []TranslatedKycQuestion
}

// TranslatedKycAnswer is a possible answer with its text in one language.
type TranslatedKycAnswer struct {
	AnswerCode string
	AnswerText string
}

// Questions returns the questions with their texts in a language (ISO 639-1, lower-case); a
// text missing in that language, or for "", is given in English.
func (k *Kyc) Questions(language string) []TranslatedKycQuestion {
	out := make([]TranslatedKycQuestion, 0, len(k.questions))
	for _, q := range k.questions {
		out = append(out, q.translate(language))
	}
	return out
}

func (q *kycQuestion) translate(language string) TranslatedKycQuestion {
	t := TranslatedKycQuestion{
		QuestionCode: q.code, QuestionText: translate(q.text, language), Type: q.typ, Required: q.required,
		TextValidationRegEx: q.regex, PossibleAnswers: make([]TranslatedKycAnswer, 0, len(q.answers)),
		AskedWhen: slices.Clone(q.askedWhen),
	}
	for _, a := range q.answers {
		t.PossibleAnswers = append(t.PossibleAnswers, TranslatedKycAnswer{AnswerCode: a.code, AnswerText: translate(a.text, language)})
	}
	for _, s := range q.subs {
		t.SubQuestions = append(t.SubQuestions, s.translate(language))
	}
	return t
}

func translate(texts map[string]string, language string) string {
	if t, ok := texts[language]; ok {
		return t
	}
	return texts[KycFallbackLanguage]
}

// ParseKycLanguage validates the language of GET kyc-questions: "" (not given), an ISO 639-1
// code of two ASCII letters, or such a code with a region of two letters (a BCP 47 tag as the
// card-verification flow takes it, e.g. sv-SE), any case. It returns the language code in lower
// case (the region does not choose texts); whether texts exist in it does not matter (English
// stands in). A malformed code is a validation problem named "language".
func ParseKycLanguage(s string) (string, error) {
	v := strings.TrimSpace(s)
	if v == "" {
		return "", nil
	}
	if len(v) == 5 && v[2] == '-' && isASCIILetter(v[3]) && isASCIILetter(v[4]) {
		v = v[:2]
	}
	if len(v) != 2 || !isASCIILetter(v[0]) || !isASCIILetter(v[1]) {
		return "", ValidationError(Problem{"language", "language must be an ISO 639-1 language code of two letters, e.g. sv or en, optionally with a region, e.g. sv-SE"})
	}
	return strings.ToLower(v), nil
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// RenewalDue reports whether a customer whose answers were last updated at answeredAt (zero:
// never) should renew them at now: KYC is enabled and there are no answers or they are a renewal
// period old or older.
func (k *Kyc) RenewalDue(answeredAt, now time.Time) bool {
	if !k.enabled {
		return false
	}
	if answeredAt.IsZero() {
		return true
	}
	return !now.Before(k.renewal.after(answeredAt))
}

// KycRenewalDue reports whether the customer should be offered update-kyc-answers at now: the
// ledger has KYC enabled and the customer's answers are missing or due for renewal.
func (p LedgerPolicy) KycRenewalDue(s CustomerState, now time.Time) bool {
	return p.Kyc != nil && p.Kyc.RenewalDue(s.KycAnsweredAt, now)
}

// KycForAnswers returns the ledger's KYC configuration for taking answers: a not-found error when
// the ledger has none, kyc-configuration when it is disabled.
func (p LedgerPolicy) KycForAnswers() (*Kyc, error) {
	switch {
	case p.Kyc == nil:
		return nil, newError(CodeNotFound, "KYC is not configured on this ledger")
	case !p.Kyc.enabled:
		return nil, newError(CodeKycConfiguration, "the ledger is not currently configured for KYC: answers are not taken")
	}
	return p.Kyc, nil
}

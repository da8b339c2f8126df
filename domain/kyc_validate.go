package domain

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nordledger/ledger/domain/nordic"
)

// NewKyc validates a ledger's KYC configuration and returns it ready for use. Every problem is
// reported at once, each as one error naming the ledger, the question (its code and place in the
// configuration) and what is wrong, e.g.
//
//	ledger 1000: KYC question "income" (questions[1]): answer.textValidationRegEx does not compile: …
//
// The rules: at least one question when enabled; question codes and answer codes 1–64
// characters of A–Z a–z 0–9 _ - ., question codes unique among all questions and sub-questions
// and answer codes unique within their question (ignoring case); texts in English ("en") at
// least, keyed by two-letter lower-case language codes, non-blank, at most 1000 characters;
// answer.type single, multi or text; single and multi take possibleAnswers or answerCodeSet (not
// both), text takes neither; textValidationRegEx only on text questions, and it must compile (Go
// RE2 syntax); sub-questions only one level deep, askedWhen only on sub-questions and naming the
// parent's answer codes; renewalPeriod an ISO 8601 period such as P1Y.
func NewKyc(ledgerNo string, c KycConfig) (*Kyc, error) {
	v := kycValidator{ledger: ledgerNo, seen: map[string]string{}, langs: map[string]bool{KycFallbackLanguage: true}}
	k := &Kyc{enabled: c.Enabled == nil || *c.Enabled, byCode: map[string]*kycQuestion{}}
	period := c.RenewalPeriod
	if period == "" {
		period = DefaultKycRenewalPeriod
	}
	var err error
	if k.renewal, err = parseKycPeriod(period); err != nil {
		v.add("", "", "renewalPeriod %s", err)
	}
	if len(c.Questions) == 0 && k.enabled {
		v.add("", "", "questions: an enabled KYC configuration needs at least one question")
	}
	for i, qc := range c.Questions {
		q := v.question(qc, fmt.Sprintf("questions[%d]", i), nil)
		if q == nil {
			continue
		}
		k.questions = append(k.questions, q)
		k.byCode[strings.ToLower(q.code)] = q
		for _, s := range q.subs {
			k.byCode[strings.ToLower(s.code)] = s
		}
	}
	if len(v.errs) > 0 {
		return nil, errors.Join(v.errs...)
	}
	for l := range v.langs {
		k.languages = append(k.languages, l)
	}
	slices.Sort(k.languages)
	return k, nil
}

// kycValidator collects the problems of one ledger's configuration.
type kycValidator struct {
	ledger string
	errs   []error
	seen   map[string]string // lower-case question code → where it was first configured
	langs  map[string]bool
}

// add records a problem of a question (code and place; both "" for the configuration itself).
func (v *kycValidator) add(code, at, format string, args ...any) {
	where := "KYC"
	switch {
	case code != "":
		where = fmt.Sprintf("KYC question %q (%s)", code, at)
	case at != "":
		where = "KYC question " + at
	}
	v.errs = append(v.errs, fmt.Errorf("ledger %s: %s: %s", v.ledger, where, fmt.Sprintf(format, args...)))
}

// question validates a question (parent nil) or sub-question; nil when its code is unusable.
func (v *kycValidator) question(c KycQuestionConfig, at string, parent *kycQuestion) *kycQuestion {
	code := c.QuestionCode
	if msg := kycCodeProblem(code); msg != "" {
		v.add("", at, "questionCode %s", msg)
		code = ""
	} else if first, dup := v.seen[strings.ToLower(code)]; dup {
		v.add(code, at, "questionCode is configured more than once (first at %s); question codes must be unique, ignoring case", first)
	} else {
		v.seen[strings.ToLower(code)] = at
	}
	bad := func(format string, args ...any) { v.add(code, at, format, args...) }
	q := &kycQuestion{code: code, typ: KycAnswerType(c.Answer.Type), required: c.Answer.Required,
		regex: c.Answer.TextValidationRegEx, answerIdx: map[string]int{}, parent: parent}
	q.text = v.texts(c.QuestionText, "questionText", bad)

	a := c.Answer
	switch q.typ {
	case KycSingle, KycMulti:
		if a.TextValidationRegEx != "" {
			bad("answer.textValidationRegEx is only for text answers (type %s takes answer codes)", q.typ)
		}
		v.possibleAnswers(q, a, bad)
	case KycText:
		if len(a.PossibleAnswers) > 0 || a.AnswerCodeSet != "" {
			bad("answer type text takes no possibleAnswers or answerCodeSet")
		}
		if a.TextValidationRegEx != "" {
			re, err := regexp.Compile(a.TextValidationRegEx)
			if err != nil {
				bad("answer.textValidationRegEx does not compile: %v", err)
			}
			q.re = re
		}
	default:
		bad("answer.type must be single, multi or text")
	}

	if parent == nil && len(c.AskedWhen) > 0 {
		bad("askedWhen is only for sub-questions")
	}
	if parent != nil {
		v.askedWhen(q, c.AskedWhen, parent, bad)
		if len(c.SubQuestions) > 0 {
			bad("a sub-question cannot have sub-questions (subQuestions are one level deep)")
		}
	} else {
		for i, sc := range c.SubQuestions {
			if s := v.question(sc, fmt.Sprintf("%s.subQuestions[%d]", at, i), q); s != nil {
				q.subs = append(q.subs, s)
			}
		}
	}
	if code == "" {
		return nil
	}
	return q
}

// possibleAnswers validates the answer codes of a single or multi question.
func (v *kycValidator) possibleAnswers(q *kycQuestion, a KycAnswerConfig, bad func(string, ...any)) {
	switch {
	case a.AnswerCodeSet != "" && len(a.PossibleAnswers) > 0:
		bad("answer takes possibleAnswers or answerCodeSet, not both")
		return
	case a.AnswerCodeSet == KycCodeSetCountries:
		for _, c := range nordic.CountryCodesAlpha3() {
			q.answerIdx[strings.ToLower(c)] = len(q.answers)
			q.answers = append(q.answers, kycAnswer{code: c, text: map[string]string{KycFallbackLanguage: c}})
		}
		return
	case a.AnswerCodeSet != "":
		bad("answer.answerCodeSet must be %s", KycCodeSetCountries)
		return
	case len(a.PossibleAnswers) == 0:
		bad("answer type %s needs possibleAnswers (or answerCodeSet)", q.typ)
		return
	}
	for i, pa := range a.PossibleAnswers {
		name := fmt.Sprintf("answer.possibleAnswers[%d]", i)
		if msg := kycCodeProblem(pa.AnswerCode); msg != "" {
			bad("%s.answerCode %s", name, msg)
			continue
		}
		key := strings.ToLower(pa.AnswerCode)
		if _, dup := q.answerIdx[key]; dup {
			bad("%s.answerCode is configured more than once in this question; answer codes must be unique, ignoring case", name)
			continue
		}
		text := v.texts(pa.AnswerText, name+".answerText", bad)
		q.answerIdx[key] = len(q.answers)
		q.answers = append(q.answers, kycAnswer{code: pa.AnswerCode, text: text})
	}
}

// askedWhen validates the parent's answer codes that ask a sub-question.
func (v *kycValidator) askedWhen(q *kycQuestion, codes []string, parent *kycQuestion, bad func(string, ...any)) {
	if len(codes) > 0 && parent.typ == KycText {
		bad("askedWhen cannot name answer codes of a text question; leave it out to ask the sub-question whenever the parent is answered")
		return
	}
	for i, c := range codes {
		canonical, ok := parent.answer(c)
		if !ok {
			bad("askedWhen[%d] is not an answer code of the parent question %q", i, parent.code)
			continue
		}
		if !slices.Contains(q.askedWhen, canonical) {
			q.askedWhen = append(q.askedWhen, canonical)
		}
	}
}

// texts validates translations: "en" present, two-letter lower-case languages, non-blank texts.
func (v *kycValidator) texts(texts map[string]string, name string, bad func(string, ...any)) map[string]string {
	if _, ok := texts[KycFallbackLanguage]; !ok {
		bad("%s needs an English (\"en\") text, the fallback of every language", name)
	}
	langs := make([]string, 0, len(texts))
	for l := range texts {
		langs = append(langs, l)
	}
	slices.Sort(langs) // problems in a stable order
	out := make(map[string]string, len(texts))
	for _, l := range langs {
		t := strings.TrimSpace(texts[l])
		switch {
		case len(l) != 2 || !isASCIILetter(l[0]) || !isASCIILetter(l[1]) || strings.ToLower(l) != l:
			bad("%s: %q is not a lower-case ISO 639-1 language code", name, l)
		case t == "" || !utf8.ValidString(t) || strings.IndexFunc(t, unicode.IsControl) >= 0:
			bad("%s.%s must be non-blank text without control characters", name, l)
		case utf8.RuneCountInString(t) > MaxKycTextLength:
			bad("%s.%s must be at most %d characters", name, l, MaxKycTextLength)
		default:
			out[l] = t
			v.langs[l] = true
		}
	}
	return out
}

// kycCodeProblem checks a question or answer code; it returns "" or what is wrong.
func kycCodeProblem(code string) string {
	if code == "" || len(code) > MaxKycCodeLength {
		return fmt.Sprintf("must be 1 to %d characters", MaxKycCodeLength)
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !(isASCIILetter(c) || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return "may contain only letters A-Z, digits and _ - ."
		}
	}
	return ""
}

// kycPeriod is an ISO 8601 period of calendar years, months and days.
type kycPeriod struct{ years, months, days int }

// after returns t plus the period (calendar arithmetic, as time.AddDate).
func (p kycPeriod) after(t time.Time) time.Time { return t.AddDate(p.years, p.months, p.days) }

// parseKycPeriod parses "PnYnMnWnD" (each part optional, at least one, in this order, each
// number at most 9999, not all zero).
func parseKycPeriod(s string) (kycPeriod, error) {
	errBad := errors.New("must be an ISO 8601 period of years, months, weeks and days such as P1Y, P6M or P90D")
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" {
		return kycPeriod{}, errBad
	}
	var p kycPeriod
	units := "YMWD"
	for rest != "" {
		i := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
		if i <= 0 || i > 4 {
			return kycPeriod{}, errBad
		}
		n, _ := strconv.Atoi(rest[:i])
		u := strings.IndexByte(units, rest[i])
		if u < 0 {
			return kycPeriod{}, errBad
		}
		switch units[u] {
		case 'Y':
			p.years = n
		case 'M':
			p.months = n
		case 'W':
			p.days += 7 * n
		case 'D':
			p.days += n
		}
		units, rest = units[u+1:], rest[i+1:]
	}
	if p == (kycPeriod{}) {
		return kycPeriod{}, errors.New("must be longer than zero")
	}
	return p, nil
}

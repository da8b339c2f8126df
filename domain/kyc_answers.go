package domain

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Property names of update-kyc-answers.
const (
	PropAnswers      = "answers"
	PropQuestionCode = "questionCode"
	PropAnswerCode   = "answerCode"
)

// KycAnswersInput is an update-kyc-answers request as sent.
type KycAnswersInput struct {
	Answers Field[[]KycAnswerInput]
}

// KycAnswerInput is one answer as sent. For a text question AnswerCode holds the text.
type KycAnswerInput struct {
	QuestionCode Field[string]
	AnswerCode   Field[string]
}

// KycAnswer is one validated answer: the question's code and, for single and multi questions,
// the answer's code or, for text questions, the text (kept apart: it may be personal data).
type KycAnswer struct {
	QuestionCode string `json:"questionCode"`
	AnswerCode   string `json:"answerCode,omitempty"`
	AnswerText   string `json:"answerText,omitempty"`
}

// KycAnswersUpdated records a customer's answers to the ledger's KYC questions, in the order
// given. They replace the previous answers; the event's time is when they were given (renewal
// is judged from it) and its actor who gave them.
type KycAnswersUpdated struct {
	Answers []KycAnswer `json:"answers"`
}

// EventType implements Event.
func (KycAnswersUpdated) EventType() string { return TypeKycAnswersUpdated }

// AnswerKyc is a validated update-kyc-answers command.
type AnswerKyc struct {
	answers []KycAnswer
}

// Answers returns the validated answers.
func (c AnswerKyc) Answers() []KycAnswer { return append([]KycAnswer(nil), c.answers...) }

// AnswerKyc decides new KYC answers. Answering again with the same answers is a renewal and is
// recorded too.
func (c *Customer) AnswerKyc(cmd AnswerKyc) ([]Event, error) {
	if !c.exists {
		return nil, errCustomerNotFound()
	}
	if len(cmd.answers) == 0 {
		return nil, fmt.Errorf("domain: AnswerKyc was not parsed")
	}
	return []Event{KycAnswersUpdated{Answers: cmd.Answers()}}, nil
}

// ParseKycAnswers validates answers against a ledger's KYC questions (from
// LedgerPolicy.KycForAnswers), reporting every problem at once:
//   - answers: required, 1 to MaxKycAnswers of them;
//   - answers[i].questionCode: required, a configured question or sub-question (ignoring case);
//   - answers[i].answerCode: required; for single and multi questions one of the question's
//     answer codes (ignoring case; stored as configured), for text questions text of at most
//     MaxKycTextAnswerLength characters without control characters (surrounding whitespace
//     ignored) matching the question's textValidationRegEx;
//   - a single or text question takes one answer: a repeat is named at its questionCode; a multi
//     question takes each answer code once: a repeat is named at its answerCode;
//   - a sub-question may be answered only when its parent's answer asks it (named at its
//     questionCode);
//   - every required question must be answered, and every required sub-question that the
//     parent's answer asks: named "answers", with the question's code in the description.
//
// Descriptions never contain submitted values.
func ParseKycAnswers(in KycAnswersInput, k *Kyc) (AnswerKyc, error) {
	var ps problems
	switch {
	case !in.Answers.HasValue():
		ps.add(PropAnswers, "answers is required: a list of {questionCode, answerCode}")
	case len(in.Answers.Value) == 0:
		ps.add(PropAnswers, "answers must hold at least one answer")
	case len(in.Answers.Value) > MaxKycAnswers:
		ps.add(PropAnswers, fmt.Sprintf("answers must hold at most %d answers", MaxKycAnswers))
	}
	if len(ps) > 0 {
		return AnswerKyc{}, ps.err()
	}
	var out []KycAnswer
	given := map[*kycQuestion][]string{} // question → its valid answer codes (text: the text)
	at := map[*kycQuestion][]int{}       // question → indexes of its answers
	type subAnswer struct {
		q *kycQuestion
		i int
	}
	var asked []subAnswer // answers to sub-questions, checked once all answers are read
	for i, a := range in.Answers.Value {
		name := fmt.Sprintf("%s[%d]", PropAnswers, i)
		q, answer, ok := k.parseAnswer(&ps, name, a)
		if q == nil {
			continue
		}
		at[q] = append(at[q], i)
		n := len(at[q])
		switch {
		case n > 1 && q.typ != KycMulti:
			ps.add(name+"."+PropQuestionCode, fmt.Sprintf("question %s takes one answer (type %s) and is answered more than once", q.code, q.typ))
			continue
		case ok && q.typ == KycMulti && slices.Contains(given[q], answer.AnswerCode):
			ps.add(name+"."+PropAnswerCode, fmt.Sprintf("this answer code is given more than once for question %s", q.code))
			continue
		}
		if q.parent != nil {
			asked = append(asked, subAnswer{q, i})
		}
		if ok {
			given[q] = append(given[q], answer.AnswerCode+answer.AnswerText)
			out = append(out, answer)
		}
	}
	for _, a := range asked {
		q, parent := a.q, a.q.parent
		if len(at[parent]) > 0 && len(given[parent]) == 0 {
			continue // the parent's answers are wrong: reported already
		}
		if !q.asks(given[parent]) {
			ps.add(fmt.Sprintf("%s[%d].%s", PropAnswers, a.i, PropQuestionCode),
				fmt.Sprintf("question %s is asked only when question %s is answered %s", q.code, q.parent.code, q.askedWhenText()))
		}
	}
	for _, q := range k.questions {
		if q.required && len(at[q]) == 0 {
			ps.add(PropAnswers, fmt.Sprintf("question %s is required and has no answer", q.code))
		}
		for _, s := range q.subs {
			if s.required && len(at[s]) == 0 && s.asks(given[q]) {
				ps.add(PropAnswers, fmt.Sprintf("question %s is required when question %s is answered %s, and has no answer", s.code, q.code, s.askedWhenText()))
			}
		}
	}
	if err := ps.err(); err != nil {
		return AnswerKyc{}, err
	}
	return AnswerKyc{answers: out}, nil
}

// parseAnswer validates one answer. q is nil when the question is unknown; ok is false when the
// answer itself is not valid (the problem is added).
func (k *Kyc) parseAnswer(ps *problems, name string, a KycAnswerInput) (q *kycQuestion, answer KycAnswer, ok bool) {
	qName, aName := name+"."+PropQuestionCode, name+"."+PropAnswerCode
	code, codeOK := required(ps, qName, a.QuestionCode)
	raw, rawOK := required(ps, aName, a.AnswerCode)
	if !codeOK {
		return nil, answer, false
	}
	q, found := k.question(strings.TrimSpace(code))
	if !found {
		ps.add(qName, "questionCode is not a question of this ledger (see GET kyc-questions)")
		return nil, answer, false
	}
	answer.QuestionCode = q.code
	if !rawOK {
		return q, answer, false
	}
	v := strings.TrimSpace(raw)
	if q.typ != KycText {
		c, found := q.answer(v)
		if !found {
			ps.add(aName, fmt.Sprintf("answerCode is not one of the possible answers of question %s", q.code))
			return q, answer, false
		}
		answer.AnswerCode = c
		return q, answer, true
	}
	switch {
	case utf8.RuneCountInString(v) > MaxKycTextAnswerLength || !utf8.ValidString(v):
		ps.add(aName, fmt.Sprintf("answerCode must be text of at most %d characters", MaxKycTextAnswerLength))
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		ps.add(aName, "answerCode must not contain control characters")
	case q.re != nil && !q.re.MatchString(v):
		ps.add(aName, fmt.Sprintf("answerCode does not match the textValidationRegEx of question %s", q.code))
	default:
		answer.AnswerText = v
		return q, answer, true
	}
	return q, answer, false
}

// askedWhenText describes the parent answers that ask a sub-question.
func (q *kycQuestion) askedWhenText() string {
	if len(q.askedWhen) == 0 {
		return "at all"
	}
	return strings.Join(q.askedWhen, " or ")
}

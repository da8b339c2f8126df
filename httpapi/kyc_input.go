package httpapi

import "github.com/nordledger/ledger/domain"

// kycAnswersInput reads an update-kyc-answers body: {"answers": [{"questionCode", "answerCode"}]}.
// An answer that is not an object is reported here and counts as an answer without properties.
func (f *fields) kycAnswersInput(o *object) domain.KycAnswersInput {
	var in domain.KycAnswersInput
	list, present, null := f.objects(o, domain.PropAnswers)
	switch {
	case null && present:
		in.Answers = domain.Null[[]domain.KycAnswerInput]()
	case present:
		answers := make([]domain.KycAnswerInput, len(list))
		for i, a := range list {
			if a == nil {
				continue
			}
			answers[i] = domain.KycAnswerInput{QuestionCode: f.str(a, domain.PropQuestionCode), AnswerCode: f.str(a, domain.PropAnswerCode)}
			f.unknown(a, "of an answer (questionCode, answerCode)")
		}
		in.Answers = domain.Set(answers)
	}
	f.unknown(o, "of update-kyc-answers (answers)")
	return in
}

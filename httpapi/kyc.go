package httpapi

import (
	"net/http"
	"net/url"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/internal/app"
)

// kycQuestionsResource is GET kyc-questions, in the document's shape.
type kycQuestionsResource struct {
	ID           string                `json:"@id"`
	KycQuestions []kycQuestionResource `json:"kycQuestions"`
	Operations   []Operation           `json:"operations"`
}

type kycQuestionResource struct {
	QuestionCode string            `json:"questionCode"`
	QuestionText string            `json:"questionText"`
	Answer       kycAnswerResource `json:"answer"`
	// AskedWhen (this service's addition, on sub-questions): the parent's answer codes that ask
	// it; absent means any answer to the parent does.
	AskedWhen    []string              `json:"askedWhen,omitempty"`
	SubQuestions []kycQuestionResource `json:"subQuestions,omitempty"`
}

type kycAnswerResource struct {
	Type                string                      `json:"type"`
	Required            bool                        `json:"required"`
	TextValidationRegEx string                      `json:"textValidationRegEx,omitempty"`
	PossibleAnswers     []kycPossibleAnswerResource `json:"possibleAnswers"`
}

type kycPossibleAnswerResource struct {
	AnswerCode string `json:"answerCode"`
	AnswerText string `json:"answerText"`
}

func kycQuestionResources(qs []domain.TranslatedKycQuestion) []kycQuestionResource {
	out := make([]kycQuestionResource, 0, len(qs))
	for _, q := range qs {
		res := kycQuestionResource{
			QuestionCode: q.QuestionCode, QuestionText: q.QuestionText, AskedWhen: q.AskedWhen,
			Answer: kycAnswerResource{Type: string(q.Type), Required: q.Required, TextValidationRegEx: q.TextValidationRegEx,
				PossibleAnswers: make([]kycPossibleAnswerResource, 0, len(q.PossibleAnswers))},
		}
		for _, a := range q.PossibleAnswers {
			res.Answer.PossibleAnswers = append(res.Answer.PossibleAnswers, kycPossibleAnswerResource{AnswerCode: a.AnswerCode, AnswerText: a.AnswerText})
		}
		if len(q.SubQuestions) > 0 {
			res.SubQuestions = kycQuestionResources(q.SubQuestions)
		}
		out = append(out, res)
	}
	return out
}

// kycLanguage reads the optional language query parameter (its name in any case, as the
// document writes both "Language" and "language": query.go): "" when absent; a validation
// problem when malformed or given more than once.
func kycLanguage(q url.Values) (string, []domain.Problem) {
	values := q["language"]
	switch len(values) {
	case 0:
		return "", nil
	case 1:
		lang, err := domain.ParseKycLanguage(values[0])
		return lang, merge(nil, nil, err)
	}
	return "", []domain.Problem{{Name: "language", Description: "language may be given once"}}
}

// getKycQuestions answers the ledger's KYC questions in a language, English standing in for
// texts missing in it (and for an absent language).
func (s *Server) getKycQuestions(w http.ResponseWriter, r *http.Request, c *call) error {
	lang, ps := kycLanguage(c.query)
	if len(ps) > 0 {
		return invalid(ps...)
	}
	k := c.ledger.Kyc
	qs := []domain.TranslatedKycQuestion(nil)
	if k != nil {
		qs = k.Questions(lang)
	}
	if len(qs) == 0 {
		return &domain.Error{Code: domain.CodeKycNotConfigured, Message: "this ledger has no KYC questions configured"}
	}
	served := domain.KycFallbackLanguage
	for _, l := range k.Languages() {
		if l == lang {
			served = lang
		}
	}
	writeJSON(w, http.StatusOK, kycQuestionsResource{
		ID:           "/ledger/customer/v1/" + c.ledgerNo + "/kyc-questions?language=" + served,
		KycQuestions: kycQuestionResources(qs),
		Operations:   []Operation{},
	})
	return nil
}

// updateKycAnswers records a customer's answers to the ledger's KYC questions: 204 with the
// version written as ETag.
func (s *Server) updateKycAnswers(w http.ResponseWriter, r *http.Request, c *call) error {
	no, err := customerNo(r, c)
	if err != nil {
		return err
	}
	k, err := c.ledger.KycForAnswers()
	if err != nil {
		return err
	}
	cmd, err := parseBody(r, true, (*fields).kycAnswersInput, func(in domain.KycAnswersInput) (domain.AnswerKyc, error) {
		return domain.ParseKycAnswers(in, k)
	})
	if err != nil {
		return err
	}
	st, err := s.execute(r, c, no, nil, app.AnswerKyc(cmd))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(st.Version))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

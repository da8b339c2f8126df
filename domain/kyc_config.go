package domain

// KycConfig is a ledger's know-your-customer configuration as written in the ledger
// configuration file (the JSON tags are the file's format). NewKyc validates it.
type KycConfig struct {
	// Enabled says whether customers may answer now; nil means true. A disabled configuration
	// keeps its questions readable (GET kyc-questions) but refuses answers (409 kyc-configuration).
	Enabled *bool `json:"enabled,omitempty"`
	// RenewalPeriod is how long answers stay current, as an ISO 8601 period of years, months,
	// weeks and days ("P1Y", "P6M", "P1Y6M", "P90D"); "" means DefaultKycRenewalPeriod.
	RenewalPeriod string              `json:"renewalPeriod,omitempty"`
	Questions     []KycQuestionConfig `json:"questions"`
}

// KycQuestionConfig configures one question.
type KycQuestionConfig struct {
	// QuestionCode identifies the question in answers: 1–64 characters of A–Z a–z 0–9 _ - .,
	// unique (ignoring case) among all the ledger's questions and sub-questions.
	QuestionCode string `json:"questionCode"`
	// QuestionText maps ISO 639-1 language codes (lower-case) to the question's text; "en" is
	// required (every other language falls back to it).
	QuestionText map[string]string `json:"questionText"`
	Answer       KycAnswerConfig   `json:"answer"`
	// AskedWhen, on a sub-question, lists the parent's answer codes that ask it; empty means
	// any answer to the parent asks it. Not allowed on a top-level question.
	AskedWhen []string `json:"askedWhen,omitempty"`
	// SubQuestions follow up this question (depth 1: a sub-question has none of its own).
	SubQuestions []KycQuestionConfig `json:"subQuestions,omitempty"`
}

// KycAnswerConfig configures the answer a question takes.
type KycAnswerConfig struct {
	// Type is "single" (exactly one of the possible answers), "multi" (one or more) or "text".
	Type string `json:"type"`
	// Required: the question must be answered (a sub-question: whenever it is asked).
	Required bool `json:"required"`
	// TextValidationRegEx (text answers only) is a Go (RE2) regular expression a text answer must
	// match; it is not anchored: write ^…$ to match the whole answer.
	TextValidationRegEx string `json:"textValidationRegEx,omitempty"`
	// PossibleAnswers are the answer codes a single or multi question takes.
	PossibleAnswers []KycPossibleAnswerConfig `json:"possibleAnswers,omitempty"`
	// AnswerCodeSet, instead of PossibleAnswers, names a standard set of codes:
	// "iso3166-1-alpha3" — every ISO 3166-1 alpha-3 country code (SWE, NOR, …), shown with the
	// code as its text.
	AnswerCodeSet string `json:"answerCodeSet,omitempty"`
}

// KycPossibleAnswerConfig is one possible answer of a single or multi question.
type KycPossibleAnswerConfig struct {
	// AnswerCode identifies the answer: 1–64 characters of A–Z a–z 0–9 _ - ., unique (ignoring
	// case) within the question.
	AnswerCode string `json:"answerCode"`
	// AnswerText maps ISO 639-1 language codes to the answer's text; "en" is required.
	AnswerText map[string]string `json:"answerText"`
}

// KycAnswerType is the kind of answer a question takes.
type KycAnswerType string

// Answer types (the document's answer.type).
const (
	KycSingle KycAnswerType = "single"
	KycMulti  KycAnswerType = "multi"
	KycText   KycAnswerType = "text"
)

// KycCodeSetCountries is the answer code set of every ISO 3166-1 alpha-3 country code.
const KycCodeSetCountries = "iso3166-1-alpha3"

// KycFallbackLanguage is the language of texts asked for in a language they lack (the
// document: "if not set or if language code is not supported then translations defaults to EN").
const KycFallbackLanguage = "en"

// DefaultKycRenewalPeriod is the renewal period of a configuration that sets none: answers
// older than a year are up for renewal.
const DefaultKycRenewalPeriod = "P1Y"

// Limits of KYC configurations and answers.
const (
	MaxKycCodeLength       = 64
	MaxKycTextLength       = 1000 // of a question's or possible answer's text
	MaxKycTextAnswerLength = 500  // of a text answer
	MaxKycAnswers          = 1000 // answers in one update-kyc-answers request
)

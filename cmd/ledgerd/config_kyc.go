package main

import "github.com/nordledger/ledger/domain"

// demoKyc is the KYC configuration of the built-in demo ledger (SPEC §6): the document's
// questions (employment and income, with its texts and answers; optional, since the document's
// answer example answers neither) and the questions of its answer example
// (taxable_outside_sweden and multiple_citizenship, single and required, and
// citizen_ship_country_codes, a multi sub-question of multiple_citizenship asked when the answer
// is yes, taking ISO 3166-1 alpha-3 codes), in English and Swedish. config/ledgers.example.json
// holds the same (a test keeps them equal).
func demoKyc() *domain.KycConfig {
	texts := func(en, sv string) map[string]string { return map[string]string{"en": en, "sv": sv} }
	answer := func(code, en, sv string) domain.KycPossibleAnswerConfig {
		return domain.KycPossibleAnswerConfig{AnswerCode: code, AnswerText: texts(en, sv)}
	}
	yesNo := []domain.KycPossibleAnswerConfig{answer("yes", "Yes", "Ja"), answer("no", "No", "Nej")}
	return &domain.KycConfig{
		RenewalPeriod: domain.DefaultKycRenewalPeriod,
		Questions: []domain.KycQuestionConfig{
			{
				QuestionCode: "employment",
				QuestionText: texts("What is your current employment?", "Vilken är din nuvarande sysselsättning?"),
				Answer: domain.KycAnswerConfig{Type: "single", PossibleAnswers: []domain.KycPossibleAnswerConfig{
					answer("selfemployed", "Own business", "Eget företag"),
					answer("private_employee", "Private employee", "Privatanställd"),
					answer("goverment_employee", "Government employee", "Offentligt anställd"),
				}},
			},
			{
				QuestionCode: "income",
				QuestionText: texts("What is your yearly income", "Vilken är din årsinkomst?"),
				Answer: domain.KycAnswerConfig{Type: "single", PossibleAnswers: []domain.KycPossibleAnswerConfig{
					answer("incomeinterval1", "0-100 000 SEK", "0–100 000 kr"),
					answer("incomeinterval2", "100 001-200 000 SEK", "100 001–200 000 kr"),
					answer("incomeinterval3", "200 001-300 000 SEK", "200 001–300 000 kr"),
					answer("incomeinterval4", "Over 300 001 SEK", "Över 300 001 kr"),
				}},
			},
			{
				QuestionCode: "taxable_outside_sweden",
				QuestionText: texts("Are you liable to pay tax in a country other than Sweden?", "Är du skattskyldig i något annat land än Sverige?"),
				Answer:       domain.KycAnswerConfig{Type: "single", Required: true, PossibleAnswers: yesNo},
			},
			{
				QuestionCode: "multiple_citizenship",
				QuestionText: texts("Are you a citizen of more than one country?", "Är du medborgare i mer än ett land?"),
				Answer:       domain.KycAnswerConfig{Type: "single", Required: true, PossibleAnswers: yesNo},
				SubQuestions: []domain.KycQuestionConfig{{
					QuestionCode: "citizen_ship_country_codes",
					QuestionText: texts("Which countries are you a citizen of?", "I vilka länder är du medborgare?"),
					AskedWhen:    []string{"yes"},
					Answer:       domain.KycAnswerConfig{Type: "multi", Required: true, AnswerCodeSet: domain.KycCodeSetCountries},
				}},
			},
		},
	}
}

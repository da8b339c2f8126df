package httpapi

import "testing"

func TestSplitName(t *testing.T) {
	tests := []struct{ name, legalEntity, first, surname string }{
		{"Britt-Marie Axelstopp", "consumer", "Britt-Marie", "Axelstopp"},
		{"Gustav  Adolf  Bernadotte", "consumer", "Gustav  Adolf", "Bernadotte"},
		{"Madonna", "consumer", "", "Madonna"},
		{" Tolvan Tolvansson ", "", "Tolvan", "Tolvansson"},
		{"Nordea Bank Abp", "business", "", "Nordea Bank Abp"},
		{"", "consumer", "", ""},
	}
	for _, tt := range tests {
		first, surname := splitName(tt.name, tt.legalEntity)
		if first != tt.first || surname != tt.surname {
			t.Errorf("splitName(%q, %q) = %q, %q; want %q, %q", tt.name, tt.legalEntity, first, surname, tt.first, tt.surname)
		}
	}
}

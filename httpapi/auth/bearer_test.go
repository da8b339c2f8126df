package auth_test

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/nordledger/ledger/httpapi/auth"
)

func TestBearerToken(t *testing.T) {
	tests := []struct {
		name        string
		header      []string // Authorization header values
		want        string
		wantErr     error // nil for success
		wantMissing bool
	}{
		{"bearer", []string{"Bearer abc.def.ghi"}, "abc.def.ghi", nil, false},
		{"lower-case scheme", []string{"bearer abc.def.ghi"}, "abc.def.ghi", nil, false},
		{"upper-case scheme", []string{"BEARER abc"}, "abc", nil, false},
		{"extra spaces", []string{"  Bearer   abc  "}, "abc", nil, false},
		{"b64token characters", []string{"Bearer aZ09-._~+/=="}, "aZ09-._~+/==", nil, false},
		{"no header", nil, "", auth.ErrMissingToken, true},
		{"empty header", []string{""}, "", auth.ErrInvalidToken, false},
		{"scheme only", []string{"Bearer"}, "", auth.ErrInvalidToken, false},
		{"scheme and space", []string{"Bearer "}, "", auth.ErrInvalidToken, false},
		{"basic", []string{"Basic dXNlcjpwYXNz"}, "", auth.ErrInvalidToken, false},
		{"no space (the document's Bearer<Token>)", []string{"Bearerabc.def.ghi"}, "abc.def.ghi", nil, false},
		{"no space, lower case", []string{"bearerabc"}, "abc", nil, false},
		{"no space, bad token", []string{"Bearerabc\"def"}, "", auth.ErrInvalidToken, false},
		{"longer scheme", []string{"BearerX abc"}, "", auth.ErrInvalidToken, false},
		{"two tokens", []string{"Bearer abc def"}, "", auth.ErrInvalidToken, false},
		{"bad characters", []string{"Bearer abc\"def"}, "", auth.ErrInvalidToken, false},
		{"only padding", []string{"Bearer =="}, "", auth.ErrInvalidToken, false},
		{"padding inside", []string{"Bearer ab=c"}, "", auth.ErrInvalidToken, false},
		{"two headers", []string{"Bearer abc", "Bearer def"}, "", auth.ErrInvalidToken, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/ledger/customer/v1/1000/customers/1", nil)
			for _, h := range tt.header {
				r.Header.Add("Authorization", h)
			}
			got, err := auth.BearerToken(r)
			if got != tt.want {
				t.Errorf("BearerToken() = %q, want %q", got, tt.want)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Errorf("BearerToken() error = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !errors.Is(err, auth.ErrInvalidToken) {
				t.Errorf("BearerToken() error = %v, want %v (and ErrInvalidToken)", err, tt.wantErr)
			}
			if got := errors.Is(err, auth.ErrMissingToken); got != tt.wantMissing {
				t.Errorf("errors.Is(err, ErrMissingToken) = %v, want %v", got, tt.wantMissing)
			}
		})
	}
}

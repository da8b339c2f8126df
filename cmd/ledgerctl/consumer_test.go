package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore/personal/disclosure"
)

// TestConsumerGrantBadArguments: a grant or revocation whose --ledger, --consumer, --by or --note
// the store cannot record as given is a usage error (exit 2) that changes nothing. --by and --note
// with control characters were recorded, and "list" printed them raw to the operator's terminal
// (an escape sequence rewrites what the auditor sees); a bad ledger or consumer name was exit 1.
func TestConsumerGrantBadArguments(t *testing.T) {
	dir := t.TempDir()
	s, err := disclosure.Open(filepath.Join(dir, "disclosures.db"), disclosure.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"blank consumer", []string{"grant", "--ledger", "1000", "--consumer", " "}, "--consumer"},
		{"consumer with a newline", []string{"grant", "--ledger", "1000", "--consumer", "a\nb"}, "--consumer"},
		{"ledger with a slash", []string{"grant", "--ledger", "10/00", "--consumer", "bi"}, "--ledger"},
		{"escape sequence in --by", []string{"grant", "--ledger", "1000", "--consumer", "bi", "--by", "ops\x1b[2K"}, "--by"},
		{"newline in --note", []string{"grant", "--ledger", "1000", "--consumer", "bi", "--note", "ok\nrevoked by audit"}, "--note"},
		{"escape sequence in revoke's --by", []string{"revoke", "--ledger", "1000", "--consumer", "bi", "--by", "\x1b[31mops"}, "--by"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, nil, append([]string{"consumer"}, append(tt.args, "--data-dir", dir)...)...)
			if code != exitUsage {
				t.Errorf("exit code = %d, want %d; stderr %q", code, exitUsage, stderr)
			}
			if stdout != "" || !strings.Contains(stderr, tt.want) || strings.Contains(stderr, "\x1b") {
				t.Errorf("stdout %q, stderr %q; want no stdout, stderr naming %s without the raw escape", stdout, stderr, tt.want)
			}
		})
	}
	s, err = disclosure.Open(filepath.Join(dir, "disclosures.db"), disclosure.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if h, err := s.History(); err != nil || len(h) != 0 {
		t.Errorf("history after refused changes = %v, %v; want none", h, err)
	}
}

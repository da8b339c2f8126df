package main

import (
	"bytes"
	"strings"
	"testing"
)

// runCLI runs ledgerctl with args and environment vars and returns what it
// printed and its exit code.
func runCLI(t *testing.T, vars map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut, func(k string) string { return vars[k] })
	return out.String(), errOut.String(), code
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string // substring; "" means stdout must be empty
		wantStderr string // substring; "" means stderr must be empty
	}{
		{"no command", nil, exitUsage, "", "Usage:"},
		{"help", []string{"help"}, exitOK, "token", ""},
		{"--help", []string{"--help"}, exitOK, "Commands:", ""},
		{"-h", []string{"-h"}, exitOK, "Commands:", ""},
		{"help token", []string{"help", "token"}, exitOK, "Usage: ledgerctl token [flags]", ""},
		{"help unknown", []string{"help", "bogus"}, exitUsage, "", `unknown command "bogus"`},
		{"help too many", []string{"help", "token", "x"}, exitUsage, "", "usage: ledgerctl help [command]"},
		{"unknown command", []string{"bogus"}, exitUsage, "", `unknown command "bogus"`},
		{"token --help", []string{"token", "--help"}, exitOK, "-secret-file file", ""},
		{"token -h", []string{"token", "-h"}, exitOK, "Flags:", ""},
		{"token unknown flag", []string{"token", "--bogus"}, exitUsage, "", "flag provided but not defined: -bogus"},
		{"token stray argument", []string{"token", "extra"}, exitUsage, "", `unexpected argument "extra"`},
		{"token flag without value", []string{"token", "--ttl"}, exitUsage, "", "flag needs an argument: -ttl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, nil, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, tt.wantCode, stderr)
			}
			checkOutput(t, "stdout", stdout, tt.wantStdout)
			checkOutput(t, "stderr", stderr, tt.wantStderr)
		})
	}
}

func checkOutput(t *testing.T, name, got, want string) {
	t.Helper()
	if want == "" && got != "" {
		t.Errorf("%s = %q, want it empty", name, got)
	}
	if !strings.Contains(got, want) {
		t.Errorf("%s = %q, want it to contain %q", name, got, want)
	}
}

func TestUsageListsEveryCommand(t *testing.T) {
	stdout, _, _ := runCLI(t, nil, "help")
	for _, c := range commands() {
		if !strings.Contains(stdout, c.name) || !strings.Contains(stdout, c.summary) {
			t.Errorf("help does not list %q: %q", c.name, stdout)
		}
	}
}

// TestHelpToFailingOutput: help that cannot be written is a failure (exit 1), not a success.
func TestHelpToFailingOutput(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"help", "token"}, {"token", "--help"}, {"backup", "-h"}, {"master-key", "--help"}, {"consumer", "--help"}} {
		var errOut bytes.Buffer
		code := run(args, failingWriter{}, &errOut, func(string) string { return "" })
		if code != exitFailure {
			t.Errorf("%q: exit code = %d, want %d; stderr %q", args, code, exitFailure, errOut.String())
		}
		if !strings.Contains(errOut.String(), "no space left on device") {
			t.Errorf("%q: stderr = %q, want the write error", args, errOut.String())
		}
	}
}

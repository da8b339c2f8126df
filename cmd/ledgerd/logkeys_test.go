package main

import (
	"bytes"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// repeatedLogKeys returns the keys that occur more than once in one line of slog's text format
// (time=... level=... msg=... k=v ..., values and keys quoted where needed), such as
// "component=relay component=relay": a logger given a key its caller had already added.
func repeatedLogKeys(line string) []string {
	seen := map[string]bool{}
	var out []string
	for rest := strings.TrimSpace(line); rest != ""; rest = strings.TrimLeft(rest, " ") {
		key, r, ok := logToken(rest, true)
		if !ok || !strings.HasPrefix(r, "=") {
			return out // not slog's text format
		}
		_, rest, ok = logToken(r[1:], false)
		if !ok {
			return out
		}
		if seen[key] && !slices.Contains(out, key) {
			out = append(out, key)
		}
		seen[key] = true
	}
	return out
}

// logToken reads a quoted string or, unquoted, everything up to "=" (a key) or a space (a value).
func logToken(s string, key bool) (tok, rest string, ok bool) {
	if strings.HasPrefix(s, `"`) {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return "", s, false
		}
		tok, _ = strconv.Unquote(q)
		return tok, s[len(q):], true
	}
	end := strings.IndexAny(s, " ")
	if key {
		end = strings.IndexAny(s, "= ")
	}
	if end < 0 {
		end = len(s)
	}
	return s[:end], s[end:], true
}

// logLinesWithRepeatedKeys returns the lines of a log that repeat a key, with the keys.
func logLinesWithRepeatedKeys(logs string) []string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if keys := repeatedLogKeys(l); len(keys) > 0 {
			out = append(out, strings.Join(keys, ",")+": "+l)
		}
	}
	return out
}

func TestRepeatedLogKeys(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.With("component", "relay").Info(`a "quoted" message with k=v inside`, "component", "relay", "err", `x="y" z`)
	log.Info("clean", "a", 1, "b", "two words", "c", "")
	log.WithGroup("g").Info("grouped", "a", 1, "b", 2)
	got := logLinesWithRepeatedKeys(buf.String())
	if len(got) != 1 || !strings.HasPrefix(got[0], "component: ") {
		t.Errorf("lines with repeated keys: %q, want the first line, for component", got)
	}
	for _, l := range []string{"ledgerd: not a log line = at all", "", `time=x msg="unterminated`} {
		if keys := repeatedLogKeys(l); len(keys) > 0 {
			t.Errorf("repeatedLogKeys(%q) = %q", l, keys)
		}
	}
}

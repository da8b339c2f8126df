package main

// A reader of the README's shell examples (e2e_readme_test.go): the fenced sh blocks are split
// into commands the way sh splits them — continuation lines, quotes, comments, $VAR and $(...)
// expansion, pipelines — so that the curl examples can be run exactly as printed. It knows what
// the README uses and refuses anything else, so an example it cannot read fails the test
// instead of being skipped.

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// shBlock is a fenced ```sh block of a markdown file.
type shBlock struct {
	line int // of its first line, 1-based
	text string
}

// shBlocks returns the ```sh blocks of a markdown text, in order.
func shBlocks(md string) []shBlock {
	var out []shBlock
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```sh" {
			continue
		}
		b := shBlock{line: i + 2}
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			body = append(body, lines[i])
		}
		b.text = strings.Join(body, "\n") + "\n"
		out = append(out, b)
	}
	return out
}

// shCommand is one command of a block: its text with continuation lines joined and comments
// removed (quoted newlines kept), and the comment that ends it.
type shCommand struct {
	line    int // of its first line in the file
	text    string
	comment string
}

// splitCommands splits a block into commands: a newline outside quotes and $(...) ends one,
// unless escaped by a backslash; "#" at the start of a word outside quotes starts a comment.
func splitCommands(b shBlock) ([]shCommand, error) {
	var out []shCommand
	var cur, comment strings.Builder
	line, start := b.line, b.line
	single, double := false, false
	depth := 0
	s := b.text
	flush := func() {
		if t := strings.TrimSpace(cur.String()); t != "" {
			out = append(out, shCommand{line: start, text: t, comment: strings.TrimSpace(comment.String())})
		}
		cur.Reset()
		comment.Reset()
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case single:
			if c == '\'' {
				single = false
			}
			cur.WriteByte(c)
		case c == '\\' && i+1 < len(s):
			if s[i+1] == '\n' { // a continuation line
				cur.WriteByte(' ')
			} else {
				cur.WriteByte(c)
				cur.WriteByte(s[i+1])
			}
			i++
		case double:
			if c == '"' {
				double = false
			}
			cur.WriteByte(c)
		case c == '\'':
			single = true
			cur.WriteByte(c)
		case c == '"':
			double = true
			cur.WriteByte(c)
		case c == '$' && i+1 < len(s) && s[i+1] == '(':
			depth++
			cur.WriteString("$(")
			i++
		case c == ')' && depth > 0:
			depth--
			cur.WriteByte(c)
		case c == '#' && (cur.Len() == 0 || strings.ContainsRune(" \t", rune(cur.String()[cur.Len()-1]))):
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				end = len(s) - i
			}
			comment.WriteString(s[i+1 : i+end])
			i += end - 1
		case c == '\n' && depth == 0:
			flush()
			start = line + 1
		default:
			cur.WriteByte(c)
		}
		if c == '\n' {
			line++
			if cur.Len() == 0 && comment.Len() == 0 {
				start = line
			}
		}
	}
	if single || double || depth > 0 {
		return nil, fmt.Errorf("line %d: unterminated quote or $(", start)
	}
	flush()
	return out, nil
}

// shWords splits a command's text into the words of each stage of its pipeline, expanding $NAME,
// ${NAME} and $(...) (with subst) as sh does: unquoted expansions are split at white space,
// quoted ones are not. Syntax the README does not use (;, &&, redirections, backquotes, globs)
// is an error.
func shWords(text string, vars map[string]string, subst func(string) (string, error)) ([][]string, error) {
	var stages [][]string
	var words []string
	var w strings.Builder
	inWord := false
	endWord := func() {
		if inWord {
			words = append(words, w.String())
		}
		w.Reset()
		inWord = false
	}
	expand := func(s string, i int, quoted bool) (int, error) { // s[i] == '$'
		var val string
		switch {
		case i+1 < len(s) && s[i+1] == '(':
			j, err := closingParen(s, i+2)
			if err != nil {
				return 0, err
			}
			out, err := subst(s[i+2 : j])
			if err != nil {
				return 0, err
			}
			val, i = strings.TrimRight(out, "\n"), j+1
		case i+1 < len(s) && s[i+1] == '{':
			j := strings.IndexByte(s[i:], '}')
			if j < 0 {
				return 0, errors.New("unterminated ${")
			}
			name := s[i+2 : i+j]
			v, ok := vars[name]
			if !ok {
				return 0, fmt.Errorf("$%s is not set", name)
			}
			val, i = v, i+j+1
		default:
			m := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*`).FindString(s[i+1:])
			if m == "" {
				return 0, fmt.Errorf("a $ that expands nothing at %q", s[i:])
			}
			v, ok := vars[m]
			if !ok {
				return 0, fmt.Errorf("$%s is not set", m)
			}
			val, i = v, i+1+len(m)
		}
		inWord = true
		if quoted {
			w.WriteString(val)
			return i, nil
		}
		for k, f := range strings.Fields(val) { // field splitting
			if k > 0 {
				endWord()
				inWord = true
			}
			w.WriteString(f)
		}
		return i, nil
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			endWord()
			i++
		case c == '|':
			endWord()
			if len(words) == 0 {
				return nil, errors.New("a pipe without a command before it")
			}
			stages, words = append(stages, words), nil
			i++
		case strings.IndexByte(";&<>`*?[", c) >= 0:
			return nil, fmt.Errorf("%q is shell syntax this reader does not know", c)
		case c == '\\':
			if i+1 >= len(text) {
				return nil, errors.New("a backslash at the end")
			}
			w.WriteByte(text[i+1])
			inWord = true
			i += 2
		case c == '\'':
			j := strings.IndexByte(text[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated '")
			}
			w.WriteString(text[i+1 : i+1+j])
			inWord = true
			i += j + 2
		case c == '"':
			inWord = true
			i++
			for {
				if i >= len(text) {
					return nil, errors.New(`unterminated "`)
				}
				d := text[i]
				if d == '"' {
					i++
					break
				}
				switch {
				case d == '\\' && i+1 < len(text) && strings.IndexByte("$\"\\`\n", text[i+1]) >= 0:
					w.WriteByte(text[i+1])
					i += 2
				case d == '$':
					var err error
					if i, err = expand(text, i, true); err != nil {
						return nil, err
					}
				case d == '`':
					return nil, errors.New("backquotes are shell syntax this reader does not know")
				default:
					w.WriteByte(d)
					i++
				}
			}
		case c == '$':
			var err error
			if i, err = expand(text, i, false); err != nil {
				return nil, err
			}
		default:
			w.WriteByte(c)
			inWord = true
			i++
		}
	}
	endWord()
	if len(words) == 0 {
		if len(stages) > 0 {
			return nil, errors.New("a pipe without a command after it")
		}
		return nil, nil
	}
	return append(stages, words), nil
}

// closingParen returns the index of the ")" that closes a "$(" whose content starts at i.
func closingParen(s string, i int) (int, error) {
	depth := 1
	for ; i < len(s); i++ {
		switch s[i] {
		case '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return 0, errors.New("unterminated '")
			}
			i += j + 1
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return i, nil
			}
		}
	}
	return 0, errors.New("unterminated $(")
}

func TestShellReader(t *testing.T) {
	block := shBlock{line: 10, text: `B=http://x/ledger   # the base
H="Authorization: Bearer $TOKEN"
curl -s "$B/a?\$expand=x" -H "$H" -d '{
  "a": "it''s # not a comment"}'   # → 201
ID=$(curl -s -X POST $B/b \
  -H 'X: y' | jq -r .id)   # → 200
curl -si $B/c/$ID | grep -i 'trace response'   # → 204: fine
`}
	cmds, err := splitCommands(block)
	if err != nil {
		t.Fatal(err)
	}
	var texts, comments []string
	for _, c := range cmds {
		texts, comments = append(texts, c.text), append(comments, c.comment)
	}
	wantComments := []string{"the base", "", "→ 201", "→ 200", "→ 204: fine"}
	if len(cmds) != 5 || strings.Join(comments, "|") != strings.Join(wantComments, "|") || cmds[2].line != 12 || cmds[3].line != 14 {
		t.Fatalf("commands %q, comments %q, lines %v", texts, comments, cmds)
	}
	vars := map[string]string{"TOKEN": "tok"}
	var substituted []string
	subst := func(inner string) (string, error) { substituted = append(substituted, inner); return "the-id\n", nil }
	for _, c := range cmds[:2] {
		stages, err := shWords(c.text, vars, subst)
		if err != nil {
			t.Fatal(err)
		}
		name, value, _ := strings.Cut(stages[0][0], "=")
		vars[name] = value
	}
	if vars["H"] != "Authorization: Bearer tok" || vars["B"] != "http://x/ledger" {
		t.Errorf("variables %q", vars)
	}
	for i, want := range [][][]string{
		{{"curl", "-s", "http://x/ledger/a?$expand=x", "-H", "Authorization: Bearer tok", "-d", "{\n  \"a\": \"its # not a comment\"}"}},
		{{"ID=the-id"}},
		{{"curl", "-si", "http://x/ledger/c/the-id"}, {"grep", "-i", "trace response"}},
	} {
		stages, err := shWords(cmds[i+2].text, vars, subst)
		if err != nil {
			t.Fatal(err)
		}
		if name, value, ok := strings.Cut(stages[0][0], "="); ok {
			vars[name] = value
		}
		if fmt.Sprintf("%q", stages) != fmt.Sprintf("%q", want) {
			t.Errorf("command %d: %q, want %q", i+2, stages, want)
		}
	}
	if len(substituted) != 1 || substituted[0] != "curl -s -X POST $B/b    -H 'X: y' | jq -r .id" {
		t.Errorf("substituted %q", substituted)
	}
	for _, bad := range []string{"a; b", "a && b", "a > f", "echo `x`", "ls *", "echo $NOPE", "a |", "'x"} {
		if _, err := shWords(bad, vars, subst); err == nil {
			t.Errorf("shWords(%q): no error", bad)
		}
	}
}

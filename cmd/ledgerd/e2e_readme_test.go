package main

// The README's curl examples, run as printed, in order, against a fresh ledgerd: each must answer
// the status written after it ("# → 201"). The examples are read from README.md itself, so a
// change to the README is tested as it is made.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// readmeBase is the address the README's examples name; the test's ledgerd listens elsewhere.
const readmeBase = "http://127.0.0.1:8080"

// readmeStatus is how the README writes the status an example answers, in its comment.
var readmeStatus = regexp.MustCompile(`→ ([1-5][0-9][0-9])\b`)

// assignment is a command that sets a shell variable (optionally exported); envPrefixed one that
// only sets variables for the command after them (VAR=1 go test ...).
var (
	assignment  = regexp.MustCompile(`^(export +)?[A-Za-z_][A-Za-z0-9_]*=`)
	envPrefixed = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*=[^\s'"$]*\s+)+[a-z]`)
)

// otherService reports whether a curl command asks another service than the README's ledgerd: a
// URL written out (not $B) before any option that takes a body.
func otherService(cmd string) bool {
	for _, f := range strings.Fields(cmd) {
		switch {
		case f == "-d" || f == "--data" || f == "--data-raw":
			return false
		case strings.HasPrefix(f, "http://") || strings.HasPrefix(f, "https://"):
			return !strings.HasPrefix(f, readmeBase)
		}
	}
	return false
}

func TestE2EReadmeExamples(t *testing.T) {
	md, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t)
	r := &readmeRunner{t: t, s: s, vars: map[string]string{"TOKEN": s.token}}
	ran := 0
	for _, b := range shBlocks(string(md)) {
		cmds, err := splitCommands(b)
		if err != nil {
			t.Fatalf("README.md, the block at line %d: %v", b.line, err)
		}
		for _, c := range cmds {
			isCurl := strings.HasPrefix(c.text, "curl ") || strings.Contains(c.text, "$(curl ")
			granting := strings.HasPrefix(c.text, "ledgerctl consumer grant ")
			if !isCurl && (!assignment.MatchString(c.text) || envPrefixed.MatchString(c.text)) && !granting {
				continue // not an HTTP example: go, ledgerctl, nats, xdg-open, docker
			}
			if isCurl && otherService(c.text) {
				continue // another service's (the example consumer's): tested with it
			}
			r.cmd = c
			r.want = 0
			if isCurl {
				m := readmeStatus.FindStringSubmatch(c.comment)
				if m == nil {
					t.Fatalf("README.md:%d: the curl example does not say the status it answers (a comment \"# → 200\" at its end): %s", c.line, c.text)
				}
				r.want, _ = strconv.Atoi(m[1])
				ran++
			}
			if err := r.run(); err != nil {
				t.Fatalf("README.md:%d: %v\n%s", c.line, err, c.text)
			}
		}
	}
	if ran < 50 {
		t.Errorf("only %d curl examples found in README.md", ran)
	}
	t.Logf("%d curl examples answered as the README says", ran)
}

// readmeRunner runs the README's commands: variable assignments and curl pipelines.
type readmeRunner struct {
	t    *testing.T
	s    *testServer
	vars map[string]string
	cmd  shCommand
	want int // the status the current command's curl must answer
}

// run runs the current command.
func (r *readmeRunner) run() error {
	stages, err := shWords(r.cmd.text, r.vars, r.pipeline)
	if err != nil {
		return err
	}
	if len(stages) == 0 {
		return nil
	}
	words := stages[0]
	if words[0] == "export" {
		words = words[1:]
	}
	if name, value, ok := strings.Cut(words[0], "="); ok && len(stages) == 1 && len(words) == 1 && assignment.MatchString(words[0]) {
		if name == "TOKEN" && value == "..." { // "the token ledgerd printed": the test's
			return nil
		}
		r.vars[name] = value
		return nil
	}
	out, err := r.runStages(stages)
	if err != nil {
		return err
	}
	if len(stages) > 1 && strings.TrimSpace(out) == "" {
		return fmt.Errorf("the example prints nothing (%s finds nothing in the answer)", stages[len(stages)-1][0])
	}
	return nil
}

// pipeline runs the command inside a $(...) and returns its output.
func (r *readmeRunner) pipeline(text string) (string, error) {
	stages, err := shWords(text, r.vars, r.pipeline)
	if err != nil {
		return "", err
	}
	return r.runStages(stages)
}

// runStages runs curl and passes its output through the other stages (grep, jq).
func (r *readmeRunner) runStages(stages [][]string) (string, error) {
	if stages[0][0] == "ledgerctl" && len(stages) == 1 {
		return r.ledgerctl(stages[0][1:])
	}
	if stages[0][0] != "curl" {
		return "", fmt.Errorf("%s: the README's pipelines start with curl", stages[0][0])
	}
	out, err := r.curl(stages[0][1:])
	if err != nil {
		return "", err
	}
	for _, st := range stages[1:] {
		switch st[0] {
		case "grep":
			out, err = grep(st[1:], out)
		case "jq":
			out, err = jq(st[1:], out)
		default:
			err = fmt.Errorf("%s: the test knows only grep and jq after curl", st[0])
		}
		if err != nil {
			return "", err
		}
	}
	return out, nil
}

// curl sends the request curl would send for args (the options the README uses) and returns
// what curl prints. The answer must have the status the example's comment names.
func (r *readmeRunner) curl(args []string) (string, error) {
	var method, url, data string
	var hasData, include bool
	header := http.Header{"Accept": {"*/*"}, "User-Agent": {"curl/8"}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		next := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("curl %s without its value", a)
			}
			i++
			return args[i], nil
		}
		var err error
		switch {
		case a == "-X" || a == "--request":
			method, err = next()
		case a == "-H" || a == "--header":
			var h string
			if h, err = next(); err == nil {
				name, value, ok := strings.Cut(h, ":")
				if !ok {
					return "", fmt.Errorf("curl -H %q: not a header", h)
				}
				header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
			}
		case a == "-d" || a == "--data" || a == "--data-raw":
			data, err = next()
			hasData = true
		case regexp.MustCompile(`^-[siS]+$`).MatchString(a):
			include = include || strings.Contains(a, "i")
		case strings.HasPrefix(a, "-"):
			return "", fmt.Errorf("curl %s: an option this test does not know", a)
		case url != "":
			return "", fmt.Errorf("curl with two URLs: %s %s", url, a)
		default:
			url = a
		}
		if err != nil {
			return "", err
		}
	}
	if !strings.HasPrefix(url, readmeBase+"/") {
		return "", fmt.Errorf("curl %q: the README's URLs start with %s", url, readmeBase)
	}
	var body io.Reader
	if hasData {
		body = strings.NewReader(data)
		r.s.sent.note(data) // none of it may show up in the log
		if method == "" {
			method = http.MethodPost
		}
		if header.Get("Content-Type") == "" {
			header.Set("Content-Type", "application/x-www-form-urlencoded") // curl's -d
		}
	}
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, r.s.base+strings.TrimPrefix(url, readmeBase), body)
	if err != nil {
		return "", err
	}
	req.Header = header
	resp, err := r.s.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data2, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	got := &response{Method: method, Path: req.URL.Path, Status: resp.StatusCode, Header: resp.Header, Body: data2}
	if got.Status != r.want {
		return "", fmt.Errorf("%s, the README says %d", got, r.want)
	}
	if !strings.HasPrefix(got.Path, "/client/") { // the Connect look-up answers Connect's errors
		checkResponse(r.t, got)
	}
	if !include {
		return string(data2), nil
	}
	var head bytes.Buffer
	fmt.Fprintf(&head, "HTTP/1.1 %s\r\n", resp.Status)
	resp.Header.Write(&head)
	return head.String() + "\r\n" + string(data2), nil
}

// grep filters lines as grep does with the options the README uses (-i, -o; the pattern read as
// a Go regular expression, which the README's patterns are too).
func grep(args []string, in string) (string, error) {
	var pattern string
	var ignoreCase, only bool
	for _, a := range args {
		switch {
		case a == "-i":
			ignoreCase = true
		case a == "-o":
			only = true
		case strings.HasPrefix(a, "-"):
			return "", fmt.Errorf("grep %s: an option this test does not know", a)
		case pattern != "":
			return "", errors.New("grep with two patterns")
		default:
			pattern = a
		}
	}
	if ignoreCase {
		pattern = "(?i)" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	for _, l := range strings.Split(strings.ReplaceAll(in, "\r\n", "\n"), "\n") {
		switch {
		case only:
			for _, m := range re.FindAllString(l, -1) {
				out.WriteString(m + "\n")
			}
		case re.MatchString(l):
			out.WriteString(l + "\n")
		}
	}
	return out.String(), nil
}

// jq applies a path filter (".", ".orderId", ".a.b") as jq does; -r prints strings raw.
func jq(args []string, in string) (string, error) {
	raw := slices.Contains(args, "-r")
	args = slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "-r" })
	if len(args) != 1 || !regexp.MustCompile(`^(\.|(\.[A-Za-z_@][A-Za-z0-9_]*)+)$`).MatchString(args[0]) {
		return "", fmt.Errorf("jq %q: the test knows path filters (.a.b) and -r", args)
	}
	var v any
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		return "", fmt.Errorf("jq: the answer is not JSON: %v", err)
	}
	if args[0] != "." {
		for _, k := range strings.Split(args[0][1:], ".") {
			m, _ := v.(map[string]any)
			v = m[k]
		}
	}
	if s, ok := v.(string); ok && raw {
		return s + "\n", nil
	}
	b, err := json.Marshal(v)
	return string(b) + "\n", err
}

// ledgerctl runs the two ledgerctl commands the README's examples need, as the test's operator:
// "token" (a token of the development secret) and "consumer grant" (on the admin socket).
func (r *readmeRunner) ledgerctl(args []string) (string, error) {
	flags := map[string]string{}
	var words []string
	for i := 0; i < len(args); i++ {
		if strings.HasPrefix(args[i], "--") && i+1 < len(args) {
			flags[args[i]] = args[i+1]
			i++
			continue
		}
		words = append(words, args[i])
	}
	switch strings.Join(words, " ") {
	case "token":
		return r.s.mint(r.t, flags["--sub"], []string{flags["--ledger"]}, strings.Split(flags["--scope"], ",")...), nil
	case "consumer grant":
		if flags["--ledger"] != demoLedger {
			return "", fmt.Errorf("ledgerctl consumer grant: ledger %q, the test knows %s", flags["--ledger"], demoLedger)
		}
		r.s.grant(r.t, flags["--consumer"], true)
		return "", nil
	}
	return "", fmt.Errorf("ledgerctl %s: a command this test does not run", strings.Join(words, " "))
}

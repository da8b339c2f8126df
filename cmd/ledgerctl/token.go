package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/internal/datadir"
)

// Where the development secret comes from when no flag names it.
const (
	secretEnv         = "LEDGERD_JWT_SECRET"
	defaultSecretFile = datadir.DefaultPath + "/" + datadir.JWTSecret
)

var tokenHelp = `
Usage: ledgerctl token [flags]

Prints a development access token for the ledger API: a JWT signed with HS256
and the secret that ledgerd verifies development tokens with.

The secret is taken from the first of: --secret, --secret-file, the
LEDGERD_JWT_SECRET environment variable, the file data/jwt-secret (which
ledgerd generates in its data directory). A secret file holds the secret as
text; white space around it is ignored, and a file that users other than its
owner may read draws a warning. Prefer a file or the environment to --secret,
which other users of the machine can see in the process list. --ttl is at least
1s: a token's times are whole seconds.

Scopes (--scope takes a comma list of them, "all" or "none"):

` + wrap(strings.Join(auth.AllScopes, ", "), "  ", 78) + `

Examples:

  ledgerctl token
  ledgerctl token --ledger 1000,2000 --scope customer:read,audit:read --ttl 1h
  ledgerctl token --secret-file /var/lib/ledgerd/jwt-secret --ledger '*' --json
`

// tokenFlags are the command line of "ledgerctl token".
type tokenFlags struct {
	secretFile string
	secret     string
	sub        string
	ledgers    listFlag
	scope      string
	ttl        time.Duration
	issuer     string
	audience   string
	json       bool
	given      map[string]bool // the flags on the command line
}

func newTokenFlagSet(f *tokenFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.StringVar(&f.secretFile, "secret-file", defaultSecretFile, "read the HS256 secret from `file`")
	fs.StringVar(&f.secret, "secret", "", "the HS256 `secret` itself (default $"+secretEnv+")")
	fs.StringVar(&f.sub, "sub", "developer", "the token's subject: the actor recorded on events")
	f.ledgers = listFlag{values: []string{"1000"}}
	fs.Var(&f.ledgers, "ledger", "a `ledger` number the token may act on; repeatable or a comma list; \"*\" for all")
	fs.StringVar(&f.scope, "scope", "all", "comma list of `scopes`, \"all\" or \"none\"")
	fs.DurationVar(&f.ttl, "ttl", 24*time.Hour, "how long the token is valid")
	fs.StringVar(&f.issuer, "iss", "", "the token's issuer (\"iss\"), if ledgerd checks one")
	fs.StringVar(&f.audience, "aud", "", "the token's audience (\"aud\"), if ledgerd checks one")
	fs.BoolVar(&f.json, "json", false, `print {"token": ..., "expiresAt": ...} instead of just the token`)
	return fs
}

// runToken implements "ledgerctl token".
func runToken(e *env, args []string) int {
	var f tokenFlags
	fs := newTokenFlagSet(&f)
	if code, ok := parseFlags(e, fs, tokenHelp, args); !ok {
		return code
	}
	f.given = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.given[fl.Name] = true })

	claims, err := f.claims()
	if err != nil {
		return fail(e, fs, err)
	}
	secret, err := f.readSecret(e.getenv, e.stderr)
	if err != nil {
		return fail(e, fs, err)
	}
	now := e.now()
	token, err := auth.MintHS256(secret, claims, now)
	if err != nil {
		return fail(e, fs, err)
	}
	if err := writeToken(e.stdout, token, now.Add(claims.TTL), f.json); err != nil {
		return fail(e, fs, err)
	}
	return exitOK
}

// claims checks the flags that describe the token and returns its claims.
func (f *tokenFlags) claims() (auth.Claims, error) {
	var errs []error
	if strings.TrimSpace(f.sub) == "" {
		errs = append(errs, usagef("--sub is empty"))
	}
	switch {
	case f.ttl <= 0:
		errs = append(errs, usagef("--ttl %v is not positive", f.ttl))
	case f.ttl < time.Second:
		// "exp" and "iat" are whole seconds: the token would expire as it is issued.
		errs = append(errs, usagef("--ttl %v is under a second (a token's times are whole seconds)", f.ttl))
	}
	ledgers, err := parseLedgers(f.ledgers.values)
	if err != nil {
		errs = append(errs, err)
	}
	scopes, err := parseScopes(f.scope)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return auth.Claims{}, usageError{err}
	}
	c := auth.Claims{
		Subject:  f.sub,
		Ledgers:  ledgers,
		Scopes:   scopes,
		TTL:      f.ttl,
		Issuer:   f.issuer,
		Audience: f.audience,
	}
	// The claims auth refuses (a subject that ledgerd's Verify would refuse) are the command
	// line's mistake: checked with a stand-in secret of the least length, before the real one.
	if _, err := auth.MintHS256(make([]byte, auth.MinSecretLen), c, time.Unix(0, 0)); err != nil {
		return auth.Claims{}, usageError{err}
	}
	return c, nil
}

// parseLedgers checks and de-duplicates ledger numbers; "*" among them
// stands for all ledgers.
func parseLedgers(values []string) ([]string, error) {
	var ledgers []string
	for _, l := range values {
		if strings.ContainsAny(l, " \t\r\n") {
			return nil, usagef("--ledger %q contains white space", l)
		}
		if l == auth.AllLedgers {
			return []string{auth.AllLedgers}, nil
		}
		if !slices.Contains(ledgers, l) {
			ledgers = append(ledgers, l)
		}
	}
	if len(ledgers) == 0 {
		return nil, usagef("no --ledger given")
	}
	return ledgers, nil
}

// parseScopes reads --scope: "all", "none", or a comma list of known scopes.
func parseScopes(s string) ([]string, error) {
	switch strings.TrimSpace(s) {
	case "all":
		return slices.Clone(auth.AllScopes), nil
	case "none":
		return nil, nil
	}
	var scopes []string
	for scope := range strings.SplitSeq(s, ",") {
		scope = strings.TrimSpace(scope)
		if !slices.Contains(auth.AllScopes, scope) {
			return nil, usagef("--scope: unknown scope %q (known: %s, or all, or none)", scope, strings.Join(auth.AllScopes, ", "))
		}
		if !slices.Contains(scopes, scope) {
			scopes = append(scopes, scope)
		}
	}
	return scopes, nil
}

// readSecret finds the HS256 secret (see tokenHelp for the order).
// A secret file that users other than its owner may read draws a warning on warn.
func (f *tokenFlags) readSecret(getenv func(string) string, warn io.Writer) ([]byte, error) {
	switch {
	case f.given["secret"] && f.given["secret-file"]:
		return nil, usagef("give --secret or --secret-file, not both")
	case f.given["secret"]:
		return nonEmptySecret(f.secret, "--secret")
	case f.given["secret-file"]:
		return readSecretFile(f.secretFile, warn)
	case getenv(secretEnv) != "":
		return nonEmptySecret(getenv(secretEnv), "$"+secretEnv)
	default:
		secret, err := readSecretFile(f.secretFile, warn)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w\n(ledgerd writes the secret to <data dir>/jwt-secret; use --secret-file, --secret or $%s)", err, secretEnv)
		}
		return secret, err
	}
}

// readSecretFile reads a secret file as ledgerd writes it: the secret as
// text, white space around it ignored. ledgerd writes it readable by its owner only: a file that
// its group or others may read draws a warning on warn (whoever reads the secret mints any
// token), though ledgerd, and so this command, accept it.
func readSecretFile(path string, warn io.Writer) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the secret: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(warn, "ledgerctl: warning: the secret file %s is %v: users other than its owner may read it and mint any token; chmod 600 it\n", path, fi.Mode().Perm())
	}
	return nonEmptySecret(string(b), path)
}

func nonEmptySecret(s, source string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("the secret in %s is empty", source)
	}
	return []byte(s), nil
}

// writeToken prints the token, or with asJSON an object with the token and
// its expiry time.
func writeToken(w io.Writer, token string, expiresAt time.Time, asJSON bool) error {
	if !asJSON {
		_, err := fmt.Fprintln(w, token)
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expiresAt"`
	}{token, expiresAt.UTC().Truncate(time.Second)})
}

// wrap breaks text into lines of at most width bytes at spaces, each line
// starting with indent.
func wrap(text, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if line != indent && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	b.WriteString(line)
	return b.String()
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
)

// Where the commands that ask a running ledgerd (events, audit) find it and their token.
const (
	apiURLEnv      = "LEDGERCTL_URL"
	apiTokenEnv    = "LEDGERCTL_TOKEN"
	httpAddrEnv    = "LEDGERD_HTTP_ADDR"
	issuerEnv      = "LEDGERD_JWT_ISSUER"
	audienceEnv    = "LEDGERD_JWT_AUDIENCE"
	defaultAPIURL  = "http://127.0.0.1:8080"
	mintedSubject  = "ledgerctl"
	mintedTokenTTL = 5 * time.Minute
)

// apiHelp is the part of the help of events and audit that describes the connection.
const apiHelp = `
ledgerd is found at --url: default $LEDGERCTL_URL, else http://$LEDGERD_HTTP_ADDR
(ledgerd's listen address), else http://127.0.0.1:8080.

The bearer token is --token or $LEDGERCTL_TOKEN. Without one, ledgerctl mints
a short-lived token (sub "ledgerctl", the --ledger only, the scopes the
command needs) with ledgerd's development secret, found as "ledgerctl token"
finds it: --secret, --secret-file, $LEDGERD_JWT_SECRET, data/jwt-secret
($LEDGERD_JWT_ISSUER and $LEDGERD_JWT_AUDIENCE become its iss and aud). The
history of a customer with a protected identity needs a token with the
population-register scope as well.

With $TRACEPARENT (and $TRACESTATE) set, as OpenTelemetry's environment
carriers set them, the requests carry them as traceparent and tracestate:
ledgerd continues that trace (an invalid value is not sent; stderr says so).

Exit status: 0 ok; 1 ledgerd refused the request (401, 403, 404, 400: the
problem's detail is printed) or could not be reached; 2 a usage error.
`

// apiFlags are the flags of the commands that query a running ledgerd over HTTP.
type apiFlags struct {
	url, ledger, token string
	secretFile, secret string
	timeout            time.Duration
	scopes             []string // of a minted token
	list               bool     // the command prints a list of events (registerList)
	limit, pageSize    int
	all, json          bool
	given              map[string]bool
}

func (a *apiFlags) register(fs *flag.FlagSet, e *env) {
	fs.StringVar(&a.url, "url", apiURLDefault(e.getenv), "ledgerd's base `URL` ($"+apiURLEnv+")")
	fs.StringVar(&a.ledger, "ledger", "1000", "the `ledger` number")
	// Not defaulted from the environment: --help would print the token.
	fs.StringVar(&a.token, "token", "", "the bearer `token` (default $"+apiTokenEnv+", else one minted with the development secret)")
	fs.StringVar(&a.secretFile, "secret-file", defaultSecretFile, "mint the token with the HS256 secret in `file`")
	fs.StringVar(&a.secret, "secret", "", "mint the token with this HS256 `secret` (default $"+secretEnv+")")
	fs.DurationVar(&a.timeout, "timeout", 30*time.Second, "how long one request may take")
}

// registerList adds the flags of the commands that print a list of events.
func (a *apiFlags) registerList(fs *flag.FlagSet) {
	a.list = true
	fs.IntVar(&a.limit, "limit", 100, "print at most `n` events (with --all: no limit)")
	fs.IntVar(&a.pageSize, "page-size", 0, "ask for `n` events a request, 1 to 1000 (default: --limit, at most 1000)")
	fs.BoolVar(&a.all, "all", false, "follow the navigation links to the last event")
	fs.BoolVar(&a.json, "json", false, "print each event as a JSON object on one line (as the API returns it)")
}

// apiURLDefault is the default of --url: $LEDGERCTL_URL, else ledgerd's listen address, else
// ledgerd's default address.
func apiURLDefault(getenv func(string) string) string {
	if u := getenv(apiURLEnv); u != "" {
		return u
	}
	addr := getenv(httpAddrEnv)
	if addr == "" {
		return defaultAPIURL
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return defaultAPIURL
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1" // listening on every interface: ask on loopback
	}
	return "http://" + net.JoinHostPort(host, port)
}

// check reports what is wrong with the flags (as usage errors).
func (a *apiFlags) check(fs *flag.FlagSet) error {
	a.given = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { a.given[fl.Name] = true })
	var errs []error
	if u, err := url.Parse(a.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, usagef("--url %q is not an http(s) URL", a.url))
	}
	if a.ledger == "" || strings.ContainsAny(a.ledger, "/?#% \t") {
		errs = append(errs, usagef("--ledger %q is not a ledger number", a.ledger))
	}
	if a.list && a.limit < 1 && !a.all {
		errs = append(errs, usagef("--limit %d: give at least 1 (or --all)", a.limit))
	}
	if a.pageSize < 0 || a.pageSize > 1000 {
		errs = append(errs, usagef("--page-size %d: give 1 to 1000", a.pageSize))
	}
	if a.timeout <= 0 {
		errs = append(errs, usagef("--timeout %v is not positive", a.timeout))
	}
	if a.given["token"] && (a.given["secret"] || a.given["secret-file"]) {
		errs = append(errs, usagef("give --token or a secret to mint one with, not both"))
	}
	if a.token != "" && strings.ContainsAny(a.token, " \t\r\n") {
		errs = append(errs, usagef("the token contains white space"))
	}
	if err := errors.Join(errs...); err != nil {
		return usageError{err}
	}
	return nil
}

// pageLimit is the limit to ask the API for.
func (a *apiFlags) pageLimit() int {
	switch {
	case a.pageSize > 0:
		return a.pageSize
	case a.all:
		return 1000
	}
	return min(a.limit, 1000)
}

// bearer returns the token to send: --token or $LEDGERCTL_TOKEN, else one minted with the
// development secret for the ledger with the command's scopes.
func (a *apiFlags) bearer(e *env) (string, error) {
	mint := a.given["secret"] || a.given["secret-file"]
	if a.token != "" {
		return a.token, nil
	}
	if tok := strings.TrimSpace(e.getenv(apiTokenEnv)); tok != "" && !mint {
		return tok, nil
	}
	tf := tokenFlags{secretFile: a.secretFile, secret: a.secret, given: a.given}
	secret, err := tf.readSecret(e.getenv, e.stderr)
	if err != nil {
		return "", fmt.Errorf("no token: give --token or $%s, or let ledgerctl mint one: %w", apiTokenEnv, err)
	}
	return auth.MintHS256(secret, auth.Claims{Subject: mintedSubject, Ledgers: []string{a.ledger},
		Scopes: a.scopes, TTL: mintedTokenTTL,
		Issuer: e.getenv(issuerEnv), Audience: e.getenv(audienceEnv)}, e.now())
}

// apiClient sends GET requests to ledgerd.
type apiClient struct {
	base   string // without a trailing slash; links from the API are appended to it
	token  string
	client *http.Client
}

func newAPIClient(e *env, a *apiFlags) (*apiClient, error) {
	tok, err := a.bearer(e)
	if err != nil {
		return nil, err
	}
	return &apiClient{base: strings.TrimSuffix(a.url, "/"), token: tok, client: &http.Client{Timeout: a.timeout, Transport: e.traced(nil)}}, nil
}

// ledgerPath is the path of a ledger route.
func ledgerPath(ledgerNo string, parts ...string) string {
	p := "/ledger/customer/v1/" + url.PathEscape(ledgerNo)
	for _, s := range parts {
		p += "/" + url.PathEscape(s)
	}
	return p
}

// problem is the API's problem document (RFC 9457), as far as ledgerctl shows it.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Problems []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"problems"`
}

// apiError is a response other than 2xx.
type apiError struct {
	status  int
	problem *problem // nil when the body is no problem document
	body    string   // the start of the body otherwise
}

func (e *apiError) Error() string {
	if p := e.problem; p != nil {
		msg := fmt.Sprintf("%d %s", e.status, p.Title)
		if p.Detail != "" {
			msg += ": " + p.Detail
		}
		for _, x := range p.Problems {
			msg += "\n  " + x.Name + ": " + x.Description
		}
		return msg
	}
	msg := fmt.Sprintf("%d %s", e.status, http.StatusText(e.status))
	if e.body != "" {
		msg += ": " + e.body
	}
	return msg
}

// get fetches target (a path with query, as the API's navigation links are) and decodes the
// JSON answer into v.
func (c *apiClient) get(ctx context.Context, target string, v any) error {
	_, err := c.getWithETag(ctx, target, v)
	return err
}

// getWithETag is get, and returns the answer's ETag.
func (c *apiClient) getWithETag(ctx context.Context, target string, v any) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+target, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "ledgerctl")
	resp, err := c.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("cannot reach ledgerd at %s (is it running? --url, $%s): %w", c.base, apiURLEnv, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return "", fmt.Errorf("reading the answer of %s: %w", c.base, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		ae := &apiError{status: resp.StatusCode}
		var p problem
		if json.Unmarshal(body, &p) == nil && p.Type != "" {
			ae.problem = &p
		} else {
			ae.body = strings.TrimSpace(string(body[:min(len(body), 200)]))
		}
		return "", ae
	}
	if err := json.Unmarshal(body, v); err != nil {
		return "", fmt.Errorf("the answer of %s is not the expected JSON: %w", c.base, err)
	}
	return resp.Header.Get("ETag"), nil
}

// unwrapURLError drops the *url.Error wrapper, whose message repeats the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// eventList is an audit list of the API: items (kept raw for --json) and navigation.
type eventList struct {
	Items      []json.RawMessage `json:"items"`
	Navigation struct {
		Next string `json:"next"`
	} `json:"navigation"`
}

// auditEvent is an item of an audit list, as the table shows it.
type auditEvent struct {
	Stream        string          `json:"stream"`
	Position      uint64          `json:"position"`
	Version       uint64          `json:"version"`
	Type          string          `json:"type"`
	Time          time.Time       `json:"time"`
	Actor         string          `json:"actor"`
	CorrelationID string          `json:"correlationId"`
	Data          json.RawMessage `json:"data"`
	DataWithheld  bool            `json:"dataWithheld"`
}

// pager follows an audit list's navigation links from first and hands each event to emit
// until limit events (0: no limit) were handed or the list ends. It returns the last event
// handed and whether more may follow it.
func (c *apiClient) pager(ctx context.Context, first string, limit int, emit func(raw json.RawMessage, ev auditEvent) error) (last auditEvent, more bool, err error) {
	n := 0
	for target := first; target != ""; {
		var page eventList
		if err := c.get(ctx, target, &page); err != nil {
			return last, false, err
		}
		for i, raw := range page.Items {
			if limit > 0 && n == limit {
				return last, true, nil
			}
			var ev auditEvent
			if err := json.Unmarshal(raw, &ev); err != nil {
				return last, false, fmt.Errorf("event %d of %s: %w", i, target, err)
			}
			if err := emit(raw, ev); err != nil {
				return last, false, err
			}
			last = ev
			n++
		}
		target = page.Navigation.Next
		if limit > 0 && n == limit {
			return last, target != "", nil
		}
	}
	return last, false, nil
}

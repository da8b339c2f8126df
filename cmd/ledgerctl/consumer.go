package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/nordledger/ledger/eventstore/personal/disclosure"
	"github.com/nordledger/ledger/internal/admin"
	"github.com/nordledger/ledger/internal/datadir"
)

var consumerHelp = `
Usage: ledgerctl consumer grant  --ledger NO --consumer NAME [--note TEXT] [flags]
       ledgerctl consumer revoke --ledger NO --consumer NAME [flags]
       ledgerctl consumer list [--history] [--json] [flags]

Grants a downstream consumer the personal data of a ledger's events, revokes
the grant, or lists the grants. A consumer is the subject (sub) of the bearer
tokens it sends to POST /ledger/customer/v1/{ledgerNo}/events/personal-data
(with the scope personal-data:read); ledgerd discloses the personal members of
events only to a consumer with a grant in force, and records every disclosure
(GET .../customers/{customerNo}/disclosures lists them). A revocation takes
effect at once: nothing more is disclosed to the consumer; what it obtained
before it may keep for at most ledgerd's -personal-data-max-age. Every grant and
revocation is kept with its time and operator (--by, default the user running
the command): list --history prints them.

The command asks a running ledgerd over its admin socket (--socket); when none
runs it changes <data-dir>/disclosures.db itself. See docs/consumers.md.

Examples:

  ledgerctl consumer grant --ledger 1000 --consumer crm-sync --note "CRM, ticket 4711"
  ledgerctl consumer list --history
  ledgerctl consumer revoke --ledger 1000 --consumer crm-sync
`

type consumerFlags struct {
	adminFlags
	ledger, consumer, note, by string
	history, json              bool
}

func runConsumer(e *env, args []string) int {
	var f consumerFlags
	fs := flag.NewFlagSet("consumer", flag.ContinueOnError)
	f.register(fs, e)
	fs.StringVar(&f.ledger, "ledger", "", "the ledger `number`")
	fs.StringVar(&f.consumer, "consumer", "", "the consumer: the `subject` (sub) of its tokens")
	fs.StringVar(&f.note, "note", "", "why the grant is given (recorded)")
	fs.StringVar(&f.by, "by", "", "the operator who grants or revokes (recorded; default the user running the command)")
	fs.BoolVar(&f.history, "history", false, "list: also every grant and revocation ever made")
	fs.BoolVar(&f.json, "json", false, "list: print JSON")
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	if code, ok := parseFlags(e, fs, consumerHelp, args); !ok {
		return code
	}
	switch sub {
	case "grant", "revoke":
		if f.ledger == "" || f.consumer == "" {
			return fail(e, fs, usagef("%s needs --ledger and --consumer", sub))
		}
		if err := f.checkNames(); err != nil {
			return fail(e, fs, err)
		}
		if f.by == "" {
			if u, err := user.Current(); err == nil {
				f.by = u.Username
			}
		}
		g, err := changeGrant(e, &f, sub == "grant")
		if err != nil {
			return fail(e, fs, err)
		}
		if sub == "grant" {
			fmt.Fprintf(e.stdout, "consumer %s may obtain the personal data of ledger %s (granted %s by %s)\n", g.Consumer, g.LedgerNo, g.GrantedAt.Format(time.RFC3339), g.GrantedBy)
		} else {
			fmt.Fprintf(e.stdout, "consumer %s may no longer obtain the personal data of ledger %s (revoked %s by %s)\n", g.Consumer, g.LedgerNo, g.RevokedAt.Format(time.RFC3339), g.RevokedBy)
		}
		return exitOK
	case "list":
		list, err := listGrants(e, &f)
		if err != nil {
			return fail(e, fs, err)
		}
		if !f.history {
			list.History = nil
		}
		if f.json {
			err = writeJSON(e.stdout, list)
		} else {
			err = printGrants(e, list)
		}
		if err != nil {
			return fail(e, fs, err)
		}
		return exitOK
	case "", "-h", "-help", "--help":
		if sub != "" {
			if err := printHelp(e.stdout, fs, consumerHelp); err != nil {
				return fail(e, fs, err)
			}
			return exitOK
		}
	}
	return fail(e, fs, usagef("give a subcommand: grant, revoke or list"))
}

// checkNames refuses, as a usage error, what the disclosure store would not record as given: a
// --ledger or --consumer that is blank, padded with white space, too long or with control
// characters (a --ledger with '/'), and a --by or --note with control characters, which "list"
// would print to an operator's terminal as they are.
func (f *consumerFlags) checkNames() error {
	var errs []error
	name := func(flag, v string, max int, slash bool) {
		switch {
		case strings.TrimSpace(v) != v || v == "":
			errs = append(errs, usagef("%s %q is blank or begins or ends with white space", flag, v))
		case len(v) > max:
			errs = append(errs, usagef("%s is %d bytes, at most %d", flag, len(v), max))
		case strings.ContainsFunc(v, unicode.IsControl):
			errs = append(errs, usagef("%s %q contains control characters", flag, v))
		case !slash && strings.Contains(v, "/"):
			errs = append(errs, usagef("%s %q contains '/'", flag, v))
		}
	}
	name("--ledger", f.ledger, 64, false)
	name("--consumer", f.consumer, 256, true)
	for _, fl := range []struct{ flag, v string }{{"--by", f.by}, {"--note", f.note}} {
		if strings.ContainsFunc(fl.v, unicode.IsControl) {
			errs = append(errs, usagef("%s %q contains control characters (a line break, an escape sequence)", fl.flag, fl.v))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return usageError{err}
	}
	return nil
}

func printGrants(e *env, list admin.Grants) error {
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LEDGER\tCONSUMER\tSTATE\tGRANTED\tBY\tREVOKED\tBY\tNOTE")
	for _, g := range list.Grants {
		state, revoked := "granted", "-"
		if !g.Active() {
			state, revoked = "revoked", g.RevokedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", g.LedgerNo, g.Consumer, state, g.GrantedAt.Format(time.RFC3339), dash(g.GrantedBy), revoked, dash(g.RevokedBy), dash(g.Note))
	}
	if len(list.History) > 0 {
		fmt.Fprintln(tw, "\nTIME\tACTION\tLEDGER\tCONSUMER\tBY\tNOTE")
		for _, h := range list.History {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", h.Time.Format(time.RFC3339), h.Action, h.LedgerNo, h.Consumer, dash(h.By), dash(h.Note))
		}
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// openDisclosures opens the disclosure store of the data directory (no ledgerd running). It must
// be there — a writer makes it at its first start —, else a grant would go to a new file that no
// ledgerd reads (a reader's data directory, a mistyped --data-dir) and be reported done.
func (f *consumerFlags) openDisclosures(readOnly bool) (*disclosure.Store, error) {
	if _, err := os.Stat(f.path(datadir.Disclosures)); err != nil {
		return nil, fmt.Errorf("no disclosure store (is --data-dir the writer's data directory? ledgerd makes it at its first start): %w", err)
	}
	return disclosure.Open(f.path(datadir.Disclosures), disclosure.Options{ReadOnly: readOnly, LockTimeout: f.wait})
}

func changeGrant(e *env, f *consumerFlags, grant bool) (disclosure.Grant, error) {
	client, err := f.adminClient(e, adminAnswerWithin)
	if err != nil {
		return disclosure.Grant{}, err
	}
	if client == nil {
		s, err := f.openDisclosures(false)
		if err != nil {
			return disclosure.Grant{}, err
		}
		defer s.Close()
		if grant {
			return s.Grant(f.ledger, f.consumer, f.by, f.note, e.now())
		}
		return s.Revoke(f.ledger, f.consumer, f.by, e.now())
	}
	route := admin.ConsumersRevoke
	if grant {
		route = admin.ConsumersGrant
	}
	body, _ := json.Marshal(admin.GrantChange{LedgerNo: f.ledger, Consumer: f.consumer, By: f.by, Note: f.note})
	var g disclosure.Grant
	err = adminCall(e.ctx, client, http.MethodPost, route, body, &g)
	return g, err
}

func listGrants(e *env, f *consumerFlags) (admin.Grants, error) {
	var list admin.Grants
	client, err := f.adminClient(e, adminAnswerWithin)
	if err != nil {
		return list, err
	}
	if client != nil {
		err = adminCall(e.ctx, client, http.MethodGet, admin.Consumers, nil, &list)
		return list, err
	}
	s, err := f.openDisclosures(true)
	if err != nil {
		return list, err
	}
	defer s.Close()
	if list.Grants, err = s.Grants(); err != nil {
		return list, err
	}
	list.History, err = s.History()
	return list, err
}

// adminCall sends a request to ledgerd's admin socket and decodes its JSON answer into out.
func adminCall(ctx context.Context, client *http.Client, method, route string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, admin.URL(route), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return adminError("asking ledgerd", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		reason := admin.ReadError(resp)
		if reason == "" {
			reason = resp.Status
		}
		return errors.New("ledgerd refused: " + reason)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

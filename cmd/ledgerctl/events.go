package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
)

var eventsHelp = `
Usage: ledgerctl events --customer NO [--from-version N] [--limit N | --all] [flags]

Prints a customer's audit trail, asking a running ledgerd
(GET /ledger/customer/v1/{ledger}/customers/{no}/events, scope audit:read):
every event of the customer in order, with its version, log position, time,
type, actor (the token's sub that caused it), correlation id and data. The
table shows one event a line; --json prints each event as the API returns it,
one JSON object a line. Paging follows the API's navigation links; when
--limit stops the output before the end, stderr names the --from-version to
continue with.
` + apiHelp + `
Examples:

  ledgerctl events --customer 9999
  ledgerctl events --customer 9999 --from-version 20 --limit 10
  ledgerctl events --customer 9999 --all --json | jq 'select(.type == "CustomerDetailsChanged")'
`

var auditHelp = `
Usage: ledgerctl audit [--type T] [--actor A] [--since T] [--until T] [--correlation-id C] [flags]

Queries the ledger's audit index, asking a running ledgerd
(GET /ledger/customer/v1/{ledger}/events, scope audit:read): the ledger's
events in log order from --from-position, filtered by event type (in any
case; one that does not exist is refused, exit status 1), actor (the token's
sub), correlation id (the X-Correlation-ID of the request that caused them)
and a time window since <= time < until. Times are RFC 3339
(2026-03-03T12:00:00Z), a date (2026-03-03, midnight UTC) or a duration back
from now (36h). The table shows one event a line; --json prints each event as
the API returns it, one JSON object a line. The events of customers whose
identity is protected show no data without the population-register scope.
Paging follows the API's navigation links; when --limit stops the output
before the end, stderr names the --from-position to continue with.
` + apiHelp + `
Examples:

  ledgerctl audit --actor alice --since 2026-03-01 --until 2026-04-01
  ledgerctl audit --type CustomerDetailsChanged --since 24h --all
  ledgerctl audit --correlation-id corr-create-1 --json
`

type eventsFlags struct {
	apiFlags
	customer    string
	fromVersion uint64
}

// runEvents implements "ledgerctl events".
func runEvents(e *env, args []string) int {
	var f eventsFlags
	fs := flag.NewFlagSet("events", flag.ContinueOnError)
	fs.StringVar(&f.customer, "customer", "", "the customer `number` (required)")
	fs.Uint64Var(&f.fromVersion, "from-version", 1, "start at the customer's version `n`")
	f.register(fs, e)
	f.registerList(fs)
	f.scopes = []string{auth.ScopeAuditRead}
	if code, ok := parseFlags(e, fs, eventsHelp, args); !ok {
		return code
	}
	err := f.check(fs)
	switch {
	case err != nil:
	case f.customer == "":
		err = usagef("--customer is required")
	case f.fromVersion < 1:
		err = usagef("--from-version must be at least 1")
	}
	if err != nil {
		return fail(e, fs, err)
	}
	c, err := newAPIClient(e, &f.apiFlags)
	if err != nil {
		return fail(e, fs, err)
	}
	q := url.Values{"fromVersion": {strconv.FormatUint(f.fromVersion, 10)}, "limit": {strconv.Itoa(f.pageLimit())}}
	first := ledgerPath(f.ledger, "customers", f.customer, "events") + "?" + q.Encode()
	t := newEventTable(e.stdout, f.json, []string{"VERSION", "POSITION", "TIME", "TYPE", "ACTOR", "CORRELATION-ID", "DATA"},
		func(ev auditEvent) []string {
			return []string{strconv.FormatUint(ev.Version, 10), strconv.FormatUint(ev.Position, 10), showTime(ev.Time),
				ev.Type, orDash(ev.Actor), orDash(ev.CorrelationID), showData(ev)}
		})
	last, more, err := c.pager(e.ctx, first, f.limitOrAll(), t.add)
	if ferr := t.flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return fail(e, fs, err)
	}
	if t.n == 0 {
		fmt.Fprintf(e.stderr, "ledgerctl events: customer %s has no events from version %d\n", f.customer, f.fromVersion)
	}
	if more {
		fmt.Fprintf(e.stderr, "ledgerctl events: more events follow; continue with --from-version %d (or --all)\n", last.Version+1)
	}
	return exitOK
}

type auditFlags struct {
	apiFlags
	fromPosition              uint64
	typ, actor, correlationID string
	since, until              string
	sinceTime, untilTime      time.Time
}

// runAudit implements "ledgerctl audit".
func runAudit(e *env, args []string) int {
	var f auditFlags
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.Uint64Var(&f.fromPosition, "from-position", 1, "start at the log position `n`")
	fs.StringVar(&f.typ, "type", "", "only events of this `type` (e.g. CustomerDetailsChanged)")
	fs.StringVar(&f.actor, "actor", "", "only events caused by this `actor` (a token's sub)")
	fs.StringVar(&f.correlationID, "correlation-id", "", "only events with this correlation `id`")
	fs.StringVar(&f.since, "since", "", "only events at or after `time` (RFC 3339, a date, or a duration ago)")
	fs.StringVar(&f.until, "until", "", "only events before `time` (RFC 3339, a date, or a duration ago)")
	f.register(fs, e)
	f.registerList(fs)
	f.scopes = []string{auth.ScopeAuditRead}
	if code, ok := parseFlags(e, fs, auditHelp, args); !ok {
		return code
	}
	if err := f.checkAudit(fs, e.now()); err != nil {
		return fail(e, fs, err)
	}
	c, err := newAPIClient(e, &f.apiFlags)
	if err != nil {
		return fail(e, fs, err)
	}
	t := newEventTable(e.stdout, f.json, []string{"POSITION", "TIME", "STREAM", "VERSION", "TYPE", "ACTOR", "CORRELATION-ID", "DATA"},
		func(ev auditEvent) []string {
			return []string{strconv.FormatUint(ev.Position, 10), showTime(ev.Time), strings.TrimPrefix(ev.Stream, f.ledger+"/"),
				strconv.FormatUint(ev.Version, 10), ev.Type, orDash(ev.Actor), orDash(ev.CorrelationID), showData(ev)}
		})
	last, more, err := c.pager(e.ctx, f.firstPage(), f.limitOrAll(), t.add)
	if ferr := t.flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return fail(e, fs, err)
	}
	if t.n == 0 {
		fmt.Fprintln(e.stderr, "ledgerctl audit: no events match")
	}
	if more {
		fmt.Fprintf(e.stderr, "ledgerctl audit: more events may follow; continue with --from-position %d (or --all)\n", last.Position+1)
	}
	return exitOK
}

// checkAudit checks the flags and reads the time window.
func (f *auditFlags) checkAudit(fs *flag.FlagSet, now time.Time) error {
	if err := f.check(fs); err != nil {
		return err
	}
	// A filter given empty (say --actor "$ACTOR" with ACTOR unset) is a mistake: left out, it would
	// print every event as if they matched it.
	for name, v := range map[string]string{"type": f.typ, "actor": f.actor, "correlation-id": f.correlationID, "since": f.since, "until": f.until} {
		if f.given[name] && strings.TrimSpace(v) == "" {
			return usagef("--%s is empty; leave it out to match every event", name)
		}
	}
	var err error
	if f.fromPosition < 1 {
		return usagef("--from-position must be at least 1")
	}
	if f.sinceTime, err = parseWhen(f.since, now); err != nil {
		return usagef("--since: %v", err)
	}
	if f.untilTime, err = parseWhen(f.until, now); err != nil {
		return usagef("--until: %v", err)
	}
	// Judged by what was given: 0001-01-01 (the zero time) is a time like any other here.
	if f.since != "" && f.until != "" && !f.sinceTime.Before(f.untilTime) {
		return usagef("--until must be later than --since")
	}
	return nil
}

// firstPage is the path of the query's first page.
func (f *auditFlags) firstPage() string {
	q := url.Values{"limit": {strconv.Itoa(f.pageLimit())}}
	if f.fromPosition > 1 {
		q.Set("fromPosition", strconv.FormatUint(f.fromPosition, 10))
	}
	for name, v := range map[string]string{"type": f.typ, "actor": f.actor, "correlationId": f.correlationID} {
		if v != "" {
			q.Set(name, v)
		}
	}
	for name, w := range map[string]struct {
		given string
		t     time.Time
	}{"since": {f.since, f.sinceTime}, "until": {f.until, f.untilTime}} {
		if w.given != "" {
			q.Set(name, w.t.UTC().Format(time.RFC3339Nano))
		}
	}
	return ledgerPath(f.ledger, "events") + "?" + q.Encode()
}

// limitOrAll is the number of events to print, 0 for all.
func (a *apiFlags) limitOrAll() int {
	if a.all {
		return 0
	}
	return a.limit
}

// parseWhen reads a time flag: RFC 3339, a date (midnight UTC) or a duration back from now; ""
// is no time.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time (2026-03-03T12:00:00Z), a date (2026-03-03) or a duration (36h)", s)
}

// eventTable prints events as a table, or as JSON lines.
type eventTable struct {
	w      io.Writer
	tw     *tabwriter.Writer
	json   bool
	header []string
	row    func(auditEvent) []string
	n      int
}

func newEventTable(w io.Writer, asJSON bool, header []string, row func(auditEvent) []string) *eventTable {
	return &eventTable{w: w, tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0), json: asJSON, header: header, row: row}
}

// add prints one event.
func (t *eventTable) add(raw json.RawMessage, ev auditEvent) error {
	t.n++
	if t.json {
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return err
		}
		b.WriteByte('\n')
		_, err := t.w.Write(b.Bytes())
		return err
	}
	if t.n == 1 {
		fmt.Fprintln(t.tw, strings.Join(t.header, "\t"))
	}
	if _, err := fmt.Fprintln(t.tw, strings.Join(t.row(ev), "\t")); err != nil {
		return err
	}
	if t.n%1000 == 0 { // a long listing is printed in chunks, each aligned on its own
		return t.tw.Flush()
	}
	return nil
}

func (t *eventTable) flush() error { return t.tw.Flush() }

func showTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// showData is an event's data for the table: its JSON on one line, tabs and newlines escaped.
func showData(ev auditEvent) string {
	if ev.DataWithheld {
		return "(withheld: protected identity)"
	}
	var b bytes.Buffer
	if err := json.Compact(&b, ev.Data); err != nil || b.Len() == 0 {
		return "-"
	}
	return b.String() // JSON escapes control characters inside strings, so this is one line
}

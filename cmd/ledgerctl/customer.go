package main

import (
	"bytes"
	"encoding/json"
	"errors"
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

var customerHelp = `
Usage: ledgerctl customer --customer NO [--as-of TIME | --as-of-version N] [flags]

Prints a customer as a running ledgerd shows it, addresses expanded
(GET /ledger/customer/v1/{ledger}/customers/{no}?$expand=legaladdress,billingaddress,
scope customer:read): now, or as it was at a time (--as-of: ?asOf=) or right
after a version of its audit trail (--as-of-version: ?asOfVersion=), which
also needs audit:read. A time is RFC 3339 (2026-03-03T12:00:00Z), a date
(2026-03-03: midnight UTC, the start of that day) or a duration back from now
(36h). Before the customer existed: 404, exit 1.

The table lists the version (the ETag) and every field of the resource, nested
ones by their path (legalAddress.city); links and operations are left out.
--json prints the resource as the API returns it.
` + apiHelp + `
Examples:

  ledgerctl customer --customer 9999
  ledgerctl customer --customer 9999 --as-of 2026-03-04          # at the end of the 3rd of March
  ledgerctl customer --customer 9999 --as-of-version 3 --json
`

type customerFlags struct {
	apiFlags
	customer  string
	asOf      string
	asOfTime  time.Time
	asVersion uint64
}

// runCustomer implements "ledgerctl customer".
func runCustomer(e *env, args []string) int {
	var f customerFlags
	fs := flag.NewFlagSet("customer", flag.ContinueOnError)
	fs.StringVar(&f.customer, "customer", "", "the customer `number` (required)")
	fs.StringVar(&f.asOf, "as-of", "", "the customer as it was at `time` (RFC 3339, a date, or a duration ago)")
	fs.Uint64Var(&f.asVersion, "as-of-version", 0, "the customer right after its version `n`")
	f.register(fs, e)
	fs.BoolVar(&f.json, "json", false, "print the resource as the API returns it")
	if code, ok := parseFlags(e, fs, customerHelp, args); !ok {
		return code
	}
	err := f.check(fs)
	if err == nil && f.asOf != "" {
		if f.asOfTime, err = parseWhen(f.asOf, e.now()); err != nil {
			err = usagef("--as-of: %v", err)
		}
	}
	if err == nil {
		switch {
		case f.customer == "":
			err = usagef("--customer is required")
		case f.asOf != "" && f.given["as-of-version"]:
			err = usagef("give --as-of or --as-of-version, not both")
		case f.given["as-of-version"] && f.asVersion < 1:
			err = usagef("--as-of-version must be at least 1")
		}
	}
	if err != nil {
		return fail(e, fs, err)
	}
	f.scopes = []string{auth.ScopeCustomerRead}
	q := url.Values{"$expand": {"legaladdress,billingaddress"}}
	switch {
	case f.asOf != "":
		q.Set("asOf", f.asOfTime.UTC().Format(time.RFC3339Nano))
		f.scopes = append(f.scopes, auth.ScopeAuditRead)
	case f.asVersion > 0:
		q.Set("asOfVersion", strconv.FormatUint(f.asVersion, 10))
		f.scopes = append(f.scopes, auth.ScopeAuditRead)
	}
	c, err := newAPIClient(e, &f.apiFlags)
	if err != nil {
		return fail(e, fs, err)
	}
	var res json.RawMessage
	etag, err := c.getWithETag(e.ctx, ledgerPath(f.ledger, "customers", f.customer)+"?"+q.Encode(), &res)
	if err == nil {
		if f.json {
			err = writeJSON(e.stdout, res)
		} else {
			err = writeFields(e.stdout, strings.Trim(etag, `"`), res)
		}
	}
	if err != nil {
		return fail(e, fs, err)
	}
	return exitOK
}

// writeFields prints a resource's fields as a table, in the resource's order.
func writeFields(w io.Writer, version string, res json.RawMessage) error {
	fields, err := flattenJSON(res)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FIELD\tVALUE")
	if version != "" {
		fmt.Fprintf(tw, "version\t%s\n", version)
	}
	for _, f := range fields {
		fmt.Fprintf(tw, "%s\t%s\n", f[0], f[1])
	}
	return tw.Flush()
}

// notData are the members of a customer resource that are links or hypermedia.
var notData = map[string]bool{"@id": true, "operations": true, "surpluses": true}

// flattenJSON lists a JSON object's values by their paths (a.b), in order; nulls, empty lists and
// the members in notData are left out, and a list of scalars is one comma-separated value.
func flattenJSON(data []byte) ([][2]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out [][2]string
	var walk func(prefix string) error
	walk = func(prefix string) error {
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key := tok.(string) // object keys are strings
			name := key
			if prefix != "" {
				name = prefix + "." + key
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return err
			}
			raw = bytes.TrimSpace(raw)
			switch {
			case notData[key] || string(raw) == "null":
			case raw[0] == '{':
				nested, err := flattenJSON(raw)
				if err != nil {
					return err
				}
				for _, f := range nested {
					out = append(out, [2]string{name + "." + f[0], f[1]})
				}
			case raw[0] == '[':
				var items []any
				if err := json.Unmarshal(raw, &items); err != nil {
					return err
				}
				var parts []string
				for _, it := range items {
					parts = append(parts, fmt.Sprint(it))
				}
				if len(parts) > 0 {
					out = append(out, [2]string{name, strings.Join(parts, ", ")})
				}
			default:
				var v any
				if err := json.Unmarshal(raw, &v); err != nil {
					return err
				}
				out = append(out, [2]string{name, fmt.Sprint(v)})
			}
		}
		return nil
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("the answer is not a JSON object")
	}
	if err := walk(""); err != nil {
		return nil, err
	}
	return out, nil
}

package httpapi

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// acceptsJSON reports whether a request's Accept header fields allow an answer in JSON: the
// ledger routes answer application/json, and their problems application/problem+json, nothing
// else. A request without Accept takes anything. A media range that is malformed or has an
// invalid weight is ignored (RFC 9110 §12.5.1 lets a server disregard what it cannot read), and
// an Accept made only of such ranges is taken as absent: only a client that says what it takes,
// and names no JSON, is refused (errNotAcceptable). JSON is acceptable when the most specific
// range matching application/json or application/problem+json (the type itself, then
// application/*, then */*) has a weight above 0, or when any other "+json" type is accepted (the
// body is JSON whatever its label).
func acceptsJSON(values []string) bool {
	if len(values) == 1 { // what nearly every client sends, taken without parsing (a request's hot path)
		switch values[0] {
		case "*/*", "application/json", "application/problem+json", "application/*":
			return true
		}
	}
	type weighted struct {
		typ, sub string
		q        float64
	}
	var ranges []weighted
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			mt, params, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			typ, sub, ok := strings.Cut(mt, "/")
			if !ok || typ == "" || sub == "" || (typ == "*" && sub != "*") {
				continue
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if q, ok = weightOf(s); !ok {
					continue
				}
			}
			ranges = append(ranges, weighted{typ, sub, q})
		}
	}
	if len(ranges) == 0 {
		return true
	}
	// weight is the weight of the most specific range matching application/sub (-1: none).
	weight := func(sub string) float64 {
		best, q := 0, -1.0
		for _, r := range ranges {
			spec := 0
			switch {
			case r.typ == "application" && r.sub == sub:
				spec = 3
			case r.typ == "application" && r.sub == "*":
				spec = 2
			case r.typ == "*":
				spec = 1
			}
			if spec > best || (spec == best && spec > 0 && r.q > q) {
				best, q = spec, r.q
			}
		}
		return q
	}
	if weight("json") > 0 || weight("problem+json") > 0 {
		return true
	}
	for _, r := range ranges {
		if r.typ == "application" && strings.HasSuffix(r.sub, "+json") && r.q > 0 {
			return true
		}
	}
	return false
}

// weightOf reads a media range's weight: a decimal number from 0 to 1 (RFC 9110 §12.4.2), read
// leniently as digits with at most one "." (".2", as Java's HttpURLConnection writes it). Not
// what strconv.ParseFloat reads besides — NaN, Inf, a hex float, an exponent, a sign — which
// would make "q=NaN" a weight no range beats (TestAcceptIgnoresWeightsThatAreNotDecimal).
func weightOf(s string) (float64, bool) {
	digits := false
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits = true
		case c == '.' && !strings.Contains(s[:i], "."):
		default:
			return 0, false
		}
	}
	if !digits {
		return 0, false
	}
	q, err := strconv.ParseFloat(s, 64)
	return q, err == nil && q <= 1
}

// errNotAcceptable: 406, the request's Accept names no JSON type (acceptsJSON). Its problem is
// JSON all the same (RFC 9110 §15.5.7 lets a server answer a 406 in a type not accepted).
var errNotAcceptable = &problem{status: http.StatusNotAcceptable, code: "not-acceptable",
	detail: "this API answers application/json (problems application/problem+json) only: send Accept with application/json, application/*, */* or no Accept at all"}

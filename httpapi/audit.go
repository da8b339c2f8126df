package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
)

// Audit reads the audit index (implemented over *projections.Audit in cmd/ledgerd). It holds
// every event, so a read replica serves the audit routes and time travel as a writer does.
type Audit interface {
	// StreamEvents returns up to limit events of a stream from version from, and the stream's
	// version (0: no such stream).
	StreamEvents(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.Event, uint64, error)
	// Query answers a ledger-wide audit query.
	Query(ctx context.Context, q AuditQuery) (AuditPage, error)
	// CustomerAt rebuilds a customer from its stream up to version upTo (0: no bound) and time at
	// (zero: no bound); found is false when the customer did not exist yet.
	CustomerAt(ctx context.Context, ledgerNo, customerNo string, upTo uint64, at time.Time) (st domain.CustomerState, found bool, err error)
}

// AuditQuery selects events of one ledger in log order; empty filters select everything.
type AuditQuery struct {
	LedgerNo                   string
	FromPosition               uint64
	Limit                      int
	Type, Actor, CorrelationID string
	Since, Until               time.Time // Since ≤ time < Until; zero: open
}

// AuditPage is one page of events; Next is the position to continue from (0: nothing more).
// A page may hold fewer than Limit events (even none) and still have a Next: the index examines
// a bounded number of entries per query.
type AuditPage struct {
	Events []eventstore.Event
	Next   uint64
}

const (
	defaultAuditLimit = 100
	maxAuditLimit     = 1000
	maxFilterLen      = 256
)

// auditEventResource is one event of the audit trail: the envelope of SPEC §9 by its names.
type auditEventResource struct {
	ID            string `json:"id"`
	Stream        string `json:"stream"`
	Position      uint64 `json:"position"`
	Version       uint64 `json:"version"`
	Type          string `json:"type"`
	SchemaVersion int    `json:"schemaVersion"`
	Time          string `json:"time"`
	Actor         string `json:"actor"`
	CorrelationID string `json:"correlationId"`
	CausationID   string `json:"causationId"`
	// TraceParent and TraceState: the W3C trace context of the request that caused the event
	// (absent on events stored before it was recorded).
	TraceParent string          `json:"traceparent,omitempty"`
	TraceState  string          `json:"tracestate,omitempty"`
	Data        json.RawMessage `json:"data"`
	// DataWithheld: data is null because the event is a protected-identity customer's and the
	// caller lacks the population-register scope (protected.go).
	DataWithheld bool `json:"dataWithheld,omitempty"`
	// Erased lists the personal members of data that are erased: the customer was forgotten.
	// data holds the event's other members.
	Erased []string `json:"erased,omitempty"`
}

func (s *Server) auditEvents(ctx context.Context, es []eventstore.Event) ([]auditEventResource, error) {
	out := make([]auditEventResource, 0, len(es))
	for _, e := range es {
		raw, erased := e.Data, []string(nil)
		if s.cfg.Personal != nil {
			var err error
			if raw, erased, err = s.cfg.Personal.OpenEvent(ctx, e); err != nil {
				return nil, err
			}
		}
		data := json.RawMessage(raw)
		if !json.Valid(data) { // never stored so; rendered as a string rather than fail the page
			data, _ = json.Marshal(string(raw))
		}
		out = append(out, auditEventResource{
			ID: e.ID.String(), Stream: e.Stream, Position: e.Position, Version: e.Version, Type: e.Type,
			SchemaVersion: e.SchemaVersion, Time: e.Time.UTC().Format(time.RFC3339Nano), Actor: e.Actor,
			CorrelationID: e.CorrelationID, CausationID: e.CausationID, TraceParent: e.TraceParent, TraceState: e.TraceState, Data: data,
			Erased: erased,
		})
	}
	return out, nil
}

// queryParams reads single-valued query parameters, with a problem for each one given twice,
// given empty or longer than maxFilterLen.
type queryParams struct {
	q        url.Values
	problems []domain.Problem
}

func (p *queryParams) str(name string) string {
	vs := p.q[name]
	switch {
	case len(vs) > 1:
		p.problems = append(p.problems, domain.Problem{Name: name, Description: name + " may be given once"})
		return ""
	case len(vs) == 0:
		return ""
	case vs[0] == "":
		// Given empty — an unset variable in a caller's script: a filter naming nothing would
		// select everything (correlationId= answering every event of the ledger as that
		// request's), a paging value would silently be its default.
		p.problems = append(p.problems, domain.Problem{Name: name, Description: name + " must not be empty; leave it out instead"})
		return ""
	case len(vs[0]) > maxFilterLen:
		p.problems = append(p.problems, domain.Problem{Name: name, Description: name + " must be at most 256 characters"})
		return ""
	}
	return vs[0]
}

// uint reads a whole number from lo to hi; def when absent.
func (p *queryParams) uint(name string, def, lo, hi uint64) uint64 {
	v := p.str(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n < lo || n > hi {
		desc := name + " must be a whole number from " + strconv.FormatUint(lo, 10)
		if hi != ^uint64(0) {
			desc += " to " + strconv.FormatUint(hi, 10)
		} else {
			desc = name + " must be a whole number ≥ " + strconv.FormatUint(lo, 10)
		}
		p.problems = append(p.problems, domain.Problem{Name: name, Description: desc})
		return def
	}
	return n
}

// eventType reads an event type, matched case-insensitively and returned as the domain spells
// it; a type that does not exist is a problem listing those that do ("" when absent).
func (p *queryParams) eventType(name string) string {
	v := p.str(name)
	if v == "" {
		return ""
	}
	types := domain.EventTypes()
	for _, t := range types {
		if strings.EqualFold(t, v) {
			return t
		}
	}
	p.problems = append(p.problems, domain.Problem{Name: name, Description: name + " must be one of the event types: " + strings.Join(types, ", ")})
	return ""
}

// time reads an RFC 3339 time (zero when absent).
func (p *queryParams) time(name string) time.Time {
	v := p.str(name)
	if v == "" {
		return time.Time{}
	}
	// RFC 3339 (5.6) allows "t" and "z" in lower case; time.Parse takes only upper case.
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(v))
	if err != nil {
		desc := name + " must be an RFC 3339 time, e.g. 2026-01-31T12:00:00Z"
		if strings.Contains(v, " ") { // most likely an offset's + sent unencoded: a query reads + as a space
			desc += " (a + in a query string is read as a space: send it as %2B)"
		}
		p.problems = append(p.problems, domain.Problem{Name: name, Description: desc})
	}
	return t
}

func (s *Server) customerEvents(w http.ResponseWriter, r *http.Request, c *call) error {
	no, err := customerNo(r, c)
	if err != nil {
		return err
	}
	p := queryParams{q: c.query}
	from := p.uint("fromVersion", 1, 1, ^uint64(0))
	limit := p.uint("limit", defaultAuditLimit, 1, maxAuditLimit)
	if len(p.problems) > 0 {
		return invalid(p.problems...)
	}
	if err := s.readHistory(r, c, no); err != nil {
		return err
	}
	events, version, err := s.cfg.Audit.StreamEvents(r.Context(), domain.StreamName(c.ledgerNo, no), from, int(limit))
	if err != nil {
		return err
	}
	if version == 0 {
		return errNoCustomer
	}
	base := customerPath(c.ledgerNo, no) + "/events"
	link := func(v uint64) string {
		q := url.Values{"fromVersion": {strconv.FormatUint(v, 10)}}
		if limit != defaultAuditLimit {
			q.Set("limit", strconv.FormatUint(limit, 10))
		}
		return base + "?" + q.Encode()
	}
	nav := navigation{ID: base, First: link(1)}
	if from > 1 { // the first page has none, as the last has no next
		nav.Previous = link(max(1, from-min(from, limit)))
	}
	if n := len(events); n > 0 && events[n-1].Version < version {
		nav.Next = link(events[n-1].Version + 1)
	}
	items, err := s.auditEvents(r.Context(), events)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listResource{Items: items, Navigation: nav})
	return nil
}

func (s *Server) ledgerEvents(w http.ResponseWriter, r *http.Request, c *call) error {
	p := queryParams{q: c.query}
	q := AuditQuery{
		LedgerNo:     c.ledgerNo,
		FromPosition: p.uint("fromPosition", 1, 1, ^uint64(0)),
		Limit:        int(p.uint("limit", defaultAuditLimit, 1, maxAuditLimit)),
		Type:         p.eventType("type"), Actor: p.str("actor"), CorrelationID: p.str("correlationId"),
		Since: p.time("since"), Until: p.time("until"),
	}
	// until=0001-01-01T00:00:00Z is given, and selects nothing: the zero time is "open" inside.
	// The window is judged by what was given, not by the zero time (since and until both at
	// 0001-01-01T00:00:00Z is as empty as at any other instant).
	_, sinceGiven := c.query["since"]
	_, untilGiven := c.query["until"]
	timesRead := !slices.ContainsFunc(p.problems, func(pr domain.Problem) bool { return pr.Name == "since" || pr.Name == "until" })
	untilYearOne := untilGiven && q.Until.IsZero() && timesRead
	if sinceGiven && untilGiven && timesRead && !q.Since.Before(q.Until) {
		p.problems = append(p.problems, domain.Problem{Name: "until", Description: "until must be later than since"})
	}
	if len(p.problems) > 0 {
		return invalid(p.problems...)
	}
	if err := s.auditServed(); err != nil {
		return err
	}
	err := s.caughtUp(r)
	if err != nil {
		return err
	}
	var page AuditPage // no event is earlier than year 1
	if !untilYearOne {
		if page, err = s.cfg.Audit.Query(r.Context(), q); err != nil {
			return err
		}
	}
	base := "/ledger/customer/v1/" + c.ledgerNo + "/events"
	link := func(from uint64) string {
		v := url.Values{}
		for name, val := range map[string]string{"type": q.Type, "actor": q.Actor, "correlationId": q.CorrelationID} {
			if val != "" {
				v.Set(name, val)
			}
		}
		for name, t := range map[string]time.Time{"since": q.Since, "until": q.Until} {
			if !t.IsZero() {
				v.Set(name, t.UTC().Format(time.RFC3339Nano))
			}
		}
		if untilYearOne {
			v.Set("until", time.Time{}.Format(time.RFC3339Nano))
		}
		if q.Limit != defaultAuditLimit {
			v.Set("limit", strconv.Itoa(q.Limit))
		}
		if from > 1 {
			v.Set("fromPosition", strconv.FormatUint(from, 10))
		}
		if len(v) == 0 {
			return base
		}
		return base + "?" + v.Encode()
	}
	nav := navigation{ID: base, First: link(1)}
	if page.Next > 0 {
		nav.Next = link(page.Next)
	}
	items, err := s.auditEvents(r.Context(), page.Events)
	if err == nil {
		err = s.withholdProtected(r.Context(), c, items)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listResource{Items: items, Navigation: nav})
	return nil
}

// errNoAuditIndex: the server was built without an audit index.
var errNoAuditIndex = notFound("this server keeps no audit index")

// auditServed is errNoAuditIndex when the server was built without an audit index.
func (s *Server) auditServed() error {
	if s.cfg.Audit == nil {
		return errNoAuditIndex
	}
	return nil
}

// readHistory checks that customer no's history (its events, its past states) can be read, and
// by this caller: the audit index is kept, the read models reached the read floor, and the
// customer's history is disclosed to the caller (protected.go).
func (s *Server) readHistory(r *http.Request, c *call, no string) error {
	if err := s.auditServed(); err != nil {
		return err
	}
	if err := s.caughtUp(r); err != nil {
		return err
	}
	return s.historyDisclosed(r, c, no)
}

package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/app"
)

// decodeObjectBody reads a request body that must be a JSON object. It writes the problem and
// returns nil when the body is missing, too large, not JSON or not an object.
func (s *Server) decodeObjectBody(w http.ResponseWriter, r *http.Request, required bool) (*object, bool) {
	body, empty, err := readBody(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return nil, false
	}
	if empty {
		if required {
			writeValidation(w, r, []domain.Problem{{Name: "body", Description: "a JSON object is required as the request body"}})
			return nil, false
		}
		return &object{fields: map[string]json.RawMessage{}, names: map[string]string{}, used: map[string]bool{}}, true
	}
	o, err := parseObject(body, "")
	if err != nil {
		name := "body"
		var dup *duplicateError
		if errors.As(err, &dup) {
			name = dup.name
		}
		desc := err.Error()
		if err == errNotObject {
			desc = "the request body must be a JSON object"
		}
		writeValidation(w, r, []domain.Problem{{Name: name, Description: desc}})
		return nil, false
	}
	return o, true
}

// parseBody decodes a JSON object body, reads it into a domain input and validates that with the
// domain's parser, answering every problem at once. ok is false when a response was written.
func parseBody[In, Cmd any](s *Server, w http.ResponseWriter, r *http.Request, required bool,
	read func(*fields, *object) In, validate func(In) (Cmd, error)) (cmd Cmd, ok bool) {
	o, ok := s.decodeObjectBody(w, r, required)
	if !ok {
		return cmd, false
	}
	var f fields
	in := read(&f, o)
	cmd, err := validate(in)
	if ps := merge(f.problems, err); len(ps) > 0 {
		writeValidation(w, r, ps)
		return cmd, false
	}
	if err != nil {
		s.writeError(w, r, err)
		return cmd, false
	}
	return cmd, true
}

// customerNo returns the path's customer number, answering 404 when it cannot be one.
func customerNo(w http.ResponseWriter, r *http.Request, c *call) (string, bool) {
	no := r.PathValue("customerNo")
	if !c.ledger.ValidCustomerNo(no) {
		writeProblem(w, r, http.StatusNotFound, string(domain.CodeCustomerNotFound), "the customer does not exist", nil)
		return "", false
	}
	return no, true
}

// ifMatch parses If-Match: nil when absent or "*"; ok false (and a 412 written) when it cannot
// match any version. If-Match uses the strong comparison (RFC 9110 §13.1.1): a weak tag never
// matches. With a list, the customer must be at one of its versions: only a single tag can be
// checked atomically, so a list of more than one tag is refused.
func ifMatch(w http.ResponseWriter, r *http.Request) (*uint64, bool) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return nil, true
	}
	if v, ok := parseETag(h); ok {
		return &v, true
	}
	writeProblem(w, r, http.StatusPreconditionFailed, "precondition-failed", "If-Match must be one strong ETag of this resource", nil)
	return nil, false
}

// parseETag parses one strong entity tag `"<version>"`.
func parseETag(tag string) (uint64, bool) {
	if len(tag) < 3 || tag[0] != '"' || tag[len(tag)-1] != '"' {
		return 0, false
	}
	v, err := strconv.ParseUint(tag[1:len(tag)-1], 10, 64)
	return v, err == nil
}

// noneMatch reports whether If-None-Match names the current version (weak comparison, lists allowed).
func noneMatch(r *http.Request, version uint64) bool {
	h := r.Header.Get("If-None-Match")
	if h == "" {
		return false
	}
	for _, tag := range strings.Split(h, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" {
			return true
		}
		if v, ok := parseETag(tag); ok && v == version {
			return true
		}
	}
	return false
}

// load reads a customer from the read model, answering 404 when it does not exist.
func (s *Server) load(w http.ResponseWriter, r *http.Request, c *call, no string) (domain.CustomerState, bool) {
	if !s.caughtUp(w, r) {
		return domain.CustomerState{}, false
	}
	st, found, err := s.cfg.Customers.Customer(r.Context(), c.ledgerNo, no)
	if err != nil {
		s.writeError(w, r, err)
		return st, false
	}
	if !found {
		writeProblem(w, r, http.StatusNotFound, string(domain.CodeCustomerNotFound), "the customer does not exist", nil)
		return st, false
	}
	if st.Forgotten {
		writeForgotten(w, r)
		return st, false
	}
	return st, true
}

// caughtUp waits until the read models reached the read floor; it answers 503 when they do not in time.
func (s *Server) caughtUp(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.ReadFloor == 0 || s.floorReached.Load() {
		return true
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.WriteTimeout)
	defer cancel()
	if err := s.cfg.Waiter.WaitFor(ctx, s.cfg.ReadFloor); err != nil {
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", "the read models are being rebuilt; retry shortly", nil)
		return false
	}
	s.floorReached.Store(true)
	return true
}

// commandContext is the context a command runs in: the request's values, but not its
// cancellation — a client that half-closes its connection, or goes away, after sending a
// complete request has made it, and a command handed to the log is carried out and answered
// truthfully — bounded by WriteTimeout.
func (s *Server) commandContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(r.Context()), s.cfg.WriteTimeout)
}

// execute runs a command on an existing customer and returns the customer as the command left
// it: the caller is told its own write's version and state, never a later writer's. The command
// returns once the read models hold that state (read-your-writes); it writes the problem and
// returns false on failure.
func (s *Server) execute(w http.ResponseWriter, r *http.Request, c *call, no string, match *uint64, decide app.Decision) (domain.CustomerState, bool) {
	ctx, cancel := s.commandContext(r)
	defer cancel()
	res, err := s.cfg.Commands.Execute(ctx, c.ledgerNo, no, match, s.meta(r, c), decide)
	if err != nil {
		s.commandError(w, r, res, err)
		return domain.CustomerState{}, false
	}
	return res.State, true
}

// commandError writes a command's failure. A write that was stored but is not readable yet
// (the read models lag: eventstore.ErrNotApplied) is told so, with its version: it must not be
// repeated.
func (s *Server) commandError(w http.ResponseWriter, r *http.Request, res app.Result, err error) {
	if res.Changed && errors.Is(err, eventstore.ErrNotApplied) {
		w.Header().Set("Retry-After", "1")
		writeProblem(w, r, http.StatusServiceUnavailable, "timeout",
			fmt.Sprintf("the change was stored (customer %s, version %d), but the read models have not caught up yet, so it is not readable yet; do not repeat it", res.CustomerNo, res.Version), nil)
		return
	}
	s.writeError(w, r, err)
}

func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request, c *call) {
	cmd, ok := parseBody(s, w, r, true, (*fields).customerInput, func(in domain.CustomerInput) (domain.CreateCustomer, error) {
		return domain.ParseCreateCustomer(in, c.ledger, s.now())
	})
	if !ok {
		return
	}
	s.create(w, r, c, cmd)
}

// create runs a CreateCustomer command and answers 201 with the new customer's @id, Location and
// ETag (create-customer and generate-consumer-customer-by-reg-no).
func (s *Server) create(w http.ResponseWriter, r *http.Request, c *call, cmd domain.CreateCustomer) {
	ctx, cancel := s.commandContext(r)
	defer cancel()
	res, err := s.cfg.Commands.Create(ctx, c.ledger, cmd, s.meta(r, c))
	if err != nil {
		s.commandError(w, r, res, err)
		return
	}
	self := customerPath(c.ledgerNo, res.CustomerNo)
	w.Header().Set("Location", self)
	w.Header().Set("ETag", etag(res.Version))
	writeJSON(w, http.StatusCreated, createdResource{ID: self, CustomerNo: res.CustomerNo})
}

// expand parses $expand (its name matched case-insensitively by query.go; values
// case-insensitive, comma-separated).
func expand(q url.Values) (legal, billing bool, problems []domain.Problem) {
	for _, v := range q["$expand"] {
		for _, part := range strings.Split(v, ",") {
			switch strings.ToLower(strings.TrimSpace(part)) {
			case "legaladdress":
				legal = true
			case "billingaddress":
				billing = true
			case "":
			default:
				problems = append(problems, domain.Problem{Name: "$expand", Description: "$expand takes a comma-separated list of legaladdress and billingaddress"})
				return
			}
		}
	}
	return
}

func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request, c *call) {
	no, ok := customerNo(w, r, c)
	if !ok {
		return
	}
	legal, billing, ps := expand(c.query)
	if len(ps) > 0 {
		writeValidation(w, r, ps)
		return
	}
	st, view, ok := s.loadView(w, r, c, no)
	if !ok {
		return
	}
	s.writeCustomer(w, r, view, st, legal, billing)
}

func (s *Server) writeCustomer(w http.ResponseWriter, r *http.Request, c *call, st domain.CustomerState, legal, billing bool) {
	w.Header().Set("ETag", etag(st.Version))
	if noneMatch(r, st.Version) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeJSON(w, http.StatusOK, c.customerResource(st, legal, billing))
}

func (s *Server) patchCustomer(w http.ResponseWriter, r *http.Request, c *call) {
	no, ok := customerNo(w, r, c)
	if !ok {
		return
	}
	match, ok := ifMatch(w, r)
	if !ok {
		return
	}
	cmd, ok := parseBody(s, w, r, true, (*fields).patchInput, domain.ParsePatchCustomer)
	if !ok {
		return
	}
	st, ok := s.execute(w, r, c, no, match, func(cu *domain.Customer) ([]domain.Event, error) { return cu.Patch(cmd) })
	if !ok {
		return
	}
	w.Header().Set("ETag", etag(st.Version))
	writeJSON(w, http.StatusOK, c.customerResource(st, false, false))
}

func (s *Server) findCustomer(w http.ResponseWriter, r *http.Request, c *call) {
	o, ok := s.decodeObjectBody(w, r, true)
	if !ok {
		return
	}
	var f fields
	ni := f.nationalIdentifier(o, domain.PropNationalIdentifier)
	f.unknown(o, "of find-customer (only nationalIdentifier)")
	var problems []domain.Problem
	var candidates []domain.NationalIdentifier
	if !ni.HasValue() {
		problems = []domain.Problem{{Name: domain.PropNationalIdentifier, Description: "nationalIdentifier is required"}}
	} else {
		p, id, err := domain.ParseNationalIdentifier(ni.Value, domain.PropNationalIdentifier, s.now())
		problems = merge(nil, err)
		candidates = lookupCandidates(p, id, ni.Value.RegNo.Value)
	}
	if ps := merge(f.problems, domain.ValidationError(problems...)); len(ps) > 0 {
		writeValidation(w, r, ps)
		return
	}
	if !s.caughtUp(w, r) {
		return
	}
	for _, cand := range candidates {
		no, found, err := s.cfg.Customers.FindByNationalID(r.Context(), c.ledgerNo, cand)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if found {
			self := customerPath(c.ledgerNo, no)
			writeJSON(w, http.StatusOK, createdResource{ID: self, CustomerNo: no})
			return
		}
	}
	writeProblem(w, r, http.StatusNotFound, string(domain.CodeCustomerNotFound), "no customer with this national identifier in this ledger", nil)
}

package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/internal/app"
)

// decodeObjectBody reads a request body that must be a JSON object: a problem when the body is
// missing, too large, not JSON or not an object.
func decodeObjectBody(r *http.Request, required bool) (*object, error) {
	body, empty, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if empty {
		if required {
			return nil, invalid(domain.Problem{Name: "body", Description: "a JSON object is required as the request body"})
		}
		return &object{}, nil
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
		return nil, invalid(domain.Problem{Name: name, Description: desc})
	}
	return o, nil
}

// parseBody decodes a JSON object body, reads it into a domain input and validates that with the
// domain's parser: every problem at once.
func parseBody[In, Cmd any](r *http.Request, required bool, read func(*fields, *object) In, validate func(In) (Cmd, error)) (cmd Cmd, err error) {
	o, err := decodeObjectBody(r, required)
	if err != nil {
		return cmd, err
	}
	var f fields
	in := read(&f, o)
	cmd, err = validate(in)
	if ps := merge(f.problems, f.unread, err); len(ps) > 0 {
		return cmd, invalid(ps...)
	}
	return cmd, err
}

// errNoCustomer: the customer of the path does not exist.
var errNoCustomer = customerNotFound("the customer does not exist")

// customerNo returns the path's customer number (customer-not-found when it cannot be one).
func customerNo(r *http.Request, c *call) (string, error) {
	no := r.PathValue("customerNo")
	if !c.ledger.ValidCustomerNo(no) {
		return "", errNoCustomer
	}
	return no, nil
}

// ifMatch parses If-Match: nil when absent, empty or "*"; else the versions its strong entity
// tags name — the customer must be at one of them (RFC 9110 §13.1.1). If-Match uses the strong
// comparison: a weak tag never matches, nor does a tag that is no version of this resource.
// A header none of whose tags can match (only weak or foreign tags), or that is not a list of
// entity tags, is precondition-failed.
func ifMatch(r *http.Request) (app.Match, error) {
	tags := etagList(r, "If-Match")
	if len(tags) == 0 || len(tags) == 1 && tags[0] == "*" {
		return nil, nil
	}
	var match app.Match
	for _, tag := range tags {
		opaque, weak := strings.CutPrefix(tag, "W/")
		if len(opaque) < 2 || opaque[0] != '"' || opaque[len(opaque)-1] != '"' {
			return nil, preconditionFailed(`If-Match must be "*" or a list of entity tags`)
		}
		if v, ok := parseETag(opaque); ok && !weak {
			match = append(match, v)
		}
	}
	if match == nil {
		return nil, preconditionFailed("If-Match names no strong ETag of this resource (a weak one never matches)")
	}
	return match, nil
}

// etagList is the members of an If-Match or If-None-Match field, all its lines together (RFC
// 9110 §5.3), empty members left out (§5.6.1). A comma inside a quoted tag is part of it (etagc
// includes it, §8.8.3): tags of this service hold none, but a list may name another's ("v1,2").
func etagList(r *http.Request, name string) []string {
	var tags []string
	for _, line := range r.Header.Values(name) {
		quoted, start := false, 0
		for i := 0; i <= len(line); i++ {
			if i < len(line) && line[i] == '"' {
				quoted = !quoted
			}
			if i < len(line) && (quoted || line[i] != ',') {
				continue
			}
			if tag := strings.TrimSpace(line[start:i]); tag != "" {
				tags = append(tags, tag)
			}
			start = i + 1
		}
	}
	return tags
}

// parseETag parses one strong entity tag `"<version>"`, as etag writes it: entity tags are
// compared as strings (RFC 9110 §8.8.3.2), so a tag the service never sends — "01" for "1" —
// names no version, though its digits read as one.
func parseETag(tag string) (uint64, bool) {
	if len(tag) < 3 || tag[0] != '"' || tag[len(tag)-1] != '"' || (tag[1] == '0' && len(tag) > 3) {
		return 0, false
	}
	v, err := strconv.ParseUint(tag[1:len(tag)-1], 10, 64)
	return v, err == nil
}

// noneMatch reports whether If-None-Match names the current version (weak comparison, lists allowed).
func noneMatch(r *http.Request, version uint64) bool {
	for _, tag := range etagList(r, "If-None-Match") {
		if tag == "*" {
			return true
		}
		if v, ok := parseETag(strings.TrimPrefix(tag, "W/")); ok && v == version {
			return true
		}
	}
	return false
}

// checkPreconditions checks If-Match (match) and If-None-Match against a customer read before a
// write asks anyone outside (a provider, the register): a write its preconditions refuse asks
// no one. execute checks them again under the customer's lock. notDone says what is then not done.
func checkPreconditions(r *http.Request, match app.Match, version uint64, notDone string) error {
	if !match.Allows(version) || noneMatch(r, version) {
		return preconditionFailed("the customer's ETag does not meet If-Match or If-None-Match: " + notDone)
	}
	return nil
}

// unlessNoneMatch is decide refused with 412 when If-None-Match names the customer's version, or
// is "*" (the customer exists: a write never runs on one that does not) — RFC 9110 §13.1.2.
func unlessNoneMatch(r *http.Request, decide app.Decision) app.Decision {
	return func(cu *domain.Customer) ([]domain.Event, error) {
		if noneMatch(r, cu.Version()) {
			return nil, preconditionFailed("If-None-Match names the customer's current ETag (or is *): the change is not made")
		}
		return decide(cu)
	}
}

// load reads a customer from the read model (customer-not-found, customer-forgotten).
func (s *Server) load(r *http.Request, c *call, no string) (domain.CustomerState, error) {
	if err := s.caughtUp(r); err != nil {
		return domain.CustomerState{}, err
	}
	st, found, err := s.cfg.Customers.Customer(r.Context(), c.ledgerNo, no)
	switch {
	case err != nil:
		return st, err
	case !found:
		return st, errNoCustomer
	case st.Forgotten:
		return st, errForgotten
	}
	return st, nil
}

// errRebuilding: the read models have not reached the read floor in time.
var errRebuilding = unavailable("the read models are being rebuilt; retry shortly")

// caughtUp waits until the read models reached the read floor (unavailable when they do not in
// time).
func (s *Server) caughtUp(r *http.Request) error {
	if err := s.waitFloor(r.Context()); err != nil {
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			return err // the client went away while it waited (a read): 499, not "being rebuilt"
		}
		info(r.Context()).rebuilding = true
		return errRebuilding
	}
	return nil
}

// waitFloor waits, bounded by WriteTimeout, until the read models reached the read floor (the
// log's head at start, or the stream's end when a reader's read models were reset since).
func (s *Server) waitFloor(ctx context.Context) error {
	f := s.floor.Load()
	if f.at == 0 || f.reached.Load() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.WriteTimeout)
	defer cancel()
	if err := s.cfg.Waiter.WaitFor(ctx, f.at); err != nil {
		return err
	}
	f.reached.Store(true)
	return nil
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
// returns once the read models hold that state (read-your-writes).
//
// Every write honours the request's preconditions against the customer's version, its ETag
// (RFC 9110 §13.1): If-Match as match (routes that must refuse a malformed one before other work
// parse it first; nil here reads it from r), If-None-Match in decide — both under the customer's
// lock, against the version the command is decided on.
func (s *Server) execute(r *http.Request, c *call, no string, match app.Match, decide app.Decision) (domain.CustomerState, error) {
	if match == nil {
		var err error
		if match, err = ifMatch(r); err != nil {
			return domain.CustomerState{}, err
		}
	}
	if len(r.Header.Values("If-None-Match")) > 0 {
		decide = unlessNoneMatch(r, decide)
	}
	ctx, cancel := s.commandContext(r)
	defer cancel()
	res, err := s.cfg.Commands.Execute(ctx, c.ledgerNo, no, match, s.meta(r, c), decide)
	if err != nil {
		return domain.CustomerState{}, commandError(res, err)
	}
	return res.State, nil
}

// commandError is a command's failure. A write that was stored but is not readable yet (the read
// models lag: eventstore.ErrNotApplied) is told so, with its version: it must not be repeated.
func commandError(res app.Result, err error) error {
	if res.Changed && errors.Is(err, eventstore.ErrNotApplied) {
		return notReadableYet(res.CustomerNo, res.Version)
	}
	return err
}

func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request, c *call) error {
	cmd, err := parseBody(r, true, (*fields).customerInput, func(in domain.CustomerInput) (domain.CreateCustomer, error) {
		return domain.ParseCreateCustomer(in, c.ledger, s.now())
	})
	if err != nil {
		return err
	}
	return s.create(w, r, c, cmd)
}

// create runs a CreateCustomer command and answers 201 with the new customer's @id, Location and
// ETag (create-customer and generate-consumer-customer-by-reg-no).
func (s *Server) create(w http.ResponseWriter, r *http.Request, c *call, cmd domain.CreateCustomer) error {
	ctx, cancel := s.commandContext(r)
	defer cancel()
	res, err := s.cfg.Commands.Create(ctx, c.ledger, cmd, s.meta(r, c))
	if err != nil {
		return commandError(res, err)
	}
	self := customerPath(c.ledgerNo, res.CustomerNo)
	w.Header().Set("Location", self)
	w.Header().Set("ETag", etag(res.Version))
	writeJSON(w, http.StatusCreated, createdResource{ID: self, CustomerNo: res.CustomerNo})
	return nil
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

func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request, c *call) error {
	no, err := customerNo(r, c)
	if err != nil {
		return err
	}
	legal, billing, ps := expand(c.query)
	if len(ps) > 0 {
		return invalid(ps...)
	}
	st, view, err := s.loadView(r, c, no)
	if err != nil {
		return err
	}
	s.writeCustomer(w, r, view, st, legal, billing)
	return nil
}

func (s *Server) writeCustomer(w http.ResponseWriter, r *http.Request, c *call, st domain.CustomerState, legal, billing bool) {
	w.Header().Set("ETag", etag(st.Version))
	if noneMatch(r, st.Version) && c.timeStable(st) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeJSON(w, http.StatusOK, c.customerResource(st, legal, billing))
}

// timeStable reports whether the parts of the customer's representation that change with time
// alone — activeConsents (a consent's month ends) and the update-kyc-answers operation (answers
// due for renewal) — are at c.now as they were when its version was written. Both change one way
// only, so then every representation of this version served since is the current one and a
// conditional GET may answer 304; otherwise the ETag (the version) is the same but the
// representation is not, and the answer is 200.
func (c *call) timeStable(s domain.CustomerState) bool {
	return slices.Equal(s.ActiveConsentsAt(c.now), s.ActiveConsentsAt(s.UpdatedAt)) &&
		c.ledger.KycRenewalDue(s, c.now) == c.ledger.KycRenewalDue(s, s.UpdatedAt)
}

func (s *Server) patchCustomer(w http.ResponseWriter, r *http.Request, c *call) error {
	no, err := customerNo(r, c)
	if err != nil {
		return err
	}
	match, err := ifMatch(r)
	if err != nil {
		return err
	}
	cmd, err := parseBody(r, true, (*fields).patchInput, domain.ParsePatchCustomer)
	if err != nil {
		return err
	}
	st, err := s.execute(r, c, no, match, c.patchDecision(cmd))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(st.Version))
	writeJSON(w, http.StatusOK, c.customerResource(st, false, false))
	return nil
}

func (s *Server) findCustomer(w http.ResponseWriter, r *http.Request, c *call) error {
	o, err := decodeObjectBody(r, true)
	if err != nil {
		return err
	}
	var f fields
	ni := f.nationalIdentifier(o, domain.PropNationalIdentifier)
	f.unknown(o, "of find-customer (only nationalIdentifier)")
	var problems []domain.Problem
	var candidates []domain.NationalIdentifier
	if !ni.HasValue() {
		problems = []domain.Problem{{Name: domain.PropNationalIdentifier, Description: "nationalIdentifier is required"}}
	} else {
		var err error
		candidates, err = domain.LookupNationalIdentifiers(ni.Value, domain.PropNationalIdentifier, s.now())
		problems = merge(nil, nil, err)
	}
	if ps := merge(f.problems, f.unread, domain.ValidationError(problems...)); len(ps) > 0 {
		return invalid(ps...)
	}
	if err := s.caughtUp(r); err != nil {
		return err
	}
	for _, cand := range candidates {
		no, found, err := s.cfg.Customers.FindByNationalID(r.Context(), c.ledgerNo, cand)
		if err != nil {
			return err
		}
		if found {
			self := customerPath(c.ledgerNo, no)
			writeJSON(w, http.StatusOK, createdResource{ID: self, CustomerNo: no})
			return nil
		}
	}
	return customerNotFound("no customer with this national identifier in this ledger")
}

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi/apidocs/asyncapitest"
	"github.com/nordledger/ledger/httpapi/auth"
)

// TestE2ERawConsumer is a consumer written from docs/consumers.md alone, with nats.go and
// net/http — none of this repository's consumer code: it makes the durable pull consumer with
// the settings of "Following durably", pulls every event of a history holding every event type
// (an actor with a name outside ASCII among them), and checks each message as the page
// describes it: the headers of "A message" (valid against the AsyncAPI document's
// CloudEventHeaders, percent-encoded), the subject layout, the stream sequence equal to
// ce-ledgerposition and gap-free, ce-streamversion counting from 1 per ce-subject, the payload
// valid as published, no personal member in the clear, $pd's paths among x-personal-members;
// then it asks for the personal data as "Personal data" says and checks every answer.
func TestE2ERawConsumer(t *testing.T) {
	schemas := asyncapitest.Load(t)
	s := startServer(t, withConfig(consumerConfig(t)))
	s.grant(t, "raw-crm", true)
	everyEventType(t, s)
	const actor = "Åsa Öberg 100%"
	tok := s.mint(t, actor, []string{demoLedger}, auth.ScopeCustomerWrite, auth.ScopeCustomerRead, auth.ScopeCustomerErase)
	expectStatus(t, s.createCustomer(t, tok, newCustomer("8801", "Rå Konsument")), http.StatusCreated)
	expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger, "8801", "forget"), tok, nil), http.StatusNoContent)
	head := s.logHead(t)

	nc, err := nats.Connect(s.m.NATSURL(), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := waitContext(t)
	defer cancel()
	waitStream(ctx, t, js, "LEDGER")
	cons, err := js.CreateConsumer(ctx, "LEDGER", jetstream.ConsumerConfig{
		Durable: "raw-crm", FilterSubject: "ledger.customer.v1." + demoLedger + ".>", DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: 30 * time.Second, MaxDeliver: -1, MaxAckPending: 512,
	})
	if err != nil {
		t.Fatal(err)
	}

	type got struct {
		position uint64
		id, typ  string
		sealed   bool
	}
	var events []got
	versions := map[string]uint64{} // ce-subject → last ce-streamversion
	types := map[string]bool{}
	for uint64(len(events)) < head {
		batch, err := cons.Fetch(int(head)-len(events), jetstream.FetchContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				t.Fatal(err)
			}
			h := m.Headers()
			pos := md.Sequence.Stream
			where := fmt.Sprintf("message %d (%s)", pos, m.Subject())
			if err := schemas.ValidateHeaders(h); err != nil {
				t.Errorf("%s: headers %v: %v", where, h, err)
			}
			dec := func(k string) string {
				v, err := url.PathUnescape(h.Get(k))
				if err != nil {
					t.Errorf("%s: %s %q: %v", where, k, h.Get(k), err)
				}
				return v
			}
			if want := uint64(len(events) + 1); pos != want {
				t.Fatalf("%s: stream sequence %d, want %d (in log order, no gap)", where, pos, want)
			}
			if p, _ := strconv.ParseUint(dec("ce-ledgerposition"), 10, 64); p != pos {
				t.Errorf("%s: ce-ledgerposition %q", where, h.Get("ce-ledgerposition"))
			}
			id := dec("ce-id")
			if h.Get("Nats-Msg-Id") != id {
				t.Errorf("%s: Nats-Msg-Id %q, ce-id %q", where, h.Get("Nats-Msg-Id"), id)
			}
			typ, _ := strings.CutPrefix(dec("ce-type"), "ledger.customer.v1.")
			types[typ] = true
			subj := dec("ce-subject")
			kind, no, _ := strings.Cut(subj, "/")
			if kind != "customers" && kind != "lookups" {
				t.Errorf("%s: ce-subject %q", where, subj)
			}
			if want := "ledger.customer.v1." + demoLedger + "." + no + "." + typ; m.Subject() != want {
				t.Errorf("%s: subject, want %s", where, want)
			}
			if dec("ce-source") != "/ledger/customer/v1/"+demoLedger {
				t.Errorf("%s: ce-source %q", where, h.Get("ce-source"))
			}
			if tm, err := time.Parse(time.RFC3339Nano, dec("ce-time")); err != nil || tm.Location() != time.UTC {
				t.Errorf("%s: ce-time %q: %v", where, h.Get("ce-time"), err)
			}
			if h.Get("Content-Type") != "application/json" || dec("ce-datacontenttype") != "application/json" || dec("ce-specversion") != "1.0" {
				t.Errorf("%s: headers %v", where, h)
			}
			if h.Get("traceparent") == "" || h.Get("traceparent") != dec("ce-traceparent") || h.Get("tracestate") != dec("ce-tracestate") {
				t.Errorf("%s: the trace context %q/%q, as a CloudEvents extension %q/%q", where,
					h.Get("traceparent"), h.Get("tracestate"), h.Get("ce-traceparent"), h.Get("ce-tracestate"))
			}
			v, _ := strconv.ParseUint(dec("ce-streamversion"), 10, 64)
			if v != versions[subj]+1 {
				t.Errorf("%s: ce-streamversion %d after %d of %s", where, v, versions[subj], subj)
			}
			versions[subj] = v
			if no == "8801" && dec("ce-actor") != actor {
				t.Errorf("%s: ce-actor %q decodes to %q, want %q", where, h.Get("ce-actor"), dec("ce-actor"), actor)
			}
			if err := schemas.ValidateWire(typ, m.Data()); err != nil {
				t.Errorf("%s: payload as published: %v\n%s", where, err, m.Data())
			}
			var payload map[string]json.RawMessage
			if err := json.Unmarshal(m.Data(), &payload); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			personal := schemas.PersonalMembers(typ)
			if typ == domain.TypeCustomerDetailsLookedUp && no == domain.UnmatchedLookups {
				personal = nil // a look-up that matched nobody is about nobody (domain.PersonalFieldsIn)
			}
			for _, p := range personal {
				if inClear(payload, strings.Split(p, ".")) {
					t.Errorf("%s: personal member %s in the clear: %s", where, p, m.Data())
				}
			}
			_, sealed := payload["$pd"]
			if sealed {
				var pd struct {
					V int
					F []string
				}
				if err := json.Unmarshal(payload["$pd"], &pd); err != nil || pd.V != 1 || len(pd.F) == 0 {
					t.Errorf("%s: $pd %s", where, payload["$pd"])
				}
				for _, f := range pd.F {
					if !coveredBy(f, personal) {
						t.Errorf("%s: $pd.f names %s, not among x-personal-members %v", where, f, personal)
					}
				}
			}
			events = append(events, got{position: pos, id: id, typ: typ, sealed: sealed})
			if err := m.Ack(); err != nil {
				t.Fatal(err)
			}
		}
		if batch.Error() != nil || n == 0 {
			t.Fatalf("after %d of %d events: %v", len(events), head, batch.Error())
		}
	}
	for _, typ := range domain.EventTypes() {
		if !types[typ] {
			t.Errorf("no %s event came", typ)
		}
	}

	// The personal data, asked for as the page says, for every event at once.
	positions := make([]uint64, len(events))
	for i, e := range events {
		positions[i] = e.position
	}
	r := s.do(t, http.MethodPost, "/ledger/customer/v1/"+demoLedger+"/events/personal-data", s.consumerToken(t, "raw-crm"),
		map[string]any{"positions": positions})
	expectStatus(t, r, http.StatusOK)
	var answer struct {
		Items []struct {
			Position         uint64
			Status, ID, Type string
			Data             json.RawMessage
			Erased           []string
		}
		MaxAge int
	}
	if err := json.Unmarshal(r.Body, &answer); err != nil {
		t.Fatal(err)
	}
	if len(answer.Items) != len(events) || answer.MaxAge != 300 {
		t.Fatalf("%d items for %d positions, maxAge %d", len(answer.Items), len(events), answer.MaxAge)
	}
	for i, it := range answer.Items {
		e := events[i]
		where := fmt.Sprintf("position %d (%s)", e.position, e.typ)
		if it.Position != e.position || it.ID != e.id || it.Type != e.typ {
			t.Errorf("%s: answered %d %s %s", where, it.Position, it.ID, it.Type)
		}
		switch {
		case !e.sealed && it.Status != "clear", e.sealed && it.Status != "opened" && it.Status != "erased":
			t.Errorf("%s: status %s (sealed %v)", where, it.Status, e.sealed)
		case it.Status == "opened" || it.Status == "clear":
			if err := schemas.ValidateOpened(e.typ, it.Data); err != nil {
				t.Errorf("%s: opened: %v\n%s", where, err, it.Data)
			}
		}
	}
}

// inClear reports whether the member at path (names; "*" for every element of an array) is in
// the payload outside $pd.
func inClear(o map[string]json.RawMessage, path []string) bool {
	raw, ok := o[path[0]]
	if !ok || len(path) == 1 {
		return ok
	}
	if path[1] == "*" {
		var arr []map[string]json.RawMessage
		if json.Unmarshal(raw, &arr) != nil {
			return false
		}
		for _, el := range arr {
			if len(path) == 2 || inClear(el, path[2:]) {
				return true
			}
		}
		return false
	}
	var inner map[string]json.RawMessage
	return json.Unmarshal(raw, &inner) == nil && inClear(inner, path[1:])
}

// coveredBy reports whether a $pd path (array elements by index) is one of the members
// x-personal-members names (array elements as "*"), or inside one.
func coveredBy(path string, members []string) bool {
	parts := strings.Split(path, ".")
	for i, p := range parts {
		if _, err := strconv.Atoi(p); err == nil {
			parts[i] = "*"
		}
	}
	for _, m := range members {
		ms := strings.Split(m, ".")
		if len(ms) <= len(parts) && strings.Join(parts[:len(ms)], ".") == m {
			return true
		}
	}
	return false
}

package main

// The money log of the money tests (e2e_money_*_test.go): each surplus as the event log has it at
// each version of its customer.

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
)

// surplusAt is a surplus as the log has it at one version of its customer.
type surplusAt struct {
	balance string // "" when not registered
	status  domain.SurplusStatus
	settled string
	orders  int
}

// moneyEvent is one event of a customer's stream, at its version.
type moneyEvent struct {
	customer string
	version  uint64
	event    domain.Event
}

// moneyLog is the surpluses of some customers as their streams have them.
type moneyLog struct {
	states     map[string][]map[string]surplusAt // customer → version → surplusId (lower case) → state
	byCID      map[string][]moneyEvent           // correlation id → its events
	registered map[string]int64                  // customer/surplusId → minor units registered
	regulated  map[string]int64                  // customer/surplusId → minor units regulated and paid out
}

// replayMoney replays the streams of customers in all (the log, opened): each surplus at each
// version. An event other than a creation or a surplus event fails the test.
func replayMoney(t *testing.T, all []eventstore.Event, customers []string) moneyLog {
	t.Helper()
	l := moneyLog{states: map[string][]map[string]surplusAt{}, byCID: map[string][]moneyEvent{},
		registered: map[string]int64{}, regulated: map[string]int64{}}
	for _, no := range customers {
		cur := map[string]surplusAt{}
		st := []map[string]surplusAt{cur}
		for _, e := range streamEvents(all, demoLedger, no) {
			ev, err := domain.DecodeEvent(e.Type, e.SchemaVersion, e.Data)
			if err != nil {
				t.Fatal(err)
			}
			next := map[string]surplusAt{}
			for k, v := range cur {
				next[k] = v
			}
			switch ev := ev.(type) {
			case domain.CustomerCreated:
			case domain.SurplusRegistered:
				next[strings.ToLower(ev.SurplusID)] = surplusAt{balance: ev.Balance.String(), status: domain.SurplusOpen}
				l.registered[no+"/"+strings.ToLower(ev.SurplusID)] = ev.Balance.MinorUnits()
			case domain.SurplusSettled:
				sp := next[strings.ToLower(ev.SurplusID)]
				sp.status, sp.settled = domain.SurplusPendingRegulate, ev.Amount.String()
				next[strings.ToLower(ev.SurplusID)] = sp
			case domain.SurplusRegulated:
				sp := next[strings.ToLower(ev.SurplusID)]
				sp.status, sp.balance, sp.settled = domain.SurplusOpen, ev.Balance.String(), ""
				if ev.Balance.MinorUnits() == 0 {
					sp.status = domain.SurplusDepleted
				}
				next[strings.ToLower(ev.SurplusID)] = sp
				l.regulated[no+"/"+strings.ToLower(ev.SurplusID)] += ev.Amount.MinorUnits()
			case domain.DisbursementOrdered:
				sp := next[strings.ToLower(ev.SurplusID)]
				sp.status, sp.orders = domain.SurplusPendingDisbursement, 1
				next[strings.ToLower(ev.SurplusID)] = sp
			case domain.DisbursementCompleted:
				sp := next[strings.ToLower(ev.SurplusID)]
				sp.status, sp.orders, sp.balance = domain.SurplusDepleted, 0, "0.00"
				next[strings.ToLower(ev.SurplusID)] = sp
				l.regulated[no+"/"+strings.ToLower(ev.SurplusID)] += ev.Amount.MinorUnits()
			default:
				t.Errorf("unexpected event %s", e.Type)
			}
			cur = next
			st = append(st, cur)
			l.byCID[e.CorrelationID] = append(l.byCID[e.CorrelationID], moneyEvent{no, e.Version, ev})
		}
		l.states[no] = st
	}
	return l
}

// moneyMembers returns the amount and balance members of an event's data, as text.
func moneyMembers(t *testing.T, data []byte) string {
	t.Helper()
	var m struct {
		Amount  json.RawMessage `json:"amount"`
		Balance json.RawMessage `json:"balance"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("event data: %v", err)
	}
	return string(m.Amount) + " " + string(m.Balance)
}

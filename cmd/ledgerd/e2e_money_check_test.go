package main

// The checks of TestE2ELinearizableMoney: what each client was told against the money log.

import (
	"net/http"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
)

// checkMoneyHistory checks every request of history against the log ml and the API's final list
// of each customer's surpluses (customer → surplusId in lower case → balance); see
// TestE2ELinearizableMoney for what must hold.
func checkMoneyHistory(t *testing.T, history []*moneyOp, ml moneyLog, final map[string]map[string]string) {
	t.Helper()
	states, byCID, registered, regulated := ml.states, ml.byCID, ml.registered, ml.regulated

	// Money adds up, and the API's list says what the log says.
	for key, reg := range registered {
		no, id, _ := strings.Cut(key, "/")
		last := states[no][len(states[no])-1][id]
		left, err := domain.ParseAmount(last.balance, "SEK")
		var n int64
		if err == nil {
			n = left.MinorUnits()
		} else if last.balance != "0.00" {
			t.Fatalf("%s: balance %q: %v", key, last.balance, err)
		}
		if n+regulated[key] != reg {
			t.Errorf("%s: registered %d minor units, %d left and %d regulated or paid out", key, reg, n, regulated[key])
		}
		if got, shown := final[no][id]; last.status == domain.SurplusDepleted && shown {
			t.Errorf("%s: depleted in the log, the API lists it with balance %s", key, got)
		} else if last.status != domain.SurplusDepleted && got != last.balance {
			t.Errorf("%s: the log has balance %s, the API lists %q", key, last.balance, got)
		}
	}

	kinds := map[string]string{"register": domain.TypeSurplusRegistered, "settle": domain.TypeSurplusSettled,
		"confirm": domain.TypeSurplusRegulated, "order": domain.TypeDisbursementOrdered, "complete": domain.TypeDisbursementCompleted}
	acked, refused, reads := 0, 0, 0
	opVersion := map[*moneyOp]uint64{}
	for _, op := range history {
		id := strings.ToLower(op.surplus)
		evs := byCID[op.cid]
		switch {
		case op.kind == "read":
			reads++
		case !op.ok():
			refused++
			if len(evs) != 0 {
				t.Errorf("%s: refused, but left events at versions %v", op, evs)
			}
			if g := op.after; g != nil {
				// The 409 was decided on a version at least as new as every write that ended
				// before the request began, at which the surplus was not in the state the write
				// needs; the GET right after must be no older than that version.
				lo := uint64(0)
				for _, w := range history {
					if w.kind != "read" && w.ok() && w.customer == op.customer && w.end.Before(op.start) && byCID[w.cid] != nil {
						lo = max(lo, byCID[w.cid][0].version)
					}
				}
				need := map[string]domain.SurplusStatus{"settle": domain.SurplusOpen, "order": domain.SurplusOpen, "confirm": domain.SurplusPendingRegulate}[op.kind]
				upTo := g.version
				if g.status == http.StatusNotFound { // depleted since (for good): no version to hold it to
					upTo = uint64(len(states[op.customer]) - 1)
				}
				found := false
				for v := lo; v <= upTo && int(v) < len(states[op.customer]); v++ {
					sp, ok := states[op.customer][v][id]
					found = found || (ok && sp.status != need && sp.status != domain.SurplusDepleted)
				}
				if !found {
					t.Errorf("%s: refused with 409, but the same client's next read (%d v%d %s %s) shows no version since v%d where the surplus was not %s", op, g.status, g.version, g.state, g.balance, lo, need)
				}
			}
			continue
		default:
			acked++
			if len(evs) != 1 || evs[0].event.EventType() != kinds[op.kind] {
				t.Errorf("%s: answered %d, the log has %v", op, op.status, evs)
				continue
			}
			v := evs[0].version
			opVersion[op] = v
			if op.version != v {
				t.Errorf("%s: answered ETag v%d, its event is v%d", op, op.version, v)
			}
			sp := states[op.customer][v][id]
			switch ev := evs[0].event.(type) {
			case domain.SurplusSettled:
				if op.amount != "" && ev.Amount.String() != op.amount {
					t.Errorf("%s: the event settles %s", op, ev.Amount)
				}
				if prev := states[op.customer][v-1][id]; op.amount == "" && ev.Amount.String() != prev.balance {
					t.Errorf("%s: the event settles %s of a balance of %s", op, ev.Amount, prev.balance)
				}
			case domain.SurplusRegistered:
				if ev.Balance.String() != op.amount {
					t.Errorf("%s: the event registers %s", op, ev.Balance)
				}
			case domain.DisbursementOrdered:
				if !strings.EqualFold(ev.OrderID, op.orderID) {
					t.Errorf("%s: answered order %s, the event has %s", op, op.orderID, ev.OrderID)
				}
			}
			if op.status == http.StatusNoContent {
				if sp.status != domain.SurplusDepleted {
					t.Errorf("%s: answered 204, the log at v%d has the surplus %s", op, v, sp.status)
				}
				continue
			}
			if op.kind != "order" && (op.balance != sp.balance || op.state != string(sp.status)) {
				t.Errorf("%s: answered %s %s, the log at v%d has %s %s", op, op.state, op.balance, v, sp.status, sp.balance)
			}
			continue
		}
		// A read: the surplus as the log has it at a version no older than every write that ended
		// before the read began, and no newer than every write that began after it ended.
		lo, hi := uint64(0), uint64(len(states[op.customer])-1)
		for _, w := range history {
			if w.kind == "read" || !w.ok() || w.customer != op.customer || byCID[w.cid] == nil {
				continue
			}
			v := byCID[w.cid][0].version
			if w.end.Before(op.start) {
				lo = max(lo, v)
			}
			if w.start.After(op.end) && v > 0 {
				hi = min(hi, v-1)
			}
		}
		if op.status == http.StatusOK {
			if op.version < lo || op.version > hi {
				t.Errorf("%s: read v%d, outside v%d..v%d", op, op.version, lo, hi)
			} else if sp := states[op.customer][op.version][id]; sp.balance != op.balance || string(sp.status) != op.state {
				t.Errorf("%s: read v%d, the log at v%d has %s %s", op, op.version, op.version, sp.status, sp.balance)
			}
		}
		found := false
		for v := lo; v <= hi && !found; v++ {
			sp, ok := states[op.customer][v][id]
			switch {
			case op.status == http.StatusNotFound:
				found = !ok || sp.status == domain.SurplusDepleted
			case op.status == http.StatusOK:
				found = ok && sp.status != domain.SurplusDepleted && sp.balance == op.balance && string(sp.status) == op.state
			}
		}
		if !found {
			t.Errorf("%s: the log has no such state between v%d and v%d", op, lo, hi)
		}
	}
	// Real time: a write that ended before another began has the lower version.
	for a, va := range opVersion {
		for b, vb := range opVersion {
			if a.customer == b.customer && a.end.Before(b.start) && va >= vb {
				t.Errorf("real-time order violated: %s (v%d) ended before %s (v%d) began", a, va, b, vb)
			}
		}
	}
	for cid, evs := range byCID {
		if strings.HasPrefix(cid, "money-") {
			found := false
			for _, op := range history {
				found = found || op.cid == cid
			}
			if !found {
				t.Errorf("events %v of correlation id %s that no request had", evs, cid)
			}
		}
	}
	t.Logf("%d money writes acknowledged, %d refused, %d reads", acked, refused, reads)
	if acked == 0 || reads == 0 || refused == 0 {
		t.Fatal("the history lacks acknowledged writes, refusals or reads")
	}
}

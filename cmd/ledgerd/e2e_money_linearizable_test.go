package main

// Many clients on the same surpluses: what each client was told about money agrees with the event
// log, the read models, the events on NATS and real time (TestE2ELinearizableWrites does the same
// for customers' details).

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// moneyOp is one request of the history and what the client was told.
type moneyOp struct {
	client     int
	customer   string
	surplus    string // as addressed (in any case)
	kind       string // register, settle, confirm, order, complete, read
	amount     string // the amount a settle sent ("" for the whole balance), a register's balance
	cid        string
	start, end time.Time
	status     int
	balance    string // in a 200/201 surplus answer
	state      string // in a 200/201 surplus answer
	orderID    string // in an order's 201 answer
	version    uint64 // from the ETag
	// after a 409: the same client's GET of the surplus right after the answer
	after *moneyOp
}

func (o *moneyOp) String() string {
	return fmt.Sprintf("client %d %s %s/%s %q (%s) → %d %s %s", o.client, o.kind, o.customer, o.surplus, o.amount, o.cid, o.status, o.state, o.balance)
}

func (o *moneyOp) ok() bool { return o.status >= 200 && o.status < 300 }

// TestE2ELinearizableMoney: 8 clients send 40 requests each — registrations (of the same ids in
// different cases), settlements with and without an amount (some beyond the balance),
// confirmations, disbursement orders, completions and reads — at the same surpluses of two
// customers, all at once. Then:
//   - every money write answered 2xx is exactly one event of its kind, holding the amount sent
//     exactly, and its answer shows the surplus as the log has it right after that event; every
//     refused write (400, 404, 409) left nothing;
//   - every read shows the surplus as the log has it at a version between the writes that ended
//     before it began and those that began after it ended (a depleted or unregistered one: 404);
//   - writes on a customer are in real-time order;
//   - the money adds up: each surplus's registered balance is its balance now plus what was
//     regulated and paid out, in exact minor units; the API's list says the same;
//   - every event on NATS carries the same amounts, as text, as the log; the read models equal a
//     rebuild from the log.
func TestE2ELinearizableMoney(t *testing.T) {
	s := startServer(t)
	nc, err := nats.Connect(s.m.NATSURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	msgs := make(chan *nats.Msg, 4096)
	if _, err := nc.ChanSubscribe("ledger.customer.v1.>", msgs); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	customers := []string{"8501", "8502"}
	base := []string{"S1", "S2", "S3", "S4"}
	for _, no := range customers {
		s.createCustomer(t, s.token, newCustomer(no, "Money Customer"))
		for _, id := range base {
			expectStatus(t, s.do(t, http.MethodPost, customersPath(demoLedger, no, "surpluses"), s.token,
				fmt.Sprintf(`{"surplusId":%q,"balance":100.00,"currency":"SEK"}`, id)), http.StatusCreated)
		}
	}
	targets := append(append([]string{}, base...), "R0", "R1", "R2", "R3")
	var mu sync.Mutex
	orders := map[string]string{} // customer/surplus (lower case) → the last order id answered
	var history []*moneyOp
	const clients, perClient = 8, 40
	together(clients, func(c int) {
		rnd := rand.New(rand.NewPCG(uint64(c), 7))
		randomCase := func(id string) string {
			b := []byte(id)
			for i := range b {
				if rnd.IntN(2) == 0 {
					b[i] = strings.ToLower(string(b[i]))[0]
				}
			}
			return string(b)
		}
		for i := range perClient {
			no := customers[rnd.IntN(len(customers))]
			op := &moneyOp{client: c, customer: no, surplus: randomCase(targets[rnd.IntN(len(targets))]), cid: fmt.Sprintf("money-%d-%d", c, i)}
			self := customersPath(demoLedger, no, "surpluses")
			key := no + "/" + strings.ToLower(op.surplus)
			hdr := []string{correlationHeader, op.cid}
			var r *response
			op.start = time.Now()
			switch k := rnd.IntN(100); {
			case k < 10:
				op.kind, op.surplus = "register", randomCase(fmt.Sprintf("R%d", rnd.IntN(4)))
				op.amount = fmt.Sprintf("%d.%02d", 1+rnd.IntN(50), rnd.IntN(100))
				r = s.do(t, http.MethodPost, self, s.token, fmt.Sprintf(`{"surplusId":%q,"balance":%s,"currency":"SEK"}`, op.surplus, op.amount), hdr...)
			case k < 40:
				op.kind = "settle"
				body := ""
				if rnd.IntN(6) > 0 {
					op.amount = fmt.Sprintf("%d.%02d", rnd.IntN(20), 1+rnd.IntN(99))
					body = `{"amount":` + op.amount + `}`
				}
				if body == "" {
					r = s.do(t, http.MethodPost, self+"/"+op.surplus+"/settle", s.token, nil, hdr...)
				} else {
					r = s.do(t, http.MethodPost, self+"/"+op.surplus+"/settle", s.token, body, hdr...)
				}
			case k < 65:
				op.kind = "confirm"
				r = s.do(t, http.MethodPost, self+"/"+op.surplus+"/confirm-regulation", s.token, nil, hdr...)
			case k < 72:
				op.kind = "order"
				r = s.do(t, http.MethodPost, self+"/"+op.surplus+"/active-disbursement-orders", s.token, `{"norwegianBankAccount":{"accountNo":"86011117947"}}`, hdr...)
			case k < 80:
				op.kind = "complete"
				mu.Lock()
				id, ok := orders[key]
				mu.Unlock()
				if !ok {
					id = "01a250c9-d42f-7a47-ac82-480404bbd28e"
				}
				if rnd.IntN(2) == 0 {
					id = strings.ToUpper(id)
				}
				r = s.do(t, http.MethodPost, self+"/"+op.surplus+"/active-disbursement-orders/"+id+"/complete", s.token, nil, hdr...)
			default:
				op.kind = "read"
				r = s.do(t, http.MethodGet, self+"/"+op.surplus, s.token, nil, hdr...)
			}
			op.end, op.status, op.version = time.Now(), r.Status, etagVersion(r)
			if (op.status == http.StatusOK || op.status == http.StatusCreated) && len(r.Body) > 0 {
				var body struct {
					Balance json.Number `json:"balance"`
					Status  string      `json:"status"`
					OrderID string      `json:"orderId"`
				}
				r.decode(t, &body)
				op.balance, op.state, op.orderID = body.Balance.String(), body.Status, body.OrderID
				if op.orderID != "" {
					mu.Lock()
					orders[key] = op.orderID
					mu.Unlock()
				}
			}
			if op.ok() && op.version == 0 {
				t.Errorf("%s: answered without an ETag", op)
			}
			if op.status == http.StatusConflict && op.kind != "register" {
				// Read your refusal: the surplus as the 409 described it, or later.
				g := &moneyOp{client: c, customer: no, surplus: op.surplus, kind: "read", cid: op.cid + "-after", start: time.Now()}
				r := s.do(t, http.MethodGet, self+"/"+op.surplus, s.token, nil, correlationHeader, g.cid)
				g.end, g.status, g.version = time.Now(), r.Status, etagVersion(r)
				var body struct {
					Balance json.Number `json:"balance"`
					Status  string      `json:"status"`
				}
				if r.Status == http.StatusOK {
					r.decode(t, &body)
				}
				g.balance, g.state = body.Balance.String(), body.Status
				op.after = g
			}
			switch {
			case op.ok():
			case op.status == http.StatusNotFound || op.status == http.StatusConflict:
			case op.status == http.StatusBadRequest && op.kind == "settle" && op.amount != "":
			default:
				t.Errorf("%s: %s", op, r)
			}
			mu.Lock()
			history = append(history, op)
			mu.Unlock()
		}
	})

	// The API's view at the end, before the log is read.
	final := map[string]map[string]string{} // customer → surplusId (lower) → balance
	for _, no := range customers {
		final[no] = map[string]string{}
		r := s.do(t, http.MethodGet, customersPath(demoLedger, no, "surpluses")+"?take=1000", s.token, nil)
		var list struct {
			Items []struct {
				SurplusID string      `json:"surplusId"`
				Balance   json.Number `json:"balance"`
			} `json:"items"`
		}
		r.decode(t, &list)
		for _, it := range list.Items {
			final[no][strings.ToLower(it.SurplusID)] = it.Balance.String()
		}
	}
	// Every acknowledged write is one event (checked below): wait for them all on NATS.
	want := len(customers) * (1 + len(base))
	for _, op := range history {
		if op.kind != "read" && op.ok() {
			want++
		}
	}
	var published []*nats.Msg
	wait, cancel := waitContext(t)
	defer cancel()
	for len(published) < want {
		select {
		case m := <-msgs:
			published = append(published, m)
		case <-wait.Done():
			t.Fatalf("%d of %d events arrived on NATS by the test's deadline", len(published), want)
		}
	}
	s.stop(t)
	all := readEvents(t, s.dir)

	// The events on NATS: each carries the amounts of the stored event, as text.
	byID := map[string]int{}
	for i, e := range all {
		byID[e.ID.String()] = i
	}
	for _, m := range published {
		id := m.Header.Get("ce-id")
		i, ok := byID[id]
		if !ok {
			t.Fatalf("NATS message %s is no stored event", id)
		}
		if got, want := moneyMembers(t, m.Data), moneyMembers(t, all[i].Data); got != want {
			t.Errorf("event %d (%s): on NATS the amounts are %s, in the log %s", all[i].Position, all[i].Type, got, want)
		}
	}

	checkMoneyHistory(t, history, replayMoney(t, all, customers), final)
	compareProjections(t, s.dir, false)
}

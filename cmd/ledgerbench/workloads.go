package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
)

// Customer numbers and indexes. Customer i (genPerson(i)) has number customerBase+i, or
// customerBase+scramble(i) with random numbers. The seed holds indexes 0..seeded-1; customers
// created by the create workloads take indexes from createBase on, so a seed grown later never
// collides with them.
const (
	customerBase = 1_000_000_000
	createBase   = 20_000_000
)

// numbering is how the harness numbers its customers.
type numbering string

const (
	// sequentialNumbers: customer i is customerBase+i, so each new customer's keys (its stream,
	// its read-model record, its audit trail, its data key) land after every other's: the cheap
	// case of each index keyed by customer number.
	sequentialNumbers numbering = "sequential"
	// randomNumbers: new customers land anywhere among the others, as integrators' own numbers do.
	randomNumbers numbering = "random"
)

// of returns customer i's number.
func (n numbering) of(i int) string {
	if n == randomNumbers {
		return strconv.Itoa(customerBase + scramble(i))
	}
	return strconv.Itoa(customerBase + i)
}

// scramble is a bijection of [0, 2^25), which holds every index (maxIndex): consecutive indexes
// land about 1.5 million apart (a multiplication by an odd number modulo a power of two).
func scramble(i int) int { return int(uint32(i) * 0x9E3779B1 & (1<<25 - 1)) }

// population is what the workloads know of the ledger's customers.
type population struct {
	Ledger   string
	Merchant string // the Connect merchant mapped to Ledger
	Product  string // its payment product looking up Swedish fiscal numbers
	Seeded   int    // customers 0..Seeded-1 exist
	Numbers  numbering
	next     atomic.Int64
	patches  atomic.Int64 // PATCHes made, from a random start (newPopulation)
}

// newPopulation returns the population of cfg's ledger, nothing seeded yet.
func newPopulation(cfg *config) *population {
	p := &population{Ledger: cfg.Ledger, Merchant: cfg.Merchant, Product: cfg.Product}
	// PATCHes count on from a random start, so that a run on a data directory measured before
	// does not set what an earlier run's PATCHes set (a no-op PATCH appends nothing).
	p.patches.Store(rand.Int64N(1 << 40))
	return p
}

// customerNo returns customer i's number.
func (p *population) customerNo(i int) string { return p.Numbers.of(i) }

// takeCreate returns the index of the next customer to create.
func (p *population) takeCreate() int {
	i := int(p.next.Add(1) - 1)
	if i >= maxIndex {
		panic("ledgerbench: out of customer indexes for creates")
	}
	return i
}

func (p *population) base() string { return "/ledger/customer/v1/" + p.Ledger }

// workload is a named mix of requests.
type workload struct {
	Name string
	// Ceilings are what the workload is measured against, the first of them measured: "log"
	// (http+log: the minimal net/http handler appending each body to a group-commit log with
	// fsync; writes), "disk" (the raw bbolt group-commit loop without HTTP) or "http" (the
	// minimal net/http handler: reads).
	Ceilings []string
	Mix      []weighted
}

type weighted struct {
	Op     string
	Weight int
}

// workloads are the harness's workloads by name, in their default order.
var workloads = []workload{
	{Name: "create", Ceilings: []string{"log", "disk"}, Mix: []weighted{{"create", 1}}},
	{Name: "patch", Ceilings: []string{"log", "disk"}, Mix: []weighted{{"patch", 1}}},
	{Name: "read", Ceilings: []string{"http"}, Mix: []weighted{{"get", 1}, {"get-expand", 1}}},
	{Name: "mixed", Ceilings: []string{"http"}, Mix: []weighted{{"create", 10}, {"patch", 20}, {"get", 35}, {"get-expand", 35}}},
	{Name: "lookup", Ceilings: []string{"http"}, Mix: []weighted{{"find", 1}, {"connect", 1}}},
}

func workloadNamed(name string) (workload, bool) {
	for _, w := range workloads {
		if w.Name == name {
			return w, true
		}
	}
	return workload{}, false
}

func workloadNames() string {
	var names []string
	for _, w := range workloads {
		names = append(names, w.Name)
	}
	return strings.Join(names, ", ")
}

// writes reports whether the workload writes (and so publishes events on NATS).
func (w workload) writes() bool {
	for _, m := range w.Mix {
		if m.Op == "create" || m.Op == "patch" || m.Op == "connect" {
			return true
		}
	}
	return false
}

// needsSeed reports whether the workload works on existing customers.
func (w workload) needsSeed() bool {
	for _, m := range w.Mix {
		if m.Op != "create" {
			return true
		}
	}
	return false
}

// source returns worker w's request source: ops drawn from the mix with a generator seeded by
// the worker and salt, so a run is repeatable.
func (w workload) source(p *population, worker, salt int) requestSource {
	rng := rand.New(rand.NewPCG(uint64(worker)+1, uint64(salt)))
	total := 0
	for _, m := range w.Mix {
		total += m.Weight
	}
	return func() request {
		k := rng.IntN(total)
		for _, m := range w.Mix {
			if k < m.Weight {
				return p.request(m.Op, rng)
			}
			k -= m.Weight
		}
		panic("unreachable")
	}
}

// request builds one request of kind op.
func (p *population) request(op string, rng *rand.Rand) request {
	switch op {
	case "create":
		i := p.takeCreate()
		return request{Op: op, Method: http.MethodPost, Path: p.base() + "/customers", Body: genPerson(i, p.customerNo(i)).createBody(), Want: http.StatusCreated}
	case "patch":
		i := rng.IntN(p.Seeded)
		n := p.patches.Add(1)
		var body []byte
		if n%4 == 3 {
			body = fmt.Appendf(nil, `{"msisdn": "+4670%07d"}`, n%10_000_000)
		} else {
			body = fmt.Appendf(nil, `{"emailAddress": "changed.%d@example.se"}`, n)
		}
		return request{Op: op, Method: http.MethodPatch, Path: p.base() + "/customers/" + p.customerNo(i), Body: body, Want: http.StatusOK}
	case "get":
		return request{Op: op, Method: http.MethodGet, Path: p.base() + "/customers/" + p.customerNo(rng.IntN(p.Seeded)), Want: http.StatusOK}
	case "get-expand":
		return request{Op: op, Method: http.MethodGet, Path: p.base() + "/customers/" + p.customerNo(rng.IntN(p.Seeded)) + "?$expand=legaladdress,billingaddress", Want: http.StatusOK}
	case "find":
		q := genPerson(rng.IntN(p.Seeded), "")
		body, _ := json.Marshal(map[string]any{"nationalIdentifier": map[string]string{"regNo": q.RegNo, "countryCode": q.Country}})
		return request{Op: op, Method: http.MethodPost, Path: p.base() + "/find-customer", Body: body, Want: http.StatusOK}
	case "connect":
		q := p.swedishPerson(rng)
		body, _ := json.Marshal(map[string]any{"countryCode": "SE", "values": []map[string]string{{"key": "fiscalNumber", "value": q.RegNo}}})
		return request{Op: op, Method: http.MethodPost, Path: "/client/v1/" + p.Merchant + "/products/" + p.Product + "/customerDetails", Body: body, Want: http.StatusOK}
	}
	panic("ledgerbench: unknown op " + op)
}

// swedishPerson draws a seeded Swedish private customer (the demo product looks up Swedish
// fiscal numbers).
func (p *population) swedishPerson(rng *rand.Rand) person {
	for {
		q := genPerson(rng.IntN(p.Seeded), "")
		if q.Country == "SE" && !q.Business {
			return q
		}
	}
}

// ceilingSource turns a workload's requests into requests to the minimal handler: the same
// method and body, answered with a body of the size the service answered that kind of request
// with (sizes from the service's run).
func ceilingSource(next requestSource, route string, sizes map[string]int) requestSource {
	return func() request {
		r := next()
		size := sizes[r.Op]
		return request{Op: r.Op, Method: r.Method, Path: route + "?size=" + strconv.Itoa(size), Body: r.Body, Want: http.StatusOK}
	}
}

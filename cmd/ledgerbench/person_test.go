package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/domain/nordic"
)

// TestGeneratedPeopleAreValid: generated customers pass the domain's own validation (national
// identifiers with their check digits, VAT numbers, MSISDNs, addresses), in the demo ledger's
// policy, with distinct national identifiers, across the index space (its start, and the ends of
// each country's range).
func TestGeneratedPeopleAreValid(t *testing.T) {
	policy := domain.LedgerPolicy{LedgerNo: "1000", CountryCode: "SE"}
	today := time.Now()
	var indexes []int
	for i := 0; i < 3000; i++ {
		indexes = append(indexes, i)
	}
	for i := maxIndex - 2000; i < maxIndex; i++ {
		indexes = append(indexes, i)
	}
	for i := 0; i < 2000; i++ {
		indexes = append(indexes, 7_919*i%maxIndex) // spread over the space
	}
	seen := map[string]int{}
	kinds := map[string]int{}
	for _, i := range indexes {
		p := genPerson(i, fmt.Sprint(1_000_000_000+i))
		cmd, err := domain.ParseCreateCustomer(p.domainInput(), policy, today)
		if err != nil {
			t.Fatalf("person %d (%s %s): %v", i, p.Country, p.RegNo, err)
		}
		id, err := nordic.ParseNationalID(p.Country, p.RegNo, today)
		if err != nil {
			t.Fatalf("person %d: %v", i, err)
		}
		if prev, dup := seen[p.Country+id.Canonical]; dup && prev != i {
			t.Fatalf("persons %d and %d share %s %s", prev, i, p.Country, id.Canonical)
		}
		seen[p.Country+id.Canonical] = i
		kinds[p.Country+"/"+string(id.Kind)]++
		if cmd.CustomerNo() != p.CustomerNo {
			t.Fatalf("customerNo %q, want %q", cmd.CustomerNo(), p.CustomerNo)
		}
	}
	for _, k := range []string{"SE/" + string(nordic.KindPersonnummer), "SE/" + string(nordic.KindOrganisationsnummer),
		"NO/" + string(nordic.KindFodselsnummer), "DK/" + string(nordic.KindCPR), "FI/" + string(nordic.KindHETU)} {
		if kinds[k] == 0 {
			t.Errorf("no %s among the generated people (kinds: %v)", k, kinds)
		}
	}
}

// TestCreateBodyMatchesDomainInput: the JSON body sent over HTTP carries what the offline seed
// gives the domain.
func TestCreateBodyMatchesDomainInput(t *testing.T) {
	for _, i := range []int{0, 2, 4, 6, 19 * 10, 12345} {
		p := genPerson(i, "1234")
		var got map[string]any
		if err := json.Unmarshal(p.createBody(), &got); err != nil {
			t.Fatal(err)
		}
		in := p.domainInput()
		ni := got["nationalIdentifier"].(map[string]any)
		la := got["legalAddress"].(map[string]any)
		if got["customerNo"] != in.CustomerNo.Value || got["name"] != in.Name.Value || ni["regNo"] != in.NationalIdentifier.Value.RegNo.Value ||
			got["msisdn"] != in.MSISDN.Value || la["zipCode"] != in.LegalAddress.Value.ZipCode.Value ||
			(got["billingAddress"] != nil) != in.BillingAddress.HasValue() || (got["vatNo"] != nil) != in.VATNo.HasValue() {
			t.Errorf("person %d: body %s differs from the domain input", i, p.createBody())
		}
	}
}

func TestGenPersonIsDeterministic(t *testing.T) {
	a, b := genPerson(4242, "1"), genPerson(4242, "1")
	if string(a.createBody()) != string(b.createBody()) {
		t.Fatal("genPerson(4242) differs between calls")
	}
}

// TestPatchesOfAnotherRunChangeSomething: a data directory is measured again and again
// (--data-dir), and a PATCH that sets what a PATCH of an earlier run set is a no-op (no event,
// no append), a cheap request that flatters the CPU per PATCH. Each run's PATCHes set values
// of their own.
func TestPatchesOfAnotherRunChangeSomething(t *testing.T) {
	cfg := &config{Ledger: "l"}
	bodies := map[string]bool{}
	for run := 0; run < 2; run++ {
		p := newPopulation(cfg)
		p.Seeded = 1
		rng := rand.New(rand.NewPCG(1, 1))
		for i := 0; i < 8; i++ {
			b := string(p.request("patch", rng).Body)
			if bodies[b] {
				t.Fatalf("run %d, PATCH %d sets %s again", run, i, b)
			}
			bodies[b] = true
		}
	}
}

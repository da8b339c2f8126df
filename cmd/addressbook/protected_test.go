package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAddressBookProtectedIdentity: when a customer's identity becomes protected (skyddad
// identitet), the ledger withholds its personal data from a consumer without the
// population-register scope — and the address book, which is such a consumer, must stop serving
// the name and addresses it copied before: the entry stays, with why, but without them, and the
// book's file no longer holds them.
func TestAddressBookProtectedIdentity(t *testing.T) {
	l := startLedgerd(t)
	l.grant(t, "addressbook")
	l.do(t, http.MethodPost, "/customers", customer("1001", "Anna Andersson", "STOCKHOLM"), http.StatusCreated)
	l.do(t, http.MethodPost, "/customers/1001/billing-address", `{"addressee":"Anna Andersson","city":"LUND","zipCode":"22100","countryCode":"SE"}`, http.StatusCreated)
	l.do(t, http.MethodPost, "/customers", customer("1002", "Bertil Berg", "MALMÖ"), http.StatusCreated)
	data := filepath.Join(t.TempDir(), "addressbook.db")
	r := startBook(t, l, data)
	base := "http://" + <-r.addr
	r.until(t, l.head(t, true))
	var anna Entry
	if st := getJSON(t, base+"/customers/1001", &anna); st != http.StatusOK || anna.Name != "Anna Andersson" {
		t.Fatalf("1001 before: %d %+v", st, anna)
	}

	l.do(t, http.MethodPatch, "/customers/1001", `{"protectedIdentity":true}`, http.StatusOK)
	r.until(t, l.head(t, true))
	anna = Entry{}
	if st := getJSON(t, base+"/customers/1001", &anna); st != http.StatusOK || anna.Name != "" || anna.LegalAddress != nil ||
		anna.BillingAddress != nil || !strings.Contains(anna.Withheld, "protected") {
		t.Errorf("1001 after its identity was protected: %d %+v — want no name, no addresses, and why", st, anna)
	}
	var bertil Entry
	if st := getJSON(t, base+"/customers/1002", &bertil); st != http.StatusOK || bertil.Name != "Bertil Berg" {
		t.Errorf("1002, not protected: %d %+v", st, bertil)
	}
	r.close(t)
	raw, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"Anna", "STOCKHOLM", "LUND"} {
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("the book's file still holds %q of the protected customer", v)
		}
	}
}

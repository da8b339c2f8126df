package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/personal"
	cmds "github.com/nordledger/ledger/internal/app"
	"github.com/nordledger/ledger/internal/datadir"
	"github.com/nordledger/ledger/projections"
)

// testMasterKey is the data directories' generated master key, as ledgerd writes it.
const testMasterKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

// sealedHistory writes, as ledgerd does, a log whose events are sealed (customers 100, 101, ...
// with changes) into a data directory with its master key and key store, forgets customer
// forgotten (its surplus-free history allows it), and builds projections.db from it with the
// runner. It returns the head.
func sealedHistory(t *testing.T, dir string, customers, changes int, forgotten string) uint64 {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, datadir.MasterKey), []byte(testMasterKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ring, _ := personal.ParseMasterKeys(testMasterKey)
	keys, err := personal.OpenStore(filepath.Join(dir, datadir.KeyStore), ring, personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	pd := personal.NewProtector(keys)
	store := openTestLog(t, dir)
	defer store.Close()
	h, err := cmds.New(store, cmds.Config{ReservationKey: []byte(testKey), Protector: pd, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	meta := cmds.Meta{Actor: "alice", Time: testTime}
	for i := range customers {
		cmd, err := domain.ParseCreateCustomer(domain.CustomerInput{
			CustomerNo: domain.Set(fmt.Sprint(100 + i)), Name: domain.Set(fmt.Sprintf("Sealed Customer %d", i)),
			NationalIdentifier: domain.Set(domain.NationalIdentifierInput{RegNo: domain.Set(regNo(i)), CountryCode: domain.Set("SE")}),
			LegalAddress: domain.Set(domain.AddressInput{Addressee: domain.Set("Sealed"), StreetAddress: domain.Set(fmt.Sprintf("Förseglad gatan %d", i)),
				City: domain.Set("LÅSTAD"), ZipCode: domain.Set("12345"), CountryCode: domain.Set("SE")}),
		}, testLedger, testTime)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Create(ctx, testLedger, cmd, meta); err != nil {
			t.Fatal(err)
		}
	}
	for i := range changes {
		patch, _ := domain.ParsePatchCustomer(domain.PatchInput{EmailAddress: domain.Set(fmt.Sprintf("sealed%d@example.com", i))})
		if _, err := h.Execute(ctx, "1000", fmt.Sprint(100+i%customers), nil, meta, func(c *domain.Customer) ([]domain.Event, error) { return c.Patch(patch) }); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.Forget(ctx, testLedger, forgotten, cmds.Meta{Actor: "dpo", Time: testTime.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	db, err := projections.OpenDB(filepath.Join(dir, datadir.Projections))
	if err != nil {
		t.Fatal(err)
	}
	set := projections.NewSet(db, func(ledgerNo string, ni domain.NationalIdentifier) string {
		return cmds.NationalIDKey([]byte(testKey), ledgerNo, ni)
	}).Protect(pd)
	r, _ := projections.NewRunner(db, quiet, set.All()...)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Follow(rctx, store) }()
	head, _ := store.Head(ctx)
	wctx, wcancel := context.WithTimeout(ctx, 60*time.Second)
	defer wcancel()
	if err := r.WaitFor(wctx, head); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return head
}

// TestVerifyAndRebuildAfterForget: a data directory of sealed events with a forgotten customer
// verifies; a rebuild makes the same read models (the forgotten customer forgotten, the others
// readable with the key store and master key), and verifies again.
func TestVerifyAndRebuildAfterForget(t *testing.T) {
	dir := newDataDir(t)
	head := sealedHistory(t, dir, 6, 30, "102")
	for _, args := range [][]string{{"verify"}, {"rebuild"}, {"verify"}} {
		stdout, stderr, code := runCLI(t, nil, append(args, "--data-dir", dir)...)
		if code != exitOK {
			t.Fatalf("%s: exit %d\n%s\n%s", args[0], code, stdout, stderr)
		}
		if args[0] == "verify" {
			wantContains(t, "stdout", stdout, "projection customers: ok (checkpoint "+itoa(int(head)), "projection audit: ok", "verify: ok\n")
		}
	}
	ring, _ := personal.ParseMasterKeys(testMasterKey)
	keys, err := personal.OpenStore(filepath.Join(dir, datadir.KeyStore), ring, personal.StoreOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	db, err := projections.OpenReadOnly(filepath.Join(dir, datadir.Projections), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := projections.NewSet(db, nil).Protect(personal.NewProtector(keys)).Customers
	for i := range 6 {
		s, found, err := c.Customer(context.Background(), "1000", fmt.Sprint(100+i))
		if err != nil || !found {
			t.Fatalf("customer %d: %v %v", 100+i, found, err)
		}
		if forgotten := i == 2; s.Forgotten != forgotten || (!forgotten && s.Name != fmt.Sprintf("Sealed Customer %d", i)) || (forgotten && s.Name != "") {
			t.Errorf("customer %d after the rebuild: %+v", 100+i, s)
		}
	}
	// Without the master key the sealed events cannot be verified: a clear error, not a pass.
	_, stderr, code := runCLI(t, nil, "verify", "--data-dir", dir, "--master-key-file", filepath.Join(dir, "none.key"))
	if code == exitOK || !strings.Contains(stderr, "master keys") {
		t.Errorf("verify without the master key: exit %d, %s", code, stderr)
	}
}

// TestCompact: after a forget, the released reservation of the customer's national identifier
// (a keyed hash) lingers in a freed page of events.db; compact rewrites the file without it,
// every event as it was.
func TestCompact(t *testing.T) {
	dir := newDataDir(t)
	head := sealedHistory(t, dir, 4, 8, "101")
	hash := cmds.NationalIDKey([]byte(testKey), "1000", domain.NationalIdentifier{RegNo: regNo(1), CountryCode: "SE"})
	kept := cmds.NationalIDKey([]byte(testKey), "1000", domain.NationalIdentifier{RegNo: regNo(2), CountryCode: "SE"})
	events := filepath.Join(dir, datadir.Events)
	before, _ := os.ReadFile(events)
	if !strings.Contains(string(before), hash) {
		t.Skip("the released reservation is not in a freed page this time: nothing to show")
	}
	stdout, stderr, code := runCLI(t, nil, "compact", "--data-dir", dir)
	if code != exitOK || !strings.Contains(stdout, "head "+itoa(int(head))) {
		t.Fatalf("compact: exit %d\n%s\n%s", code, stdout, stderr)
	}
	after, _ := os.ReadFile(events)
	if strings.Contains(string(after), hash) {
		t.Error("the released reservation is still in events.db")
	}
	if !strings.Contains(string(after), kept) {
		t.Error("a live reservation is gone")
	}
	if stdout, stderr, code := runCLI(t, nil, "verify", "--data-dir", dir); code != exitOK {
		t.Fatalf("verify after compact: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// TestVerifyWithoutKeyStore: verify on a data directory whose key store is missing while its log
// holds sealed events names the missing key store (exit 1); it listed every sealed event as a
// problem of the log ("no protector"), as if the log were damaged.
func TestVerifyWithoutKeyStore(t *testing.T) {
	dir := newDataDir(t)
	sealedHistory(t, dir, 3, 2, "101")
	if err := os.Remove(filepath.Join(dir, datadir.KeyStore)); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runCLI(t, nil, "verify", "--data-dir", dir, "--projection", "none")
	if code != exitFailure || !strings.Contains(stderr, "no key store") || !strings.Contains(stderr, filepath.Join(dir, datadir.KeyStore)) ||
		strings.Contains(stdout, "no protector") {
		t.Errorf("verify without keys.db: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
}

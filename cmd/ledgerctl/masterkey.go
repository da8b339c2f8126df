package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"

	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/internal/admin"
	"github.com/nordledger/ledger/internal/datadir"
)

var masterKeyHelp = `
Usage: ledgerctl master-key rotate [--data-dir DIR] [flags]
       ledgerctl master-key new

rotate re-wraps every customer's data key with the current master key — the
first in ledgerd's master key file ($LEDGERD_MASTER_KEY_FILE, or
<data-dir>/master.key) — while ledgerd runs: ledgerd reads its master keys
again and re-wraps the keys a batch per transaction (over its admin socket,
--socket); when no ledgerd is running the command does it on the key store
itself. The old keys must still be listed after the new one until the rotation
is done; then remove them. It is done when rotate succeeds (exit status 0): once
the key bus, whose keys reader replicas unwrap, holds every re-wrapped key.
With NATS down, or offline until ledgerd has started, it exits 1 and says so:
run it again. Reader replicas need the new key in their file before
the rotation (they read it again when they meet it). With $LEDGERD_MASTER_KEY
instead of a file, ledgerd reads the keys only at start: restart it with the new
value first (the new key first, the old after it), then rotate.

new prints a new random master key (64 hex digits) and its id to add to the file
(with --json: {"key": ..., "id": ...}); a key it could not write is exit status 1.

Steps of a rotation (docs/data-protection.md):

  ledgerctl master-key new                        # a new key
  # put it first in the master key file of the writer and of every reader
  ledgerctl master-key rotate --data-dir /var/lib/ledgerd
  # remove the old key from the files
`

type masterKeyFlags struct {
	adminFlags
	json bool
}

func runMasterKey(e *env, args []string) int {
	var f masterKeyFlags
	fs := flag.NewFlagSet("master-key", flag.ContinueOnError)
	f.register(fs, e)
	fs.BoolVar(&f.json, "json", false, "print the report as JSON")
	if len(args) == 0 || (args[0] != "rotate" && args[0] != "new") {
		if code, ok := parseFlags(e, fs, masterKeyHelp, args); !ok {
			return code
		}
		return fail(e, fs, usagef("give a subcommand: rotate or new"))
	}
	sub := args[0]
	if code, ok := parseFlags(e, fs, masterKeyHelp, args[1:]); !ok {
		return code
	}
	if sub == "new" {
		key, err := personal.NewMasterKey()
		if err != nil {
			return fail(e, fs, err)
		}
		id, err := personal.MasterKeyID(key)
		if err != nil {
			return fail(e, fs, err)
		}
		// A key not written (a full disk under ">> master.key") is no success.
		if f.json {
			err = writeJSON(e.stdout, struct {
				Key string `json:"key"`
				ID  string `json:"id"`
			}{key, id})
		} else {
			_, err = fmt.Fprintf(e.stdout, "%s # %s\n", key, id)
		}
		if err != nil {
			return fail(e, fs, err)
		}
		return exitOK
	}
	rep, online, err := rotate(e, &f)
	if err != nil {
		return fail(e, fs, err)
	}
	if err := keysNotRead(e, rep, online); err != nil {
		return fail(e, fs, err)
	}
	if f.json {
		err = writeJSON(e.stdout, rep)
	} else {
		where := "the key store (offline)"
		if online {
			where = "ledgerd"
		}
		all := "all " + strconv.Itoa(rep.Keys) + " are"
		if rep.Keys == 1 {
			all = "the one is"
		}
		_, err = fmt.Fprintf(e.stdout, "%s re-wrapped %s: %s wrapped by %s (%s none)\n",
			where, quantity(rep.Rewrapped, "data key", "data keys"), all, rep.Current, quantity(rep.Destroyed, "forgotten customer has", "forgotten customers have"))
	}
	if err != nil {
		return fail(e, fs, err)
	}
	switch {
	// keys.db is rotated, but the readers get the re-wrapped keys from the key bus: until it holds
	// them they still need the old master key, which the docs say to remove next.
	case rep.Unpublished > 0 && online:
		return fail(e, fs, fmt.Errorf("the key store is rotated, but %s not on the key bus yet (is NATS up? see /readyz): reader replicas still need the old master key — keep it in every file, and run rotate again until it succeeds", quantity(rep.Unpublished, "record of it is", "records of it are")))
	case rep.Unpublished > 0:
		return fail(e, fs, fmt.Errorf("the key store is rotated, but %s not on the key bus yet: ledgerd publishes them when it starts, and reader replicas still need the old master key until then — keep it in every file, start ledgerd and run rotate again until it succeeds", quantity(rep.Unpublished, "record of it is", "records of it are")))
	}
	return exitOK
}

// keysNotRead reports a rotation by a running ledgerd to another current master key than the
// one $LEDGERD_MASTER_KEY here begins with: ledgerd reads that variable only at start, so a new
// value set in the operator's shell (the docs' steps for a file, followed with the variable) was
// not used — the data keys are still wrapped by the key the operator is about to remove.
func keysNotRead(e *env, rep personal.RotateReport, online bool) error {
	given := e.getenv(datadir.EnvMasterKey)
	if !online || given == "" {
		return nil
	}
	ring, err := personal.ParseMasterKeys(given)
	if err != nil {
		return fmt.Errorf("%s: %w", datadir.EnvMasterKey, err)
	}
	if ring.Current() == rep.Current {
		return nil
	}
	return fmt.Errorf("ledgerd wrapped every data key by its current master key %s, but %s here begins with %s: ledgerd reads %s only at start — restart it with the new value (the new key first, the old after it), then rotate again; keep the old key until then",
		rep.Current, datadir.EnvMasterKey, ring.Current(), datadir.EnvMasterKey)
}

func rotate(e *env, f *masterKeyFlags) (rep personal.RotateReport, online bool, err error) {
	// ledgerd answers once the rotation is done, however many keys it re-wraps: no bound.
	client, err := f.adminClient(e, 0)
	if err != nil {
		return rep, false, err
	}
	if client != nil {
		rep, err = rotateOnline(e.ctx, client)
		return rep, true, err
	}
	// The key store must be there: a rotation of a new, empty one (a reader's data directory, a
	// mistyped --data-dir) would report every key wrapped by the new master key, and the old key
	// would be removed while the writer's keys still need it. A writer makes its key store at
	// its first start.
	if _, err := os.Stat(f.keyStorePath()); err != nil {
		return rep, false, fmt.Errorf("no key store to rotate (is --data-dir the writer's data directory? --key-store): %w", err)
	}
	ring, err := f.masterKeys()
	if err != nil {
		return rep, false, err
	}
	s, err := personal.OpenStore(f.keyStorePath(), ring, personal.StoreOptions{LockTimeout: f.wait})
	if err != nil {
		return rep, false, err
	}
	defer s.Close()
	if rep, err = s.Rotate(e.ctx, ring); err != nil {
		return rep, false, err
	}
	// No ledgerd publishes the key store's changes meanwhile: what it holds for the key bus waits
	// for the next start.
	pending, err := s.Pending(1000)
	rep.Unpublished = len(pending)
	return rep, false, err
}

func rotateOnline(ctx context.Context, client *http.Client) (personal.RotateReport, error) {
	var rep personal.RotateReport
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, admin.URL(admin.RotateMasterKeys), nil)
	if err != nil {
		return rep, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return rep, fmt.Errorf("asking ledgerd to rotate: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return rep, fmt.Errorf("ledgerd refused the rotation: %s", admin.ReadError(resp))
	}
	return rep, json.NewDecoder(resp.Body).Decode(&rep)
}

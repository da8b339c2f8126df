package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/eventstore/personal/disclosure"
	"github.com/nordledger/ledger/internal/admin"
	"github.com/nordledger/ledger/internal/datadir"
)

var backupHelp = `
Usage: ledgerctl backup --out FILE [--keys | --disclosures] [--data-dir DIR] [flags]

Writes a consistent copy of ledgerd's event log (events.db) — or with --keys of
its key store (keys.db), with --disclosures of its grants of personal data to
consumers and their record of disclosures (disclosures.db) — to FILE, while
ledgerd runs: ledgerd copies the file
in one read transaction and streams it over its admin socket
(<data-dir>/admin.sock, --socket). When no ledgerd is running the command copies
the file itself. The copy is checked to open before it is renamed into place.

Back the two up apart, and keep them apart (docs/data-protection.md): the log's
backups hold the customers' personal data sealed, the key store's the keys that
open it. A forgotten customer's key is gone from every key-store backup taken
after the forget; keep key-store backups no longer than the erasure must take.
The disclosure store holds no personal data (consumers, customer numbers,
positions, times): keep its backups with the log's.

Examples:

  ledgerctl backup --data-dir /var/lib/ledgerd --out /backup/events-$(date +%F).db
  ledgerctl backup --data-dir /var/lib/ledgerd --keys --out /secure/keys-$(date +%F).db
  ledgerctl backup --data-dir /var/lib/ledgerd --disclosures --out /backup/disclosures-$(date +%F).db
`

type backupFlags struct {
	adminFlags
	out         string
	keys        bool
	disclosures bool
	json        bool
}

// what names the file backed up: "events", "keys" or "disclosures".
func (f *backupFlags) what() string {
	switch {
	case f.keys:
		return "keys"
	case f.disclosures:
		return "disclosures"
	}
	return "events"
}

// backupSummary is what backup prints.
type backupSummary struct {
	File    string  `json:"file"`
	What    string  `json:"what"` // "events", "keys" or "disclosures"
	Bytes   int64   `json:"bytes"`
	Head    uint64  `json:"head,omitempty"` // the event log's last position in the copy
	Online  bool    `json:"online"`         // copied by a running ledgerd
	Seconds float64 `json:"seconds"`
}

func runBackup(e *env, args []string) int {
	var f backupFlags
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	f.register(fs, e)
	fs.StringVar(&f.out, "out", "", "the `file` to write (required; not overwritten)")
	fs.BoolVar(&f.keys, "keys", false, "back up the key store instead of the event log")
	fs.BoolVar(&f.disclosures, "disclosures", false, "back up the disclosure store (consumers' grants, disclosures) instead of the event log")
	fs.BoolVar(&f.json, "json", false, "print the summary as JSON")
	if code, ok := parseFlags(e, fs, backupHelp, args); !ok {
		return code
	}
	if f.out == "" {
		return fail(e, fs, usagef("--out is required"))
	}
	if f.keys && f.disclosures {
		return fail(e, fs, usagef("give --keys or --disclosures, not both"))
	}
	sum, err := backup(e, &f)
	if err != nil {
		return fail(e, fs, err)
	}
	if f.json {
		err = writeJSON(e.stdout, sum)
	} else {
		_, err = fmt.Fprintf(e.stdout, "backed up the %s (%d bytes%s) to %s\n", map[string]string{"events": "event log", "keys": "key store", "disclosures": "disclosure store"}[f.what()],
			sum.Bytes, map[bool]string{false: "", true: ", head " + strconv.FormatUint(sum.Head, 10)}[f.what() == "events"], sum.File)
	}
	if err != nil {
		return fail(e, fs, err)
	}
	return exitOK
}

func backup(e *env, f *backupFlags) (sum backupSummary, err error) {
	sum.File, sum.What = f.out, f.what()
	if _, err := os.Stat(f.out); err == nil {
		return sum, fmt.Errorf("%s exists: choose another --out", f.out)
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.out), filepath.Base(f.out)+".part-*")
	if err != nil {
		return sum, err
	}
	defer func() {
		tmp.Close()
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	start := e.now()
	client, err := f.adminClient(e, adminAnswerWithin)
	if err != nil {
		return sum, err
	}
	if client != nil {
		sum.Online = true
		sum.Bytes, err = backupOnline(e.ctx, client, sum.What, tmp)
	} else {
		sum.Bytes, err = backupOffline(e.ctx, &f.dataFlags, sum.What, tmp)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return sum, err
	}
	if sum.Head, err = checkCopy(tmp.Name(), sum.What); err != nil {
		return sum, fmt.Errorf("the copy does not open: %w", err)
	}
	if err = publishCopy(tmp.Name(), f.out); err != nil {
		return sum, err
	}
	sum.Seconds = e.now().Sub(start).Seconds()
	return sum, nil
}

func backupOnline(ctx context.Context, client *http.Client, what string, w io.Writer) (int64, error) {
	route := map[string]string{"events": admin.BackupEvents, "keys": admin.BackupKeys, "disclosures": admin.BackupDisclosures}[what]
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, admin.URL(route), nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, adminError("asking ledgerd for the backup", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("ledgerd refused the backup: %s %s", resp.Status, admin.ReadError(resp))
	}
	dst := &recordingWriter{w: w}
	n, err := io.Copy(dst, resp.Body)
	if err != nil && dst.err != nil { // this side: the output cannot be written (a full disk)
		return n, fmt.Errorf("writing the backup failed after %d bytes: %w (nothing was kept)", n, dst.err)
	}
	if err != nil {
		return n, fmt.Errorf("the backup stream broke off after %d bytes: %w (nothing was kept; ledgerd cuts a backup that takes nothing of the copy for its -backup-stall-timeout, 1m by default — this command stopped, or its disk or pipe stuck —, a key-store backup still copying that long after a forget began to wait for it, and a backup during which its file grew by more than 1 GiB (less where the file's memory map has less to spare) — for these two, back up to a local disk —, and its backups when it stops: its log says which)", n, err)
	}
	return n, nil
}

// recordingWriter passes writes to w and keeps the first error: io.Copy returns a reader's error
// and a writer's alike.
type recordingWriter struct {
	w   io.Writer
	err error
}

func (r *recordingWriter) Write(p []byte) (int, error) {
	n, err := r.w.Write(p)
	if err != nil && r.err == nil {
		r.err = err
	}
	return n, err
}

// backupOffline copies a file no ledgerd holds, in one read transaction.
func backupOffline(ctx context.Context, d *dataFlags, what string, w io.Writer) (int64, error) {
	if what == "disclosures" {
		s, err := disclosure.Open(d.path(datadir.Disclosures), disclosure.Options{ReadOnly: true, LockTimeout: d.wait})
		if errors.Is(err, disclosure.ErrLocked) {
			return 0, fmt.Errorf("%w\n(ledgerd runs without its admin socket: give --socket, or enable it)", errInUse(d.path(datadir.Disclosures)))
		}
		if err != nil {
			return 0, err
		}
		defer s.Close()
		return s.Backup(w)
	}
	if what == "keys" {
		s, err := personal.OpenStore(d.keyStorePath(), nil, personal.StoreOptions{ReadOnly: true, LockTimeout: d.wait})
		if errors.Is(err, personal.ErrLocked) {
			return 0, fmt.Errorf("%w\n(ledgerd runs without its admin socket: give --socket, or enable it)", errInUse(d.keyStorePath()))
		}
		if err != nil {
			return 0, err
		}
		defer s.Close()
		return s.Backup(w)
	}
	store, err := d.openLog()
	if err != nil {
		if errors.As(err, new(*datadir.InUseError)) {
			return 0, fmt.Errorf("%w\n(ledgerd runs without its admin socket: give --socket, or enable it)", err)
		}
		return 0, err
	}
	defer store.Close()
	info, err := store.Backup(ctx, w)
	return info.Bytes, err
}

// checkCopy opens a copy as ledgerd would and returns the log's head (0 for a key store).
func checkCopy(path string, what string) (uint64, error) {
	switch what {
	case "keys":
		return 0, personal.CheckFile(path)
	case "disclosures":
		s, err := disclosure.Open(path, disclosure.Options{ReadOnly: true, LockTimeout: time.Second})
		if err != nil {
			return 0, err
		}
		return 0, s.Close()
	}
	s, err := eventstore.Open(path, eventstore.Options{ReadOnly: true, LockTimeout: time.Second})
	if err != nil {
		return 0, err
	}
	defer s.Close()
	return s.Head(context.Background())
}

// publishCopy puts the checked copy tmp at out without replacing a file that appeared there
// since the backup began (another backup to the same name, run at the same time): a hard link
// fails when out exists, where a rename would replace it. On a file system without hard links it
// falls back to checking, then renaming.
func publishCopy(tmp, out string) error {
	err := os.Link(tmp, out)
	switch {
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("%s exists (written while this backup ran): choose another --out; this copy is discarded", out)
	case err != nil:
		if _, serr := os.Stat(out); serr == nil {
			return fmt.Errorf("%s exists (written while this backup ran): choose another --out; this copy is discarded", out)
		}
		return datadir.Replace(tmp, out)
	}
	if err := os.Remove(tmp); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(out))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}

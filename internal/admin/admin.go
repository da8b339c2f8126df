// Package admin is the protocol of ledgerd's operator routes, served on a Unix socket in its data
// directory (ledgerd's own user may use it, nobody over the network): the routes, their bodies
// and errors, which ledgerd serves (cmd/ledgerd/admin.go) on the socket Listen makes, and
// ledgerctl asks (Dial).
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"syscall"

	"github.com/nordledger/ledger/eventstore/personal/disclosure"
)

// The operator routes.
const (
	BackupEvents      = "/admin/v1/backup/events"      // GET: a consistent copy of events.db
	BackupKeys        = "/admin/v1/backup/keys"        // GET: a consistent copy of the key store
	BackupDisclosures = "/admin/v1/backup/disclosures" // GET: a consistent copy of disclosures.db
	RotateMasterKeys  = "/admin/v1/master-keys/rotate" // POST: re-read the master keys, re-wrap every data key (personal.RotateReport)
	Consumers         = "/admin/v1/consumers"          // GET: the consumers' grants and their history (Grants)
	ConsumersGrant    = "/admin/v1/consumers/grant"    // POST GrantChange: a disclosure.Grant
	ConsumersRevoke   = "/admin/v1/consumers/revoke"   // POST GrantChange: a disclosure.Grant
	// HeaderLogHead is the log's head when a backup of the event log began: the copy holds it.
	HeaderLogHead = "Ledger-Log-Head"
)

// GrantChange is the body of ConsumersGrant and ConsumersRevoke.
type GrantChange struct {
	LedgerNo string `json:"ledgerNo"`
	Consumer string `json:"consumer"`
	By       string `json:"by"`
	Note     string `json:"note,omitempty"`
}

// Grants is the answer of Consumers.
type Grants struct {
	Grants  []disclosure.Grant       `json:"grants"`
	History []disclosure.GrantChange `json:"history,omitempty"`
}

// Error is the body of a refusal: {"error": "..."}.
type Error struct {
	Error string `json:"error"`
}

// WriteError answers a refusal.
func WriteError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(Error{Error: err.Error()})
}

// ReadError returns the reason of a refusal ("" when the body has none).
func ReadError(resp *http.Response) string {
	var e Error
	json.NewDecoder(resp.Body).Decode(&e)
	return e.Error
}

// Dial returns an HTTP client of the admin socket at path, or nil when no ledgerd listens there
// (no socket file, or nobody behind it). Its requests go to "http://ledgerd" + route.
func Dial(ctx context.Context, path string) (*http.Client, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, "unix", path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.Close()
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		},
	}}, nil
}

// URL is the URL of a route on a client made by Dial.
func URL(route string) string { return "http://ledgerd" + route }

package disclosure

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	bolt "go.etcd.io/bbolt"
)

// ErrNotGranted: the consumer holds no grant of the ledger's personal data (never granted, or
// revoked).
var ErrNotGranted = errors.New("disclosure: the consumer holds no grant of this ledger's personal data")

// ErrInvalidName: a ledger number or consumer name that cannot be granted (empty, too long, or
// with control characters; a ledger number with '/').
var ErrInvalidName = errors.New("disclosure: invalid ledger number or consumer name")

// Grant is a consumer's access to the personal data of one ledger's events. The consumer is the
// subject (sub) of the bearer tokens it sends. A revoked grant stays on record with RevokedAt.
type Grant struct {
	LedgerNo  string     `json:"ledgerNo"`
	Consumer  string     `json:"consumer"`
	GrantedAt time.Time  `json:"grantedAt"`
	GrantedBy string     `json:"grantedBy,omitempty"`
	Note      string     `json:"note,omitempty"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
	RevokedBy string     `json:"revokedBy,omitempty"`
}

// Active reports whether the grant is in force.
func (g Grant) Active() bool { return g.RevokedAt == nil }

// GrantChange is one entry of the grants' history: a grant or a revocation.
type GrantChange struct {
	Time     time.Time `json:"time"`
	Action   string    `json:"action"` // ActionGrant or ActionRevoke
	LedgerNo string    `json:"ledgerNo"`
	Consumer string    `json:"consumer"`
	By       string    `json:"by,omitempty"`
	Note     string    `json:"note,omitempty"`
}

// Actions of a GrantChange.
const (
	ActionGrant  = "grant"
	ActionRevoke = "revoke"
)

func grantKey(ledgerNo, consumer string) []byte { return []byte(ledgerNo + "\x00" + consumer) }

func validName(s string, max int, slash bool) bool {
	if s == "" || len(s) > max || strings.TrimSpace(s) != s {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || (!slash && r == '/') {
			return false
		}
	}
	return true
}

func checkNames(ledgerNo, consumer string) error {
	if !validName(ledgerNo, 64, false) || !validName(consumer, 256, true) {
		return fmt.Errorf("%w: ledger %q, consumer %q", ErrInvalidName, ledgerNo, consumer)
	}
	return nil
}

func getGrant(tx *bolt.Tx, ledgerNo, consumer string) (Grant, bool, error) {
	v := tx.Bucket(bucketGrants).Get(grantKey(ledgerNo, consumer))
	if v == nil {
		return Grant{}, false, nil
	}
	var g Grant
	if err := json.Unmarshal(v, &g); err != nil {
		return Grant{}, false, fmt.Errorf("disclosure: grant of %s on %s: %w", consumer, ledgerNo, err)
	}
	return g, true, nil
}

func putGrant(tx *bolt.Tx, g Grant, change GrantChange) error {
	v, err := json.Marshal(g)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketGrants).Put(grantKey(g.LedgerNo, g.Consumer), v); err != nil {
		return err
	}
	log := tx.Bucket(bucketGrantLog)
	seq, err := log.NextSequence()
	if err != nil {
		return err
	}
	c, err := json.Marshal(change)
	if err != nil {
		return err
	}
	return log.Put(u64(seq), c)
}

// Grant gives consumer access to the personal data of ledger ledgerNo's events from at on; by
// names the operator and note says why (both recorded). Granting a grant in force changes
// nothing and returns it.
func (s *Store) Grant(ledgerNo, consumer, by, note string, at time.Time) (Grant, error) {
	if err := checkNames(ledgerNo, consumer); err != nil {
		return Grant{}, err
	}
	at = at.UTC()
	var g Grant
	err := s.update(func(tx *bolt.Tx) error {
		cur, found, err := getGrant(tx, ledgerNo, consumer)
		if err != nil {
			return err
		}
		if found && cur.Active() {
			g = cur
			return nil
		}
		g = Grant{LedgerNo: ledgerNo, Consumer: consumer, GrantedAt: at, GrantedBy: by, Note: note}
		return putGrant(tx, g, GrantChange{Time: at, Action: ActionGrant, LedgerNo: ledgerNo, Consumer: consumer, By: by, Note: note})
	})
	return g, err
}

// Revoke ends consumer's grant on ledgerNo at at: no disclosure is made to it once Revoke has
// returned. It fails with ErrNotGranted when no grant is in force.
func (s *Store) Revoke(ledgerNo, consumer, by string, at time.Time) (Grant, error) {
	if err := checkNames(ledgerNo, consumer); err != nil {
		return Grant{}, err
	}
	at = at.UTC()
	var g Grant
	err := s.update(func(tx *bolt.Tx) error {
		cur, found, err := getGrant(tx, ledgerNo, consumer)
		if err != nil {
			return err
		}
		if !found || !cur.Active() {
			return fmt.Errorf("%w (%s on ledger %s)", ErrNotGranted, consumer, ledgerNo)
		}
		g = cur
		g.RevokedAt, g.RevokedBy = &at, by
		return putGrant(tx, g, GrantChange{Time: at, Action: ActionRevoke, LedgerNo: ledgerNo, Consumer: consumer, By: by})
	})
	return g, err
}

// Granted reports whether consumer holds a grant in force on ledgerNo.
func (s *Store) Granted(ledgerNo, consumer string) (bool, error) {
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		g, found, err := getGrant(tx, ledgerNo, consumer)
		ok = found && g.Active()
		return err
	})
	return ok, err
}

// Grants returns every consumer's latest grant, in force or revoked, by ledger and consumer.
func (s *Store) Grants() ([]Grant, error) { return readAll[Grant](s, bucketGrants, "grant") }

// History returns every grant and revocation ever made, oldest first.
func (s *Store) History() ([]GrantChange, error) {
	return readAll[GrantChange](s, bucketGrantLog, "grant history")
}

// readAll decodes every value of bucket from JSON, in key order; what names a value in errors.
func readAll[T any](s *Store, bucket []byte, what string) ([]T, error) {
	var out []T
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			var x T
			if err := json.Unmarshal(v, &x); err != nil {
				return fmt.Errorf("disclosure: %s %q: %w", what, k, err)
			}
			out = append(out, x)
			return nil
		})
	})
	return out, err
}

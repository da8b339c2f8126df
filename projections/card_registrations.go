package projections

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nordledger/ledger/domain"
	bolt "go.etcd.io/bbolt"
)

// The recurring-card registrations index, kept by the customer projection (its state holds each
// customer's latest registration; these buckets find a registration by id, and the Initialized
// ones by expiry). A log written before consents existed holds no consent events, so these
// buckets start empty without a rebuild.
var (
	bucketCardRegistrations = []byte("card_registrations")         // registration id → JSON of cardRegistrationEntry
	bucketCardPending       = []byte("card_registrations_pending") // expiresAt (big-endian Unix ns) ‖ id → "": Initialized registrations
)

// cardRegistrationEntry is where a registration belongs.
type cardRegistrationEntry struct {
	LedgerNo   string    `json:"ledgerNo"`
	CustomerNo string    `json:"customerNo"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

// CardRegistrationRef names a registration and its customer.
type CardRegistrationRef struct {
	LedgerNo, CustomerNo, RegistrationID string
	ExpiresAt                            time.Time
}

func pendingKey(expiresAt time.Time, id string) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(expiresAt.UnixNano())), id...)
}

// applyCardRegistration keeps the index for a customer's event.
func applyCardRegistration(tx *bolt.Tx, ledgerNo, customerNo string, ev domain.Event) error {
	regs, pending := tx.Bucket(bucketCardRegistrations), tx.Bucket(bucketCardPending)
	var ended string
	switch e := ev.(type) {
	case domain.RecurringCardRegistrationStarted:
		data, err := json.Marshal(cardRegistrationEntry{LedgerNo: ledgerNo, CustomerNo: customerNo, ExpiresAt: e.ExpiresAt})
		if err != nil {
			return err
		}
		if err := regs.Put([]byte(e.RegistrationID), data); err != nil {
			return err
		}
		return pending.Put(pendingKey(e.ExpiresAt, e.RegistrationID), nil)
	case domain.RecurringCardRegistrationCompleted:
		ended = e.RegistrationID
	case domain.RecurringCardRegistrationAborted:
		ended = e.RegistrationID
	case domain.RecurringCardRegistrationFailed:
		ended = e.RegistrationID
	default:
		return nil
	}
	v := regs.Get([]byte(ended))
	if v == nil {
		return nil // the aggregate checked the registration; an index without it lost nothing to remove
	}
	var entry cardRegistrationEntry
	if err := json.Unmarshal(v, &entry); err != nil {
		return fmt.Errorf("card registration index: %w", err)
	}
	return pending.Delete(pendingKey(entry.ExpiresAt, ended))
}

// CardRegistration returns the customer a recurring-card registration belongs to (any
// registration ever started, ended ones included).
func (p *Customers) CardRegistration(ctx context.Context, registrationID string) (ledgerNo, customerNo string, found bool, err error) {
	err = p.db.view(ctx, func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketCardRegistrations).Get([]byte(registrationID))
		if v == nil {
			return nil
		}
		var entry cardRegistrationEntry
		if err := json.Unmarshal(v, &entry); err != nil {
			return err
		}
		ledgerNo, customerNo, found = entry.LedgerNo, entry.CustomerNo, true
		return nil
	})
	return ledgerNo, customerNo, found, err
}

// ExpiredCardRegistrations returns up to limit Initialized registrations whose expiry time is at
// or before now, earliest first.
func (p *Customers) ExpiredCardRegistrations(ctx context.Context, now time.Time, limit int) ([]CardRegistrationRef, error) {
	var out []CardRegistrationRef
	upTo := binary.BigEndian.AppendUint64(nil, uint64(now.UnixNano()))
	err := p.db.view(ctx, func(tx *bolt.Tx) error {
		regs := tx.Bucket(bucketCardRegistrations)
		c := tx.Bucket(bucketCardPending).Cursor()
		for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
			if len(k) < 8 || bytes.Compare(k[:8], upTo) > 0 {
				break
			}
			id := string(k[8:])
			var entry cardRegistrationEntry
			if v := regs.Get([]byte(id)); v == nil {
				continue
			} else if err := json.Unmarshal(v, &entry); err != nil {
				return err
			}
			out = append(out, CardRegistrationRef{LedgerNo: entry.LedgerNo, CustomerNo: entry.CustomerNo, RegistrationID: id, ExpiresAt: entry.ExpiresAt})
		}
		return nil
	})
	return out, err
}

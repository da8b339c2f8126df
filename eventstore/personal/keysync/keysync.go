// Package keysync is the key bus: it carries the writer's data keys, wrapped by the master key,
// to reader replicas through a JetStream key-value bucket, so a reader holding the master key
// opens the sealed events it reads from the stream exactly as the writer does, and builds the
// same read models. The writer's Publisher copies every change of its key store into the bucket
// (the key store is the outbox: a change is published until the bucket acknowledged it); a
// reader's Source watches the bucket. A forgotten customer's entry becomes a tombstone, and the
// message that held its wrapped key is erased first (JetStream's secure delete overwrites it on
// disk), so the bucket keeps nothing a master key could unwrap.
package keysync

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/nordledger/ledger/eventstore/personal"
)

// DefaultBucket is the key-value bucket of the key bus.
const DefaultBucket = "LEDGER_KEYS"

// entryKey is a subject's key in the bucket: base64url of the subject (bucket keys allow only
// letters, digits and - / _ = .; a ledger number may hold others).
func entryKey(subject string) string {
	return "k." + base64.RawURLEncoding.EncodeToString([]byte(subject))
}

func subjectOf(key string) (string, bool) {
	if len(key) < 3 || key[:2] != "k." {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(key[2:])
	return string(b), err == nil
}

// entry is the value of a subject's bucket entry: its key record without the subject.
type entry struct {
	Rev       uint64 `json:"rev"`
	Destroyed bool   `json:"destroyed,omitempty"`
	Master    string `json:"master,omitempty"`
	Wrapped   []byte `json:"wrapped,omitempty"`
}

func encodeEntry(r personal.KeyRecord) ([]byte, error) {
	return json.Marshal(entry{Rev: r.Rev, Destroyed: r.Destroyed, Master: r.Master, Wrapped: r.Wrapped})
}

func decodeEntry(subject string, b []byte) (personal.KeyRecord, error) {
	var e entry
	if err := json.Unmarshal(b, &e); err != nil {
		return personal.KeyRecord{}, fmt.Errorf("keysync: entry of %s: %w", subject, err)
	}
	return personal.KeyRecord{Subject: subject, Rev: e.Rev, Destroyed: e.Destroyed, Master: e.Master, Wrapped: e.Wrapped}, nil
}

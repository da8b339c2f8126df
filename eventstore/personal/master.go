package personal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// MasterKeys is the ring of master keys that wrap the data keys: the first is the current one
// (it wraps new and re-wrapped data keys), the others only unwrap keys not yet re-wrapped. A
// master key is 32 random bytes written as 64 hex digits; its id is derived from the key itself
// ("mk-" and 12 hex digits), so an id names exactly one key and needs no bookkeeping.
type MasterKeys struct {
	keys []masterKey
}

type masterKey struct {
	id   string
	aead cipher.AEAD
}

// MasterKeyLen is the length of a master key in bytes.
const MasterKeyLen = 32

// ParseMasterKeys reads a ring: keys of 64 hex digits separated by newlines, commas or spaces,
// the current one first; "#" starts a comment that runs to the end of the line. It is the format
// of LEDGERD_MASTER_KEY and of a master key file.
func ParseMasterKeys(text string) (*MasterKeys, error) {
	var m MasterKeys
	seen := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		line, _, _ = strings.Cut(line, "#")
		for _, f := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\r' }) {
			raw, err := hex.DecodeString(f)
			if err != nil || len(raw) != MasterKeyLen {
				return nil, fmt.Errorf("personal: a master key must be %d bytes written as %d hex digits", MasterKeyLen, 2*MasterKeyLen)
			}
			k, err := newMasterKey(raw)
			if err != nil {
				return nil, err
			}
			if seen[k.id] {
				return nil, fmt.Errorf("personal: master key %s is listed twice", k.id)
			}
			seen[k.id] = true
			m.keys = append(m.keys, k)
		}
	}
	if len(m.keys) == 0 {
		return nil, errors.New("personal: no master key")
	}
	return &m, nil
}

// NewMasterKey returns a new random master key as 64 hex digits.
func NewMasterKey() (string, error) {
	raw := make([]byte, MasterKeyLen)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return hex.EncodeToString(raw), nil
}

// MasterKeyID returns the id of a master key given as 64 hex digits.
func MasterKeyID(hexKey string) (string, error) {
	m, err := ParseMasterKeys(hexKey)
	if err != nil {
		return "", err
	}
	return m.Current(), nil
}

func newMasterKey(raw []byte) (masterKey, error) {
	sum := sha256.Sum256(append([]byte("nordledger master key id\x00"), raw...))
	block, err := aes.NewCipher(raw)
	if err != nil {
		return masterKey{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return masterKey{}, err
	}
	return masterKey{id: "mk-" + hex.EncodeToString(sum[:6]), aead: aead}, nil
}

// Current returns the id of the current master key.
func (m *MasterKeys) Current() string { return m.keys[0].id }

// IDs returns the ids of the ring's keys, the current one first.
func (m *MasterKeys) IDs() []string {
	ids := make([]string, len(m.keys))
	for i, k := range m.keys {
		ids[i] = k.id
	}
	return ids
}

// ErrMasterKey: a data key is wrapped by a master key the ring does not hold, or does not unwrap
// with it (another key under the same id is impossible; a damaged record is not).
var ErrMasterKey = errors.New("personal: the data key cannot be unwrapped with the configured master keys")

func wrapAAD(subject, id string) []byte {
	return []byte("nordledger data key\x00" + subject + "\x00" + id)
}

// wrap encrypts a data key for subject with the current master key: nonce || ciphertext.
func (m *MasterKeys) wrap(subject string, dataKey []byte) (id string, wrapped []byte, err error) {
	k := m.keys[0]
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(dataKey)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, err
	}
	return k.id, k.aead.Seal(nonce, nonce, dataKey, wrapAAD(subject, k.id)), nil
}

// unwrap decrypts a data key wrapped for subject by master key id.
func (m *MasterKeys) unwrap(subject, id string, wrapped []byte) ([]byte, error) {
	for _, k := range m.keys {
		if k.id != id {
			continue
		}
		n := k.aead.NonceSize()
		if len(wrapped) < n {
			break
		}
		key, err := k.aead.Open(nil, wrapped[:n], wrapped[n:], wrapAAD(subject, id))
		if err != nil || len(key) != dataKeyLen {
			break
		}
		return key, nil
	}
	return nil, fmt.Errorf("%w (data key of %s, wrapped by %s; configured: %s)", ErrMasterKey, subject, id, strings.Join(m.IDs(), ", "))
}

// DataKey unwraps a key record's data key (ErrKeyDestroyed for a tombstone).
func (m *MasterKeys) DataKey(r KeyRecord) (*DataKey, error) {
	if r.Destroyed {
		return nil, fmt.Errorf("%w (%s)", ErrKeyDestroyed, r.Subject)
	}
	raw, err := m.unwrap(r.Subject, r.Master, r.Wrapped)
	if err != nil {
		return nil, err
	}
	return NewDataKey(raw)
}

// Has reports whether the ring holds the master key id.
func (m *MasterKeys) Has(id string) bool {
	return slices.ContainsFunc(m.keys, func(k masterKey) bool { return k.id == id })
}

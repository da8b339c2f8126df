package personal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash"
)

// dataKeyLen is the length of a data key: AES-256.
const dataKeyLen = 32

// dataCipher seals with one data key. The nonce is synthetic (SIV construction): an HMAC-SHA256 of
// the associated data and the plaintext under a second key derived from the data key, cut to the
// 12 bytes of AES-GCM. The same input therefore always seals to the same bytes — which keeps a
// read model rebuilt from the log byte for byte equal to the one built incrementally, and a
// reader replica's equal to the writer's — and two different inputs share a nonce only with the
// probability of a 96-bit collision. What determinism reveals is equality: that two sealed values
// of the same customer, under the same associated data, are the same.
type dataCipher struct {
	aead     cipher.AEAD
	nonceKey []byte
}

func newDataCipher(key []byte) (*dataCipher, error) {
	if len(key) != dataKeyLen {
		return nil, errors.New("personal: a data key must be 32 bytes")
	}
	m := hmac.New(sha256.New, key) // both derivations with one keyed HMAC: a rebuild unwraps every customer's key
	block, err := aes.NewCipher(derive(m, "nordledger personal data v1: encryption"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &dataCipher{aead: aead, nonceKey: derive(m, "nordledger personal data v1: nonce")}, nil
}

// derive returns the HMAC of purpose under m's key (m is reset first).
func derive(m hash.Hash, purpose string) []byte {
	m.Reset()
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// seal returns nonce || AES-256-GCM(plain) with aad authenticated.
func (c *dataCipher) seal(dst, aad, plain []byte) []byte {
	m := hmac.New(sha256.New, c.nonceKey)
	m.Write(binary.BigEndian.AppendUint64(nil, uint64(len(aad))))
	m.Write(aad)
	m.Write(plain)
	nonce := m.Sum(nil)[:c.aead.NonceSize()]
	dst = append(dst, nonce...)
	return c.aead.Seal(dst, nonce, plain, aad)
}

// errOpen: a sealed value does not open with its key and associated data (damaged, or moved
// from another event or customer).
var errOpen = errors.New("personal: sealed data does not open with its data key (damaged or misplaced)")

// open reverses seal.
func (c *dataCipher) open(aad, sealed []byte) ([]byte, error) {
	n := c.aead.NonceSize()
	if len(sealed) < n+c.aead.Overhead() {
		return nil, errOpen
	}
	plain, err := c.aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, errOpen
	}
	return plain, nil
}

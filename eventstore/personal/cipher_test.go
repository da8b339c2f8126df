package personal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"testing"
)

// TestDataCipherDerivation: a data key's encryption and nonce keys are HMAC-SHA256(key, purpose)
// for the two purposes, as they always were (what is sealed stays openable), whatever the code
// that derives them shares.
func TestDataCipherDerivation(t *testing.T) {
	key := bytes.Repeat([]byte{7}, dataKeyLen)
	mac := func(purpose string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(purpose))
		return m.Sum(nil)
	}
	c, err := newDataCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	if want := mac("nordledger personal data v1: nonce"); !bytes.Equal(c.nonceKey, want) {
		t.Fatalf("nonce key %x, want %x", c.nonceKey, want)
	}
	block, err := aes.NewCipher(mac("nordledger personal data v1: encryption"))
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	sealed := c.seal(nil, []byte("aad"), []byte("plain"))
	n := aead.NonceSize()
	if plain, err := aead.Open(nil, sealed[:n], sealed[n:], []byte("aad")); err != nil || string(plain) != "plain" {
		t.Fatalf("sealed with the derived encryption key? %q %v", plain, err)
	}
}

package datadir

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// MinSecretLen is the shortest secret a secret file may hold.
const MinSecretLen = 32

// ReadSecret returns the secret kept in path (the file's text without surrounding white space),
// refusing one shorter than MinSecretLen characters.
func ReadSecret(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := strings.TrimSpace(string(data))
	if len(s) < MinSecretLen {
		return nil, fmt.Errorf("%s: secret shorter than %d characters", path, MinSecretLen)
	}
	return []byte(s), nil
}

// EnsureSecret returns the secret kept in path as ReadSecret does, creating a random one (32
// bytes, hex) when the file does not exist: created and fsynced, readable by its owner only, and
// never over a file another process created meanwhile.
func EnsureSecret(path string) (secret []byte, created bool, err error) {
	secret, err = ReadSecret(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return secret, false, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, false, err
	}
	s := hex.EncodeToString(raw)
	if err := writeNew(path, s+"\n"); err != nil {
		return nil, false, err
	}
	return []byte(s), true, nil
}

// writeNew writes a new file readable by its owner only, fsynced; it fails when path exists.
func writeNew(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

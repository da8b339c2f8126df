package boltcheck

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// A clean marker (<file>.clean) records a bbolt file as its writer left it at a clean close:
// size, modification time, device and inode. While the file still matches it exactly, nothing
// has written to, truncated, replaced or copied over the file since, and its pages are those a
// clean close wrote, free-page list included: CheckUnlessClean then skips the walk of every
// page, which costs seconds on a file of gigabytes. A writer removes the marker when it opens the
// file (ForgetClean) and writes it after it closed the file (MarkClean), so a crash never leaves
// one behind.

// ErrNotMarkedClean reports that a file was closed whole but could not be marked cleanly closed:
// MarkClean failed, or a closer's last commit that only spares the next open some work (bbolt's
// free-page list) did — on a full disk, typically. The next open then reads every page, as after
// a crash; nothing is lost. Closers return it wrapped, and only when the close itself succeeded, so
// that their callers can warn and go on (errors.Is).
var ErrNotMarkedClean = errors.New("not marked cleanly closed")

func markerPath(path string) string { return path + ".clean" }

// identity describes the file as the marker records it.
func identity(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	var dev, ino uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		dev, ino = uint64(st.Dev), st.Ino
	}
	return fmt.Sprintf("bbolt-clean-close v1 size=%d mtime=%d dev=%d ino=%d\n", fi.Size(), fi.ModTime().UnixNano(), dev, ino), nil
}

// CheckUnlessClean is Check, skipped (checked false) when the file matches its clean marker.
func CheckUnlessClean(path string, lockTimeout time.Duration) (checked bool, err error) {
	if marker, err := os.ReadFile(markerPath(path)); err == nil {
		if id, err := identity(path); err == nil && id == string(marker) {
			return false, nil
		}
	}
	return true, Check(path, lockTimeout)
}

// MarkClean writes the clean marker of the file at path, which its writer has just closed. Its
// errors wrap ErrNotMarkedClean.
func MarkClean(path string) error {
	id, err := identity(path)
	if err != nil {
		return fmt.Errorf("boltcheck: %s %w: %w", path, ErrNotMarkedClean, err)
	}
	tmp := markerPath(path) + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(id)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, markerPath(path))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("boltcheck: %s %w: %w", path, ErrNotMarkedClean, err)
	}
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		_ = dir.Sync()
		dir.Close()
	}
	return nil
}

// ForgetClean removes the clean marker of the file at path: its writer has opened it.
func ForgetClean(path string) error {
	if err := os.Remove(markerPath(path)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("boltcheck: %w", err)
	}
	return nil
}

// Rename renames the bbolt file oldPath to newPath with its clean marker, which still describes
// it (a rename keeps its size, time, device and inode); a marker of the file replaced goes.
func Rename(oldPath, newPath string) error {
	if err := os.Remove(markerPath(newPath)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("boltcheck: %w", err)
	}
	if err := os.Rename(oldPath, newPath); err != nil {
		return err
	}
	if err := os.Rename(markerPath(oldPath), markerPath(newPath)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("boltcheck: %w", err)
	}
	return nil
}

// Remove removes the bbolt file at path and its clean marker.
func Remove(path string) error {
	if err := os.Remove(markerPath(path)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("boltcheck: %w", err)
	}
	return os.Remove(path)
}

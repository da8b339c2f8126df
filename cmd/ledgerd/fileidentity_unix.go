//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"
)

// fileIdentity returns the device and inode of a file: a copy of the file has others.
func fileIdentity(fi os.FileInfo) (string, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("%d:%d", uint64(st.Dev), uint64(st.Ino)), true
}

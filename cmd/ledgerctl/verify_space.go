package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/nordledger/ledger/internal/datadir"
)

// noSpaceForRebuild explains err when it is a full disk met while rebuilding a read model to
// compare it (verify builds each one into a temporary file in the data directory): how much
// space that takes — at most what projections.db takes on disk, which holds them all — how much
// is free, and that --projection none checks the log without it. Other errors are returned as
// they are.
func noSpaceForRebuild(f *verifyFlags, err error) error {
	if !errors.Is(err, syscall.ENOSPC) {
		return err
	}
	need := "as much as " + datadir.Projections + " takes"
	if fi, serr := os.Stat(f.path(datadir.Projections)); serr == nil {
		size := fi.Size()
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			size = st.Blocks * 512 // on disk: a bbolt file is sparse at its end
		}
		need = fmt.Sprintf("up to %s (what %s takes on disk)", byteSize(size), datadir.Projections)
	}
	free := ""
	var st syscall.Statfs_t
	if syscall.Statfs(f.dataDir, &st) == nil {
		free = fmt.Sprintf("; %s free now", byteSize(int64(st.Bavail)*int64(st.Bsize)))
	}
	return fmt.Errorf("%w\ncomparing the read models rebuilds each one into a temporary file in %s: that needs %s%s\nfree some space there, or check the log alone with --projection none",
		err, f.dataDir, need, free)
}

// byteSize formats n bytes for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

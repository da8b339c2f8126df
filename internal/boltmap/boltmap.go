// Package boltmap chooses how much of the address space bbolt maps for a file it writes.
//
// bbolt reads its file through one read-only memory map. When a write transaction needs pages
// beyond the map, bbolt maps the file anew, larger — under the write lock, and only once every
// open read transaction has ended (the old map is unmapped under them). One long read transaction
// (an online backup streaming the file to a client that stopped reading) then stops every write,
// and every read transaction begun after the remap started, until it ends. A map larger than the
// file means no remap until the file outgrows it.
//
// The map is address space, not memory: pages are read in (and counted as resident) only when
// a transaction touches them, as with a map the size of the file. On Linux and the BSDs the file
// does not grow with the map (bbolt grows it as it writes, by 16 MiB at a time once the map is
// larger than that).
package boltmap

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// Headroom is how much a file may grow, on a 64-bit system, before bbolt must map it anew — and
// wait for every read transaction to end: 10 GiB (etcd maps its bbolt file with 10 GiB too). It
// is 0 on 32-bit systems, where the whole address space is 4 GiB (bbolt maps at most 2 GiB there,
// 1 GiB on 32-bit MIPS).
const Headroom = (10 << 30) * (strconv.IntSize / 64)

// Size returns the InitialMmapSize to open the bbolt file at path with: its size (0 when it does
// not exist yet) plus Headroom, so that the file may grow by Headroom before bbolt maps it anew.
// On 32-bit systems, and on Windows, where bbolt makes the file as large as its map, it returns
// fallback (bbolt's own growth from fallback then applies: doubling up to 1 GiB, then 1 GiB at a
// time).
func Size(path string, fallback int) int {
	if Headroom == 0 || runtime.GOOS == "windows" {
		return fallback
	}
	var size int64
	if fi, err := os.Stat(path); err == nil {
		size = fi.Size()
	}
	return int(size) + Headroom
}

// Explain returns err, from opening a bbolt file with a map of size bytes, with what to do when
// the system refused the map: a limit on the process's address space (ulimit -v, systemd
// LimitAS=) smaller than the maps of its files.
func Explain(err error, size int) error {
	if !errors.Is(err, syscall.ENOMEM) {
		return err
	}
	return fmt.Errorf("%w (mapping the file's %d MiB of address space was refused — address space, not memory: remove the limit on the process's address space, ulimit -v or systemd LimitAS=; see docs/operations.md, Backups and writes)", err, size>>20)
}

// Use is how much of its map a bbolt file's pages take.
type Use struct {
	// Used is what the file's pages take, up to the last one allocated (bbolt's Tx.Size): what a
	// backup begun now copies. It only grows: freed pages are reused, never given back.
	Used int64
	// Room is how much more they may take, at the least, before bbolt must map the file anew —
	// and wait for every read transaction to end first, every write waiting meanwhile; -1 where
	// it is not known (Size gave the fallback: 32-bit systems, Windows).
	Room int64
}

// MapUse returns the use of db's map, db opened with InitialMmapSize mapped (Size's). bbolt sizes
// every map it makes with the same steps (its mmapSize: powers of two up to 1 GiB, then whole
// GiB), the first from the size it was opened with, each later one larger than the pages then
// used, and keeps it until a write needs a page past its end: so the map ends, at the least, at
// the step at or above both mapped and Used plus one byte. A file opened with Headroom to spare
// has Room of 10 GiB or more until it grew by 10 GiB; past that, bbolt maps it anew every GiB,
// and Room is what is left to the next whole GiB.
func MapUse(db *bolt.DB, mapped int) (Use, error) {
	var u Use
	err := db.View(func(tx *bolt.Tx) error {
		u.Used = tx.Size()
		return nil
	})
	if err != nil {
		return u, err
	}
	u.Room = -1
	if Headroom != 0 && runtime.GOOS != "windows" {
		u.Room = mapStep(max(int64(mapped), u.Used+1)) - u.Used
	}
	return u, nil
}

// mapStep is bbolt's mmapSize: the size bbolt maps for a file of size bytes (32 KiB doubled up to
// 1 GiB, then whole GiB).
func mapStep(size int64) int64 {
	for i := 15; i <= 30; i++ {
		if size <= 1<<i {
			return 1 << i
		}
	}
	const gib = 1 << 30
	return (size + gib - 1) / gib * gib
}

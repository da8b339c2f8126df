package projections

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// State is what a projections file records about one projection besides its read model.
type State struct {
	Built      bool   // the file holds the projection (a code version is recorded)
	Version    uint32 // the code version it was built with
	Checkpoint uint64 // the last position applied
}

// State returns what the file records about the projection named name.
func (d *DB) State(name string) (State, error) {
	var s State
	err := d.db.View(func(tx *bolt.Tx) error {
		versions, checkpoints := tx.Bucket(bucketVersions), tx.Bucket(bucketCheckpoints)
		if versions == nil || checkpoints == nil {
			return nil // a file no runner ever prepared
		}
		if v := versions.Get([]byte(name)); len(v) == 4 {
			s.Built, s.Version = true, binary.BigEndian.Uint32(v)
		}
		if v := checkpoints.Get([]byte(name)); len(v) == 8 {
			s.Checkpoint = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return s, err
}

// Kinds of Difference.
const (
	DiffValue   = "value"   // the key is in both, with different values
	DiffMissing = "missing" // the key is only in the expected model
	DiffExtra   = "extra"   // the key is only in the compared model
)

// Difference is one key where a read model differs from the expected one. It names the key and
// where the values part, never the values themselves (they hold personal data).
type Difference struct {
	Bucket  string `json:"bucket"` // bucket path, "/" between nested buckets
	Key     string `json:"key"`    // the key, quoted as Go would when it is not printable text
	Kind    string `json:"kind"`   // DiffValue, DiffMissing or DiffExtra
	GotLen  int    `json:"gotBytes"`
	WantLen int    `json:"wantBytes"`
	Offset  int    `json:"offset,omitempty"` // DiffValue: the first byte that differs
}

func (d Difference) String() string {
	switch d.Kind {
	case DiffMissing:
		return fmt.Sprintf("%s %s: missing (expected %d bytes)", d.Bucket, d.Key, d.WantLen)
	case DiffExtra:
		return fmt.Sprintf("%s %s: not expected (%d bytes)", d.Bucket, d.Key, d.GotLen)
	}
	return fmt.Sprintf("%s %s: values differ from byte %d (%d bytes, expected %d)", d.Bucket, d.Key, d.Offset, d.GotLen, d.WantLen)
}

// Compare compares the read model of p in got with that in want, bucket by bucket and key by key
// (nested buckets too). It returns the number of differing keys and the first limit of them.
// Checkpoints and code versions are not compared: see State.
func Compare(got, want *DB, p Projection, limit int) (diffs []Difference, count int, err error) {
	add := func(d Difference) {
		count++
		if len(diffs) < limit {
			diffs = append(diffs, d)
		}
	}
	err = got.db.View(func(gtx *bolt.Tx) error {
		return want.db.View(func(wtx *bolt.Tx) error {
			for _, name := range p.Buckets() {
				compareBuckets(gtx.Bucket(name), wtx.Bucket(name), string(name), add)
			}
			return nil
		})
	})
	return diffs, count, err
}

// compareBuckets merges the sorted keys of two buckets (either may be nil: no bucket).
func compareBuckets(got, want *bolt.Bucket, path string, add func(Difference)) {
	var gc, wc *bolt.Cursor
	var gk, gv, wk, wv []byte
	if got != nil {
		gc = got.Cursor()
		gk, gv = gc.First()
	}
	if want != nil {
		wc = want.Cursor()
		wk, wv = wc.First()
	}
	for gk != nil || wk != nil {
		switch c := compareKeys(gk, wk); {
		case c < 0: // only in got
			extra(got, gk, gv, path, add)
			gk, gv = gc.Next()
		case c > 0: // only in want
			missing(want, wk, wv, path, add)
			wk, wv = wc.Next()
		default:
			switch {
			case gv == nil && wv == nil: // both nested buckets
				compareBuckets(got.Bucket(gk), want.Bucket(wk), path+"/"+keyText(gk), add)
			case gv == nil:
				extra(got, gk, gv, path, add)
				add(Difference{Bucket: path, Key: keyText(wk), Kind: DiffMissing, WantLen: len(wv)})
			case wv == nil:
				add(Difference{Bucket: path, Key: keyText(gk), Kind: DiffExtra, GotLen: len(gv)})
				missing(want, wk, wv, path, add)
			case !bytes.Equal(gv, wv):
				add(Difference{Bucket: path, Key: keyText(gk), Kind: DiffValue, GotLen: len(gv), WantLen: len(wv), Offset: firstDifference(gv, wv)})
			}
			gk, gv = gc.Next()
			wk, wv = wc.Next()
		}
	}
}

// extra reports a key (or every key of a nested bucket) only in got.
func extra(b *bolt.Bucket, k, v []byte, path string, add func(Difference)) {
	if v == nil {
		compareBuckets(b.Bucket(k), nil, path+"/"+keyText(k), add)
		return
	}
	add(Difference{Bucket: path, Key: keyText(k), Kind: DiffExtra, GotLen: len(v)})
}

// missing reports a key (or every key of a nested bucket) only in want.
func missing(b *bolt.Bucket, k, v []byte, path string, add func(Difference)) {
	if v == nil {
		compareBuckets(nil, b.Bucket(k), path+"/"+keyText(k), add)
		return
	}
	add(Difference{Bucket: path, Key: keyText(k), Kind: DiffMissing, WantLen: len(v)})
}

// compareKeys orders keys, with nil (the end of a bucket) after every key.
func compareKeys(a, b []byte) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return bytes.Compare(a, b)
}

func firstDifference(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// keyText shows a key as text when it is printable, else Go-quoted.
func keyText(k []byte) string {
	for _, c := range k {
		if c < 0x20 || c > 0x7e {
			return fmt.Sprintf("%q", k)
		}
	}
	return string(k)
}

// CopyProjection replaces the read model, checkpoint and code version of p in dst with those in
// src (a projection src never built is dropped from dst, so ledgerd builds it on start). A
// rebuild of one projection into a fresh file uses it to keep the others.
func CopyProjection(dst, src *DB, p Projection) error {
	return src.db.View(func(stx *bolt.Tx) error {
		return dst.db.Update(func(dtx *bolt.Tx) error {
			if h, ok := p.(indexHolder); ok {
				h.reloadIndexes(dtx)
			}
			for _, name := range p.Buckets() {
				if dtx.Bucket(name) != nil {
					if err := dtx.DeleteBucket(name); err != nil {
						return err
					}
				}
				b, err := dtx.CreateBucket(name)
				if err != nil {
					return err
				}
				if sb := stx.Bucket(name); sb != nil {
					if err := copyBucket(b, sb); err != nil {
						return err
					}
				}
			}
			name := []byte(p.Name())
			for _, meta := range [][]byte{bucketVersions, bucketCheckpoints} {
				var v []byte
				if sb := stx.Bucket(meta); sb != nil {
					v = sb.Get(name)
				}
				var err error
				if v == nil {
					err = dtx.Bucket(meta).Delete(name)
				} else {
					err = dtx.Bucket(meta).Put(name, v)
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func copyBucket(dst, src *bolt.Bucket) error {
	dst.FillPercent = 1 // keys arrive in order
	return src.ForEach(func(k, v []byte) error {
		if v == nil {
			sub, err := dst.CreateBucket(k)
			if err != nil {
				return err
			}
			return copyBucket(sub, src.Bucket(k))
		}
		return dst.Put(k, v)
	})
}

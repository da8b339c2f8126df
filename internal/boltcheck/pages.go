package boltcheck

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"strconv"
	"strings"
)

// bbolt's file format (version 2), as far as FindDamage reads it. Integers are in the machine's
// byte order: bbolt writes its structs as they are in memory.
const (
	pageHeaderSize  = 16 // id uint64, flags uint16, count uint16, overflow uint32
	elementSize     = 16 // branch: pos, ksize uint32, pgid uint64; leaf: flags, pos, ksize, vsize uint32
	bucketHeaderLen = 16 // root pgid uint64, sequence uint64

	flagBranch   = 0x01
	flagLeaf     = 0x02
	flagMeta     = 0x04
	flagFreelist = 0x10
	bucketLeaf   = 0x01

	metaMagic    = 0xED0CDAED
	metaVersion  = 2
	noFreelist   = ^uint64(0)
	maxTreeDepth = 64
)

// PageError names a damaged page of a bbolt file: where it is and what is wrong with it.
type PageError struct {
	Page     uint64 // the page's id: it starts at byte Page × PageSize
	PageSize int
	Kind     string // what the page should be: "meta", "branch", "leaf", "freelist"
	Bucket   string // the bucket whose tree holds it ("" for the meta and freelist pages)
	Reason   string
}

func (e *PageError) Error() string {
	where := "page " + strconv.FormatUint(e.Page, 10)
	if e.PageSize > 0 {
		where += fmt.Sprintf(" (byte %d)", e.Page*uint64(e.PageSize))
	}
	what := "the " + e.Kind + " page"
	switch {
	case e.Bucket != "":
		what = "a " + e.Kind + " page of bucket " + e.Bucket
	case e.Kind != "meta" && e.Kind != "freelist":
		what = "a " + e.Kind + " page of the file's list of buckets"
	}
	return where + ", " + what + ": " + e.Reason
}

// FindDamage reads the bbolt file at path page by page — its meta pages, the free-page list,
// and every bucket's tree down to its leaves — checking each page's header and the place of each
// element, key and value against the page and the file, and returns a *PageError naming the
// first damaged page it finds, or nil. It trusts nothing it reads (every offset is checked
// before use), so it names the pages whose damage makes bbolt itself panic, where bbolt's panic
// says only "nil pointer dereference". It cannot see bytes changed in place that leave the
// structure intact.
func FindDamage(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	w := &pageWalker{f: f, size: fi.Size(), seen: map[uint64]bool{}}
	return w.walk()
}

type pageWalker struct {
	f        *os.File
	size     int64
	pageSize int
	hwm      uint64 // the first page id past the data (meta's pgid)
	seen     map[uint64]bool
}

var errNoMeta = errors.New("neither meta page is valid")

// meta reads the meta page id (0 or 1); ok is false when it is not valid.
func (w *pageWalker) meta(id uint64, pageSize int) (m metaPage, ok bool) {
	b := make([]byte, pageHeaderSize+64)
	if _, err := w.f.ReadAt(b, int64(id)*int64(pageSize)); err != nil {
		return m, false
	}
	ne := binary.NativeEndian
	body := b[pageHeaderSize:]
	m = metaPage{
		magic: ne.Uint32(body[0:]), version: ne.Uint32(body[4:]), pageSize: ne.Uint32(body[8:]),
		root: ne.Uint64(body[16:]), freelist: ne.Uint64(body[32:]), pgid: ne.Uint64(body[40:]), txid: ne.Uint64(body[48:]),
	}
	h := fnv.New64a()
	h.Write(body[:56])
	ok = ne.Uint16(b[8:]) == flagMeta && m.magic == metaMagic && m.version == metaVersion && ne.Uint64(body[56:]) == h.Sum64()
	return m, ok
}

type metaPage struct {
	magic, version, pageSize uint32
	root, freelist, pgid     uint64
	txid                     uint64
}

func (w *pageWalker) walk() error {
	// The first meta page (at byte 0) says the page size; without it, the second one is looked
	// for where each page size would put it.
	first, ok0 := w.meta(0, 0)
	pageSize := int(first.pageSize)
	if !ok0 {
		pageSize = os.Getpagesize()
		for _, ps := range []int{4096, 8192, 16384, 65536} {
			if m, ok := w.meta(1, ps); ok && int(m.pageSize) == ps {
				pageSize = ps
				break
			}
		}
	}
	second, ok1 := w.meta(1, pageSize)
	var m metaPage
	switch {
	case ok0 && ok1:
		m = first
		if second.txid > first.txid {
			m = second
		}
	case ok0:
		m = first
	case ok1:
		m = second
	default:
		return &PageError{Page: 0, PageSize: pageSize, Kind: "meta", Reason: errNoMeta.Error() + " (both are damaged)"}
	}
	w.pageSize, w.hwm = pageSize, m.pgid
	if int64(w.hwm)*int64(pageSize) > w.size {
		return &PageError{Page: w.hwm - 1, PageSize: pageSize, Kind: "meta", Reason: fmt.Sprintf("the data reaches byte %d but the file ends at byte %d: it was truncated", int64(w.hwm)*int64(pageSize), w.size)}
	}
	w.seen[0], w.seen[1] = true, true
	if m.freelist != noFreelist {
		if err := w.freelist(m.freelist); err != nil {
			return err
		}
	}
	return w.tree(m.root, "", 0)
}

// page reads page id with its overflow pages, checking that it is one and lies in the data.
func (w *pageWalker) page(id uint64, kind, bucket string) ([]byte, error) {
	bad := func(format string, args ...any) error {
		return &PageError{Page: id, PageSize: w.pageSize, Kind: kind, Bucket: bucket, Reason: fmt.Sprintf(format, args...)}
	}
	if id < 2 || id >= w.hwm {
		return nil, bad("the page is referred to but lies outside the data (pages 2 to %d)", w.hwm-1)
	}
	if w.seen[id] {
		return nil, bad("the page is referred to twice")
	}
	w.seen[id] = true
	head := make([]byte, pageHeaderSize)
	if _, err := w.f.ReadAt(head, int64(id)*int64(w.pageSize)); err != nil {
		return nil, bad("unreadable: %v", err)
	}
	ne := binary.NativeEndian
	if got := ne.Uint64(head); got != id {
		return nil, bad("its header says it is page %d", got)
	}
	overflow := uint64(ne.Uint32(head[12:]))
	if id+overflow >= w.hwm {
		return nil, bad("its %d overflow pages run past the data (page %d)", overflow, w.hwm-1)
	}
	b := make([]byte, (overflow+1)*uint64(w.pageSize))
	if _, err := w.f.ReadAt(b, int64(id)*int64(w.pageSize)); err != nil && !errors.Is(err, io.EOF) {
		return nil, bad("unreadable: %v", err)
	}
	for i := uint64(1); i <= overflow; i++ {
		w.seen[id+i] = true
	}
	return b, nil
}

func (w *pageWalker) freelist(id uint64) error {
	b, err := w.page(id, "freelist", "")
	if err != nil {
		return err
	}
	ne := binary.NativeEndian
	bad := func(format string, args ...any) error {
		return &PageError{Page: id, PageSize: w.pageSize, Kind: "freelist", Reason: fmt.Sprintf(format, args...)}
	}
	if flags := ne.Uint16(b[8:]); flags != flagFreelist {
		return bad("its type is %#x", flags)
	}
	start, count := pageHeaderSize, uint64(ne.Uint16(b[10:]))
	if count == 0xFFFF {
		count, start = ne.Uint64(b[pageHeaderSize:]), pageHeaderSize+8
	}
	if count > uint64(len(b)-start)/8 {
		return bad("it lists %d free pages but holds room for %d", count, (len(b)-start)/8)
	}
	for i := range count {
		if free := ne.Uint64(b[start+int(i)*8:]); free < 2 || free >= w.hwm {
			return bad("free page %d lies outside the data", free)
		}
	}
	return nil
}

// tree checks the B+tree whose root is page id, of the bucket named bucket.
func (w *pageWalker) tree(id uint64, bucket string, depth int) error {
	kind := "branch or leaf"
	b, err := w.page(id, kind, bucket)
	if err != nil {
		return err
	}
	return w.node(id, b, bucket, depth)
}

// node checks one branch or leaf page (b: its bytes; id 0 for a bucket's inline page) and the
// pages below it.
func (w *pageWalker) node(id uint64, b []byte, bucket string, depth int) error {
	ne := binary.NativeEndian
	flags, count := ne.Uint16(b[8:]), int(ne.Uint16(b[10:]))
	kind := map[uint16]string{flagBranch: "branch", flagLeaf: "leaf"}[flags]
	bad := func(format string, args ...any) error {
		k := kind
		if k == "" {
			k = "branch or leaf"
		}
		if id == 0 {
			k = "inline " + k
		}
		return &PageError{Page: id, PageSize: w.pageSize, Kind: k, Bucket: bucket, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case kind == "":
		return bad("its type is %#x, neither a branch nor a leaf", flags)
	case id == 0 && kind != "leaf":
		return bad("an inline bucket's page must be a leaf")
	case depth > maxTreeDepth:
		return bad("the tree is deeper than %d pages", maxTreeDepth)
	case kind == "branch" && count == 0:
		return bad("a branch page without elements")
	case pageHeaderSize+count*elementSize > len(b):
		return bad("%d elements do not fit in its %d bytes", count, len(b))
	}
	for i := range count {
		at := pageHeaderSize + i*elementSize
		e := b[at : at+elementSize]
		if kind == "branch" {
			pos, ksize, child := int64(ne.Uint32(e[0:])), int64(ne.Uint32(e[4:])), ne.Uint64(e[8:])
			switch {
			case int64(at)+pos+ksize > int64(len(b)):
				return bad("the key of element %d lies outside the page", i)
			case ksize == 0:
				return bad("element %d has an empty key", i)
			case child < 2 || child >= w.hwm:
				return bad("element %d refers to page %d, outside the data (pages 2 to %d)", i, child, w.hwm-1)
			case w.seen[child]:
				return bad("element %d refers to page %d, which another element refers to", i, child)
			}
			if err := w.tree(child, bucket, depth+1); err != nil {
				return err
			}
			continue
		}
		eflags, pos, ksize, vsize := ne.Uint32(e[0:]), int64(ne.Uint32(e[4:])), int64(ne.Uint32(e[8:])), int64(ne.Uint32(e[12:]))
		switch {
		case int64(at)+pos+ksize+vsize > int64(len(b)):
			return bad("the key or value of element %d lies outside the page", i)
		case ksize == 0:
			return bad("element %d has an empty key", i)
		case eflags&bucketLeaf == 0 && bucket == "":
			return bad("element %d of the root is not a bucket", i)
		case eflags&bucketLeaf == 0:
			continue
		}
		key := b[int64(at)+pos : int64(at)+pos+ksize]
		value := b[int64(at)+pos+ksize : int64(at)+pos+ksize+vsize]
		name := bucketName(bucket, key)
		if len(value) < bucketHeaderLen {
			return bad("element %d is bucket %s with a value of %d bytes", i, name, len(value))
		}
		if root := ne.Uint64(value); root != 0 {
			if root < 2 || root >= w.hwm || w.seen[root] {
				return bad("element %d is bucket %s, whose root page %d lies outside the data or belongs to another tree", i, name, root)
			}
			if err := w.tree(root, name, depth+1); err != nil {
				return err
			}
			continue
		}
		inline := value[bucketHeaderLen:]
		if len(inline) < pageHeaderSize {
			return bad("element %d is bucket %s, inline, without its page", i, name)
		}
		if err := w.node(0, inline, name, depth+1); err != nil {
			var pe *PageError
			if errors.As(err, &pe) && pe.Page == 0 { // an inline page is part of this one
				pe.Page, pe.Reason = id, "in the inline bucket "+name+": "+pe.Reason
			}
			return err
		}
	}
	return nil
}

// bucketName is the path of a nested bucket: its parent's path, "/", and its name (quoted when it
// is not printable text).
func bucketName(parent string, key []byte) string {
	name := string(key)
	if strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '/' }) || !isText(key) {
		name = strconv.Quote(name)
	}
	if parent == "" {
		return name
	}
	return parent + "/" + name
}

func isText(b []byte) bool { return strings.ToValidUTF8(string(b), "\uFFFD") == string(b) }

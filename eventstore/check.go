package eventstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/internal/boltcheck"
	"github.com/nordledger/ledger/internal/keyindex"
	bolt "go.etcd.io/bbolt"
)

// Kinds of Problem found by Check.
const (
	ProblemFile          = "file"           // bbolt's own page check failed
	ProblemGap           = "gap"            // positions missing between 1 and the head
	ProblemCorrupt       = "corrupt"        // a record failing its checksum or structure
	ProblemStreamVersion = "stream-version" // an event's version does not follow its stream's previous one
	ProblemStreamIndex   = "stream-index"   // the stream index does not match the events
	ProblemEventID       = "event-id"       // an event id stored twice, or the id index not matching
	ProblemData          = "data"           // CheckOptions.Data rejected an event's data
	ProblemReservation   = "reservation"    // a unique key held by a stream without events
)

// Problem is one integrity problem found by Check.
type Problem struct {
	Kind     string `json:"kind"`               // one of the Problem* constants
	Position uint64 `json:"position,omitempty"` // the event's position; 0 when not about one event
	Stream   string `json:"stream,omitempty"`   // the stream, when known
	Detail   string `json:"detail"`
}

func (p Problem) String() string {
	s := p.Kind
	if p.Position != 0 {
		s += fmt.Sprintf(" at position %d", p.Position)
	}
	if p.Stream != "" {
		s += fmt.Sprintf(" (stream %s)", p.Stream)
	}
	return s + ": " + p.Detail
}

// CheckOptions configures Check. The zero value checks everything but the events' data.
type CheckOptions struct {
	// Data, when set, checks one event's data, say that it decodes for its type and schema
	// version; an error is a problem of kind ProblemData.
	Data func(Event) error
	// Progress, when set, is called every few thousand events with the position reached and the
	// head, from Check's goroutine.
	Progress func(position, head uint64)
	// MaxProblems is how many problems the report lists (default 100); CheckReport.ProblemCount
	// counts them all.
	MaxProblems int
}

// CheckReport is the outcome of Check.
type CheckReport struct {
	Head         uint64    `json:"head"`         // the head position the file records
	Events       uint64    `json:"events"`       // events stored (readable or not)
	Streams      int       `json:"streams"`      // streams with at least one readable event
	Reservations int       `json:"reservations"` // unique keys held
	Problems     []Problem `json:"problems"`     // the first CheckOptions.MaxProblems problems
	ProblemCount int       `json:"problemCount"` // every problem found
}

// OK reports whether Check found no problem.
func (r *CheckReport) OK() bool { return r.ProblemCount == 0 }

// checkProgressEvery is how many events Check reads between calls of Progress and looks at ctx.
const checkProgressEvery = 4096

// Check scans the whole store in one read transaction and reports every integrity problem: bbolt's
// own page check; positions gap-free from 1 to the head; every record readable (structure and
// CRC-32C) at its position; per stream, versions 1..n without gaps, each event at its stream-index
// entry and no index entry without its event; every event id stored once and indexed at its
// position; every reservation held by a stream with events; and, with CheckOptions.Data, every
// event's data. Problems are in the report; the error is for a check that could not run (ctx
// ended, store closed, a file too damaged to walk).
func (s *Store) Check(ctx context.Context, opts CheckOptions) (report CheckReport, err error) {
	if err := s.readable(ctx); err != nil {
		return CheckReport{}, err
	}
	if opts.MaxProblems <= 0 {
		opts.MaxProblems = 100
	}
	c := &checker{opts: opts, report: &report, versions: map[string]uint64{}}
	defer func() {
		// bbolt panics on some kinds of damaged pages.
		if r := recover(); r != nil {
			err = &CorruptError{Reason: boltcheck.Unreadable(s.db.Path(), r).Error()}
		}
	}()
	err = s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			c.add(Problem{Kind: ProblemFile, Detail: err.Error()})
		}
		if err := c.events(ctx, tx); err != nil {
			return err
		}
		c.streamIndex(tx.Bucket(bucketStreamIndex))
		c.eventIDs(tx.Bucket(bucketEventIDs))
		if legacy := tx.Bucket(bucketReservations); legacy != nil { // format 1, opened read-only
			c.reservations(legacy)
		} else {
			c.claims(tx.Bucket(bucketClaims))
		}
		return nil
	})
	report.Streams = len(c.versions)
	if report.Problems == nil {
		report.Problems = []Problem{}
	}
	return report, err
}

type checker struct {
	opts     CheckOptions
	report   *CheckReport
	versions map[string]uint64 // stream → last version seen
	indexed  uint64            // events found at their stream-index entry
	readable uint64            // events that decoded
}

func (c *checker) add(p Problem) {
	c.report.ProblemCount++
	if len(c.report.Problems) < c.opts.MaxProblems {
		c.report.Problems = append(c.report.Problems, p)
	}
}

// events checks the events bucket record by record, with each record's index entries.
func (c *checker) events(ctx context.Context, tx *bolt.Tx) error {
	events, index, ids := tx.Bucket(bucketEvents), tx.Bucket(bucketStreamIndex), tx.Bucket(bucketEventIDs)
	head := events.Sequence()
	c.report.Head = head
	next := uint64(1) // the position expected next
	cur := events.Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		c.report.Events++
		if c.report.Events%checkProgressEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if c.opts.Progress != nil {
				c.opts.Progress(next-1, head)
			}
		}
		if len(k) != 8 {
			c.add(Problem{Kind: ProblemCorrupt, Detail: fmt.Sprintf("key %x is not a position", k)})
			continue
		}
		pos := binary.BigEndian.Uint64(k)
		if pos > next {
			c.add(Problem{Kind: ProblemGap, Position: next, Detail: missing(next, pos-1, "")})
		}
		if pos > head {
			c.add(Problem{Kind: ProblemGap, Position: pos, Detail: fmt.Sprintf("event beyond the head position %d", head)})
		}
		next = pos + 1
		e, err := decodeRecord(pos, v)
		if err != nil {
			var ce *CorruptError
			detail := err.Error()
			if errors.As(err, &ce) {
				detail = ce.Reason
			}
			c.add(Problem{Kind: ProblemCorrupt, Position: pos, Detail: detail})
			continue
		}
		c.readable++
		c.event(e, index, ids, events)
	}
	if next <= head {
		c.add(Problem{Kind: ProblemGap, Position: next, Detail: missing(next, head, " (the head)")})
	}
	if c.opts.Progress != nil {
		c.opts.Progress(next-1, head)
	}
	return nil
}

// event checks one readable event against its stream and the indexes.
func (c *checker) event(e Event, index, ids, events *bolt.Bucket) {
	prev := c.versions[e.Stream]
	if e.Version != prev+1 {
		c.add(Problem{Kind: ProblemStreamVersion, Position: e.Position, Stream: e.Stream,
			Detail: fmt.Sprintf("version %d follows version %d", e.Version, prev)})
	}
	c.versions[e.Stream] = max(prev, e.Version)

	switch v := index.Get(streamIndexKey(e.Stream, e.Version)); {
	case v == nil:
		c.add(Problem{Kind: ProblemStreamIndex, Position: e.Position, Stream: e.Stream,
			Detail: fmt.Sprintf("version %d is not in the stream index", e.Version)})
	case len(v) != 8 || binary.BigEndian.Uint64(v) != e.Position:
		c.add(Problem{Kind: ProblemStreamIndex, Position: e.Position, Stream: e.Stream,
			Detail: fmt.Sprintf("the stream index puts version %d at position %s", e.Version, positionText(v))})
	default:
		c.indexed++
	}

	switch v := ids.Get(e.ID[:]); {
	case v == nil:
		c.add(Problem{Kind: ProblemEventID, Position: e.Position, Stream: e.Stream,
			Detail: fmt.Sprintf("event id %s is not in the id index", e.ID)})
	case len(v) != 8 || binary.BigEndian.Uint64(v) != e.Position:
		detail := fmt.Sprintf("the id index puts event id %s at position %s", e.ID, positionText(v))
		if len(v) == 8 {
			if other, err := decodeRecord(binary.BigEndian.Uint64(v), events.Get(v)); err == nil && other.ID == e.ID {
				detail = fmt.Sprintf("event id %s is stored twice, also at position %d", e.ID, other.Position)
			}
		}
		c.add(Problem{Kind: ProblemEventID, Position: e.Position, Stream: e.Stream, Detail: detail})
	}

	if c.opts.Data != nil {
		if err := c.opts.Data(e); err != nil {
			c.add(Problem{Kind: ProblemData, Position: e.Position, Stream: e.Stream, Detail: err.Error()})
		}
	}
}

func positionText(v []byte) string {
	if len(v) != 8 {
		return fmt.Sprintf("%x (malformed)", v)
	}
	return fmt.Sprint(binary.BigEndian.Uint64(v))
}

// streamIndex looks for index entries that belong to no event: every event was looked up at its
// own entry, so entries beyond those found are extra.
func (c *checker) streamIndex(index *bolt.Bucket) {
	var entries uint64
	reported := false
	_ = index.ForEach(func(k, _ []byte) error {
		entries++
		i := len(k) - 9
		if i < 0 || k[i] != 0 {
			c.add(Problem{Kind: ProblemStreamIndex, Detail: fmt.Sprintf("malformed key %q", k)})
			reported = true
			return nil
		}
		stream, version := string(k[:i]), binary.BigEndian.Uint64(k[i+1:])
		if version > c.versions[stream] {
			c.add(Problem{Kind: ProblemStreamIndex, Stream: stream,
				Detail: fmt.Sprintf("index entry for version %d, but the stream's last event is version %d", version, c.versions[stream])})
			reported = true
		}
		return nil
	})
	if entries > c.indexed && !reported && c.readable == c.report.Events {
		c.add(Problem{Kind: ProblemStreamIndex, Detail: quantity(entries, "entry", "entries") + " for " + quantity(c.indexed, "event", "events")})
	}
}

// eventIDs compares the size of the id index with the events.
func (c *checker) eventIDs(ids *bolt.Bucket) {
	var entries uint64
	var malformed bool
	_ = ids.ForEach(func(k, v []byte) error {
		entries++
		if len(k) != len(uuid.UUID{}) || len(v) != 8 {
			malformed = true
		}
		return nil
	})
	if malformed || (entries != c.report.Events && c.readable == c.report.Events) {
		c.add(Problem{Kind: ProblemEventID, Detail: "the id index holds " + quantity(entries, "entry", "entries") + " for " + quantity(c.report.Events, "event", "events")})
	}
}

// reservations checks (format 1) that every unique key is held by a stream with events. Keys are opaque
// (hashed personal values) and are not reported, only the stream.
func (c *checker) reservations(res *bolt.Bucket) {
	_ = res.ForEach(func(_, v []byte) error {
		c.report.Reservations++
		if c.versions[string(v)] == 0 {
			c.add(Problem{Kind: ProblemReservation, Stream: string(v), Detail: "a unique key is held by a stream without events"})
		}
		return nil
	})
}

// claims checks that every claim is well formed, numbered at most the bucket's sequence, held by
// a stream with events, and the only claim of its key. Keys are not reported, only the stream.
func (c *checker) claims(b *bolt.Bucket) {
	seen := make(map[keyindex.Digest]struct{})
	_ = b.ForEach(func(k, v []byte) error {
		c.report.Reservations++
		stream, key, ok := parseClaim(v)
		switch {
		case !ok || len(k) != 8 || binary.BigEndian.Uint64(k) > b.Sequence():
			c.add(Problem{Kind: ProblemReservation, Detail: fmt.Sprintf("a malformed claim (key %x)", k)})
			return nil
		case c.versions[string(stream)] == 0:
			c.add(Problem{Kind: ProblemReservation, Stream: string(stream), Detail: "a unique key is held by a stream without events"})
		}
		d := keyindex.Of(key)
		if _, dup := seen[d]; dup {
			c.add(Problem{Kind: ProblemReservation, Stream: string(stream), Detail: fmt.Sprintf("a unique key is claimed twice (claim %d)", binary.BigEndian.Uint64(k))})
		}
		seen[d] = struct{}{}
		return nil
	})
}

// missing describes the positions from to to (inclusive) as missing; suffix follows the last.
func missing(from, to uint64, suffix string) string {
	if from == to {
		return fmt.Sprintf("position %d%s is missing", from, suffix)
	}
	return fmt.Sprintf("positions %d to %d%s are missing", from, to, suffix)
}

// quantity says how many of something there are, in the singular for one: "1 entry", "2 entries".
func quantity[N int | uint64](n N, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprint(n) + " " + many
}

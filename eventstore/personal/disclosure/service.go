package disclosure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	bolt "go.etcd.io/bbolt"
)

// Log reads the event log (implemented by *eventstore.Store).
type Log interface {
	ReadAll(ctx context.Context, from uint64, limit int) ([]eventstore.Event, error)
}

// Opener opens the sealed personal members of stored events (implemented by
// *personal.Protector).
type Opener interface {
	OpenEvent(ctx context.Context, e eventstore.Event) (personal.Opened, error)
}

// DefaultMaxAge is how long a consumer may keep what a disclosure gave it, unless
// Config.MaxAge says otherwise.
const DefaultMaxAge = 5 * time.Minute

// MaxPositions is the most events one request may ask for.
const MaxPositions = 1000

// Config configures a Service. Store, Log and Opener are required.
type Config struct {
	Store  *Store
	Log    Log
	Opener Opener
	// MaxAge is how long a consumer may keep the personal data it obtained, and so how long a
	// forget or a revocation may take to reach every consumer (default DefaultMaxAge; whole
	// seconds, at least one).
	MaxAge time.Duration
	// Now is the clock of the records (default time.Now).
	Now func() time.Time
}

// Validate reports every missing or invalid field at once.
func (c Config) Validate() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("disclosure: Store is required"))
	}
	if c.Log == nil {
		errs = append(errs, errors.New("disclosure: Log is required"))
	}
	if c.Opener == nil {
		errs = append(errs, errors.New("disclosure: Opener is required"))
	}
	if c.MaxAge < 0 || (c.MaxAge > 0 && c.MaxAge < time.Second) {
		errs = append(errs, fmt.Errorf("disclosure: MaxAge %v: want at least 1s", c.MaxAge))
	}
	return errors.Join(errs...)
}

// Service discloses the personal data of events to granted consumers and records it.
type Service struct {
	cfg Config
}

// NewService returns a Service.
func NewService(cfg Config) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	cfg.MaxAge = cfg.MaxAge.Truncate(time.Second)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg}, nil
}

// Store returns the service's store.
func (s *Service) Store() *Store { return s.cfg.Store }

// MaxAge returns how long a consumer may keep what it obtained.
func (s *Service) MaxAge() time.Duration { return s.cfg.MaxAge }

// Request asks for the personal data of events of one ledger.
type Request struct {
	LedgerNo string
	// Consumer is who asks: the bearer token's subject.
	Consumer string
	// Positions are the log positions of the events (at most MaxPositions).
	Positions []uint64
	// Withhold reports whether a customer's personal data must be withheld from this consumer
	// (a protected identity it may not see), judged once the read models hold log position upTo
	// (the last event of the request); nil withholds nothing.
	Withhold func(ctx context.Context, customerNo string, upTo uint64) (bool, error)
}

// Statuses of an Item.
const (
	// StatusOpened: Data is the event's data with its personal members in place.
	StatusOpened = "opened"
	// StatusClear: the event has no sealed personal members; Data is as stored (and published).
	StatusClear = "clear"
	// StatusErased: the customer was forgotten; Data holds the clear members, Erased names the
	// personal members that can never be read again.
	StatusErased = "erased"
	// StatusWithheld: the personal members are not disclosed to this consumer (Reason); Data
	// holds the clear members, Withheld names the others.
	StatusWithheld = "withheld"
	// StatusNotFound: the ledger has no event at the position.
	StatusNotFound = "not-found"
)

// ReasonProtectedIdentity: the customer's identity is protected, and the consumer lacks the
// population-register scope that discloses such customers' data.
const ReasonProtectedIdentity = "protected-identity"

// Item is what a request answers for one position.
type Item struct {
	Position uint64 `json:"position"`
	Status   string `json:"status"`
	// ID, Subject and Type identify the event (absent when not found): its id (ce-id), its
	// stream without the ledger (ce-subject, e.g. "customers/9999") and its type.
	ID      string          `json:"id,omitempty"`
	Subject string          `json:"subject,omitempty"`
	Type    string          `json:"type,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	// Erased and Withheld list the paths of the personal members not in Data.
	Erased   []string `json:"erased,omitempty"`
	Withheld []string `json:"withheld,omitempty"`
	Reason   string   `json:"reason,omitempty"`
}

// Response answers a Request: one item per position asked for, in the request's order.
type Response struct {
	Items []Item `json:"items"`
	// MaxAge is how many seconds the consumer may keep what it obtained (and the events it
	// opens with it): after that it must ask again.
	MaxAge int `json:"maxAge"`
}

// Disclose answers a request: each event opened, erased, withheld, clear or not found. The
// opened events are recorded — consumer, customer, positions, time — and fsynced before Disclose
// returns, in the same transaction that checks the consumer's grant again; it fails with
// ErrNotGranted when the consumer holds no grant of the ledger (never, or revoked meanwhile).
func (s *Service) Disclose(ctx context.Context, req Request) (Response, error) {
	if len(req.Positions) == 0 || len(req.Positions) > MaxPositions {
		return Response{}, fmt.Errorf("disclosure: %d positions: want 1 to %d", len(req.Positions), MaxPositions)
	}
	if ok, err := s.cfg.Store.Granted(req.LedgerNo, req.Consumer); err != nil || !ok {
		if err == nil {
			err = fmt.Errorf("%w (%s on ledger %s)", ErrNotGranted, req.Consumer, req.LedgerNo)
		}
		return Response{}, err
	}
	events, err := s.read(ctx, req.Positions)
	if err != nil {
		return Response{}, err
	}
	var upTo uint64
	resp := Response{Items: make([]Item, 0, len(req.Positions)), MaxAge: int(s.cfg.MaxAge / time.Second)}
	withheld := map[string]bool{}
	for p := range events {
		upTo = max(upTo, p)
	}
	disclosed := map[string][]uint64{} // customer → positions opened
	for _, p := range req.Positions {
		item, customerNo, err := s.item(ctx, req, events[p], p, upTo, withheld)
		if err != nil {
			return Response{}, err
		}
		if item.Status == StatusOpened && !slices.Contains(disclosed[customerNo], p) {
			disclosed[customerNo] = append(disclosed[customerNo], p)
		}
		resp.Items = append(resp.Items, item)
	}
	now := s.cfg.Now().UTC()
	records := make([]Record, 0, len(disclosed))
	for _, no := range slices.Sorted(maps.Keys(disclosed)) {
		ps := disclosed[no]
		slices.Sort(ps)
		records = append(records, Record{Time: now, LedgerNo: req.LedgerNo, CustomerNo: no, Consumer: req.Consumer, Positions: ps})
	}
	err = s.cfg.Store.update(func(tx *bolt.Tx) error {
		g, found, err := getGrant(tx, req.LedgerNo, req.Consumer)
		if err != nil {
			return err
		}
		if !found || !g.Active() {
			return fmt.Errorf("%w (%s on ledger %s, revoked)", ErrNotGranted, req.Consumer, req.LedgerNo)
		}
		return putRecords(tx, records)
	})
	if err != nil {
		return Response{}, err
	}
	return resp, nil
}

// item answers one position; customerNo is the customer of an opened event.
func (s *Service) item(ctx context.Context, req Request, e *eventstore.Event, p, upTo uint64, withheld map[string]bool) (Item, string, error) {
	ledgerNo, subject, ok := strings.Cut(eventStream(e), "/")
	if !ok || ledgerNo != req.LedgerNo { // another ledger's event is not found here
		return Item{Position: p, Status: StatusNotFound}, "", nil
	}
	item := Item{Position: p, ID: e.ID.String(), Subject: subject, Type: e.Type}
	clear, paths, sealed, err := personal.ClearMembers(e.Data)
	if err != nil {
		return Item{}, "", fmt.Errorf("event %d: %w", p, err)
	}
	if !sealed {
		item.Status, item.Data = StatusClear, e.Data
		return item, "", nil
	}
	customerNo := subject[strings.LastIndexByte(subject, '/')+1:]
	if req.Withhold != nil {
		w, seen := withheld[customerNo]
		if !seen {
			if w, err = req.Withhold(ctx, customerNo, upTo); err != nil {
				return Item{}, "", err
			}
			withheld[customerNo] = w
		}
		if w {
			item.Status, item.Data, item.Withheld, item.Reason = StatusWithheld, clear, paths, ReasonProtectedIdentity
			return item, "", nil
		}
	}
	opened, err := s.cfg.Opener.OpenEvent(ctx, *e)
	if err != nil {
		return Item{}, "", err
	}
	if len(opened.Erased) > 0 {
		item.Status, item.Data, item.Erased = StatusErased, opened.Data, opened.Erased
		return item, "", nil
	}
	item.Status, item.Data = StatusOpened, opened.Data
	return item, customerNo, nil
}

func eventStream(e *eventstore.Event) string {
	if e == nil {
		return ""
	}
	return e.Stream
}

// read returns the events at positions, read in runs of consecutive positions; a position past
// the log's head is missing from the map.
func (s *Service) read(ctx context.Context, positions []uint64) (map[uint64]*eventstore.Event, error) {
	sorted := slices.Compact(slices.Sorted(slices.Values(positions)))
	out := make(map[uint64]*eventstore.Event, len(sorted))
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && sorted[j] == sorted[j-1]+1 && j-i < eventstore.MaxReadLimit {
			j++
		}
		if sorted[i] > 0 {
			es, err := s.cfg.Log.ReadAll(ctx, sorted[i], j-i)
			if err != nil {
				return nil, err
			}
			for k := range es {
				out[es[k].Position] = &es[k]
			}
		}
		i = j
	}
	return out, nil
}

// Disclosures returns up to limit of the disclosures of a customer after the record numbered
// after, and the number to continue after (0: no more): Store.Disclosures.
func (s *Service) Disclosures(ledgerNo, customerNo string, after uint64, limit int) ([]Record, uint64, error) {
	return s.cfg.Store.Disclosures(ledgerNo, customerNo, after, limit)
}

package personal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
)

// KeySource gives the data keys of subjects (customers): the key store (*Store) on the writer,
// the key bus on reader replicas. Implementations are safe for concurrent use.
type KeySource interface {
	// DataKey returns subject's data key. With create, a subject that has none gets a new one,
	// durably stored before DataKey returns (only a writer's source creates). It fails with an
	// error matching ErrKeyDestroyed when the subject was forgotten, and ErrNoKey when it has no
	// key and create is false.
	DataKey(ctx context.Context, subject string, create bool) (*DataKey, error)
	// Evict drops any copy of subject's key the source keeps in memory: called when the subject
	// is forgotten, before its key is destroyed everywhere.
	Evict(subject string)
}

// DataKey is one subject's data key, ready to seal and open.
type DataKey struct {
	c *dataCipher
}

// NewDataKey returns a DataKey of 32 raw key bytes.
func NewDataKey(raw []byte) (*DataKey, error) {
	c, err := newDataCipher(raw)
	if err != nil {
		return nil, err
	}
	return &DataKey{c: c}, nil
}

// Errors of sealing and opening.
var (
	// ErrKeyDestroyed: the subject's data key was destroyed — the customer was forgotten.
	ErrKeyDestroyed = errors.New("personal: the data key is destroyed: the customer was forgotten")
	// ErrNoKey: the subject has no data key. For a sealed event this means the key store is not
	// the one the event was sealed with (restore the key store).
	ErrNoKey = errors.New("personal: no data key for the customer")
	// ErrNoProtector: a sealed event decoded without a protector (Protector.Decode on nil).
	ErrNoProtector = errors.New("personal: the event is sealed and nothing opens it (no protector)")
	// ErrUnclassified: the event type has no entry in domain.PersonalFields, so it cannot be
	// stored: its personal members would be stored in the clear.
	ErrUnclassified = errors.New("personal: the event type has no personal-data classification (domain.PersonalFields)")
)

// SealedMember is the member of a stored event's JSON that holds its encrypted personal members.
const SealedMember = "$pd"

// sealedFormat is the version of the SealedMember's shape.
const sealedFormat = 1

// sealedData is the SealedMember: the format, the concrete paths of the personal members it
// holds (in the clear, so an erased event still says which members were there) and their
// encryption, a JSON object of path → value.
type sealedData struct {
	V int      `json:"v"`
	F []string `json:"f"`
	C []byte   `json:"c"`
}

// Subject returns the data-key subject of a customer's stream: the stream itself
// ("{ledgerNo}/customers/{customerNo}"); ok is false for every other stream (the look-up
// streams).
func Subject(stream string) (string, bool) {
	if _, _, ok := domain.ParseStream(stream); !ok {
		return "", false
	}
	return stream, true
}

// keySubject returns the subject whose data key seals an event stream's personal members: the
// customer's (Subject) for its own stream and for the record of look-ups of it
// ("{ledgerNo}/lookups/{customerNo}": a matched look-up's result is erased with the customer);
// ok is false for every other stream (the unmatched look-ups), which holds no personal data.
func keySubject(stream string) (string, bool) {
	if subject, ok := Subject(stream); ok {
		return subject, true
	}
	ledgerNo, kind, customerNo, ok := domain.SplitStream(stream)
	if !ok || kind != domain.StreamLookups || ledgerNo == "" || customerNo == "" || customerNo == domain.UnmatchedLookups {
		return "", false
	}
	return domain.StreamName(ledgerNo, customerNo), true
}

// Protector seals the personal members of events before they are stored, opens them when they
// are read, and seals the customers' read-model states. It is safe for concurrent use.
type Protector struct {
	keys KeySource
}

// NewProtector returns a Protector over a key source.
func NewProtector(keys KeySource) *Protector { return &Protector{keys: keys} }

// Keys returns the protector's key source.
func (p *Protector) Keys() KeySource { return p.keys }

func eventAAD(stream string, id uuid.UUID, typ string) []byte {
	return []byte("event\x00" + stream + "\x00" + id.String() + "\x00" + typ)
}

// SealEvent returns an event's data as it is stored: the personal members of its type
// (domain.PersonalFields) taken out and sealed with the customer's data key into SealedMember,
// which it creates when the customer has none (the paths domain.PersonalFieldsIn gives for the stream).
// Data without personal members present is returned unchanged; an unclassified type fails with
// ErrUnclassified.
func (p *Protector) SealEvent(ctx context.Context, stream string, id uuid.UUID, typ string, data []byte) ([]byte, error) {
	paths, ok := domain.PersonalFieldsIn(typ, stream)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnclassified, typ)
	}
	if len(paths) == 0 {
		return data, nil
	}
	if flatPaths(paths) {
		return p.sealFlat(ctx, stream, id, typ, data, paths)
	}
	o, err := parseObject(data)
	if err != nil {
		return nil, fmt.Errorf("personal: %s: %w", typ, err)
	}
	if _, ok := o[SealedMember]; ok {
		return nil, fmt.Errorf("personal: %s is sealed already", typ)
	}
	vals := map[string]json.RawMessage{}
	for _, path := range paths {
		if err := take(o, path, vals); err != nil {
			return nil, err
		}
	}
	if len(vals) == 0 {
		return data, nil
	}
	c, err := p.sealMembers(ctx, stream, id, typ, encodeObject(vals))
	if err != nil {
		return nil, err
	}
	s := sealedData{V: sealedFormat, F: slices.Sorted(maps.Keys(vals)), C: c}
	o[SealedMember] = s.appendJSON(make([]byte, 0, s.jsonSize()))
	return encodeObject(o), nil
}

// sealFlat is SealEvent of an event type whose personal paths are all top-level members
// (flat.go): the same result, on sorted slices.
func (p *Protector) sealFlat(ctx context.Context, stream string, id uuid.UUID, typ string, data []byte, paths []string) ([]byte, error) {
	rest, taken, err := splitFlat(data, paths)
	if err != nil {
		return nil, fmt.Errorf("personal: %s: %w", typ, err)
	}
	if has(rest, SealedMember) {
		return nil, fmt.Errorf("personal: %s is sealed already", typ)
	}
	if len(taken) == 0 {
		return data, nil
	}
	c, err := p.sealMembers(ctx, stream, id, typ, encodeMembers(taken))
	if err != nil {
		return nil, err
	}
	s := sealedData{V: sealedFormat, F: names(taken), C: c}
	return encodeMembers(withMember(rest, entry{SealedMember, s.appendJSON(make([]byte, 0, s.jsonSize()))})), nil
}

// sealMembers seals the JSON object of an event's personal members with the data key of the
// event's customer, making the key when the customer has none.
func (p *Protector) sealMembers(ctx context.Context, stream string, id uuid.UUID, typ string, plain []byte) ([]byte, error) {
	subject, ok := keySubject(stream)
	if !ok {
		return nil, fmt.Errorf("personal: %s with personal data in stream %q, which belongs to no customer", typ, stream)
	}
	k, err := p.keys.DataKey(ctx, subject, true)
	if err != nil {
		return nil, err
	}
	return k.c.seal(nil, eventAAD(stream, id, typ), pad(plain, domain.PersonalPadding(typ))), nil
}

// pad fills the JSON object plain with spaces before its closing brace up to a multiple of n
// bytes (n 0: plain as it is), so that the ciphertext's length does not tell its values apart.
// White space is JSON's: the padded object opens to the same members.
func pad(plain []byte, n int) []byte {
	if n <= 0 || len(plain)%n == 0 || len(plain) == 0 || plain[len(plain)-1] != '}' {
		return plain
	}
	padded := make([]byte, 0, len(plain)+n-len(plain)%n)
	padded = append(padded, plain[:len(plain)-1]...)
	for len(padded) < cap(padded)-1 {
		padded = append(padded, ' ')
	}
	return append(padded, '}')
}

// sealedMarker is in the data of every sealed event.
var sealedMarker = []byte(`"` + SealedMember + `"`)

// IsSealed reports whether stored event data holds sealed personal members (a top-level
// SealedMember), as OpenEvent reports it in Opened.Sealed, without opening them.
func IsSealed(data []byte) bool {
	if !bytes.Contains(data, sealedMarker) {
		return false
	}
	if sorted, ok := splitSorted(data, 16); ok {
		return sorted.index(SealedMember) >= 0
	}
	o, isObject, err := splitObject(data)
	if err != nil || !isObject {
		return false
	}
	_, ok := o[SealedMember]
	return ok
}

// Opened is a stored event's data opened.
type Opened struct {
	// Data is the event's JSON with its personal members back in place; when Erased is not
	// empty, only its clear members.
	Data []byte
	// Sealed reports whether the stored data had sealed personal members (false for events
	// without personal members and for events stored before sealing existed).
	Sealed bool
	// Erased lists the paths of the personal members that can never be read again: the
	// customer was forgotten and its data key destroyed.
	Erased []string
}

// OpenEvent opens a stored event's data. Data without SealedMember is returned as it is (events
// without personal data, and every event written before sealing: both forms are read). A
// forgotten customer's event opens with its clear members only and Erased set.
func (p *Protector) OpenEvent(ctx context.Context, e eventstore.Event) (Opened, error) {
	if !bytes.Contains(e.Data, sealedMarker) {
		return Opened{Data: e.Data}, nil
	}
	// The store took only valid JSON (and what is put back is decoded, and so checked, by the
	// caller): split without validating again. The data as SealEvent writes it (sortedObject)
	// is opened by merging member lists; any other object through maps (o).
	var o object
	var raw []byte
	sorted, ok := splitSorted(e.Data, 16)
	if ok {
		i := sorted.index(SealedMember)
		if i < 0 {
			return Opened{Data: e.Data}, nil
		}
		raw = sorted[i].value
		sorted = append(sorted[:i], sorted[i+1:]...)
	} else {
		var isObject bool
		var err error
		o, isObject, err = splitObject(e.Data)
		if err != nil || !isObject {
			return Opened{}, fmt.Errorf("personal: event %d: the data is not a JSON object", e.Position)
		}
		if raw, ok = o[SealedMember]; !ok {
			return Opened{Data: e.Data}, nil
		}
		delete(o, SealedMember)
	}
	s, err := parseSealed(raw)
	if err != nil || s.V != sealedFormat {
		return Opened{}, fmt.Errorf("personal: event %d: malformed %s", e.Position, SealedMember)
	}
	subject, ok := keySubject(e.Stream)
	if !ok {
		return Opened{}, fmt.Errorf("personal: event %d: sealed data in stream %q, which belongs to no customer", e.Position, e.Stream)
	}
	k, err := p.keys.DataKey(ctx, subject, false)
	if errors.Is(err, ErrKeyDestroyed) {
		if o == nil {
			return Opened{Data: mergeEncode(sorted, nil), Sealed: true, Erased: s.F}, nil
		}
		return Opened{Data: encodeObject(o), Sealed: true, Erased: s.F}, nil
	}
	if err != nil {
		return Opened{}, fmt.Errorf("event %d of %s: %w", e.Position, e.Stream, err)
	}
	plain, err := k.c.open(eventAAD(e.Stream, e.ID, e.Type), s.C)
	if err != nil {
		return Opened{}, fmt.Errorf("event %d of %s: %w", e.Position, e.Stream, err)
	}
	if o == nil {
		if vals, ok := splitSorted(plain, len(s.F)); ok && vals.topLevel() {
			return Opened{Data: mergeEncode(sorted, vals), Sealed: true}, nil
		}
		o = sorted.object()
	}
	vals, isObject, err := splitObject(plain)
	if err != nil || !isObject {
		return Opened{}, fmt.Errorf("personal: event %d: sealed members are not a JSON object", e.Position)
	}
	for path, v := range vals {
		if err := put(o, path, v); err != nil {
			return Opened{}, err
		}
	}
	return Opened{Data: encodeObject(o), Sealed: true}, nil
}

// Decode opens and decodes a stored event (domain.DecodeEvent, which upcasts older schemas).
// When the customer was forgotten, ev is nil and opened.Erased names the erased members. A nil
// Protector decodes events stored in the clear and refuses a sealed one (ErrNoProtector): it is
// never read without its personal data.
func (p *Protector) Decode(ctx context.Context, e eventstore.Event) (ev domain.Event, opened Opened, err error) {
	if p == nil {
		// Without a protector a sealed event is an error, never read without its personal data.
		if bytes.Contains(e.Data, sealedMarker) {
			return nil, Opened{}, ErrNoProtector
		}
		ev, err = domain.DecodeEvent(e.Type, e.SchemaVersion, e.Data)
		return ev, Opened{Data: e.Data}, err
	}
	if opened, err = p.OpenEvent(ctx, e); err != nil || len(opened.Erased) > 0 {
		return nil, opened, err
	}
	ev, err = domain.DecodeEvent(e.Type, e.SchemaVersion, opened.Data)
	return ev, opened, err
}

// HasPlainPersonalData reports whether stored event data holds personal members in the clear:
// an event written before sealing existed.
func HasPlainPersonalData(typ string, data []byte) bool {
	paths, _ := domain.PersonalFields(typ)
	if len(paths) == 0 {
		return false
	}
	o, err := parseObject(data)
	if err != nil {
		return false
	}
	vals := map[string]json.RawMessage{}
	for _, path := range paths {
		_ = take(o, path, vals)
	}
	return len(vals) > 0
}

// stateSealed marks a sealed read-model state: the byte, then nonce || ciphertext. A plain
// state is JSON and starts with '{'.
const stateSealed = 0x01

func stateAAD(subject string) []byte { return []byte("state\x00" + subject) }

// SealState seals a customer's read-model state with its data key; the same state always seals
// to the same bytes.
func (p *Protector) SealState(ctx context.Context, subject string, plain []byte) ([]byte, error) {
	k, err := p.keys.DataKey(ctx, subject, false)
	if err != nil {
		return nil, err
	}
	return k.c.seal([]byte{stateSealed}, stateAAD(subject), plain), nil
}

// IsSealedState reports whether a stored state is sealed.
func IsSealedState(v []byte) bool { return len(v) > 0 && v[0] == stateSealed }

// OpenState returns a stored state's JSON: a plain one as it is, a sealed one opened (failing with
// ErrKeyDestroyed when the customer was forgotten).
func (p *Protector) OpenState(ctx context.Context, subject string, v []byte) ([]byte, error) {
	if !IsSealedState(v) {
		return v, nil
	}
	k, err := p.keys.DataKey(ctx, subject, false)
	if err != nil {
		return nil, err
	}
	plain, err := k.c.open(stateAAD(subject), v[1:])
	if err != nil {
		return nil, fmt.Errorf("state of %s: %w", subject, err)
	}
	return plain, nil
}

// preloader is a KeySource that can load many subjects' keys at once (*Store).
type preloader interface {
	Preload(ctx context.Context, subjects []string) error
}

// Preload asks the key source to load the data keys of subjects in one go, when it can (the key
// store reads them in one transaction); the keys then open the subjects' events without a
// lookup each. It changes no result: a subject whose key is not loaded is looked up by the
// call that needs it, which reports what is wrong with it.
func (p *Protector) Preload(ctx context.Context, subjects []string) error {
	if pl, ok := p.keys.(preloader); ok && len(subjects) > 0 {
		return pl.Preload(ctx, subjects)
	}
	return nil
}

// Evict drops the source's cached key of subject (the customer is being forgotten).
func (p *Protector) Evict(subject string) { p.keys.Evict(subject) }

package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/internal/jsonscan"
)

// DefaultMaxBodyBytes is the largest request body accepted unless Config.MaxBodyBytes says
// otherwise (413 above it).
const DefaultMaxBodyBytes = 1 << 20

// readBody reads a JSON request body. empty reports whether the body was empty (no bytes or only
// whitespace). A body with a non-JSON content type is 415, a body over Config.MaxBodyBytes (the
// Server limits every request body: limitBody) 413, a body the client was too slow to send 408, a
// body whose client went away before sending all of it errClientGone (499), one whose connection
// the server itself closed meanwhile (shutting down) errServerClosedConn (503).
func readBody(r *http.Request) (body []byte, empty bool, err error) {
	data, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &tooBig):
		return nil, false, payloadTooLarge(tooBig.Limit)
	case errors.As(err, &ne) && ne.Timeout():
		return nil, false, bodyTimeout()
	case errors.Is(err, net.ErrClosed):
		return nil, false, errServerClosedConn
	case bodyCutShort(err):
		return nil, false, errClientGone
	case err != nil:
		return nil, false, invalidBody("the request body could not be read")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, true, nil
	}
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	var ascii, ok bool
	switch {
	case err == nil && isJSON(mt):
		ascii, ok = utf8Charset(params)
	case errors.Is(err, mime.ErrInvalidMediaParameter) && isJSON(mt) && asciiCharsetParam(ct):
		ascii, ok = true, true // charset=ISO_646.irv:1991 unquoted (asciiCharsetParam)
	default:
		return nil, false, unsupportedMediaType()
	}
	if !ok {
		return nil, false, unsupportedCharset()
	} else if ascii && !isASCII(data) {
		return nil, false, invalidBody("the request body is labelled US-ASCII (charset=us-ascii, or another name of it) but holds bytes that are not ASCII: send it as UTF-8 (charset=utf-8, or no charset)")
	}
	if !identityCoding(r.Header.Values("Content-Encoding")) {
		return nil, false, unsupportedContentCoding()
	}
	if !utf8.Valid(data) {
		return nil, false, invalidBody("the request body is not valid UTF-8")
	}
	if loneSurrogate(data) {
		return nil, false, invalidBody(`the request body is not valid text: it holds a \u escape of an unpaired UTF-16 surrogate (\ud800 to \udfff)`)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark is harmless
	return data, false, nil
}

// bodyCutShort reports whether a body read failed because the connection ended before the body
// did (fewer bytes than its Content-Length, a chunked body without its last chunk) or was reset:
// the client went away mid-request (errClientGone), nothing the service can fault in what it
// sent. Malformed framing (a chunk size that is not one) is another error: the client's request
// is invalid (400). A read of a connection the server itself closed (net.ErrClosed, "use of
// closed network connection": only a close of this end reports it — a client's close or reset
// reads as EOF or ECONNRESET) is not the client's going: readBody tells it apart first.
func bodyCutShort(err error) bool {
	var oe *net.OpError
	return !errors.Is(err, net.ErrClosed) && (errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &oe))
}

// identityCoding reports whether Content-Encoding header values name no content coding but
// "identity": the service decodes none (RFC 9110 §8.4), so a body in any other is refused, not
// read as if it were plain.
func identityCoding(values []string) bool {
	for _, v := range values {
		for _, c := range strings.Split(v, ",") {
			if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "identity") {
				return false
			}
		}
	}
	return true
}

// loneSurrogate reports whether data holds a \u escape of a UTF-16 surrogate that is not half of
// a pair (a high surrogate escape directly followed by a low one). Such an escape is not text:
// encoding/json decodes it as U+FFFD, so a value the client never sent would be stored. In JSON a
// backslash only occurs in strings, where it starts an escape; elsewhere the body is malformed
// and the parser refuses it anyway.
func loneSurrogate(data []byte) bool {
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '\\')
		if j < 0 {
			return false
		}
		i += j
		if i+1 >= len(data) {
			return false
		}
		if data[i+1] != 'u' {
			i += 2 // a two-character escape, \\ among them
			continue
		}
		r, ok := hex4(data, i+2)
		i += 2
		if !ok {
			continue // malformed: the parser reports it
		}
		i += 4
		switch {
		case r >= 0xdc00 && r <= 0xdfff:
			return true
		case r >= 0xd800 && r <= 0xdbff:
			if i+1 < len(data) && data[i] == '\\' && data[i+1] == 'u' {
				if lo, ok := hex4(data, i+2); ok && lo >= 0xdc00 && lo <= 0xdfff {
					i += 6
					continue
				}
			}
			return true
		}
	}
}

// hex4 reads the four hexadecimal digits at data[i:i+4].
func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// isJSON reports whether a media type (mime.ParseMediaType's) is JSON: application/json or a
// "+json" type of application.
func isJSON(mt string) bool {
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// utf8Charset reports whether a (JSON) media type's parameters name no charset, UTF-8 ("utf-8", or the
// common misspelling "utf8") or US-ASCII by any of its names (usASCII; ascii: a subset of UTF-8,
// so such a body reads the same either way — as long as it holds only ASCII, which the caller
// checks — and clients that label ASCII worked before). JSON is UTF-8 (RFC 8259 §8.1); a body
// labelled with another charset would be read as UTF-8 all the same, and Latin-1 bytes that
// happen to be valid UTF-8 ("Ã¥") stored as something the client did not mean, so it is refused
// (unsupportedCharset). A Content-Type without a charset (the common case) costs one map look-up.
func utf8Charset(params map[string]string) (ascii, ok bool) {
	cs, given := params["charset"]
	switch {
	case !given || strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "utf8"):
		return false, true
	case usASCII(cs):
		return true, true
	}
	return false, false
}

// usASCIINames are the names of US-ASCII: the IANA character-sets registry's ANSI_X3.4-1968 with
// its aliases, and the common "ascii". Charset names are case-insensitive (RFC 2978 §2.3).
var usASCIINames = [...]string{"us-ascii", "ascii", "ANSI_X3.4-1968", "iso-ir-6", "ANSI_X3.4-1986", "ISO_646.irv:1991",
	"ISO646-US", "us", "IBM367", "cp367", "csASCII"}

// usASCII reports whether a charset parameter's value is a name of US-ASCII (usASCIINames).
func usASCII(cs string) bool {
	for _, name := range usASCIINames {
		if strings.EqualFold(cs, name) {
			return true
		}
	}
	return false
}

// asciiCharsetParam reports whether a Content-Type that mime.ParseMediaType refused for its
// parameters (ErrInvalidMediaParameter) has, as its only parameter, a charset naming US-ASCII
// whose value is not a token only because it holds a ':' — ISO_646.irv:1991 written unquoted, as
// the registry prints it (a token has no ':', RFC 9110 §5.6.2; quoted, it parses). Anything
// else the parser refused stays refused. Only requests whose Content-Type did not parse get here.
func asciiCharsetParam(contentType string) bool {
	_, param, _ := strings.Cut(contentType, ";")
	name, value, found := strings.Cut(param, "=")
	return found && strings.EqualFold(strings.TrimSpace(name), "charset") && strings.EqualFold(strings.TrimSpace(value), "ISO_646.irv:1991")
}

// isASCII reports whether b holds only 7-bit bytes.
func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// object is a JSON object whose property names are matched case-insensitively (the source
// document itself writes both "VAN" and "van"): two names are the same property when their
// strings.ToLower forms are equal. The members stay in a slice, in the order sent; a lookup
// compares names without allocating (the request bodies this API takes have a few dozen members
// at most). Only an object of more than indexedMembers members gets a map of its lower-case names,
// so that a hostile body of many members costs linear time, not quadratic.
type object struct {
	path    string // prefix for problem names: "" or "legalAddress."
	members []member
	index   map[string]int // lower-case name → members index; nil below indexedMembers members
}

// member is one property of an object.
type member struct {
	name  string // as sent
	value json.RawMessage
	used  bool // read by the decoder (fields.unknown reports the others)
}

// indexedMembers is the size above which an object's names are looked up through a map.
const indexedMembers = 16

// add appends a property, or returns a duplicateError when the object has it already.
func (o *object) add(name string, v json.RawMessage) error {
	if o.find(name) >= 0 {
		return &duplicateError{name: o.path + name}
	}
	o.members = append(o.members, member{name: name, value: v})
	switch {
	case o.index != nil:
		o.index[strings.ToLower(name)] = len(o.members) - 1
	case len(o.members) > indexedMembers:
		o.index = make(map[string]int, 2*len(o.members))
		for i, m := range o.members {
			o.index[strings.ToLower(m.name)] = i
		}
	}
	return nil
}

// find returns the index of the member named name (case-insensitively), or -1.
func (o *object) find(name string) int {
	if o.index != nil {
		if i, ok := o.index[strings.ToLower(name)]; ok {
			return i
		}
		return -1
	}
	for i := range o.members {
		if sameName(o.members[i].name, name) {
			return i
		}
	}
	return -1
}

// sameName reports whether a and b are the same property name: strings.ToLower(a) ==
// strings.ToLower(b). The ASCII prefix both share is compared byte by byte, without allocating
// and in one pass (the names of a request body are compared with every name looked up); from
// the first non-ASCII byte of either on, the rests are compared lowered — the prefixes before it
// lower to themselves byte for byte, so where they differ the names differ.
func sameName(a, b string) bool {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := a[i], b[i]
		if ca >= utf8.RuneSelf || cb >= utf8.RuneSelf {
			return strings.ToLower(a[i:]) == strings.ToLower(b[i:])
		}
		if lowerASCII(ca) != lowerASCII(cb) {
			return false
		}
	}
	// Equal up to the shorter one's end: a longer one's rest would lower to something, not nothing.
	return len(a) == len(b)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// parseObject decodes raw as a JSON object. Malformed JSON and duplicate property names are
// errors (duplicates are ambiguous: JSON parsers disagree on which one wins). Well-formed input
// is split into its members in one pass without decoding the values (jsonscan; the body's one
// decode); malformed input goes through encoding/json's decoder, for its error.
func parseObject(raw []byte, path string) (*object, error) {
	if !json.Valid(raw) {
		return decodeObject(raw, path)
	}
	return splitObject(raw, path)
}

// splitObject is parseObject of well-formed JSON: nested objects of a parsed body are split
// without being validated again.
func splitObject(raw []byte, path string) (*object, error) {
	o := &object{path: path, members: make([]member, 0, 12)}
	isObject, err := jsonscan.Members(raw, func(name string, v []byte) error { return o.add(name, v) })
	switch {
	case !isObject:
		return nil, errNotObject
	case errors.Is(err, jsonscan.ErrMalformed):
		return decodeObject(raw, path)
	case err != nil:
		return nil, err
	}
	return o, nil
}

// decodeObject is parseObject through encoding/json's decoder: the errors of malformed input.
func decodeObject(raw []byte, path string) (*object, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("malformed JSON: %s", jsonErrorText(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errNotObject
	}
	o := &object{path: path}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("malformed JSON: %s", jsonErrorText(err))
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("malformed JSON: %s", jsonErrorText(err))
		}
		if err := o.add(name, v); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("malformed JSON: %s", jsonErrorText(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("malformed JSON: unexpected data after the object")
	}
	return o, nil
}

var errNotObject = errors.New("must be a JSON object")

type duplicateError struct{ name string }

func (e *duplicateError) Error() string { return "property " + e.name + " appears more than once" }

func jsonErrorText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "unexpected end of input"
	}
	return "invalid syntax"
}

// fields reads typed properties of objects and collects every problem.
type fields struct {
	problems []domain.Problem
	// unread holds the lower-case names of nested objects that were sent but could not be read
	// (not an object, or a property in it twice): the domain sees them as absent, and what it
	// says of their absence is not so (merge).
	unread []string
}

func (f *fields) add(name, description string) {
	f.problems = append(f.problems, domain.Problem{Name: name, Description: description})
}

// raw returns the value of a property (case-insensitive) and marks it used.
func (o *object) raw(name string) (json.RawMessage, bool) {
	i := o.find(name)
	if i < 0 {
		return nil, false
	}
	o.members[i].used = true
	return o.members[i].value, true
}

// unused returns the names (as sent) of the properties of o that were not read, sorted.
func (o *object) unused() []string {
	var names []string
	for _, m := range o.members {
		if !m.used {
			names = append(names, m.name)
		}
	}
	slices.Sort(names)
	return names
}

func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

// str reads a string property: absent, null or a string.
func (f *fields) str(o *object, name string) domain.Field[string] {
	v, ok := o.raw(name)
	switch {
	case !ok:
		return domain.Field[string]{}
	case isNull(v):
		return domain.Null[string]()
	}
	if s, ok := jsonscan.PlainString(v); ok {
		return domain.Set(s) // most strings hold no escape
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		f.add(o.path+name, o.path+name+" must be a string")
		return domain.Field[string]{}
	}
	return domain.Set(s)
}

// boolean reads a boolean property: absent, null, true or false.
func (f *fields) boolean(o *object, name string) domain.Field[bool] {
	v, ok := o.raw(name)
	switch {
	case !ok:
		return domain.Field[bool]{}
	case isNull(v):
		return domain.Null[bool]()
	}
	var b bool
	if err := json.Unmarshal(v, &b); err != nil {
		f.add(o.path+name, o.path+name+" must be true or false")
		return domain.Field[bool]{}
	}
	return domain.Set(b)
}

// obj reads a nested object property. present/null follow the Field rules; the returned object
// is nil unless it has a value.
func (f *fields) obj(o *object, name string) (*object, bool, bool) {
	v, ok := o.raw(name)
	switch {
	case !ok:
		return nil, false, false
	case isNull(v):
		return nil, true, true
	}
	child, err := splitObject(v, o.path+name+".") // a member of a well-formed object
	if err != nil {
		var dup *duplicateError
		if errors.As(err, &dup) {
			f.add(dup.name, err.Error())
		} else {
			f.add(o.path+name, o.path+name+" must be a JSON object")
		}
		f.unread = append(f.unread, strings.ToLower(o.path+name))
		return nil, true, false
	}
	return child, true, false
}

// unknown adds a problem for every property of o that was not read.
func (f *fields) unknown(o *object, hint string) {
	for _, name := range o.unused() {
		f.add(o.path+name, fmt.Sprintf("%s is not a property %s", o.path+name, hint))
	}
}

// merge combines decoding problems with those the domain found: a property that could not be
// decoded is reported once, with the decoding problem. A nested object that was sent but could
// not be read (unread: fields.unread) is absent to the domain, so what the domain says of it or
// of what it holds — "legalAddress is required", or the body's "one of norwegianBankAccount, ...
// is required" — is left out: the property was there, and its decoding problem says what is
// wrong with it.
func merge(decoded []domain.Problem, unread []string, err error) []domain.Problem {
	out := append([]domain.Problem(nil), decoded...)
	var de *domain.Error
	if !errors.As(err, &de) {
		return out
	}
	seen := map[string]bool{}
	for _, p := range decoded {
		seen[strings.ToLower(p.Name)] = true
	}
	for _, p := range de.Problems {
		if !seen[strings.ToLower(p.Name)] && !seen[parentName(p.Name)] && !aboutUnread(p.Name, unread) {
			out = append(out, p)
		}
	}
	return out
}

// aboutUnread reports whether a domain problem's name is one of the unread objects, inside one,
// or the body as a whole (a rule on which properties are sent: one of them was, unread).
func aboutUnread(name string, unread []string) bool {
	if len(unread) == 0 {
		return false
	}
	name = strings.ToLower(name)
	if name == domain.PropBody {
		return true
	}
	for _, u := range unread {
		if name == u || strings.HasPrefix(name, u+".") {
			return true
		}
	}
	return false
}

// parentName returns the lower-case name of the array element a problem name is inside
// ("answers[1].questionCode" → "answers[1]"), or "" when it is not inside one: an element that
// could not be decoded is reported once, not again for each of its properties.
func parentName(name string) string {
	i := strings.LastIndex(name, "].")
	if i < 0 {
		return ""
	}
	return strings.ToLower(name[:i+1])
}

// objects reads an array-of-objects property. Each element becomes an object whose problem names
// start with name[i]; an element that is not an object is reported and is nil in the result.
// present/null follow the Field rules.
func (f *fields) objects(o *object, name string) (list []*object, present, null bool) {
	v, ok := o.raw(name)
	switch {
	case !ok:
		return nil, false, false
	case isNull(v):
		return nil, true, true
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(v, &raws); err != nil {
		f.add(o.path+name, o.path+name+" must be a JSON array")
		return nil, true, true
	}
	list = make([]*object, len(raws))
	for i, raw := range raws {
		at := fmt.Sprintf("%s%s[%d]", o.path, name, i)
		child, err := parseObject(raw, at+".")
		if err != nil {
			// Named for the element either way, so the element is reported once (see merge).
			var dup *duplicateError
			if errors.As(err, &dup) {
				f.add(at, err.Error())
			} else {
				f.add(at, at+" must be a JSON object")
			}
			continue
		}
		list[i] = child
	}
	return list, true, false
}

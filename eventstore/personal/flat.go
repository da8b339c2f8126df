package personal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/nordledger/ledger/internal/jsonscan"
)

// The sealing of an event whose personal members are all top-level members (every path of the
// classification but KYC answers and a details change's "set.*": CustomerCreated, the address
// events, the card consents), on a sorted slice of members instead of maps. It writes exactly what
// the general path (take, encodeObject) writes — TestFlatSplitEqualsTake holds the two equal — at
// about half its allocations: a create seals one such event on the request's way.

// entry is one member of a JSON object: its name unescaped, its value undecoded (scan.go's
// member is a sorted object's, its name as written).
type entry struct {
	name  string
	value json.RawMessage
}

// flatPaths reports whether every path names a top-level member.
func flatPaths(paths []string) bool {
	for _, p := range paths {
		if strings.Contains(p, ".") {
			return false
		}
	}
	return true
}

// splitFlat splits the JSON object data into its members sorted by name (the last of a repeated
// name kept, as with encoding/json) and takes out those named in paths whose value is not null:
// rest and taken are both sorted. It fails as parseObject does.
func splitFlat(data []byte, paths []string) (rest, taken []entry, err error) {
	if !json.Valid(data) {
		return nil, nil, fmt.Errorf("personal: event data is not JSON")
	}
	all := make([]entry, 0, 16) // a CustomerCreated has 15 members at most
	isObject, err := jsonscan.Members(data, func(name string, v []byte) error {
		all = append(all, entry{name, v})
		return nil
	})
	switch {
	case err != nil:
		return nil, nil, err
	case !isObject:
		return nil, nil, fmt.Errorf("personal: event data is not a JSON object")
	}
	slices.SortStableFunc(all, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	rest = all[:0]
	for i, m := range all {
		if i+1 < len(all) && all[i+1].name == m.name {
			continue // a later member of the same name wins
		}
		if slices.Contains(paths, m.name) && !bytes.Equal(bytes.TrimSpace(m.value), jsonNull) {
			taken = append(taken, m)
			continue
		}
		rest = append(rest, m)
	}
	return rest, taken, nil
}

// has reports whether the sorted members ms hold name.
func has(ms []entry, name string) bool {
	_, found := slices.BinarySearchFunc(ms, name, func(m entry, name string) int { return strings.Compare(m.name, name) })
	return found
}

// withMember returns the sorted members ms with m inserted in its place (ms must not hold its
// name).
func withMember(ms []entry, m entry) []entry {
	i, _ := slices.BinarySearchFunc(ms, m.name, func(m entry, name string) int { return strings.Compare(m.name, name) })
	return slices.Insert(ms, i, m)
}

// names returns the members' names.
func names(ms []entry) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.name
	}
	return out
}

// encodeMembers writes sorted members as encodeObject writes the object they make.
func encodeMembers(ms []entry) []byte {
	n := 2
	for _, m := range ms {
		n += len(m.name) + len(m.value) + 4
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, m := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, m.name)
		b = append(b, ':')
		b = append(b, m.value...)
	}
	return append(b, '}')
}

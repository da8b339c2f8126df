package personal

import (
	"bytes"
	"fmt"
)

// ClearMembers returns stored event data without its SealedMember — the members anyone may read —
// and the paths of the personal members the SealedMember holds (its "f"), without opening it.
// sealed is false, and clear the data itself, for data without a SealedMember (an event without
// personal members, or one stored before sealing existed). It serves what is disclosed of an event
// whose personal members are withheld from the caller.
func ClearMembers(data []byte) (clear []byte, paths []string, sealed bool, err error) {
	if !bytes.Contains(data, []byte(`"`+SealedMember+`"`)) {
		return data, nil, false, nil
	}
	o, err := parseObject(data)
	if err != nil {
		return nil, nil, false, err
	}
	raw, ok := o[SealedMember]
	if !ok {
		return data, nil, false, nil
	}
	s, err := parseSealed(raw)
	if err != nil || s.V != sealedFormat {
		return nil, nil, false, fmt.Errorf("personal: malformed %s", SealedMember)
	}
	delete(o, SealedMember)
	return encodeObject(o), s.F, true, nil
}

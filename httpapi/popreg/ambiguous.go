package popreg

import (
	"fmt"
	"strings"

	"github.com/nordledger/ledger/internal/jsonscan"
)

// repeatedName reports an object in the well-formed JSON value data that names a property twice,
// in any casing (encoding/json matches names ignoring case and takes the last): such a person is
// ambiguous — parsers disagree on which value wins — so it is not a valid person. The error
// names the property, never a value.
func repeatedName(data []byte) error {
	i := jsonscan.SkipSpace(data, 0)
	if i >= len(data) {
		return nil
	}
	switch data[i] {
	case '{':
		var seen []string
		_, err := jsonscan.Members(data[i:], func(name string, value []byte) error {
			for _, s := range seen {
				if strings.EqualFold(s, name) {
					return fmt.Errorf("property %q appears more than once", name)
				}
			}
			seen = append(seen, name)
			return repeatedName(value)
		})
		return err
	case '[':
		i = jsonscan.SkipSpace(data, i+1)
		for i < len(data) && data[i] != ']' {
			end, err := jsonscan.SkipValue(data, i)
			if err != nil {
				return err
			}
			if err := repeatedName(data[i:end]); err != nil {
				return err
			}
			i = jsonscan.SkipSpace(data, end)
			if i < len(data) && data[i] == ',' {
				i = jsonscan.SkipSpace(data, i+1)
			}
		}
	}
	return nil
}

package contracttest

import (
	"bytes"
	"encoding/json"
	"errors"
)

// decodeJSON decodes one JSON value as kin-openapi expects it (numbers as float64).
func decodeJSON(b []byte) (any, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value")
	}
	return v, nil
}

package contracttest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// checkRequest validates a request the service accepted against the operation's parameters and
// request body, with the body's property names matched to the schema's case-insensitively.
func (v *Validator) checkRequest(what string, in *openapi3filter.RequestValidationInput, op *openapi3.Operation, body []byte) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")) // the service accepts a UTF-8 BOM
	if len(bytes.TrimSpace(body)) > 0 && op.RequestBody != nil && op.RequestBody.Value != nil {
		if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			var value any
			if err := json.Unmarshal(body, &value); err == nil {
				if b, err := json.Marshal(canonical(value, mt.Schema.Value)); err == nil {
					body = b
				}
			}
		}
	}
	in.Request.Body = io.NopCloser(bytes.NewReader(body))
	in.Request.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	in.Request.ContentLength = int64(len(body))
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		v.fail("%s: the service accepted a request the document does not allow: %v\nrequest body: %s", what, err, clip(body))
	}
}

// canonical renames the properties of a JSON value to the schema's spelling where they match
// it case-insensitively.
func canonical(value any, s *openapi3.Schema) any {
	if s == nil {
		return value
	}
	switch x := value.(type) {
	case map[string]any:
		props := properties(s)
		out := make(map[string]any, len(x))
		for k, val := range x {
			name, sub := k, (*openapi3.Schema)(nil)
			for p, ref := range props {
				if strings.EqualFold(p, k) {
					name = p
					if ref != nil {
						sub = ref.Value
					}
					break
				}
			}
			out[name] = canonical(val, sub)
		}
		return out
	case []any:
		if s.Items == nil {
			return value
		}
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = canonical(val, s.Items.Value)
		}
		return out
	}
	return value
}

// properties returns a schema's properties, with those of its allOf, oneOf and anyOf members.
func properties(s *openapi3.Schema) openapi3.Schemas {
	out := openapi3.Schemas{}
	for k, v := range s.Properties {
		out[k] = v
	}
	for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, ref := range group {
			if ref != nil && ref.Value != nil {
				for k, v := range properties(ref.Value) {
					out[k] = v
				}
			}
		}
	}
	return out
}

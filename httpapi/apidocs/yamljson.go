package apidocs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/nordledger/ledger/internal/jsonw"
	"go.yaml.in/yaml/v3"
)

// YAMLToJSON converts a YAML document to JSON, keeping the order of mapping keys and the literal
// form of numbers (10.00 stays 10.00). It supports what JSON can say: mappings with scalar keys,
// sequences, strings, numbers, booleans, null and aliases; not merge keys (<<).
func YAMLToJSON(src []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("not a single YAML document")
	}
	var buf bytes.Buffer
	if err := writeJSON(&buf, doc.Content[0]); err != nil {
		return nil, err
	}
	if !json.Valid(buf.Bytes()) {
		return nil, fmt.Errorf("the conversion made invalid JSON")
	}
	return buf.Bytes(), nil
}

func writeJSON(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.AliasNode:
		return writeJSON(buf, n.Alias)
	case yaml.MappingNode:
		buf.WriteByte('{')
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				return fmt.Errorf("line %d: only scalar mapping keys are supported", k.Line)
			}
			if seen[k.Value] {
				return fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			seen[k.Value] = true
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k.Value)
			buf.WriteByte(':')
			if err := writeJSON(buf, n.Content[i+1]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSON(buf, c); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		return writeScalar(buf, n)
	default:
		return fmt.Errorf("line %d: unsupported YAML node", n.Line)
	}
	return nil
}

func writeScalar(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.ShortTag() {
	case "!!null":
		buf.WriteString("null")
	case "!!bool":
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if err != nil {
			return fmt.Errorf("line %d: boolean %q", n.Line, n.Value)
		}
		buf.WriteString(strconv.FormatBool(b))
	case "!!int", "!!float":
		v := strings.ReplaceAll(n.Value, "_", "")
		if !json.Valid([]byte(v)) {
			return fmt.Errorf("line %d: number %q has no JSON form: quote it", n.Line, n.Value)
		}
		buf.WriteString(v)
	case "!!str":
		writeString(buf, n.Value)
	default:
		return fmt.Errorf("line %d: unsupported tag %s", n.Line, n.Tag)
	}
	return nil
}

// writeString writes a string as the service writes every JSON answer: without HTML escaping.
func writeString(buf *bytes.Buffer, s string) {
	buf.Write(jsonw.AppendStringNoEscapeHTML(buf.AvailableBuffer(), s))
}

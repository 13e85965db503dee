package compile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// document is one parsed YAML file that remembers where every value came
// from, so that schema and resolution errors can point at a line and column.
type document struct {
	file  string
	root  *yaml.Node // the top-level mapping
	value any        // the same content as plain JSON-like values
}

// maxAliasExpansion bounds how many nodes alias expansion may produce, so a
// "billion laughs" document fails instead of exhausting memory.
const maxAliasExpansion = 100000

// parseDocument parses exactly one YAML document. Values become
// map[string]any, []any, string, bool, int64, float64 or nil; timestamps stay
// strings, so dates such as `expires: 2027-03-31` keep their spelling.
func parseDocument(file string, data []byte) (*document, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Line: 1, Column: 1, Msg: "the file is empty; expected a YAML document with apiVersion and kind"}
		}
		return nil, yamlError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{File: file, Line: extra.Line, Column: extra.Column, Msg: "found a second YAML document; expected exactly one per file"}
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(file, err)
	}
	body := &root
	if body.Kind == yaml.DocumentNode && len(body.Content) == 1 {
		body = body.Content[0]
	}
	if body.Kind != yaml.MappingNode {
		return nil, &Error{File: file, Line: body.Line, Column: body.Column, Msg: "expected a mapping with apiVersion, kind, metadata and spec"}
	}
	budget := maxAliasExpansion
	v, err := nodeValue(file, body, &budget, 0)
	if err != nil {
		return nil, err
	}
	return &document{file: file, root: body, value: v}, nil
}

var yamlLineRe = strings.NewReplacer("yaml: ", "")

// yamlError turns the YAML library's "yaml: line N: msg" into a positioned Error.
func yamlError(file string, err error) error {
	msg := yamlLineRe.Replace(err.Error())
	line := 0
	if strings.HasPrefix(msg, "line ") {
		rest := strings.TrimPrefix(msg, "line ")
		if i := strings.Index(rest, ":"); i > 0 {
			if n, convErr := strconv.Atoi(rest[:i]); convErr == nil {
				line = n
				msg = strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return &Error{File: file, Line: line, Msg: "invalid YAML: " + msg}
}

func nodeValue(file string, n *yaml.Node, budget *int, depth int) (any, error) {
	*budget--
	if *budget < 0 {
		return nil, &Error{File: file, Line: n.Line, Column: n.Column, Msg: "document too large after alias expansion"}
	}
	if depth > 200 {
		return nil, &Error{File: file, Line: n.Line, Column: n.Column, Msg: "document nested too deeply"}
	}
	switch n.Kind {
	case yaml.AliasNode:
		return nodeValue(file, n.Alias, budget, depth+1)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return nodeValue(file, n.Content[0], budget, depth+1)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.AliasNode {
				k = k.Alias
			}
			if k.Tag == "!!merge" {
				return nil, &Error{File: file, Line: k.Line, Column: k.Column, Msg: "YAML merge keys (<<) are not supported; write the fields out"}
			}
			if k.Kind != yaml.ScalarNode {
				return nil, &Error{File: file, Line: k.Line, Column: k.Column, Msg: "mapping keys must be strings"}
			}
			if _, dup := m[k.Value]; dup {
				return nil, &Error{File: file, Line: k.Line, Column: k.Column, Field: k.Value, Msg: "duplicate key"}
			}
			val, err := nodeValue(file, v, budget, depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = val
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := nodeValue(file, c, budget, depth+1)
			if err != nil {
				return nil, err
			}
			s = append(s, val)
		}
		return s, nil
	case yaml.ScalarNode:
		return scalarValue(file, n)
	}
	return nil, &Error{File: file, Line: n.Line, Column: n.Column, Msg: "unsupported YAML node"}
}

func scalarValue(file string, n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, &Error{File: file, Line: n.Line, Column: n.Column, Msg: err.Error()}
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			return nil, &Error{File: file, Line: n.Line, Column: n.Column, Msg: "integer out of range: " + n.Value}
		}
		return i, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, &Error{File: file, Line: n.Line, Column: n.Column, Msg: "expected a finite number, got " + n.Value}
		}
		return f, nil
	case "!!str", "!!timestamp", "!!binary":
		return n.Value, nil
	}
	return nil, &Error{File: file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf("unsupported YAML tag %s", n.Tag)}
}

// locate returns the node at path (map keys and sequence indexes), or the
// deepest existing ancestor when the path does not exist (a missing required
// field is reported at its parent). keyPos asks for the key's position, which
// reads better for "unknown field" errors.
func (d *document) locate(path []string, keyPos bool) (line, col int) {
	n := d.root
	line, col = n.Line, n.Column
	for _, seg := range path {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		var next, key *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == seg {
					key, next = n.Content[i], n.Content[i+1]
					break
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
			}
		}
		if next == nil {
			return line, col
		}
		if key != nil && (keyPos || next.Line == 0) {
			line, col = key.Line, key.Column
		} else {
			line, col = next.Line, next.Column
		}
		n = next
	}
	return line, col
}

// errorAt builds a positioned Error for a field path.
func (d *document) errorAt(path []string, msg, hint string) *Error {
	line, col := d.locate(path, false)
	return &Error{File: d.file, Line: line, Column: col, Field: strings.Join(path, "."), Msg: msg, Hint: hint}
}

// keyErrorAt is errorAt pointing at the key rather than its value.
func (d *document) keyErrorAt(path []string, msg, hint string) *Error {
	line, col := d.locate(path, true)
	return &Error{File: d.file, Line: line, Column: col, Field: strings.Join(path, "."), Msg: msg, Hint: hint}
}

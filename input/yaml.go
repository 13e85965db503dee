package input

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Document is one parsed YAML file that remembers where every value came
// from, so that schema and resolution errors can point at a line and column.
type Document struct {
	File  string
	Root  *yaml.Node // the top-level mapping
	Value any        // the same content as plain JSON-like values
}

// maxAliasExpansion bounds how many nodes alias expansion may produce, so a
// "billion laughs" document fails instead of exhausting memory.
const maxAliasExpansion = 100000

// ParseDocument parses exactly one YAML document, a mapping. Values become
// map[string]any, []any, string, bool, int64, float64 or nil; timestamps stay
// strings, so dates such as `expires: 2027-03-31` keep their spelling.
func ParseDocument(file string, data []byte) (*Document, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Line: 1, Column: 1, Msg: "the file is empty; expected a YAML document with apiVersion and kind"}
		}
		return nil, YAMLErrorIn(file, data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{File: file, Line: extra.Line, Column: extra.Column, Msg: "found a second YAML document; expected exactly one per file"}
	} else if !errors.Is(err, io.EOF) {
		return nil, YAMLErrorIn(file, data, err)
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
	return &Document{File: file, Root: body, Value: v}, nil
}

var yamlLine = regexp.MustCompile(`line (\d+): `)

// YAMLError converts PLACEHOLDER
// YAMLErrorIn is YAMLError with the document at hand. For a syntax error the
// parser names the line where the enclosing block began, which can be far
// above the line to fix (a mis-indented key deep in a list); the error then
// points at the first line whose addition makes the document unparsable and
// keeps the parser's own line in the message. Other errors are unchanged.
func YAMLErrorIn(file string, data []byte, err error) *Error {
	e := YAMLError(file, err)
	if bad := provokingLine(data); bad > 0 && bad != e.Line {
		if e.Line > 0 {
			e.Msg += fmt.Sprintf(" (the parser reports line %d; the document stops parsing at line %d)", e.Line, bad)
		}
		e.Line = bad
	}
	return e
}

// provokingLine returns the 1-based number of the first line whose addition
// makes data fail to parse, or 0 when data parses. A binary search over
// prefixes: a few parses of the file, whatever its length.
func provokingLine(data []byte) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	fails := func(k int) bool {
		dec := yaml.NewDecoder(bytes.NewReader(bytes.Join(lines[:k], nil)))
		for {
			var n yaml.Node
			err := dec.Decode(&n)
			if errors.Is(err, io.EOF) {
				return false
			}
			if err != nil {
				return true
			}
		}
	}
	if !fails(len(lines)) {
		return 0
	}
	lo, hi := 0, len(lines) // the empty prefix parses; the whole does not
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// YAMLError turns the YAML library's "yaml: line N: msg" (or its list of
// unmarshal errors) into a positioned Error. The library quotes at most a
// few characters of the offending value, so no file content leaks through.
func YAMLError(file string, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	// Unmarshal errors are about types and fields, not syntax.
	prefix := "invalid YAML: "
	if rest, ok := strings.CutPrefix(msg, "unmarshal errors:\n"); ok {
		msg, prefix = rest, ""
	}
	var lines []string
	line := 0
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if m := yamlLine.FindStringSubmatchIndex(l); m != nil && m[0] == 0 {
			n, _ := strconv.Atoi(l[m[2]:m[3]])
			if line == 0 {
				line = n
			} else if n != line {
				l = "line " + strconv.Itoa(n) + ": " + l[m[1]:]
				lines = append(lines, l)
				continue
			}
			l = l[m[1]:]
		}
		lines = append(lines, l)
	}
	return &Error{File: file, Line: line, Msg: prefix + strings.Join(lines, "; ")}
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

// Locate returns the position of the node at path (map keys and sequence indexes), or the
// deepest existing ancestor when the path does not exist (a missing required
// field is reported at its parent). keyPos asks for the key's position, which
// reads better for "unknown field" errors.
func (d *Document) Locate(path []string, keyPos bool) (line, col int) {
	n := d.Root
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

// ErrorAt builds a positioned Error for a field path.
func (d *Document) ErrorAt(path []string, msg, hint string) *Error {
	line, col := d.Locate(path, false)
	return &Error{File: d.File, Line: line, Column: col, Field: strings.Join(path, "."), Msg: msg, Hint: hint}
}

// KeyErrorAt is ErrorAt pointing at the key rather than its value.
func (d *Document) KeyErrorAt(path []string, msg, hint string) *Error {
	line, col := d.Locate(path, true)
	return &Error{File: d.File, Line: line, Column: col, Field: strings.Join(path, "."), Msg: msg, Hint: hint}
}

// NodeLine follows path (mapping keys as strings, sequence indexes as ints) from
// n and returns the line of the deepest node reached.
func NodeLine(n *yaml.Node, path ...any) int {
	if n == nil {
		return 0
	}
	line := n.Line
	for _, seg := range path {
		var next *yaml.Node
		switch s := seg.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == s {
						next = n.Content[i+1]
						break
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && s >= 0 && s < len(n.Content) {
				next = n.Content[s]
			}
		}
		if next == nil {
			return line
		}
		n, line = next, next.Line
	}
	return line
}

package azureimport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/edict-policy/edict/input"
)

// MaxFileSize bounds one Azure JSON file. Exported definitions are a few
// kilobytes; a policy set with every built-in member is well under a
// megabyte.
const MaxFileSize = 8 << 20

// maxDepth bounds nesting, so a hostile file cannot exhaust the stack.
const maxDepth = 100

// jpath is a JSON path: object keys as strings, array indexes as ints.
type jpath []any

func (p jpath) with(seg ...any) jpath {
	out := make(jpath, len(p), len(p)+len(seg))
	copy(out, p)
	return append(out, seg...)
}

// String spells the path as Azure's documentation does:
// properties.policyDefinitions[2].parameters.effect.value.
func (p jpath) String() string {
	var b strings.Builder
	for _, s := range p {
		switch s := s.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", s)
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		}
	}
	return b.String()
}

// document is one parsed JSON file that remembers the offset of every value.
type document struct {
	file  string
	data  []byte
	value any
	at    map[string]int // path.String() -> byte offset of the value
}

// parseJSON reads one JSON file (an object, or an array of objects as the
// Azure CLI's list commands print). Syntax errors name the line and column.
func parseJSON(file string, data []byte) (*document, error) {
	if len(data) > MaxFileSize {
		return nil, &input.Error{File: file, Msg: fmt.Sprintf("the file is %d bytes; Azure policy files are read up to %d", len(data), MaxFileSize)}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // PowerShell writes a BOM
	d := &document{file: file, data: data, at: map[string]int{}}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := d.walk(dec, nil, 0)
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = &syntaxAt{off: dec.InputOffset(), msg: "unexpected content after the JSON value"}
		}
	}
	if err != nil {
		var se *json.SyntaxError
		var sa *syntaxAt
		off, msg := 0, err.Error()
		switch {
		case errors.As(err, &se):
			// Offset counts the bytes read, the offending one included.
			off, msg = max(int(se.Offset)-1, 0), se.Error()
		case errors.As(err, &sa):
			off, msg = int(sa.off), sa.msg
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			off, msg = len(data), "unexpected end of the file"
		}
		line, col := lineCol(data, off)
		return nil, &input.Error{File: file, Line: line, Column: col, Msg: "not valid JSON: " + msg, Hint: "export with az policy ... show/list -o json or the portal's JSON view"}
	}
	d.value = v
	return d, nil
}

type syntaxAt struct {
	off int64
	msg string
}

func (s *syntaxAt) Error() string { return s.msg }

// walk decodes one value from dec, recording the offset of it and of
// everything inside it.
func (d *document) walk(dec *json.Decoder, p jpath, depth int) (any, error) {
	if depth > maxDepth {
		return nil, &syntaxAt{off: dec.InputOffset(), msg: fmt.Sprintf("nested deeper than %d levels", maxDepth)}
	}
	off := int(dec.InputOffset())
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d.at[p.String()] = skipSpace(d.data, off)
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := map[string]any{}
			for dec.More() {
				koff := int64(skipSpace(d.data, int(dec.InputOffset())))
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, &syntaxAt{off: dec.InputOffset(), msg: "object key is not a string"}
				}
				if _, dup := m[k]; dup {
					return nil, &syntaxAt{off: koff, msg: fmt.Sprintf("duplicate key %q", k)}
				}
				v, err := d.walk(dec, p.with(k), depth+1)
				if err != nil {
					return nil, err
				}
				m[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return m, nil
		case '[':
			s := []any{}
			for i := 0; dec.More(); i++ {
				v, err := d.walk(dec, p.with(i), depth+1)
				if err != nil {
					return nil, err
				}
				s = append(s, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return s, nil
		}
		return nil, &syntaxAt{off: dec.InputOffset(), msg: "unexpected " + t.String()}
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return i, nil
		}
		f, err := t.Float64()
		if err != nil {
			return nil, &syntaxAt{off: int64(off), msg: "number out of range: " + string(t)}
		}
		return f, nil
	default:
		return tok, nil // string, bool or nil
	}
}

func skipSpace(data []byte, off int) int {
	for off < len(data) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func lineCol(data []byte, off int) (int, int) {
	if off > len(data) {
		off = len(data)
	}
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// position is file:line:column of the value at p, or of its nearest
// ancestor present in the file.
func (d *document) position(p jpath) (int, int) {
	for n := len(p); n >= 0; n-- {
		if off, ok := d.at[p[:n].String()]; ok {
			return lineCol(d.data, off)
		}
	}
	return 0, 0
}

// errorAt is an input error at a JSON path.
func (d *document) errorAt(p jpath, msg, hint string) *input.Error {
	line, col := d.position(p)
	return &input.Error{File: d.file, Line: line, Column: col, Field: p.String(), Msg: msg, Hint: hint}
}

// loc is where an item came from, for the report.
type loc struct {
	doc  *document
	path jpath
}

func (l loc) String() string {
	if l.doc == nil {
		return ""
	}
	line, col := l.doc.position(l.path)
	s := l.doc.file
	if line > 0 {
		s += fmt.Sprintf(":%d:%d", line, col)
	}
	return s
}

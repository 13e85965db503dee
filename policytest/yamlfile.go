package policytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// InputError is a problem with a test input file (missing file, invalid YAML,
// unknown field, template that does not compile): the test is not run and
// the run ends with the bad-input exit code.
type InputError struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"` // 1-based; 0 when unknown
	Msg  string `json:"msg"`
}

func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// maxFileSize bounds every file a test reads, so a stray huge file fails
// clearly instead of exhausting memory.
const maxFileSize = 8 << 20

func readFile(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return nil, fmt.Errorf("%s is a folder; expected a file", name)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, maxFileSize)
	}
	return data, nil
}

var yamlLine = regexp.MustCompile(`line (\d+): `)

// yamlErr turns the YAML library's "yaml: line N: msg" (or its list of
// unmarshal errors) into InputErrors with the line split out.
func yamlErr(file string, err error) *InputError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
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
	return &InputError{File: file, Line: line, Msg: strings.Join(lines, "; ")}
}

// unknownField rewrites yaml.v3's "field x not found in type pkg.T" into
// words a suite author understands.
var unknownField = regexp.MustCompile(`field (\S+) not found in type (?:\S+\.)?(\w+)`)

func friendlyYAMLMsg(msg string) string {
	return unknownField.ReplaceAllString(msg, `unknown field "$1" in $2`)
}

// header is what every Kubernetes-style document starts with.
type header struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
}

// peekHeader reads apiVersion and kind of the first document of data; ok is
// false when data is not YAML or has no mapping at the top.
func peekHeader(data []byte) (header, bool) {
	if h, ok := scanHeader(data); ok {
		return h, true
	}
	var h header
	if err := yaml.Unmarshal(data, &h); err != nil {
		// Fields of the wrong type (a list under kind) are not our documents.
		return h, false
	}
	return h, true
}

// scanHeader finds top-level "apiVersion:" and "kind:" lines of the first
// document without parsing it: discovery looks at every YAML file of a
// repository, and a full parse of each one costs more than the tests. Any
// other layout (JSON, quoted keys, anchors) falls back to the parser.
func scanHeader(data []byte) (header, bool) {
	var h header
	var gotAPI, gotKind bool
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimRight(line, "\r")
		if bytes.HasPrefix(line, []byte("---")) && (gotAPI || gotKind) {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && len(k) > 0 && k[0] != ' ' && k[0] != '\t' {
			v = bytes.TrimSpace(v)
			if len(v) == 0 || bytes.ContainsAny(v, "&*!|>{[#'\"") {
				if string(k) == "apiVersion" || string(k) == "kind" {
					return header{}, false
				}
				continue
			}
			switch string(k) {
			case "apiVersion":
				h.APIVersion, gotAPI = string(v), true
			case "kind":
				h.Kind, gotKind = string(v), true
			}
		}
	}
	return h, gotAPI && gotKind
}

// decodeStrict decodes the first YAML document of data into out, refusing
// fields out does not declare.
func decodeStrict(file string, data []byte, out any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil {
		if errors.Is(err, io.EOF) {
			return &InputError{File: file, Line: 1, Msg: "the file is empty"}
		}
		e := yamlErr(file, err)
		e.Msg = friendlyYAMLMsg(e.Msg)
		return e
	}
	return nil
}

// firstNode returns the top-level mapping of the first document, for looking
// up the line of a nested value.
func firstNode(data []byte) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return doc.Content[0]
	}
	return nil
}

// lineOf follows path (mapping keys as strings, sequence indexes as ints) from
// n and returns the line of the deepest node reached.
func lineOf(n *yaml.Node, path ...any) int {
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

// readObjects reads every Kubernetes object of a YAML (or JSON) file, as
// gator does: documents that are empty or only comments are skipped, and
// every object must carry a kind.
func readObjects(fsys fs.FS, name string) ([]*unstructured.Unstructured, error) {
	data, err := readFile(fsys, name)
	if err != nil {
		return nil, err
	}
	return parseObjects(name, data)
}

func parseObjects(name string, data []byte) ([]*unstructured.Unstructured, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []*unstructured.Unstructured
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, yamlErr(name, err)
		}
		if m == nil {
			continue
		}
		u, err := toUnstructured(m)
		if err != nil {
			return nil, &InputError{File: name, Msg: err.Error()}
		}
		out = append(out, u)
	}
	if len(out) == 0 {
		return nil, &InputError{File: name, Msg: "defines no YAML objects"}
	}
	return out, nil
}

// readObject reads a file that must hold exactly one object; like gator's
// readers, only the first document counts for templates and constraints.
func readFirstObject(fsys fs.FS, name string) (*unstructured.Unstructured, error) {
	data, err := readFile(fsys, name)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, yamlErr(name, err)
	}
	if m == nil {
		return nil, &InputError{File: name, Msg: "defines no YAML object"}
	}
	u, err := toUnstructured(m)
	if err != nil {
		return nil, &InputError{File: name, Msg: err.Error()}
	}
	return u, nil
}

// toUnstructured passes a decoded YAML value through JSON, as Kubernetes
// clients do, so that numbers become int64/float64 and every object has a kind.
func toUnstructured(v any) (*unstructured.Unstructured, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return u, nil
}

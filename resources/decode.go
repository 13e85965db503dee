package resources

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	sigsyaml "sigs.k8s.io/yaml"
)

// Item is one result of decoding: an object to review, an object that
// cannot be reviewed (Skip says why), or an input error.
type Item struct {
	Object *unstructured.Unstructured
	Source Source
	Skip   string
	Err    error
}

// helmMarker finds Helm/Go template actions left in a manifest. Plain
// "{{ $labels.x }}" (Prometheus and Alertmanager templates inside
// annotations or rule bodies) is legitimate content and does not count.
var helmMarker = regexp.MustCompile(`\{\{-?\s*(\.(Values|Release|Chart|Capabilities|Files|Template)\b|include\s|template\s|toYaml\s|tpl\s|required\s|if\s|else\b|end\b|range\s|with\s|define\s|\$\.)`)

// Decode turns a document into items, in document order: the objects of a
// List one by one, each with its own line.
func Decode(doc Document) []Item {
	if doc.Err != nil {
		return []Item{{Source: doc.Source, Err: doc.Err}}
	}
	if doc.Rendered != nil {
		items := make([]Item, 0, len(doc.Rendered))
		for _, r := range doc.Rendered {
			items = append(items, classify(r.Object, doc.Source))
		}
		return items
	}
	if doc.JSON {
		return decodeJSON(doc)
	}
	return decodeYAML(doc)
}

func decodeYAML(doc Document) []Item {
	src := doc.Source
	templated := bytes.Contains(doc.Data, []byte("{{")) && helmMarker.Match(doc.Data)
	if templated {
		return []Item{{Source: src, Skip: "unrendered Helm template ({{ }} markers); render it first (helm template)"}}
	}
	j, err := sigsyaml.YAMLToJSON(doc.Data)
	if err != nil {
		return []Item{{Source: src, Err: yamlError(src, err)}}
	}
	var v any
	if err := utiljson.Unmarshal(j, &v); err != nil {
		return []Item{{Source: src, Err: &Error{File: src.File, Line: src.Line, Msg: "invalid YAML: " + err.Error()}}}
	}
	switch m := v.(type) {
	case nil:
		return nil
	case map[string]any:
		if items, ok := listItems(m); ok {
			return decodeList(items, src, yamlItemLines(doc.Data, src.Line))
		}
		return []Item{classify(m, src)}
	default:
		return []Item{{Source: src, Err: &Error{File: src.File, Line: src.Line, Msg: fmt.Sprintf("expected a Kubernetes object (a mapping), got %s", describe(v))}}}
	}
}

func decodeJSON(doc Document) []Item {
	src := doc.Source
	dec := json.NewDecoder(bytes.NewReader(doc.Data))
	var items []Item
	for {
		start := dec.InputOffset()
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return items
		}
		if err != nil {
			return append(items, Item{Source: src, Err: jsonError(src, doc.Data, start, err)})
		}
		at := src
		at.Line = lineAt(doc.Data, int(start)+leadingSpace(raw)) + src.Line - 1
		var v any
		if err := utiljson.Unmarshal(raw, &v); err != nil {
			return append(items, Item{Source: at, Err: &Error{File: src.File, Line: at.Line, Msg: "invalid JSON: " + err.Error()}})
		}
		m, ok := v.(map[string]any)
		if !ok {
			items = append(items, Item{Source: at, Err: &Error{File: src.File, Line: at.Line, Msg: fmt.Sprintf("expected a Kubernetes object (a JSON object), got %s", describe(v))}})
			continue
		}
		if list, ok := listItems(m); ok {
			items = append(items, decodeList(list, at, jsonItemLines(doc.Data, int(start), at.Line))...)
			continue
		}
		items = append(items, classify(m, at))
	}
}

// listItems returns the items of a List (kind List or any *List kind, as
// kubectl writes them).
func listItems(m map[string]any) ([]any, bool) {
	kind, _ := m["kind"].(string)
	if !strings.HasSuffix(kind, "List") {
		return nil, false
	}
	items, ok := m["items"].([]any)
	if !ok && m["items"] != nil {
		return nil, false
	}
	return items, true
}

func decodeList(items []any, src Source, lines []int) []Item {
	out := make([]Item, 0, len(items))
	for i, it := range items {
		at := src
		if i < len(lines) && lines[i] > 0 {
			at.Line = lines[i]
		}
		m, ok := it.(map[string]any)
		if !ok {
			out = append(out, Item{Source: at, Err: &Error{File: src.File, Line: at.Line, Msg: fmt.Sprintf("items[%d]: expected an object, got %s", i, describe(it))}})
			continue
		}
		out = append(out, classify(m, at))
	}
	return out
}

// classify decides whether an object can be reviewed.
func classify(m map[string]any, src Source) Item {
	apiVersion, _ := m["apiVersion"].(string)
	kind, _ := m["kind"].(string)
	if apiVersion == "" || kind == "" {
		return Item{Source: src, Skip: "no apiVersion or kind: not a Kubernetes object"}
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return Item{Source: src, Skip: fmt.Sprintf("invalid apiVersion %q", apiVersion)}
	}
	if gv.Group == "kustomize.config.k8s.io" {
		return Item{Source: src, Skip: "kustomize configuration, not a resource (a folder holding kustomization.yaml is rendered with kustomize)"}
	}
	if md, ok := m["metadata"]; ok && md != nil {
		if _, ok := md.(map[string]any); !ok {
			return Item{Source: src, Skip: "metadata is not a mapping"}
		}
	}
	return Item{Object: &unstructured.Unstructured{Object: m}, Source: src}
}

func describe(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// yamlError positions the YAML library's "yaml: line N: msg" in the file.
func yamlError(src Source, err error) *Error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := src.Line
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ":"); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				line = src.Line + n - 1
				msg = strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return &Error{File: src.File, Line: line, Msg: "invalid YAML: " + msg}
}

func jsonError(src Source, data []byte, start int64, err error) *Error {
	off := int(start)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = int(se.Offset) - 1 // Offset counts the offending byte
	}
	if off > len(data) {
		off = len(data)
	}
	line, col := lineAt(data, off), colAt(data, off)
	return &Error{File: src.File, Line: src.Line + line - 1, Column: col, Msg: "invalid JSON: " + err.Error()}
}

func lineAt(data []byte, off int) int {
	if off > len(data) {
		off = len(data)
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

func colAt(data []byte, off int) int {
	if off > len(data) {
		off = len(data)
	}
	return off - bytes.LastIndexByte(data[:off], '\n')
}

func leadingSpace(raw []byte) int {
	return len(raw) - len(bytes.TrimLeft(raw, " \t\r\n"))
}

// yamlItemLines returns the line of each element of a List's items, read
// from the document's node tree (only Lists pay for it).
func yamlItemLines(data []byte, first int) []int {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil || len(root.Content) != 1 {
		return nil
	}
	m := root.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != "items" || m.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		lines := make([]int, len(m.Content[i+1].Content))
		for j, it := range m.Content[i+1].Content {
			lines[j] = first + it.Line - 1
		}
		return lines
	}
	return nil
}

// jsonItemLines returns the line of each element of the items array of the
// JSON object starting at off.
func jsonItemLines(data []byte, off int, first int) []int {
	dec := json.NewDecoder(bytes.NewReader(data[off:]))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil
		}
		if key != "items" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return nil
		}
		var lines []int
		for dec.More() {
			pos := int(dec.InputOffset())
			var raw json.RawMessage
			if dec.Decode(&raw) != nil {
				return lines
			}
			// InputOffset points before the separating comma and blanks.
			rest := data[off+pos:]
			skip := len(rest) - len(bytes.TrimLeft(rest, ", \t\r\n"))
			lines = append(lines, first+lineAt(data[off:], pos+skip)-1)
		}
		return lines
	}
	return nil
}

// normalize passes a value through JSON so that numbers are int64 or
// float64, as Kubernetes clients decode them.
func normalize(m map[string]any) map[string]any {
	j, err := json.Marshal(m)
	if err != nil {
		return m
	}
	var out map[string]any
	if err := utiljson.Unmarshal(j, &out); err != nil {
		return m
	}
	return out
}

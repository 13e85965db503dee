package policytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/edict-policy/edict/input"
)

// unknownField rewrites yaml.v3's "field x not found in type pkg.T" into
// words a suite author understands.
var unknownField = regexp.MustCompile(`field (\S+) not found in type (?:\S+\.)?(\w+)`)

func friendlyYAMLMsg(msg string) string {
	return unknownField.ReplaceAllString(msg, `unknown field "$1" in $2`)
}

// decodeStrict decodes the first YAML document of data into out, refusing
// fields out does not declare.
func decodeStrict(file string, data []byte, out any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil {
		if errors.Is(err, io.EOF) {
			return &input.Error{File: file, Line: 1, Msg: "the file is empty"}
		}
		e := input.YAMLErrorIn(file, data, err)
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

// readObjects reads every Kubernetes object of a YAML (or JSON) file, as
// gator does: documents that are empty or only comments are skipped, and
// every object must carry a kind.
func readObjects(fsys fs.FS, name string) ([]*unstructured.Unstructured, error) {
	data, err := input.ReadFile(fsys, name)
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
			return nil, input.YAMLErrorIn(name, data, err)
		}
		if m == nil {
			continue
		}
		u, err := toUnstructured(m)
		if err != nil {
			return nil, &input.Error{File: name, Msg: err.Error()}
		}
		out = append(out, u)
	}
	if len(out) == 0 {
		return nil, &input.Error{File: name, Msg: "defines no YAML objects"}
	}
	return out, nil
}

// readObject reads a file that must hold exactly one object; like gator's
// readers, only the first document counts for templates and constraints.
func readFirstObject(fsys fs.FS, name string) (*unstructured.Unstructured, error) {
	data, err := input.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, input.YAMLErrorIn(name, data, err)
	}
	if m == nil {
		return nil, &input.Error{File: name, Msg: "defines no YAML object"}
	}
	u, err := toUnstructured(m)
	if err != nil {
		return nil, &input.Error{File: name, Msg: err.Error()}
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
		return nil, objectError(err)
	}
	return u, nil
}

// objectError words a decoding failure without the object itself: the
// Kubernetes decoder quotes the whole object in its missing-kind and
// missing-apiVersion errors, and a sample symlinked or pasted from a secret
// must not reach CI logs through them.
func objectError(err error) error {
	switch {
	case runtime.IsMissingKind(err):
		return errors.New("the object has no kind; every object needs apiVersion and kind")
	case runtime.IsMissingVersion(err):
		return errors.New("the object has no apiVersion; every object needs apiVersion and kind")
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	if i := strings.Index(msg, " '"); i >= 0 {
		// Decoder errors quote their input after the first apostrophe.
		msg = msg[:i]
	}
	return errors.New(msg)
}

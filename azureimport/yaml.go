package azureimport

import (
	"bytes"
	"encoding/json"
	"sort"

	yaml "go.yaml.in/yaml/v3"
)

// The generated files are written for people to read and keep: fields in
// the order edict's documentation uses, comments naming the Azure source of
// each reference, and every map's keys sorted.

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func scalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }

// valueNode renders a JSON-like value, maps with sorted keys.
func valueNode(v any) *yaml.Node {
	switch v := v.(type) {
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			n.Content = append(n.Content, scalar(k), valueNode(v[k]))
		}
		if len(keys) == 0 {
			n.Style = yaml.FlowStyle
		}
		return n
	case []string:
		n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, s := range v {
			n.Content = append(n.Content, valueNode(s))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		flow := true
		for _, e := range v {
			c := valueNode(e)
			if c.Kind != yaml.ScalarNode {
				flow = false
			}
			n.Content = append(n.Content, c)
		}
		if flow {
			n.Style = yaml.FlowStyle
		}
		return n
	}
	n := &yaml.Node{}
	if err := n.Encode(v); err != nil {
		return scalar("")
	}
	return n
}

// ordered is a mapping with keys in the given order.
type ordered struct {
	node *yaml.Node
}

func newOrdered() *ordered { return &ordered{node: &yaml.Node{Kind: yaml.MappingNode}} }

func (o *ordered) set(key string, v any) *ordered {
	var n *yaml.Node
	switch v := v.(type) {
	case *ordered:
		n = v.node
	case *yaml.Node:
		n = v
	default:
		n = valueNode(v)
	}
	o.node.Content = append(o.node.Content, scalar(key), n)
	return o
}

// comment puts a comment above the last key set.
func (o *ordered) comment(c string) *ordered {
	if n := len(o.node.Content); n >= 2 {
		o.node.Content[n-2].HeadComment = c
	}
	return o
}

func render(head string, root *ordered) []byte {
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root.node}, HeadComment: head}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil
	}
	_ = enc.Close()
	return buf.Bytes()
}

// initiativeYAML writes the Initiative: excludedNamespaces every reference
// shares go to defaults, the rest to each reference.
func initiativeYAML(name, title, description, origin string, refs []*reference, exemptions []map[string]any) []byte {
	spec := newOrdered().set("version", "1.0.0")
	if title != "" {
		spec.set("title", title)
	}
	if description != "" {
		spec.set("description", description)
	}
	defaults := newOrdered()
	shared, ok := sameMatch(refs, "excludedNamespaces")
	if ok {
		defaults.set("match", newOrdered().set("excludedNamespaces", shared))
	}
	if len(defaults.node.Content) > 0 {
		spec.set("defaults", defaults)
	}
	policies := newOrdered()
	for _, r := range refs {
		ref := newOrdered().set("policy", r.Row.Policy).set("effect", r.Effect)
		match := map[string]any{}
		for k, v := range r.Match {
			if k == "excludedNamespaces" && ok {
				continue
			}
			match[k] = v
		}
		if len(match) > 0 {
			ref.set("match", match)
		}
		if len(r.Parameters) > 0 {
			ref.set("parameters", r.Parameters)
		}
		policies.set(r.ID, ref).comment(r.Comment)
	}
	spec.set("policies", policies)
	if len(exemptions) > 0 {
		list := &yaml.Node{Kind: yaml.SequenceNode}
		for _, e := range exemptions {
			en := newOrdered()
			for _, k := range []string{"policies", "namespaces", "reason", "owner", "expires"} {
				en.set(k, e[k])
			}
			list.Content = append(list.Content, en.node)
		}
		spec.set("exemptions", list)
	}
	root := newOrdered().
		set("apiVersion", "edict.dev/v1alpha1").
		set("kind", "Initiative").
		set("metadata", newOrdered().set("name", name)).
		set("spec", spec)
	return render("Imported by edict import azure from "+origin+".\nIMPORT.md lists what was carried over exactly, with a caveat, or not at all.", root)
}

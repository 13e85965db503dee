package rendered

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MarshalYAML writes a JSON-typed object the way every rendered file is
// written: keys sorted, two-space indentation with sequences flush under
// their key (as kubectl and kustomize print), and multi-line strings as
// literal block scalars, so the Rego and CEL of a template read as code in a
// pull request and in `kubectl get -o yaml` rather than as one escaped
// string. Strings that YAML 1.1 readers would take for another type
// ("yes", "on", "-1") stay quoted. The output depends only on the value.
func MarshalYAML(obj map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(blockSafe(obj)); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// blockSafe returns v with every multi-line string that a literal block
// would not carry intact replaced by a double-quoted scalar node. The YAML
// 1.1 parser Kubernetes tools use (sigs.k8s.io/yaml) rejects or changes
// blocks whose lines hold only whitespace, and a block whose first line is
// indented needs an indentation indicator; such strings are rare (formatted
// Rego has neither) and are written quoted instead.
func blockSafe(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = blockSafe(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = blockSafe(x)
		}
		return out
	case string:
		if strings.Contains(t, "\n") && !literalSafe(t) {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t, Style: yaml.DoubleQuotedStyle}
		}
		return t
	}
	return v
}

func literalSafe(s string) bool {
	if s[0] == ' ' || s[0] == '\t' || s[0] == '\n' {
		return false
	}
	for _, line := range strings.Split(s, "\n") {
		if line == "" {
			continue
		}
		if strings.TrimLeft(line, " \t") == "" || strings.TrimRight(line, " \t") != line {
			return false
		}
		for _, r := range line {
			// Control characters and line separators other than \n force
			// the encoder to escape, which a block cannot.
			if (r < 0x20 && r != '\t') || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xfeff {
				return false
			}
		}
	}
	return true
}

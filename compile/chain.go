package compile

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/edict-policy/edict/initiatives"
	"github.com/edict-policy/edict/input"
)

// loadChain loads file and everything it extends, root first. Built-in
// initiatives are referred to by name, others by a path relative to the
// extending file.
func loadChain(repo fs.FS, file string) (chain []*Initiative, invalid []error, err error) {
	seen := map[string]bool{}
	var order []string
	in, bad, err := loadInitiative(repo, file)
	if err != nil {
		return nil, nil, err
	}
	if bad != nil {
		invalid = append(invalid, bad)
	}
	key := "file:" + path.Clean(file)
	var prev *Initiative
	for {
		if seen[key] {
			order = append(order, key)
			return nil, nil, prev.doc.ErrorAt([]string{"spec", "extends"}, "extends forms a cycle: "+strings.Join(trimKeys(order), " -> "), "remove one of the extends")
		}
		seen[key] = true
		order = append(order, key)
		chain = append([]*Initiative{in}, chain...)
		ext := in.Spec.Extends
		if ext == "" {
			return chain, invalid, nil
		}
		var next *Initiative
		if looksLikePath(ext) {
			if in.BuiltIn {
				return nil, nil, in.doc.ErrorAt([]string{"spec", "extends"}, "a built-in initiative can only extend another built-in", "")
			}
			target := path.Join(path.Dir(in.File), ext)
			if _, statErr := fs.Stat(repo, target); statErr != nil {
				return nil, nil, in.doc.ErrorAt([]string{"spec", "extends"}, fmt.Sprintf("initiative file %s not found", target), "")
			}
			next, bad, err = loadInitiative(repo, target)
			if bad != nil {
				invalid = append(invalid, bad)
			}
			key = "file:" + path.Clean(target)
		} else {
			next, err = loadBuiltinInitiative(ext)
			if err == errUnknownInitiative {
				return nil, nil, in.doc.ErrorAt([]string{"spec", "extends"}, fmt.Sprintf("unknown built-in initiative %q", ext), hintOrList(ext, BuiltinInitiatives()))
			}
			key = "builtin:" + ext
		}
		if err != nil {
			return nil, nil, err
		}
		prev, in = in, next
	}
}

func trimKeys(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k[strings.Index(k, ":")+1:]
	}
	return out
}

func looksLikePath(s string) bool {
	return strings.Contains(s, "/") || strings.HasSuffix(s, ".yaml") || strings.HasSuffix(s, ".yml")
}

func hintOrList(name string, options []string) string {
	if s := input.Suggest(name, options); s != "" {
		return s
	}
	if len(options) == 0 {
		return ""
	}
	return "known: " + strings.Join(options, ", ")
}

var errUnknownInitiative = fmt.Errorf("unknown built-in initiative")

// BuiltinInitiatives lists the names of the embedded initiatives.
func BuiltinInitiatives() []string {
	entries, _ := fs.ReadDir(initiatives.FS(), ".")
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func loadBuiltinInitiative(name string) (*Initiative, error) {
	file := name + ".yaml"
	if _, err := fs.Stat(initiatives.FS(), file); err != nil {
		return nil, errUnknownInitiative
	}
	in, err := LoadInitiative(initiatives.FS(), file)
	if err != nil {
		return nil, fmt.Errorf("built-in initiative %s: %w", name, err)
	}
	in.BuiltIn = true
	in.File = "builtin:initiatives/" + file
	in.doc.File = in.File
	return in, nil
}

// builtinChain loads the built-in initiative name and its extends chain,
// root first and ending with it. Built-ins extend only built-ins.
func builtinChain(name string) ([]*Initiative, error) {
	in, err := LoadBuiltinInitiative(name)
	if err != nil {
		return nil, err
	}
	chain := []*Initiative{in}
	for cur := in; cur.Spec.Extends != ""; {
		if len(chain) > 16 {
			return nil, &input.Error{File: in.File, Field: "spec.extends", Msg: "built-in extends chain too long (a cycle?)"}
		}
		next, err := LoadBuiltinInitiative(cur.Spec.Extends)
		if err != nil {
			return nil, err
		}
		chain = append([]*Initiative{next}, chain...)
		cur = next
	}
	return chain, nil
}

// LoadBuiltinInitiative loads an embedded initiative by name.
func LoadBuiltinInitiative(name string) (*Initiative, error) {
	in, err := loadBuiltinInitiative(name)
	if err == errUnknownInitiative {
		return nil, &input.Error{File: name, Msg: fmt.Sprintf("unknown built-in initiative %q", name), Hint: hintOrList(name, BuiltinInitiatives())}
	}
	return in, err
}

package input

import (
	"fmt"
	"strings"
)

// gatorAPIGroup is the API group of gator's test suites.
const gatorAPIGroup = "test.gatekeeper.sh"

// knownKinds are the file kinds edict reads, by API group.
var knownKinds = map[string][]string{
	"edict.dev":   {"Initiative", "InitiativeTest", "Policy"},
	gatorAPIGroup: {"Suite"},
}

// CheckKind reports a YAML file edict would otherwise skip in silence: one
// whose apiVersion is edict's or gator's but whose kind edict does not know,
// or whose kind is a near miss of one it does (kind: Initative, kind: Suit,
// kind: InitiativeTests). A skipped file is a vanished initiative or test,
// and a green run that checked nothing. Other YAML gives nil.
func CheckKind(file string, data []byte) error {
	api, apiLine, kind, kindLine, kindCol := peekHeaderLines(data)
	group, _, _ := strings.Cut(api, "/")
	if kind == "" {
		if _, ours := knownKinds[group]; ours {
			return &Error{File: file, Line: apiLine, Column: 1, Field: "kind", Msg: fmt.Sprintf("a %s file without a kind", api), Hint: "add kind: " + strings.Join(allKinds(), ", ")}
		}
		return nil
	}
	if ks, ours := knownKinds[group]; ours {
		for _, k := range ks {
			if k == kind {
				return nil
			}
		}
		e := &Error{File: file, Line: kindLine, Column: kindCol, Field: "kind", Msg: fmt.Sprintf("unknown kind %q for apiVersion %s; edict would skip this file", kind, api), Hint: Suggest(kind, ks)}
		if e.Hint == "" {
			e.Hint = "known: " + strings.Join(ks, ", ")
		}
		return e
	}
	for _, k := range allKinds() {
		if k == kind {
			return nil
		}
	}
	for _, k := range allKinds() {
		limit := 1
		if len(k) >= 10 {
			limit = 2
		}
		if editDistance(kind, k) <= limit {
			return &Error{File: file, Line: kindLine, Column: kindCol, Field: "kind", Msg: fmt.Sprintf("unknown kind %q; edict would skip this file", kind), Hint: fmt.Sprintf("did you mean %q?", k)}
		}
	}
	return nil
}

func allKinds() []string {
	return []string{"Initiative", "InitiativeTest", "Policy", "Suite"}
}

// peekHeaderLines finds the top-level apiVersion and kind of a YAML file's
// first document by its lines, with the kind's position.
func peekHeaderLines(data []byte) (api string, apiLine int, kind string, kindLine, kindCol int) {
	for i, line := range strings.Split(string(data), "\n") {
		if i > 0 && strings.HasPrefix(line, "---") {
			break
		}
		line = strings.TrimRight(line, "\r")
		value := func(key string) (string, int, bool) {
			rest, ok := strings.CutPrefix(line, key+":")
			if !ok {
				return "", 0, false
			}
			if j := strings.Index(rest, " #"); j >= 0 {
				rest = rest[:j]
			}
			trimmed := strings.TrimLeft(rest, " \t")
			col := len(key) + 2 + len(rest) - len(trimmed)
			return strings.Trim(strings.TrimSpace(trimmed), `"'`), col, true
		}
		if v, _, ok := value("apiVersion"); ok && api == "" {
			api, apiLine = v, i+1
		}
		if v, col, ok := value("kind"); ok && kind == "" {
			kind, kindLine, kindCol = v, i+1, col
		}
	}
	return api, apiLine, kind, kindLine, kindCol
}

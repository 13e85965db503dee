package azureimport

import (
	"fmt"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"

	"github.com/edict-policy/edict/library"
)

// translation is one Azure parameter value turned into an edict one.
type translation struct {
	To     string // edict parameter; "" when nothing is set
	Value  any
	Status Status
	Note   string
}

// translate applies a row's translation of one Azure parameter to its value.
func translate(tr library.AzureParameter, v any) translation {
	note := tr.Caveat
	withCaveat := func(t translation) translation {
		if t.Status == Exact && note != "" {
			t.Status, t.Note = Caveat, note
		}
		return t
	}
	switch tr.Kind {
	case "", library.TranslateRename:
		return withCaveat(translation{To: tr.To, Value: v, Status: Exact})
	case library.TranslateUnwrap:
		m, ok := v.(map[string]any)
		if !ok {
			return translation{Status: NotMapped, Note: fmt.Sprintf("expected an object {%q: [...]}, got a %s", tr.Field, typeName(v))}
		}
		inner, ok := lookupKey(m, tr.Field)
		if !ok {
			inner = []any{}
		}
		if _, ok := inner.([]any); !ok {
			return translation{Status: NotMapped, Note: fmt.Sprintf("expected %s to be a list, got a %s", tr.Field, typeName(inner))}
		}
		return withCaveat(translation{To: tr.To, Value: inner, Status: Exact})
	case library.TranslateImageRegex:
		s, ok := v.(string)
		if !ok {
			return translation{Status: NotMapped, Note: fmt.Sprintf("expected a regular expression string, got a %s", typeName(v))}
		}
		prefixes, err := regexPrefixes(s)
		if err != nil {
			return translation{Status: NotMapped, Note: fmt.Sprintf("the regular expression %q cannot be read as image prefixes: %v; set repositories by hand", s, err)}
		}
		out := make([]any, len(prefixes))
		for i, p := range prefixes {
			out[i] = p
		}
		t := translation{To: tr.To, Value: out, Status: Caveat, Note: note}
		if t.Note == "" {
			t.Note = "a regular expression became image prefixes"
		}
		t.Note += fmt.Sprintf(" (%q -> %s)", s, strings.Join(prefixes, ", "))
		return t
	case library.TranslatePortList:
		list, ok := v.([]any)
		if !ok {
			return translation{Status: NotMapped, Note: fmt.Sprintf("expected a list of ports, got a %s", typeName(v))}
		}
		ports, err := expandPorts(list)
		if err != nil {
			return translation{Status: NotMapped, Note: err.Error()}
		}
		return withCaveat(translation{To: tr.To, Value: ports, Status: Exact})
	case library.TranslateFixed:
		if equalJSON(v, tr.Value) {
			return translation{Status: Exact, Note: fmt.Sprintf("edict always behaves as %v", tr.Value)}
		}
		return translation{Status: NotMapped, Note: fmt.Sprintf("edict always behaves as %v; %v has no equivalent", tr.Value, v)}
	case library.TranslateDropped:
		if isEmptyValue(v) {
			return translation{Status: Exact, Note: "empty, and " + tr.Reason}
		}
		return translation{Status: NotMapped, Note: tr.Reason}
	}
	return translation{Status: NotMapped, Note: "unknown translation " + tr.Kind}
}

func equalJSON(a, b any) bool {
	return fmt.Sprint(normalizeJSON(a)) == fmt.Sprint(normalizeJSON(b)) && typeName(a) == typeName(b)
}

func isEmptyValue(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case []any:
		return len(v) == 0
	case map[string]any:
		for _, inner := range v {
			if !isEmptyValue(inner) {
				return false
			}
		}
		return true
	case string:
		return v == ""
	case bool:
		return !v
	}
	return false
}

// maxExpandedPorts bounds the expansion of port ranges into single ports.
const maxExpandedPorts = 1024

// expandPorts turns Azure's port strings ("80", "3000-3005") into integers.
func expandPorts(list []any) ([]any, error) {
	out := []any{}
	for _, e := range list {
		s := fmt.Sprint(e)
		lo, hi, isRange := strings.Cut(s, "-")
		a, err1 := strconv.Atoi(strings.TrimSpace(lo))
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err1 != nil || err2 != nil || a < 1 || b > 65535 || b < a {
			return nil, fmt.Errorf("%q is not a port or a range of ports", s)
		}
		if len(out)+(b-a+1) > maxExpandedPorts {
			return nil, fmt.Errorf("the ranges expand to more than %d ports; list the ports edict should allow by hand", maxExpandedPorts)
		}
		for p := a; p <= b; p++ {
			out = append(out, int64(p))
		}
	}
	return out, nil
}

// regexPrefixes reads an allowed-images regular expression as the image
// prefixes it allows. It understands the forms Azure documents: an anchored
// literal registry or repository ("^contoso\.azurecr\.io/.+$") and an
// alternation of them ("^(a\.io|b\.io)/.+$"). Anything whose allowed set is
// not "one of these literal prefixes, then anything" is refused, because a
// prefix list would then allow more or less than the expression.
func regexPrefixes(expr string) ([]string, error) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, err
	}
	re = re.Simplify()
	if re.Op != syntax.OpConcat {
		return nil, fmt.Errorf("expected ^literal-prefix followed by .+ or .*")
	}
	subs := re.Sub
	if len(subs) > 0 && (subs[0].Op == syntax.OpBeginText || subs[0].Op == syntax.OpBeginLine) {
		subs = subs[1:]
	} else {
		return nil, fmt.Errorf("the expression is not anchored with ^, so it matches the prefix anywhere in the image")
	}
	if n := len(subs); n > 0 && (subs[n-1].Op == syntax.OpEndText || subs[n-1].Op == syntax.OpEndLine) {
		subs = subs[:n-1]
	}
	if n := len(subs); n == 0 || !anyTail(subs[n-1]) {
		return nil, fmt.Errorf("expected the expression to end with .+ or .* after the prefix")
	}
	subs = subs[:len(subs)-1]
	alts := []string{""}
	for _, s := range subs {
		next, err := literalAlternatives(s)
		if err != nil {
			return nil, err
		}
		var joined []string
		for _, a := range alts {
			for _, b := range next {
				joined = append(joined, a+b)
			}
		}
		if len(joined) > 64 {
			return nil, fmt.Errorf("too many alternatives")
		}
		alts = joined
	}
	sort.Strings(alts)
	for _, a := range alts {
		if a == "" {
			return nil, fmt.Errorf("an alternative allows every image")
		}
	}
	return alts, nil
}

func anyTail(re *syntax.Regexp) bool {
	if re.Op != syntax.OpPlus && re.Op != syntax.OpStar {
		return false
	}
	inner := re.Sub[0]
	return inner.Op == syntax.OpAnyCharNotNL || inner.Op == syntax.OpAnyChar
}

// literalAlternatives lists the strings a literal, a group of literals or
// an alternation of them matches.
func literalAlternatives(re *syntax.Regexp) ([]string, error) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, fmt.Errorf("case-insensitive parts are not literal prefixes")
		}
		return []string{string(re.Rune)}, nil
	case syntax.OpCapture:
		return literalAlternatives(re.Sub[0])
	case syntax.OpCharClass:
		// A class of single characters, such as [/] or [.]
		if len(re.Rune) == 2 && re.Rune[0] == re.Rune[1] {
			return []string{string(re.Rune[0])}, nil
		}
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			a, err := literalAlternatives(s)
			if err != nil {
				return nil, err
			}
			out = append(out, a...)
		}
		return out, nil
	case syntax.OpConcat:
		alts := []string{""}
		for _, s := range re.Sub {
			next, err := literalAlternatives(s)
			if err != nil {
				return nil, err
			}
			var joined []string
			for _, a := range alts {
				for _, b := range next {
					joined = append(joined, a+b)
				}
			}
			alts = joined
		}
		return alts, nil
	}
	return nil, fmt.Errorf("%s is not a literal prefix", re.String())
}

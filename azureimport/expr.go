package azureimport

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Azure Policy writes parameter plumbing as ARM template expressions: a
// string in brackets, "[parameters('effect')]". Kubernetes definitions and
// their sets use a handful of functions (parameters, member access, if,
// equals, concat, createArray); this evaluates those and refuses anything
// else by name, so an expression is either computed exactly or reported.

// maxExprLen bounds the expression text evaluated.
const maxExprLen = 4096

// exprError is an expression edict cannot evaluate.
type exprError struct{ msg string }

func (e *exprError) Error() string { return e.msg }

// isExpression reports whether s is an ARM expression. "[[" escapes a
// literal string that starts with a bracket.
func isExpression(s string) bool {
	return len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' && !strings.HasPrefix(s, "[[")
}

// literal undoes the "[[" escape of a plain string.
func literal(s string) string {
	if strings.HasPrefix(s, "[[") {
		return s[1:]
	}
	return s
}

// evalValue evaluates v when it is an expression string, and returns other
// values as they are. lookup answers parameters('name').
func evalValue(v any, lookup func(string) (any, error)) (any, error) {
	s, ok := v.(string)
	if !ok {
		return v, nil
	}
	if !isExpression(s) {
		return literal(s), nil
	}
	if len(s) > maxExprLen {
		return nil, &exprError{fmt.Sprintf("expression longer than %d characters", maxExprLen)}
	}
	p := &exprParser{src: s[1 : len(s)-1], lookup: lookup}
	p.skip()
	out, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.pos != len(p.src) {
		return nil, p.fail("unexpected %q", p.src[p.pos:])
	}
	return out, nil
}

// referencedParameters lists the names parameters('...') is called with in
// an expression, for reporting which set parameter feeds which member.
func referencedParameters(s string) []string {
	var out []string
	rest := s
	for {
		i := strings.Index(strings.ToLower(rest), "parameters('")
		if i < 0 {
			return out
		}
		rest = rest[i+len("parameters('"):]
		j := strings.IndexByte(rest, '\'')
		if j < 0 {
			return out
		}
		out = append(out, rest[:j])
		rest = rest[j:]
	}
}

type exprParser struct {
	src    string
	pos    int
	lookup func(string) (any, error)
}

func (p *exprParser) fail(format string, args ...any) error {
	return &exprError{fmt.Sprintf("expression [%s]: %s", p.src, fmt.Sprintf(format, args...))}
}

func (p *exprParser) skip() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

func (p *exprParser) expr(depth int) (any, error) {
	if depth > 32 {
		return nil, p.fail("nested too deeply")
	}
	p.skip()
	if p.pos >= len(p.src) {
		return nil, p.fail("ends early")
	}
	var v any
	var err error
	switch c := p.src[p.pos]; {
	case c == '\'':
		v, err = p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		v, err = p.num()
	case isIdentStart(c):
		v, err = p.call(depth)
	default:
		return nil, p.fail("unexpected %q", string(c))
	}
	if err != nil {
		return nil, err
	}
	// Member and index access: parameters('x').paths, createArray(1)[0].
	for {
		p.skip()
		if p.pos >= len(p.src) {
			return v, nil
		}
		switch p.src[p.pos] {
		case '.':
			p.pos++
			name := p.ident()
			if name == "" {
				return nil, p.fail("a property name must follow '.'")
			}
			m, ok := v.(map[string]any)
			if !ok {
				return nil, p.fail("property %q of a %s", name, typeName(v))
			}
			got, ok := lookupKey(m, name)
			if !ok {
				return nil, p.fail("the object has no property %q", name)
			}
			v = got
		case '[':
			p.pos++
			idx, err := p.expr(depth + 1)
			if err != nil {
				return nil, err
			}
			p.skip()
			if p.pos >= len(p.src) || p.src[p.pos] != ']' {
				return nil, p.fail("missing ']'")
			}
			p.pos++
			switch c := v.(type) {
			case []any:
				i, ok := idx.(int64)
				if !ok || i < 0 || int(i) >= len(c) {
					return nil, p.fail("index %v out of range", idx)
				}
				v = c[i]
			case map[string]any:
				k, ok := idx.(string)
				got, found := lookupKey(c, k)
				if !ok || !found {
					return nil, p.fail("the object has no property %v", idx)
				}
				v = got
			default:
				return nil, p.fail("index into a %s", typeName(v))
			}
		default:
			return v, nil
		}
	}
}

// lookupKey finds a property the way ARM does: names are case-insensitive.
func lookupKey(m map[string]any, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

func isIdentStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

func (p *exprParser) ident() string {
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if !isIdentStart(c) && !(c >= '0' && c <= '9') {
			break
		}
		p.pos++
	}
	return p.src[start:p.pos]
}

func (p *exprParser) str() (any, error) {
	p.pos++ // opening quote
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		p.pos++
		if c == '\'' {
			if p.pos < len(p.src) && p.src[p.pos] == '\'' {
				b.WriteByte('\'')
				p.pos++
				continue
			}
			return b.String(), nil
		}
		b.WriteByte(c)
	}
	return nil, p.fail("unterminated string")
}

func (p *exprParser) num() (any, error) {
	start := p.pos
	if p.src[p.pos] == '-' {
		p.pos++
	}
	for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	i, err := strconv.ParseInt(p.src[start:p.pos], 10, 64)
	if err != nil {
		return nil, p.fail("bad number %q", p.src[start:p.pos])
	}
	return i, nil
}

func (p *exprParser) call(depth int) (any, error) {
	name := p.ident()
	p.skip()
	if p.pos >= len(p.src) || p.src[p.pos] != '(' {
		return nil, p.fail("%s is not a function call", name)
	}
	p.pos++
	var args []any
	p.skip()
	if p.pos < len(p.src) && p.src[p.pos] == ')' {
		p.pos++
	} else {
		for {
			a, err := p.expr(depth + 1)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			p.skip()
			if p.pos >= len(p.src) {
				return nil, p.fail("missing ')'")
			}
			if p.src[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.src[p.pos] == ')' {
				p.pos++
				break
			}
			return nil, p.fail("unexpected %q in the arguments of %s", string(p.src[p.pos]), name)
		}
	}
	return p.apply(name, args)
}

func (p *exprParser) apply(name string, args []any) (any, error) {
	want := func(n int) error {
		if len(args) != n {
			return p.fail("%s takes %d argument(s), got %d", name, n, len(args))
		}
		return nil
	}
	switch strings.ToLower(name) {
	case "parameters":
		if err := want(1); err != nil {
			return nil, err
		}
		s, ok := args[0].(string)
		if !ok {
			return nil, p.fail("parameters() takes a name")
		}
		v, err := p.lookup(s)
		if err != nil {
			return nil, err
		}
		return v, nil
	case "if":
		if err := want(3); err != nil {
			return nil, err
		}
		b, ok := args[0].(bool)
		if !ok {
			return nil, p.fail("if() needs a boolean condition, got a %s", typeName(args[0]))
		}
		if b {
			return args[1], nil
		}
		return args[2], nil
	case "equals":
		if err := want(2); err != nil {
			return nil, err
		}
		return reflect.DeepEqual(normalizeJSON(args[0]), normalizeJSON(args[1])), nil
	case "not":
		if err := want(1); err != nil {
			return nil, err
		}
		b, ok := args[0].(bool)
		if !ok {
			return nil, p.fail("not() needs a boolean")
		}
		return !b, nil
	case "and", "or":
		if len(args) < 2 {
			return nil, p.fail("%s takes at least 2 arguments", name)
		}
		out := strings.EqualFold(name, "and")
		for _, a := range args {
			b, ok := a.(bool)
			if !ok {
				return nil, p.fail("%s() needs booleans", name)
			}
			if strings.EqualFold(name, "and") {
				out = out && b
			} else {
				out = out || b
			}
		}
		return out, nil
	case "true":
		return true, want(0)
	case "false":
		return false, want(0)
	case "tolower", "toupper":
		if err := want(1); err != nil {
			return nil, err
		}
		s, ok := args[0].(string)
		if !ok {
			return nil, p.fail("%s() needs a string", name)
		}
		if strings.EqualFold(name, "toLower") {
			return strings.ToLower(s), nil
		}
		return strings.ToUpper(s), nil
	case "createarray":
		return append([]any{}, args...), nil
	case "concat":
		if len(args) == 0 {
			return nil, p.fail("concat() needs arguments")
		}
		if _, ok := args[0].([]any); ok {
			out := []any{}
			for _, a := range args {
				s, ok := a.([]any)
				if !ok {
					return nil, p.fail("concat() mixes arrays with a %s", typeName(a))
				}
				out = append(out, s...)
			}
			return out, nil
		}
		var b strings.Builder
		for _, a := range args {
			switch a := a.(type) {
			case string:
				b.WriteString(a)
			case int64:
				b.WriteString(strconv.FormatInt(a, 10))
			default:
				return nil, p.fail("concat() of strings got a %s", typeName(a))
			}
		}
		return b.String(), nil
	}
	return nil, p.fail("function %s() is not supported by edict's importer (it evaluates parameters, if, equals, not, and, or, concat, createArray, toLower, toUpper)", name)
}

// normalizeJSON makes numbers comparable whatever their Go type.
func normalizeJSON(v any) any {
	switch v := v.(type) {
	case int:
		return int64(v)
	case float64:
		if v == float64(int64(v)) {
			return int64(v)
		}
	}
	return v
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64, int, float64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

package input

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Error is a problem with an input file, positioned so that editors and CI
// annotations can jump to it. Every failure the user can fix in their files
// is an *Error (or an ErrorList of them); commands exit with the bad-input
// code for them.
type Error struct {
	File   string `json:"file"`             // path as the user sees it
	Line   int    `json:"line,omitempty"`   // 1-based; 0 when unknown
	Column int    `json:"column,omitempty"` // 1-based; 0 when unknown
	Field  string `json:"field,omitempty"`  // dotted field path, e.g. spec.policies.x.parameters
	Msg    string `json:"msg"`              // what is wrong and what was expected
	Hint   string `json:"hint,omitempty"`   // a suggested fix, when one is near
	// Code names the kind of problem where a caller adds advice of its own
	// (CodeUnknownPolicy); empty for most errors.
	Code string `json:"code,omitempty"`
}

// CodeUnknownPolicy marks a reference to a policy that is neither built in
// nor under the repository root.
const CodeUnknownPolicy = "unknown-policy"

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// ErrorList collects several input errors so that one run reports them all.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Err returns nil for an empty list, the single error for one, or the list,
// sorted by file and position so that output is stable.
func (l ErrorList) Err() error {
	switch len(l) {
	case 0:
		return nil
	case 1:
		return l[0]
	}
	slices.SortStableFunc(l, func(a, b *Error) int {
		if a.File != b.File {
			return strings.Compare(a.File, b.File)
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
	return l
}

// Append adds err to the list: its entries when it is an input error, else
// one entry carrying its message.
func (l ErrorList) Append(err error) ErrorList {
	var list ErrorList
	var one *Error
	switch {
	case errors.As(err, &list):
		return append(l, list...)
	case errors.As(err, &one):
		return append(l, one)
	}
	return append(l, &Error{Msg: err.Error()})
}

// IsInputError reports whether err is the user's to fix (exit code 2) rather
// than an I/O failure.
func IsInputError(err error) bool {
	var e *Error
	var l ErrorList
	return errors.As(err, &e) || errors.As(err, &l)
}

// Each calls fix on every input error in err, so callers can rewrite file
// names (to how the user sees them) in place.
func Each(err error, fix func(*Error)) {
	var list ErrorList
	var one *Error
	switch {
	case errors.As(err, &list):
		for _, e := range list {
			fix(e)
		}
	case errors.As(err, &one):
		fix(one)
	}
}

// Suggest returns "did you mean X?" for the candidate closest to name, when
// one is close enough to be a plausible typo.
func Suggest(name string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(name), strings.ToLower(c))
		if bestDist < 0 || d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	limit := min(len(name)/3+1, 4)
	if best == "" || bestDist > limit {
		// A prefix or containment match is still a useful hint for long names.
		for _, c := range candidates {
			if len(name) >= 4 && (strings.Contains(c, name) || strings.Contains(name, c)) {
				return fmt.Sprintf("did you mean %q?", c)
			}
		}
		return ""
	}
	return fmt.Sprintf("did you mean %q?", best)
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// maxExcerpt bounds how much of a file's content an error may quote.
const maxExcerpt = 40

// Excerpt quotes a value from an input file for an error message, cut to a
// few dozen characters: errors are printed in CI logs, and a file's content
// (perhaps a secret pasted in the wrong place) must not be echoed in full.
func Excerpt(s string) string {
	if utf8.RuneCountInString(s) <= maxExcerpt {
		return fmt.Sprintf("%q", s)
	}
	r := []rune(s)
	return fmt.Sprintf("%q…", string(r[:maxExcerpt]))
}

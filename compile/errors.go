package compile

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error is a problem with an input file, positioned so that editors and CI
// annotations can jump to it. Every load, resolve and compile failure that
// the user can fix in their files is an *Error (or an ErrorList of them).
type Error struct {
	File   string // path as the user gave it
	Line   int    // 1-based; 0 when unknown
	Column int    // 1-based; 0 when unknown
	Field  string // dotted field path, e.g. spec.policies.host-filesystem.parameters
	Msg    string // what is wrong and what was expected
	Hint   string // a suggested fix, when one is near
}

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
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return l
}

// IsInputError reports whether err is the user's to fix (exit code 2) rather
// than an I/O failure.
func IsInputError(err error) bool {
	var e *Error
	var l ErrorList
	return errors.As(err, &e) || errors.As(err, &l)
}

// suggest returns "did you mean X?" for the candidate closest to name, when
// one is close enough to be a plausible typo.
func suggest(name string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(name), strings.ToLower(c))
		if bestDist < 0 || d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	limit := len(name)/3 + 1
	if limit > 4 {
		limit = 4
	}
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

package azureimport

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Status is how an Azure item came across.
type Status string

const (
	Exact     Status = "exact"      // edict behaves as Azure did
	Caveat    Status = "caveat"     // carried over, with a difference the note names
	NotMapped Status = "not-mapped" // left out; the note says why
)

// Item is one line of the report: an Azure definition, member, parameter,
// assignment setting or exemption, and what became of it.
type Item struct {
	// Kind names the Azure thing: set, member, parameter, assignment,
	// override, exemption, definition, file.
	Kind string `json:"kind"`
	// Name is the Azure name: a set's display name, a member's reference
	// id, "Member.parameter", an exemption's name.
	Name string `json:"name"`
	// Source is file:line:column of the item; Path its JSON path.
	Source string `json:"source,omitempty"`
	Path   string `json:"path,omitempty"`
	Status Status `json:"status"`
	// Target is what it became in edict: initiative, initiative/ref,
	// initiative/ref.parameter, a policy folder.
	Target string `json:"target,omitempty"`
	Note   string `json:"note,omitempty"`
}

// Report is the outcome of an import.
type Report struct {
	Items []Item `json:"items"`
	// Files lists the files written, relative to the output folder.
	Files []string `json:"files"`
	// Counts per status.
	Exact     int `json:"exact"`
	Caveats   int `json:"caveats"`
	NotMapped int `json:"notMapped"`
}

func (r *Report) add(it Item) { r.Items = append(r.Items, it) }

func (r *Report) addAt(l loc, it Item) {
	it.Source = l.String()
	it.Path = l.path.String()
	r.add(it)
}

// finish counts and orders the items: by status (what needs attention
// first), then by where they came from.
func (r *Report) finish() {
	rank := map[Status]int{NotMapped: 0, Caveat: 1, Exact: 2}
	sort.SliceStable(r.Items, func(i, j int) bool {
		a, b := r.Items[i], r.Items[j]
		if rank[a.Status] != rank[b.Status] {
			return rank[a.Status] < rank[b.Status]
		}
		if a.Source != b.Source {
			return sourceLess(a.Source, b.Source)
		}
		return a.Name < b.Name
	})
	r.Exact, r.Caveats, r.NotMapped = 0, 0, 0
	for _, it := range r.Items {
		switch it.Status {
		case Exact:
			r.Exact++
		case Caveat:
			r.Caveats++
		case NotMapped:
			r.NotMapped++
		}
	}
	sort.Strings(r.Files)
}

// sourceLess orders file:line:col naturally (line 9 before line 10).
func sourceLess(a, b string) bool {
	fa, la, ca := splitSource(a)
	fb, lb, cb := splitSource(b)
	if fa != fb {
		return fa < fb
	}
	if la != lb {
		return la < lb
	}
	return ca < cb
}

func splitSource(s string) (string, int, int) {
	var line, col int
	parts := strings.Split(s, ":")
	if len(parts) >= 3 {
		fmt.Sscan(parts[len(parts)-2], &line)
		fmt.Sscan(parts[len(parts)-1], &col)
		return strings.Join(parts[:len(parts)-2], ":"), line, col
	}
	return s, 0, 0
}

// OK reports whether everything was carried over (with or without caveats).
func (r *Report) OK() bool { return r.NotMapped == 0 }

// Summary is one line: the counts.
func (r *Report) Summary() string {
	return fmt.Sprintf("%d exact, %d with caveats, %d not mapped", r.Exact, r.Caveats, r.NotMapped)
}

// WriteText prints the report for a terminal: what was not mapped and what
// carries a caveat, each with its source; exact items are counted.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, s := range []Status{NotMapped, Caveat} {
		title := map[Status]string{NotMapped: "Not mapped", Caveat: "Mapped with a caveat"}[s]
		first := true
		for _, it := range r.Items {
			if it.Status != s {
				continue
			}
			if first {
				fmt.Fprintf(&b, "%s:\n", title)
				first = false
			}
			fmt.Fprintf(&b, "  %s: %s %s", it.Source, it.Kind, it.Name)
			if it.Target != "" {
				fmt.Fprintf(&b, " -> %s", it.Target)
			}
			if it.Note != "" {
				fmt.Fprintf(&b, ": %s", it.Note)
			}
			b.WriteByte('\n')
		}
	}
	fmt.Fprintf(&b, "%s; wrote %d files\n", r.Summary(), len(r.Files))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the report as JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Markdown is IMPORT.md: every item, grouped by status, as tables.
func (r *Report) Markdown() []byte {
	var b strings.Builder
	b.WriteString("# Imported from Azure Policy\n\n")
	b.WriteString("Written by `edict import azure`. Every Azure definition, member, parameter,\n")
	b.WriteString("assignment setting and exemption read is listed below with what it became:\n")
	b.WriteString("mapped exactly, mapped with a caveat, or not mapped (and why).\n\n")
	fmt.Fprintf(&b, "**%s.**\n", r.Summary())
	esc := func(s string) string {
		return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
	}
	for _, s := range []Status{NotMapped, Caveat, Exact} {
		title := map[Status]string{NotMapped: "Not mapped", Caveat: "Mapped with a caveat", Exact: "Mapped exactly"}[s]
		var rows []Item
		for _, it := range r.Items {
			if it.Status == s {
				rows = append(rows, it)
			}
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s (%d)\n\n", title, len(rows))
		b.WriteString("| Azure | Source | edict | Note |\n|---|---|---|---|\n")
		for _, it := range rows {
			fmt.Fprintf(&b, "| %s `%s` | `%s` | %s | %s |\n", it.Kind, esc(it.Name), esc(it.Source), codeOrEmpty(esc(it.Target)), esc(it.Note))
		}
	}
	if len(r.Files) > 0 {
		b.WriteString("\n## Files written\n\n")
		for _, f := range r.Files {
			fmt.Fprintf(&b, "- `%s`\n", f)
		}
	}
	return []byte(b.String())
}

func codeOrEmpty(s string) string {
	if s == "" {
		return ""
	}
	return "`" + s + "`"
}

package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Impact is the audit delta of one reference between OLD and NEW over the
// same resources.
type Impact struct {
	Initiative     string   `json:"initiative"`
	Ref            string   `json:"ref"`
	NewlyDenied    []string `json:"newlyDenied,omitempty"`
	NewlyWarned    []string `json:"newlyWarned,omitempty"`
	NewlyAudited   []string `json:"newlyAudited,omitempty"`
	NoLongerDenied []string `json:"noLongerDenied,omitempty"`
	NoLongerWarned []string `json:"noLongerWarned,omitempty"`
}

func (i Impact) groups() []struct {
	name    string
	objects []string
} {
	return []struct {
		name    string
		objects []string
	}{
		{"newly denied", i.NewlyDenied},
		{"newly warned", i.NewlyWarned},
		{"newly audited", i.NewlyAudited},
		{"no longer denied", i.NoLongerDenied},
		{"no longer warned", i.NoLongerWarned},
	}
}

// JSON writes the report as indented JSON.
func JSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

var marks = map[Direction]string{Tightening: "+", Loosening: "-", Unknown: "~", Neutral: " "}

// Text writes the report for a terminal: one line per change, marked +
// (tightening), - (loosening), ~ (direction unknown) or a space (neutral).
func Text(w io.Writer, r *Report) error {
	fmt.Fprintf(w, "edict diff %s %s\n", r.Old, r.New)
	for _, in := range r.Initiatives {
		fmt.Fprintf(w, "\ninitiative %s %s → %s: %s, %s\n", in.Name, orNone(in.OldVersion), orNone(in.NewVersion), in.Verdict, needs(in.Bump))
		if in.Warning != "" {
			fmt.Fprintf(w, "  warning: %s\n", in.Warning)
		}
		for _, c := range in.Changes {
			fmt.Fprintf(w, "  %s %s%s [%s, %s]\n", marks[c.Direction], where(c), c.Summary, c.Direction, c.Bump)
			if c.Diff != "" {
				for _, line := range strings.SplitAfter(strings.TrimRight(c.Diff, "\n"), "\n") {
					fmt.Fprintf(w, "      %s", strings.TrimRight(line, "\n")+"\n")
				}
			}
		}
	}
	for _, im := range r.Impact {
		fmt.Fprintf(w, "\nimpact %s/%s:\n", im.Initiative, im.Ref)
		for _, g := range im.groups() {
			if len(g.objects) > 0 {
				fmt.Fprintf(w, "  %s (%d): %s\n", g.name, len(g.objects), strings.Join(g.objects, ", "))
			}
		}
	}
	_, err := fmt.Fprintf(w, "\nverdict: %s; suggested version bump: %s\n", r.Verdict, r.Bump)
	return err
}

func needs(b Bump) string {
	if b == BumpNone {
		return "needs no version bump"
	}
	return "needs a " + string(b) + " bump"
}

func where(c Change) string {
	switch {
	case c.Ref != "":
		return c.Ref + ": "
	case c.Template != "":
		return ""
	}
	return ""
}

// Markdown writes the report as a pull-request comment: a verdict line, a
// table of changes per initiative, template diffs and impact folded.
func Markdown(w io.Writer, r *Report) error {
	var b strings.Builder
	icon := map[Verdict]string{VerdictNone: "✅", VerdictLoosening: "🔓", VerdictUnknown: "🔍", VerdictTightening: "⚠️"}
	fmt.Fprintf(&b, "### edict diff: %s %s\n\n", icon[r.Verdict], r.Verdict)
	fmt.Fprintf(&b, "`%s` → `%s`; suggested version bump: **%s**\n", r.Old, r.New, r.Bump)
	for _, in := range r.Initiatives {
		fmt.Fprintf(&b, "\n#### %s %s → %s: %s, %s\n\n", in.Name, orNone(in.OldVersion), orNone(in.NewVersion), in.Verdict, needs(in.Bump))
		if in.Warning != "" {
			fmt.Fprintf(&b, "> **Warning:** %s\n\n", in.Warning)
		}
		if len(in.Changes) == 0 {
			b.WriteString("No changes.\n")
			continue
		}
		b.WriteString("| | reference | change | bump |\n|---|---|---|---|\n")
		for _, c := range in.Changes {
			target := "`" + c.Ref + "`"
			if c.Ref == "" {
				target = ""
				if c.Template != "" {
					target = "template `" + c.Template + "`"
				}
			}
			fmt.Fprintf(&b, "| %s %s | %s | %s | %s |\n", marks[c.Direction], c.Direction, target, cell(c.Summary), c.Bump)
		}
		for _, c := range in.Changes {
			if c.Diff == "" {
				continue
			}
			fmt.Fprintf(&b, "\n<details><summary>%s</summary>\n\n```diff\n%s```\n\n</details>\n", cell(c.Summary), strings.ReplaceAll(c.Diff, "```", "` ` `"))
		}
	}
	if len(r.Impact) > 0 {
		b.WriteString("\n#### Impact on the given resources\n\n| initiative | reference | newly denied | newly warned | newly audited | no longer denied | no longer warned |\n|---|---|---|---|---|---|---|\n")
		for _, im := range r.Impact {
			fmt.Fprintf(&b, "| %s | `%s` |", im.Initiative, im.Ref)
			for _, g := range im.groups() {
				fmt.Fprintf(&b, " %d |", len(g.objects))
			}
			b.WriteString("\n")
		}
		for _, im := range r.Impact {
			for _, g := range im.groups() {
				if len(g.objects) == 0 {
					continue
				}
				fmt.Fprintf(&b, "\n<details><summary>%s/%s: %s (%d)</summary>\n\n", im.Initiative, im.Ref, g.name, len(g.objects))
				for _, o := range g.objects {
					fmt.Fprintf(&b, "- `%s`\n", o)
				}
				b.WriteString("\n</details>\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

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
	if a := r.Against; a != nil {
		fmt.Fprintf(w, "\nimpact on %s: %s reviewed, %d skipped%s\n", strings.Join(a.Inputs, " "), plural(a.Objects, "object", "objects"), a.Skipped, inputErrors(a))
		if len(r.Impact) == 0 {
			fmt.Fprintln(w, "  no object is judged differently")
		}
	}
	for _, im := range r.Impact {
		fmt.Fprintf(w, "  %s/%s:\n", im.Initiative, im.Ref)
		for _, g := range im.groups() {
			if g.objects == nil {
				continue
			}
			fmt.Fprintf(w, "    %s: %d\n", g.name, g.objects.Count)
			for _, o := range g.objects.Objects {
				fmt.Fprintf(w, "      %s\n", o)
			}
			if more := g.objects.Count - len(g.objects.Objects); more > 0 {
				fmt.Fprintf(w, "      … and %d more\n", more)
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
	if a := r.Against; a != nil {
		fmt.Fprintf(&b, "\n#### Impact on %s\n\n%s reviewed, %d skipped%s.\n", cell(strings.Join(a.Inputs, " ")), plural(a.Objects, "object", "objects"), a.Skipped, inputErrors(a))
		if len(r.Impact) == 0 {
			b.WriteString("\nNo object is judged differently.\n")
		}
	}
	if len(r.Impact) > 0 {
		b.WriteString("\n| initiative | reference | newly denied | newly warned | newly audited | no longer denied | no longer warned | no longer audited |\n|---|---|---|---|---|---|---|---|\n")
		for _, im := range r.Impact {
			fmt.Fprintf(&b, "| %s | `%s` |", cell(im.Initiative), cell(im.Ref))
			for _, g := range im.groups() {
				n := 0
				if g.objects != nil {
					n = g.objects.Count
				}
				fmt.Fprintf(&b, " %d |", n)
			}
			b.WriteString("\n")
		}
		for _, im := range r.Impact {
			for _, g := range im.groups() {
				if g.objects == nil {
					continue
				}
				fmt.Fprintf(&b, "\n<details><summary>%s/%s: %s (%d)</summary>\n\n", cell(im.Initiative), cell(im.Ref), g.name, g.objects.Count)
				for _, o := range g.objects.Objects {
					fmt.Fprintf(&b, "- `%s`\n", strings.ReplaceAll(o, "`", "'"))
				}
				if more := g.objects.Count - len(g.objects.Objects); more > 0 {
					fmt.Fprintf(&b, "- … and %d more\n", more)
				}
				b.WriteString("\n</details>\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func inputErrors(a *Against) string {
	if len(a.Errors) == 0 {
		return ""
	}
	return fmt.Sprintf(", %s could not be read", plural(len(a.Errors), "input", "inputs"))
}

func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

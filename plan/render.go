package plan

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/encimport/encimport/importer"
)

// RenderOptions tune WritePlanWith.
type RenderOptions struct {
	// Verbose adds what support and engineers read: the input's digest,
	// organization ids beside their paths, the bulk-move calls one by one
	// and the read calls made to plan.
	Verbose bool
}

// WritePlan prints the plan for people (WritePlanWith without Verbose).
func WritePlan(w io.Writer, p *Plan) error { return WritePlanWith(w, p, RenderOptions{}) }

// WritePlanWith prints the plan, terraform-like and deterministic: a header
// with the input, the counts per action, every create (name, email,
// organization path, personas, licenses), update (field: before → after;
// passwords masked; the organization change), disable and enable, the
// moves grouped by (from, to) with the people moved, and the problems.
// Organizations are named by path; opts.Verbose adds the digest, the ids,
// the move calls and the read calls.
func WritePlanWith(w io.Writer, p *Plan, opts RenderOptions) error {
	bw := bufio.NewWriter(w)
	s := p.Summary()
	org := p.OrgPath
	if opts.Verbose {
		org = p.orgLabel
	}
	fmt.Fprintf(bw, "encimport plan for %s", p.Input.Path)
	if p.Input.Sheet != "" {
		fmt.Fprintf(bw, " (sheet %s)", p.Input.Sheet)
	}
	if digest := p.Input.SHA256; opts.Verbose && digest != "" {
		if len(digest) > 12 {
			digest = digest[:12]
		}
		fmt.Fprintf(bw, " sha256 %s", digest)
	}
	if p.Caller != "" {
		fmt.Fprintf(bw, " as %s", p.Caller)
	}
	if p.Target != nil {
		fmt.Fprintf(bw, " on %s", p.Target)
	}
	fmt.Fprintln(bw)
	moves := ""
	if opts.Verbose {
		moves = fmt.Sprintf(" (%d %s)", s.MoveCalls, plural(s.MoveCalls, "call", "calls"))
	}
	fmt.Fprintf(bw, "Plan: %d to create, %d to update, %d to move%s, %d to disable, %d to enable, %d unchanged, %d invalid\n",
		s.Create, s.Update, s.Move, moves, s.Disable, s.Enable, s.Unchanged, s.Invalid)

	writeSync(bw, p)

	first := true
	section := func() {
		if first {
			fmt.Fprintln(bw)
			first = false
		}
	}
	for i := range p.Rows {
		r := &p.Rows[i]
		if r.Status != StatusPlanned || (r.Create == nil && r.Patch == nil) {
			continue
		}
		section()
		switch {
		case r.Create != nil:
			where := "the default organization"
			if r.Create.OrgID != "" {
				where = org(r.Create.OrgID)
			}
			fmt.Fprintf(bw, "  + create %s in %s  [%s]\n", who(r), where, rowLabel(r.Sheet, r.Row))
			u := r.Create.User()
			if len(u.Personas) > 0 {
				names := make([]string, len(u.Personas))
				for i, ref := range u.Personas {
					names[i] = ref.EntityName
					if names[i] == "" {
						names[i] = ref.EntityID
					}
				}
				fmt.Fprintf(bw, "      personas: %s\n", strings.Join(names, ", "))
			}
			var states []string
			for _, l := range u.Licenses {
				if l.Selected {
					states = append(states, l.State)
				}
			}
			if len(states) > 0 {
				fmt.Fprintf(bw, "      licenses: %s\n", strings.Join(states, ", "))
			}
		default:
			verb := "update"
			switch r.Outcome {
			case StatusDisabled:
				verb = "disable"
			case StatusEnabled:
				verb = "enable"
			}
			name := who(r)
			if r.NotInFile != nil { // a user --sync disables: as sync names it
				name = r.ID + p.notInFileWho(r)
			}
			fmt.Fprintf(bw, "  ~ %s %s  [%s]\n", verb, name, rowLabel(r.Sheet, r.Row))
			for _, c := range r.Patch.Changes {
				fmt.Fprintf(bw, "      %s: %s → %s\n", c.Field, c.Before, c.After)
			}
			if r.Move != nil {
				if opts.Verbose {
					fmt.Fprintf(bw, "      then moved by move call %d\n", r.Move.Call+1)
				} else {
					fmt.Fprintf(bw, "      organization: %s → %s\n", org(r.Move.SourceOrgID), org(r.Move.TargetOrgID))
				}
			}
		}
	}
	if opts.Verbose {
		for i, m := range p.Moves {
			section()
			fmt.Fprintf(bw, "  > move call %d: %s → %s, %d %s: %s\n", i+1, org(m.SourceOrgID), org(m.TargetOrgID),
				len(m.UserIDs), plural(len(m.UserIDs), "user", "users"), strings.Join(m.UserIDs, ", "))
		}
	} else {
		for _, g := range p.MoveGroups() {
			section()
			fmt.Fprintf(bw, "  > move %d %s from %s → %s: %s\n", len(g.Rows), plural(len(g.Rows), "user", "users"),
				org(g.From), org(g.To), strings.Join(g.people(p), ", "))
		}
	}

	var probs Problems
	probs = append(probs, p.Warnings...)
	for i := range p.Rows {
		probs = append(probs, p.Rows[i].Problems...)
	}
	if len(probs) > 0 {
		fmt.Fprintf(bw, "\nProblems (%d):\n", len(probs))
		for _, pr := range probs {
			prefix := ""
			if pr.Severity == importer.SeverityWarning {
				prefix = "warning: "
			}
			fmt.Fprintf(bw, "  %s%s\n", prefix, pr.Error())
		}
	}
	if opts.Verbose {
		r := p.Reads
		fmt.Fprintf(bw, "\nRead calls: %d user-list %s + %d organization + %d persona (+%d me) = %d\n",
			r.UserPages, plural(r.UserPages, "page", "pages"), r.OrgCalls, r.PersonaCalls, r.OtherCalls, r.Total())
	}
	return bw.Flush()
}

// who names a row's user for people: "Jane Doe <jane@example.com> (jdoe)",
// or the id alone when the plan knows no name or email.
func who(r *Row) string {
	who := r.Who()
	name, email := who.Name(), who.Email
	var b strings.Builder
	b.WriteString(name)
	if email != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("<" + email + ">")
	}
	if b.Len() == 0 {
		return r.ID
	}
	b.WriteString(" (" + r.ID + ")")
	return b.String()
}

// MoveGroup is the plan's moves from one organization to another (ids),
// its batches merged: Rows index Plan.Rows, in input order.
type MoveGroup struct {
	From, To string
	Rows     []int
}

func (g MoveGroup) people(p *Plan) []string {
	out := make([]string, 0, len(g.Rows))
	for _, i := range g.Rows {
		out = append(out, p.Rows[i].Label())
	}
	return out
}

// Label names a row's user for people: "Name (id)", or the id alone.
func (r *Row) Label() string {
	if n := r.Who().Name(); n != "" {
		return n + " (" + r.ID + ")"
	}
	return r.ID
}

// MoveGroups merges the move calls by (from, to), in the order of their
// first call; each group's rows in input order.
func (p *Plan) MoveGroups() []MoveGroup {
	idx := map[[2]string]int{}
	var out []MoveGroup
	for _, m := range p.Moves {
		k := [2]string{m.SourceOrgID, m.TargetOrgID}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, MoveGroup{From: m.SourceOrgID, To: m.TargetOrgID})
		}
		for _, ri := range m.Rows {
			if ri >= 0 && ri < len(p.Rows) {
				out[i].Rows = append(out[i].Rows, ri)
			}
		}
	}
	for i := range out {
		sort.Ints(out[i].Rows)
	}
	return out
}

func rowLabel(sheet string, row int) string {
	if sheet == SheetNotInFile {
		return "not in file"
	}
	if sheet == "" {
		return fmt.Sprintf("row %d", row)
	}
	return fmt.Sprintf("sheet %s, row %d", sheet, row)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

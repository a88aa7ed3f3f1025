package plan

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/encimport/encimport/importer"
)

// WritePlan prints the plan for people, terraform-like and deterministic:
// a header with the input and its digest, the counts per action, every
// create, update (field: before → after; passwords masked), disable and
// enable, every move call with its users, the problems, and the read calls.
func WritePlan(w io.Writer, p *Plan) error {
	bw := bufio.NewWriter(w)
	s := p.Summary()
	digest := p.Input.SHA256
	if len(digest) > 12 {
		digest = digest[:12]
	}
	fmt.Fprintf(bw, "encimport plan for %s", p.Input.Path)
	if p.Input.Sheet != "" {
		fmt.Fprintf(bw, " (sheet %s)", p.Input.Sheet)
	}
	if digest != "" {
		fmt.Fprintf(bw, " sha256 %s", digest)
	}
	if p.Caller != "" {
		fmt.Fprintf(bw, " as %s", p.Caller)
	}
	if p.Target != nil {
		fmt.Fprintf(bw, " on %s", p.Target)
	}
	fmt.Fprintln(bw)
	calls := "calls"
	if s.MoveCalls == 1 {
		calls = "call"
	}
	fmt.Fprintf(bw, "Plan: %d to create, %d to update, %d to move (%d %s), %d to disable, %d to enable, %d unchanged, %d invalid\n",
		s.Create, s.Update, s.Move, s.MoveCalls, calls, s.Disable, s.Enable, s.Unchanged, s.Invalid)

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
			org := "the default organization"
			if r.Create.OrgID != "" {
				org = p.orgLabel(r.Create.OrgID)
			}
			fmt.Fprintf(bw, "  + create %s in %s  [%s]\n", r.ID, org, rowLabel(r.Sheet, r.Row))
		default:
			verb := "update"
			switch r.Outcome {
			case StatusDisabled:
				verb = "disable"
			case StatusEnabled:
				verb = "enable"
			}
			who := r.ID
			if r.NotInFile != nil {
				who += p.notInFileWho(r)
			}
			fmt.Fprintf(bw, "  ~ %s %s  [%s]\n", verb, who, rowLabel(r.Sheet, r.Row))
			for _, c := range r.Patch.Changes {
				fmt.Fprintf(bw, "      %s: %s → %s\n", c.Field, c.Before, c.After)
			}
			if r.Move != nil {
				fmt.Fprintf(bw, "      then moved by move call %d\n", r.Move.Call+1)
			}
		}
	}
	for i, m := range p.Moves {
		section()
		fmt.Fprintf(bw, "  > move call %d: %s → %s, %d %s: %s\n", i+1, p.orgLabel(m.SourceOrgID), p.orgLabel(m.TargetOrgID),
			len(m.UserIDs), plural(len(m.UserIDs), "user", "users"), strings.Join(m.UserIDs, ", "))
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
	r := p.Reads
	fmt.Fprintf(bw, "\nRead calls: %d user-list %s + %d organization + %d persona (+%d me) = %d\n",
		r.UserPages, plural(r.UserPages, "page", "pages"), r.OrgCalls, r.PersonaCalls, r.OtherCalls, r.Total())
	return bw.Flush()
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

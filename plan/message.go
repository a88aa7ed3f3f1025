package plan

import (
	"fmt"
	"strings"
)

// Message is the report message of row r before it is run: what apply
// will do (planned rows, "create in ...", "change f1, f2, then move from
// ... to ..."), then every problem ("column: what to do", joined with
// "; "). p names the organizations; it may be nil (ids alone).
func (p *Plan) Message(r *Row) string {
	msgs := r.Problems.Messages()
	if r.Status == StatusPlanned {
		if d := p.Describe(r); d != "" {
			msgs = append([]string{d}, msgs...)
		}
		if p != nil && p.Sync != nil && p.Sync.Refused != "" {
			// Whoever reads the report alone must see that nothing will run.
			why, _, _ := strings.Cut(p.Sync.Refused, ";")
			msgs = append([]string{"not to be done: the --sync plan is refused (" + why + ")"}, msgs...)
		}
	}
	return strings.Join(msgs, "; ")
}

// Describe says in a few words what a planned row will do; "" for a row
// without steps.
func (p *Plan) Describe(r *Row) string {
	if r.NotInFile != nil {
		return p.describeNotInFile(r)
	}
	var parts []string
	if r.Create != nil {
		org := "the default organization"
		if r.Create.OrgID != "" {
			org = p.orgLabel(r.Create.OrgID)
		}
		parts = append(parts, "create in "+org)
	}
	if r.Patch != nil {
		fields := make([]string, len(r.Patch.Changes))
		for i, c := range r.Patch.Changes {
			fields[i] = c.Field
		}
		parts = append(parts, "change "+strings.Join(fields, ", "))
	}
	if r.Move != nil {
		parts = append(parts, fmt.Sprintf("move from %s to %s", p.orgLabel(r.Move.SourceOrgID), p.orgLabel(r.Move.TargetOrgID)))
	}
	return strings.Join(parts, ", then ")
}

// OrgPath names an organization for people: its path from the root when
// the plan knows it ("Administration/Retail/West Region"), else
// "organization <id>". p may be nil.
func (p *Plan) OrgPath(id string) string {
	if p != nil {
		if path, ok := p.OrgPaths[id]; ok {
			return path
		}
	}
	return "organization " + id
}

// orgLabel names an organization by path and id when the plan knows its path.
func (p *Plan) orgLabel(id string) string {
	if p != nil {
		if path, ok := p.OrgPaths[id]; ok {
			return fmt.Sprintf("%s (id %s)", path, id)
		}
	}
	return "organization " + id
}

package planner

import (
	"fmt"
	"strings"

	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/report"
)

// ReportRows returns one report row per plan row, in input order, with
// status planned, unchanged or invalid. The message of an invalid row lists
// every problem ("column: what to do", joined with "; "); a planned row's
// message says what apply will do.
func (p *Plan) ReportRows() []report.Row {
	out := make([]report.Row, len(p.Rows))
	for i := range p.Rows {
		r := &p.Rows[i]
		rr := report.Row{Sheet: r.Sheet, Row: r.Row, ID: r.ID, Action: r.Action, Status: r.Status}
		msgs := ProblemMessages(r.Problems)
		if r.Status == StatusPlanned {
			if d := p.describe(r); d != "" {
				msgs = append([]string{d}, msgs...)
			}
		}
		rr.Message = strings.Join(msgs, "; ")
		out[i] = rr
	}
	return out
}

// ProblemMessages formats problems as "column: message" (just the message
// for whole-row problems).
func ProblemMessages(ps []importer.Problem) []string {
	var out []string
	for _, pr := range ps {
		m := pr.Message
		if pr.Column != "" {
			m = pr.Column + ": " + m
		}
		if pr.Severity == importer.SeverityWarning {
			m = "warning: " + m
		}
		out = append(out, m)
	}
	return out
}

// describe says in a few words what a planned row will do.
func (p *Plan) describe(r *Row) string {
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

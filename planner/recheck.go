package planner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

// Recheck holds a reviewed plan (from `plan -o`) against a fresh plan made
// just now from the same file and the server as it is now, and returns what
// `apply --plan` may execute:
//   - a row the reviewed plan had no work for stays as reviewed;
//   - a row whose fresh steps are all steps the reviewer saw (the same, or
//     fewer because an earlier run already did some) keeps the fresh steps;
//     with none left it is unchanged;
//   - a row the fresh plan would do differently (the server changed in a way
//     nobody reviewed) is invalid, with a problem saying to plan again;
//   - so is a row whose steps are the reviewed ones but whose before-value
//     changed (the reviewer saw title "A" → "B", someone set "C" since):
//     the problem shows both ("title reviewed: "A", now: "C"").
//
// A patch whose fields are some of the reviewed ones (the others already
// hold their reviewed value) keeps its fields, each with the reviewed
// before-value.
//
// Moves are batched again over the rows kept. Rows are matched by position;
// both plans must come from the same file (same digest). The rows --sync
// added after the file's are matched by user id (recheckNotInFile).
func Recheck(reviewed, fresh *plan.Plan) (*plan.Plan, error) {
	nr, nf := plan.FileRows(reviewed.Rows), plan.FileRows(fresh.Rows)
	if reviewed.Input.SHA256 != fresh.Input.SHA256 || nr != nf {
		return nil, fmt.Errorf("the reviewed plan was made from another file (digest %.12s, %d rows) than %s (digest %.12s, %d rows); run plan again",
			reviewed.Input.SHA256, nr, fresh.Input.Path, fresh.Input.SHA256, nf)
	}
	out := *fresh
	out.Options = reviewed.Options
	out.Rows = make([]plan.Row, nf, len(fresh.Rows))
	for i := range fresh.Rows[:nf] {
		rv, fr := &reviewed.Rows[i], fresh.Rows[i]
		if rv.Sheet != fr.Sheet || rv.Row != fr.Row || rv.ID != fr.ID {
			return nil, fmt.Errorf("row %d of the reviewed plan is %s row %d (%s), the file has %s row %d (%s); run plan again",
				i+1, rv.Sheet, rv.Row, rv.ID, fr.Sheet, fr.Row, fr.ID)
		}
		switch {
		case rv.Status != plan.StatusPlanned:
			r := *rv
			r.Password, r.NeedsPassword = "", false
			r.Person = fr.Person // not saved in the plan file
			out.Rows[i] = r
		case fr.Status == plan.StatusUnchanged:
			fr.Outcome = ""
			out.Rows[i] = fr
		case fr.Status == plan.StatusPlanned && reviewedSteps(rv, &fr) && len(changedBefore(reviewed, fresh, rv, &fr)) == 0:
			fr.Outcome = rv.Outcome
			out.Rows[i] = fr
		default:
			msg := ""
			if drift := changedBefore(reviewed, fresh, rv, &fr); len(drift) > 0 && fr.Status == plan.StatusPlanned {
				msg = fmt.Sprintf("the server changed since the plan was reviewed: %s; run plan again and review it", strings.Join(drift, "; "))
			} else {
				now := "find problems"
				if fr.Status == plan.StatusPlanned {
					now = fresh.Describe(&fr)
				}
				msg = fmt.Sprintf("the server changed since the plan was reviewed: the reviewed plan would %s; a plan made now would %s; run plan again and review it",
					reviewed.Describe(rv), now)
			}
			bad := plan.Row{Sheet: fr.Sheet, Row: fr.Row, ID: fr.ID, Action: fr.Action, Status: plan.StatusInvalid, Person: fr.Person,
				Problems: append(fr.Problems, importer.Problem{Sheet: fr.Sheet, Row: fr.Row, Column: importer.ColID.String(), Message: msg})}
			out.Rows[i] = bad
		}
		if out.Rows[i].Move != nil {
			m := *out.Rows[i].Move
			out.Rows[i].Move = &m
		}
	}
	out.Rows = append(out.Rows, recheckNotInFile(reviewed, reviewed.Rows[nr:], fresh.Rows[nf:])...)
	out.Moves = batchMoves(out.Rows, out.Options.MoveBatchSize)
	return &out, nil
}

// reviewedSteps reports whether every step of fresh is the same step in rv.
func reviewedSteps(rv, fresh *plan.Row) bool {
	if fresh.Create != nil && (rv.Create == nil || !sameJSON(rv.Create, fresh.Create)) {
		return false
	}
	if fresh.Patch != nil {
		if rv.Patch == nil {
			return false
		}
		// Every field sent was reviewed with the value sent.
		for k, v := range fresh.Patch.Body {
			if rvv, ok := rv.Patch.Body[k]; !ok || !sameJSON(rvv, v) {
				return false
			}
		}
		for _, c := range fresh.Patch.Changes {
			if reviewedChange(rv.Patch, c) == nil {
				return false
			}
		}
	}
	if fresh.Move != nil && (rv.Move == nil || rv.Move.SourceOrgID != fresh.Move.SourceOrgID || rv.Move.TargetOrgID != fresh.Move.TargetOrgID) {
		return false
	}
	return true
}

func sameJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// reviewedChange is the change of p to the same field and value as c, or nil.
func reviewedChange(p *plan.Patch, c plan.Change) *plan.Change {
	for i := range p.Changes {
		if p.Changes[i].Field == c.Field && p.Changes[i].After == c.After {
			return &p.Changes[i]
		}
	}
	return nil
}

// changedBefore lists, for people, the before-values of fresh's steps that
// differ from what the reviewer saw in rv: a field's value, or the
// organization a move takes the user from. The steps themselves may be
// the reviewed ones: the value they overwrite is not.
func changedBefore(reviewed, freshPlan *plan.Plan, rv, fresh *plan.Row) []string {
	var out []string
	if fresh.Patch != nil && rv.Patch != nil {
		for _, c := range fresh.Patch.Changes {
			if r := reviewedChange(rv.Patch, c); r != nil && r.Before != c.Before {
				out = append(out, fmt.Sprintf("%s reviewed: %s, now: %s", c.Field, r.Before, c.Before))
			}
		}
	}
	if fresh.Move != nil && rv.Move != nil && fresh.Move.SourceOrgID != rv.Move.SourceOrgID {
		out = append(out, fmt.Sprintf("organization reviewed: %s, now: %s",
			orgLabel(reviewed, rv.Move.SourceOrgID), orgLabel(freshPlan, fresh.Move.SourceOrgID)))
	}
	return out
}

func orgLabel(p *plan.Plan, id string) string {
	if path := p.OrgPaths[id]; path != "" {
		return strconv.Quote(path)
	}
	if id == "" {
		return "no organization"
	}
	return "organization " + id
}

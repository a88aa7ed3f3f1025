package planner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/runrec"
)

// Revert plans the way back from run (a run record read back) to the
// server as it was before it, against the server state w now: for each
// user the run changed, every field it patched is set back to its value
// before, a user it moved is moved back (by bulk moves), one it disabled is
// enabled and one it enabled disabled. A user the run created is disabled:
// the API has no delete, and a warning on its row says so.
//
// A value someone changed after the run (now neither what the run set nor
// what was there before) is never overwritten: the row is invalid, with a
// problem giving the three values. A value already back as it was needs
// nothing. in names the revert (the run's record: its digest keys the
// journal of an apply).
func Revert(run *runrec.Loaded, w *World, in plan.Input, opts plan.Options) *plan.Plan {
	if w == nil {
		w = &World{}
	}
	opts = normalizeOptions(opts)
	b := newBuilder(w, opts)
	p := &plan.Plan{Version: plan.Version, Input: in, Options: opts, Caller: w.Caller.ID, Reads: w.Reads}
	for _, before := range run.Befores {
		p.Rows = append(p.Rows, b.revertRow(run, before))
	}
	p.Moves = batchMoves(p.Rows, opts.MoveBatchSize)
	if len(b.paths) > 0 {
		p.OrgPaths = b.paths
	}
	return p
}

// conflict is a field changed since the run: its three values.
type conflict struct {
	field, before, after, now string
}

func (b *builder) revertRow(run *runrec.Loaded, before runrec.Before) plan.Row {
	ran := run.Plan.Rows[before.Row]
	row := plan.Row{Sheet: ran.Sheet, Row: ran.Row, ID: before.ID, Action: encompass.ActionUpdate}
	rec := &importer.Record{Sheet: ran.Sheet, Row: ran.Row}
	now := b.w.User(before.ID)
	if now != nil {
		// Copies: now's strings share the world's packed user.
		row.Person = &plan.Person{FirstName: strings.Clone(now.FirstName), LastName: strings.Clone(now.LastName), Email: strings.Clone(now.Email)}
		if n := b.currentOrg(now); n != nil {
			row.Person.OrgPath = n.path
		}
	}
	addProblem := func(c importer.Column, msg string, warn bool) {
		p := problem(rec, c, msg)
		if warn {
			p.Severity = importer.SeverityWarning
		}
		row.Problems = append(row.Problems, p)
	}

	if before.Created {
		row.Action = encompass.ActionDisable
		switch {
		case now == nil:
			row.Status = plan.StatusUnchanged
			addProblem(importer.ColID, fmt.Sprintf("run %s was to create %q, but no such user exists (the create did not take effect); nothing to take back", run.ID, before.ID), true)
		case !boolValue(now.AccountEnabled, true):
			row.Status = plan.StatusUnchanged
			addProblem(importer.ColID, fmt.Sprintf("run %s created %q; the API cannot delete a user, and it is already disabled", run.ID, before.ID), true)
		default:
			row.Status, row.Outcome = plan.StatusPlanned, plan.StatusDisabled
			row.Patch = &plan.Patch{Body: map[string]json.RawMessage{encompass.FieldAccountEnabled: mustJSON(false)},
				Changes: []plan.Change{{Field: encompass.FieldAccountEnabled, Before: "true", After: "false"}}}
			addProblem(importer.ColID, fmt.Sprintf("run %s created %q; the API cannot delete a user, so the revert disables it", run.ID, before.ID), true)
		}
		return row
	}
	if now == nil {
		row.Status = plan.StatusInvalid
		addProblem(importer.ColID, fmt.Sprintf("no user %q is on the server now (or it is outside your organization %s); it cannot be set back", before.ID, b.callerLabel()), false)
		return row
	}

	patch := &plan.Patch{Body: map[string]json.RawMessage{}}
	var conflicts []conflict
	if ran.Patch != nil {
		keys := make([]string, 0, len(ran.Patch.Body))
		for k := range ran.Patch.Body {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, field := range keys {
			set := ran.Patch.Body[field]
			switch field {
			case encompass.FieldPassword:
				continue // never kept, never set back
			case encompass.FieldPersonas, encompass.FieldGroups:
				conflicts = append(conflicts, b.revertRefs(patch, field, set, before, now)...)
			case encompass.FieldLicenses:
				conflicts = append(conflicts, revertLicenses(patch, set, before, now)...)
			default:
				conflicts = append(conflicts, revertScalar(patch, field, set, before, now)...)
			}
		}
	}

	var move *plan.MoveRef
	if ran.Move != nil && before.Organization != nil {
		was, to := before.Organization.EntityID, ran.Move.TargetOrgID
		cur := ""
		if now.Organization != nil {
			cur = now.Organization.EntityID
		}
		switch cur {
		case was:
		case to:
			wasNode, ok := b.orgs.byID[was]
			if !ok {
				addProblem(importer.ColOrgID, fmt.Sprintf("the organization %q was in before the run (id %s) is no longer on the server; move the user by hand", before.OrgPath, was), false)
				break
			}
			src := to
			if n, ok := b.orgs.byID[to]; ok {
				src = b.note(n)
			}
			move = &plan.MoveRef{SourceOrgID: src, TargetOrgID: b.note(wasNode)}
		default:
			conflicts = append(conflicts, conflict{field: encompass.FieldOrganization, before: b.orgLabel(was), after: b.orgLabel(to), now: b.orgLabel(cur)})
		}
	}

	for _, c := range conflicts {
		addProblem(columnOf(c.field), fmt.Sprintf("%s changed since run %s: before the run %s, after the run %s, now %s; it is not overwritten: set it by hand if it should go back",
			c.field, run.ID, c.before, c.after, c.now), false)
	}
	if len(patch.Changes) == 0 {
		patch = nil
	}
	switch {
	case plan.Problems(row.Problems).HasErrors():
		row.Status = plan.StatusInvalid
	case patch == nil && move == nil:
		row.Status = plan.StatusUnchanged
	default:
		row.Status, row.Patch, row.Move = plan.StatusPlanned, patch, move
		row.Outcome = plan.StatusUpdated
		if patch == nil {
			row.Action, row.Outcome = encompass.ActionMove, plan.StatusMoved
		} else if len(patch.Body) == 1 {
			if raw, ok := patch.Body[encompass.FieldAccountEnabled]; ok {
				if string(raw) == "true" {
					row.Action, row.Outcome = encompass.ActionEnable, plan.StatusEnabled
				} else {
					row.Action, row.Outcome = encompass.ActionDisable, plan.StatusDisabled
				}
			}
		}
	}
	if row.Status == plan.StatusPlanned && !b.canWrite {
		row.Status, row.Patch, row.Move, row.Outcome = plan.StatusInvalid, nil, nil, ""
		addProblem(importer.NumColumns, fmt.Sprintf("the calling user %q may not manage users (it needs the Administrator or Super Administrator persona, or the Organizations/User persona); run the revert as an administrator", b.w.Caller.ID), false)
	}
	return row
}

func (b *builder) orgLabel(id string) string {
	if n, ok := b.orgs.byID[id]; ok {
		return strconv.Quote(n.path)
	}
	if id == "" {
		return "none"
	}
	return "organization " + id
}

// revertScalar sets a string or boolean field (and ccSite) back.
func revertScalar(patch *plan.Patch, field string, set json.RawMessage, before runrec.Before, now *encompass.User) []conflict {
	was, ok := before.Fields[field]
	if !ok {
		return nil
	}
	cur, ok := runrec.FieldValue(now, field)
	if !ok {
		return nil
	}
	if field == encompass.FieldCCSite {
		var site encompass.CCSite
		if json.Unmarshal(set, &site) == nil {
			set = mustJSON(site.SiteID)
		}
	}
	after := canonical(field, set)
	switch {
	case jsonEqual(cur, was):
		return nil
	case !jsonEqual(cur, after):
		return []conflict{{field: field, before: show(was), after: show(after), now: show(cur)}}
	}
	body := was
	if field == encompass.FieldCCSite {
		var id *string
		_ = json.Unmarshal(was, &id)
		if id == nil {
			body = mustJSON(encompass.CCSite{})
		} else {
			body = mustJSON(encompass.CCSite{SiteID: *id})
		}
	}
	patch.Body[field] = body
	patch.Changes = append(patch.Changes, plan.Change{Field: field, Before: show(cur), After: show(was)})
	return nil
}

// canonical is the value a patch set as Before.Fields keeps it: an empty
// string is null.
func canonical(field string, v json.RawMessage) json.RawMessage {
	var s string
	if json.Unmarshal(v, &s) == nil && s == "" {
		return json.RawMessage("null")
	}
	return v
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}

func show(v json.RawMessage) string {
	if string(v) == "null" {
		return `""`
	}
	return string(v)
}

// revertRefs sets personas or groups back to the set before the run.
func (b *builder) revertRefs(patch *plan.Patch, field string, set json.RawMessage, before runrec.Before, now *encompass.User) []conflict {
	var after []encompass.EntityRef
	if json.Unmarshal(set, &after) != nil {
		return nil
	}
	was, cur := before.Personas, now.Personas
	label := b.refNames
	if field == encompass.FieldGroups {
		was, cur, label = before.Groups, now.Groups, refLabels
	}
	switch {
	case sameIDs(cur, was):
		return nil
	case !sameIDs(cur, after):
		return []conflict{{field: field, before: label(was), after: label(after), now: label(cur)}}
	}
	body := make([]encompass.EntityRef, 0, len(was))
	typ := encompass.EntityTypePersona
	if field == encompass.FieldGroups {
		typ = encompass.EntityTypeGroup
	}
	for _, r := range was {
		body = append(body, encompass.EntityRef{EntityID: r.EntityID, EntityType: typ, EntityName: r.EntityName})
	}
	patch.Body[field] = mustJSON(body)
	patch.Changes = append(patch.Changes, plan.Change{Field: field, Before: label(cur), After: label(was)})
	return nil
}

// revertLicenses switches the states the run switched back to what they
// were; a state switched again since is a conflict.
func revertLicenses(patch *plan.Patch, set json.RawMessage, before runrec.Before, now *encompass.User) []conflict {
	var changed []encompass.License
	if json.Unmarshal(set, &changed) != nil {
		return nil
	}
	nowOn := runrec.SelectedStates(now.Licenses)
	var body []encompass.License
	var bad []string
	wasL, afterL, nowL := []string{}, []string{}, []string{}
	for _, l := range changed {
		st := strings.ToUpper(l.State)
		was, cur := slices.Contains(before.Licenses, st), slices.Contains(nowOn, st)
		switch {
		case cur == was:
		case cur == l.Selected:
			body = append(body, encompass.License{State: st, Selected: was})
		default:
			bad = append(bad, st)
		}
		wasL, afterL, nowL = append(wasL, onOff(st, was)), append(afterL, onOff(st, l.Selected)), append(nowL, onOff(st, cur))
	}
	if len(bad) > 0 {
		return []conflict{{field: encompass.FieldLicenses, before: strconv.Quote(strings.Join(wasL, ";")), after: strconv.Quote(strings.Join(afterL, ";")), now: strconv.Quote(strings.Join(nowL, ";"))}}
	}
	if len(body) == 0 {
		return nil
	}
	patch.Body[encompass.FieldLicenses] = mustJSON(body)
	afterOn := map[string]bool{}
	for _, st := range nowOn {
		afterOn[st] = true
	}
	for _, l := range body {
		afterOn[l.State] = l.Selected
	}
	patch.Changes = append(patch.Changes, plan.Change{Field: encompass.FieldLicenses, Before: strconv.Quote(strings.Join(nowOn, ";")), After: stateList(afterOn)})
	return nil
}

func onOff(st string, on bool) string {
	if on {
		return st + " on"
	}
	return st + " off"
}

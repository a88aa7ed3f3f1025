package planner

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

// Protected accounts. A run must never lock out the account it signs in as
// (every later run would fail to sign in, invalid_grant, until another
// administrator repairs it), nor leave the instance without an enabled super
// administrator. A row that would is a problem; the other rows go ahead.

// activeUser reports whether u may sign in: its account and its login are
// enabled (both default to true when the server leaves them out).
func activeUser(u *encompass.User) bool {
	return boolValue(u.AccountEnabled, true) && boolValue(u.LoginEnabled, true)
}

// countActiveSuperAdmins counts the enabled super administrators among the
// users read; -1 when the users read are not the whole instance (a caller
// below the root sees only its subtree, and no super administrator can be
// there: they live in the root organization).
func (b *builder) countActiveSuperAdmins() int {
	if b.scoped() {
		return -1
	}
	n := 0
	for _, u := range b.w.Users {
		if activeUser(u) && b.isSuperAdmin(u) {
			n++
		}
	}
	return n
}

// patchedUser returns existing as it would be after p: the fields the
// protections read (accountEnabled, loginEnabled, personas) only.
func (b *builder) patchedUser(existing *encompass.User, p *plan.Patch) *encompass.User {
	after := *existing
	if p == nil {
		return &after
	}
	setBool := func(field string, dst **bool) {
		if raw, ok := p.Body[field]; ok {
			var v bool
			if json.Unmarshal(raw, &v) == nil {
				*dst = &v
			}
		}
	}
	setBool(encompass.FieldAccountEnabled, &after.AccountEnabled)
	setBool(encompass.FieldLoginEnabled, &after.LoginEnabled)
	if raw, ok := p.Body[encompass.FieldPersonas]; ok {
		var ps []encompass.EntityRef
		if json.Unmarshal(raw, &ps) == nil {
			after.Personas = ps
			// The indicators are computed by the server from the personas:
			// once these change, the old ones say nothing.
			after.UserIndicators = nil
		}
	}
	return &after
}

// removedPersonas names the personas of before that after no longer holds.
func (b *builder) removedPersonas(before, after *encompass.User) []string {
	keep := map[string]bool{}
	for _, r := range after.Personas {
		keep[r.EntityID] = true
	}
	var out []string
	for _, r := range before.Personas {
		if !keep[r.EntityID] {
			out = append(out, b.personas.name(r))
		}
	}
	return out
}

// loss is one way a row takes an account out: the column that does it and
// what it does ("disable", "lock", ...).
type loss struct {
	col  importer.Column
	what string
}

// losses lists how the row's patch takes existing out of use: disabled,
// locked, or stripped of the personas that matter (had: those existing
// holds; left: those it holds after the patch).
func losses(act encompass.Action, existing, after *encompass.User, had, left []string) []loss {
	var out []loss
	if boolValue(existing.AccountEnabled, true) && !boolValue(after.AccountEnabled, true) {
		col := importer.ColAccountEnabled
		if act == encompass.ActionDisable {
			col = importer.ColAction
		}
		out = append(out, loss{col, "disable"})
	}
	if boolValue(existing.LoginEnabled, true) && !boolValue(after.LoginEnabled, true) {
		out = append(out, loss{importer.ColLoginEnabled, "lock (loginEnabled false)"})
	}
	if len(had) > 0 && len(left) == 0 {
		out = append(out, loss{importer.ColPersonas, "remove the persona " + quoteList(had) + " of"})
	}
	return out
}

// protect adds a problem for every way the row would lock out the caller's
// own account or the instance's last enabled super administrator. It
// returns whether the row, if planned, takes an enabled super administrator
// out of use (Build then counts one less for the rows that follow).
func (b *builder) protect(act encompass.Action, existing *encompass.User, p *plan.Patch, move *plan.MoveRef, add func(importer.Column, string)) (takesSuperAdmin bool) {
	after := b.patchedUser(existing, p)
	if strings.EqualFold(existing.ID, b.w.Caller.ID) {
		me := fmt.Sprintf("your own user %q (the account this run signs in as)", existing.ID)
		// The personas that let the caller manage users. When its right
		// comes from an indicator alone, any persona removed may be the
		// one behind it.
		had := encompass.ManagingPersonas(existing, b.personas.name)
		if ok, _ := encompass.CanManageUsers(existing, b.personas.name); ok && len(had) == 0 {
			had = b.removedPersonas(existing, after)
		}
		for _, l := range losses(act, existing, after, had, encompass.ManagingPersonas(after, b.personas.name)) {
			msg := fmt.Sprintf("this row would %s %s, and every later run would fail to sign in; remove the row, or run it as another administrator", l.what, me)
			if l.col == importer.ColPersonas {
				msg = fmt.Sprintf("this row would %s %s, which lets it manage users; keep it in personas, or run the row as another administrator", l.what, me)
			}
			add(l.col, msg)
		}
		if move != nil {
			add(importer.ColOrgID, fmt.Sprintf("orgId would move %s; empty the cell, or run the row as another administrator", me))
		}
	}
	if b.activeSuper < 0 || !activeUser(existing) || !b.isSuperAdmin(existing) {
		return false
	}
	var left []string
	if b.isSuperAdmin(after) {
		left = []string{encompass.PersonaSuperAdministrator}
	}
	ls := losses(act, existing, after, []string{encompass.PersonaSuperAdministrator}, left)
	if len(ls) == 0 {
		return false
	}
	if b.activeSuper <= 1 {
		which := "the last enabled super administrator of the instance"
		if b.activeSuper < b.countActiveSuperAdmins() {
			which += " once the rows above are applied"
		}
		for _, l := range ls {
			add(l.col, fmt.Sprintf("this row would %s the user %q, %s, leaving none; enable another super administrator first, in an earlier run", l.what, existing.ID, which))
		}
	}
	return true
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

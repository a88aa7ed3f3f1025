package planner

import (
	"fmt"
	"strings"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

// rowAction is the row's action cell, else defaultAction, else upsert.
func rowAction(rec *importer.Record, defaultAction encompass.Action) encompass.Action {
	// The action outlives the record: a known one is the shared constant,
	// not a piece of the record's cells (which would keep them all alive).
	if a := rec.Get(importer.ColAction); a != "" {
		if known, ok := encompass.ParseAction(a); ok && string(known) == a {
			return known
		}
		return encompass.Action(strings.Clone(a))
	}
	if rec.BadAction != "" {
		return encompass.Action(strings.Clone(rec.BadAction)) // unknown: the row is invalid, reported with what was written
	}
	if defaultAction != "" {
		return encompass.Action(strings.ToLower(string(defaultAction)))
	}
	return encompass.ActionUpsert
}

// duplicates returns, per record, the earlier record with the same id
// (compared without regard to case), or nil.
func duplicates(recs []*importer.Record) []*importer.Record {
	first := make(map[string]*importer.Record, len(recs))
	out := make([]*importer.Record, len(recs))
	for i, rec := range recs {
		id := strings.ToLower(rec.Get(importer.ColID))
		if id == "" {
			continue
		}
		if f, ok := first[id]; ok {
			out[i] = f
			continue
		}
		first[id] = rec
	}
	return out
}

// appendProblem appends p unless an identical problem is already there.
func appendProblem(ps []importer.Problem, p importer.Problem) []importer.Problem {
	for _, q := range ps {
		if q.Sheet == p.Sheet && q.Row == p.Row && q.Column == p.Column && q.Message == p.Message {
			return ps
		}
	}
	return append(ps, p)
}

// problem builds a Problem located at rec's row and column c (NumColumns:
// the whole row).
func problem(rec *importer.Record, c importer.Column, msg string) importer.Problem {
	p := importer.Problem{Sheet: rec.Sheet, Row: rec.Row, Message: msg}
	if c >= 0 && c < importer.NumColumns {
		p.Column = c.String()
	}
	return p
}

// ruleDefaults converts the Options' company defaults for encompass.CheckUser.
// When known is false every default is assumed to exist, so the check never
// reports a value a default might supply.
func ruleDefaults(opts plan.Options, known bool) encompass.Defaults {
	if !known {
		return encompass.Defaults{OrgID: "?", PersonaID: "?", WorkingFolder: "?"}
	}
	var d encompass.Defaults
	if opts.DefaultOrg {
		d.OrgID = "default"
	}
	if opts.DefaultPersona {
		d.PersonaID = "default"
	}
	if opts.DefaultWorkingFolder {
		d.WorkingFolder = "default"
	}
	return d
}

// recordUser builds the user a row describes, from its cells alone: "<clear>"
// and empty cells are left empty, personas and groups are unresolved names.
func recordUser(rec *importer.Record) *encompass.User {
	u := new(encompass.User)
	fillUser(u, rec, nil)
	return u
}

// Shared values of the scratch user's booleans (never written through).
var trueValue, falseValue = true, false

// fillUser sets *u to the user rec describes (see recordUser). With
// scratch nil everything u holds is freshly allocated; otherwise u is a
// scratch user that is refilled row after row: its slices are reused, its
// booleans point to shared values and its CCSite is scratch. A scratch
// user must only be read, and not kept past the next fill.
func fillUser(u *encompass.User, rec *importer.Record, scratch *encompass.CCSite) {
	if scratch == nil {
		*u = encompass.User{}
	} else {
		// Every field fillUser sets is set below, the others stay zero:
		// no need to clear the whole (large) struct.
		u.Personas, u.Groups, u.Licenses, u.CCSite = u.Personas[:0], u.Groups[:0], u.Licenses[:0], nil
	}
	u.ID, u.Password = rec.Get(importer.ColID), rec.Get(importer.ColPassword)
	for _, s := range scalars {
		if s.IsBool() {
			v, ok := rec.Bool(s.col)
			switch {
			case !ok:
				if scratch != nil {
					s.SetBool(u, nil)
				}
			case scratch == nil:
				s.SetBool(u, boolPtr(v))
			case v:
				s.SetBool(u, &trueValue)
			default:
				s.SetBool(u, &falseValue)
			}
			continue
		}
		if v := rec.Get(s.col); v != "" || scratch != nil {
			s.Set(u, v)
		}
	}
	for p := range listItems(rec.Get(importer.ColPersonas)) {
		u.Personas = append(u.Personas, encompass.EntityRef{EntityName: p, EntityType: encompass.EntityTypePersona})
	}
	for g := range listItems(rec.Get(importer.ColGroups)) {
		u.Groups = append(u.Groups, encompass.EntityRef{EntityID: g, EntityType: encompass.EntityTypeGroup})
	}
	for st := range listItems(rec.Get(importer.ColLicenses)) {
		u.Licenses = append(u.Licenses, encompass.License{State: st, Selected: true})
	}
	if s := rec.Get(importer.ColCCSiteID); s != "" {
		if scratch == nil {
			u.CCSite = &encompass.CCSite{SiteID: s}
		} else {
			*scratch = encompass.CCSite{SiteID: s}
			u.CCSite = scratch
		}
	}
}

// listItems yields the items of a list cell as Record.List returns them
// (strings.Split on ";"; nothing for an empty cell), without a slice.
func listItems(v string) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		if v == "" {
			return
		}
		for {
			i := strings.IndexByte(v, ';')
			if i < 0 {
				yield(v)
				return
			}
			if !yield(v[:i]) {
				return
			}
			v = v[i+1:]
		}
	}
}

// violationProblems maps rule violations onto the row's columns.
func violationProblems(rec *importer.Record, vs []encompass.Violation) []importer.Problem {
	var ps []importer.Problem
	for _, v := range vs {
		ps = append(ps, problem(rec, columnOf(v.Field), v.Message))
	}
	return ps
}

// location is where an earlier row is.
type location struct {
	sheet string
	row   int
}

// offlineProblems returns every problem of one row that needs no server.
// dup is the earlier row with the same id, if any. act == create says
// whether the required-on-create rules apply; defaultsKnown whether opts
// carries the company defaults.
func offlineProblems(rec *importer.Record, act encompass.Action, dup *importer.Record, opts plan.Options, defaultsKnown bool) []importer.Problem {
	var at *location
	if dup != nil {
		at = &location{sheet: dup.Sheet, row: dup.Row}
	}
	return checkRow(rec, act, at, recordUser(rec), opts, defaultsKnown)
}

// checkRow is offlineProblems with the earlier row's location and the
// user rec describes (recordUser or fillUser) given: the one implementation
// of the offline checks, used by Build and the Checker.
func checkRow(rec *importer.Record, act encompass.Action, dup *location, u *encompass.User, opts plan.Options, defaultsKnown bool) []importer.Problem {
	var ps []importer.Problem
	add := func(c importer.Column, msg string) { ps = append(ps, problem(rec, c, msg)) }

	if !act.Known() && rec.BadAction == "" { // the reader reported the cell
		add(importer.ColAction, fmt.Sprintf("unknown action %q; use one of %s", act, encompass.ActionNames(", ", ", ")))
	}
	if dup != nil {
		where := fmt.Sprintf("row %d", dup.row)
		if dup.sheet != rec.Sheet && dup.sheet != "" {
			where = fmt.Sprintf("sheet %s, row %d", dup.sheet, dup.row)
		}
		add(importer.ColID, fmt.Sprintf("the user %q is already on %s (ids ignore case); keep one row per user", rec.Get(importer.ColID), where))
	}

	create := act == encompass.ActionCreate
	vs := encompass.CheckUser(u, create, rec.Get(importer.ColOrgID), ruleDefaults(opts, defaultsKnown))
	for _, v := range vs {
		if !create && !offlineDecidable(rec, v) {
			continue
		}
		if v.Code == encompass.CodeRequired && hasCellProblem(rec, columnOf(v.Field)) {
			continue // the cell is not empty but bad; its problem says so
		}
		ps = append(ps, violationProblems(rec, []encompass.Violation{v})...)
	}

	// "<clear>" only on text values that may be empty.
	for _, s := range scalars {
		if !rec.IsClear(s.col) || s.Clearable {
			continue
		}
		switch {
		case s.Required:
			add(s.col, fmt.Sprintf("%s is required and cannot be cleared; give a value or leave the cell empty", s.col))
		default:
			add(s.col, fmt.Sprintf("%s cannot be cleared (%s works only on text values); give a value or leave the cell empty", s.col, importer.ClearToken))
		}
	}
	for _, c := range nonScalarColumns {
		if rec.IsClear(c) {
			add(c, fmt.Sprintf("%s cannot be cleared (%s works only on text values); give a value or leave the cell empty", c, importer.ClearToken))
		}
	}

	switch act {
	case encompass.ActionMove:
		if rec.Get(importer.ColOrgID) == "" {
			add(importer.ColOrgID, "action move needs the target organization; fill in orgId")
		}
	case encompass.ActionDisable:
		if v, ok := rec.Bool(importer.ColAccountEnabled); ok && v {
			add(importer.ColAccountEnabled, "accountEnabled true contradicts action disable; empty the cell or set it to false")
		}
	case encompass.ActionEnable:
		if v, ok := rec.Bool(importer.ColAccountEnabled); ok && !v {
			add(importer.ColAccountEnabled, "accountEnabled false contradicts action enable; empty the cell or set it to true")
		}
	}
	return ps
}

// hasCellProblem reports whether the reader found column c's cell bad.
func hasCellProblem(rec *importer.Record, c importer.Column) bool {
	name := c.String()
	for _, p := range rec.Problems {
		if p.Column == name && p.Severity == importer.SeverityError {
			return true
		}
	}
	return false
}

// offlineDecidable tells whether a violation found on a row that may update
// an existing user can be decided without the server: rules that combine
// several fields are decided only when the row gives every one of them
// (otherwise Build decides them with the server's values).
func offlineDecidable(rec *importer.Record, v encompass.Violation) bool {
	switch v.Field {
	case encompass.FieldAllowImpersonation:
		return rec.Has(importer.ColAPIUser)
	case encompass.FieldOAuthClientID:
		if v.Code == encompass.CodeRequired {
			return rec.IsClear(importer.ColOAuthClientID)
		}
	}
	return true
}

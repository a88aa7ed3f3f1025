package runrec

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/plan"
)

// Before is a user as the server had it before a run changed it: one line
// of before.jsonl. It never holds a password.
type Before struct {
	Row   int    `json:"row"` // index into the run's plan.Rows
	Sheet string `json:"sheet,omitempty"`
	Line  int    `json:"sheetRow,omitempty"` // the row a person sees in the input
	ID    string `json:"id"`
	// Created: the run creates the user; there is nothing before.
	Created bool `json:"created,omitempty"`

	// Fields holds, for each scalar field the run's patch sets (wire name),
	// its value before: a JSON string or boolean, null for an empty text;
	// "ccSite" holds the site id as a string (null: none).
	Fields map[string]json.RawMessage `json:"fields,omitempty"`

	Organization *encompass.EntityRef  `json:"organization,omitempty"`
	OrgPath      string                `json:"orgPath,omitempty"`
	Personas     []encompass.EntityRef `json:"personas"`
	Groups       []encompass.EntityRef `json:"groups"`
	// Licenses are the states selected, upper case, sorted.
	Licenses       []string `json:"licenses"`
	AccountEnabled bool     `json:"accountEnabled"`
	LoginEnabled   bool     `json:"loginEnabled"`
}

// Capture returns the before-image of every user plan p changes (a planned
// row with a step), from user (the server's user of an id as read for the
// plan: whole for the file's users; a user only --sync names is slim, so
// its record has no licenses, which sync does not change; nil when there
// is none). orgPath names an organization by its path ("" if
// unknown). A user the plan creates is recorded as Created.
func Capture(p *plan.Plan, user func(id string) *encompass.User, orgPath func(id string) string) []Before {
	var out []Before
	for i := range p.Rows {
		r := &p.Rows[i]
		if r.Status != plan.StatusPlanned || (r.Create == nil && r.Patch == nil && r.Move == nil) {
			continue
		}
		b := Before{Row: i, Sheet: r.Sheet, Line: r.Row, ID: r.ID}
		u := user(r.ID)
		if r.Create != nil || u == nil {
			b.Created = r.Create != nil
			if u == nil {
				out = append(out, b)
				continue
			}
		}
		b.ID = u.ID
		if u.Organization != nil {
			o := *u.Organization
			b.Organization = &o
			if orgPath != nil {
				b.OrgPath = orgPath(o.EntityID)
			}
		}
		b.Personas = refs(u.Personas)
		b.Groups = refs(u.Groups)
		b.Licenses = SelectedStates(u.Licenses)
		b.AccountEnabled = boolOr(u.AccountEnabled, true)
		b.LoginEnabled = boolOr(u.LoginEnabled, true)
		if r.Patch != nil {
			b.Fields = map[string]json.RawMessage{}
			for name := range r.Patch.Body {
				if v, ok := FieldValue(u, name); ok {
					b.Fields[name] = v
				}
			}
		}
		out = append(out, b)
	}
	return out
}

// FieldValue is the JSON value of u's scalar field name as Before.Fields
// keeps it: a string (null when empty) or a boolean (its documented
// default when absent); ccSite as its site id. ok is false for the lists,
// the organization and the password, which are kept apart or never.
func FieldValue(u *encompass.User, name string) (json.RawMessage, bool) {
	if name == encompass.FieldCCSite {
		if u.CCSite == nil || u.CCSite.SiteID == "" {
			return json.RawMessage("null"), true
		}
		return marshal(u.CCSite.SiteID), true
	}
	if name == encompass.FieldPassword {
		return nil, false
	}
	f, ok := encompass.LookupUserField(name)
	if !ok {
		return nil, false
	}
	if f.IsBool() {
		return marshal(boolOr(f.GetBool(u), f.Default)), true
	}
	if v := f.Get(u); v != "" {
		return marshal(v), true
	}
	return json.RawMessage("null"), true
}

// SelectedStates lists the states selected in ls, upper case, sorted.
func SelectedStates(ls []encompass.License) []string {
	out := []string{}
	for _, l := range ls {
		if l.Selected {
			out = append(out, strings.ToUpper(l.State))
		}
	}
	sort.Strings(out)
	return out
}

func refs(rs []encompass.EntityRef) []encompass.EntityRef {
	out := make([]encompass.EntityRef, len(rs))
	copy(out, rs)
	return out
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

func marshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("runrec: " + err.Error()) // strings and booleans always marshal
	}
	return b
}

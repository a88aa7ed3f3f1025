package planner

import (
	"cmp"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

// sameGroups reports whether the user's groups are exactly want, by id.
func sameGroups(have, want []encompass.EntityRef) bool {
	if len(have) != len(want) {
		return false
	}
	for _, w := range want {
		found := false
		for _, h := range have {
			if h.EntityID == w.EntityID {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// refLabels lists references by id, or by name when they have none.
func refLabels(rs []encompass.EntityRef) string {
	ls := make([]string, len(rs))
	for i, r := range rs {
		ls[i] = cmp.Or(r.EntityID, r.EntityName)
	}
	sort.Strings(ls)
	return strconv.Quote(strings.Join(ls, ";"))
}

// create builds the POST body: the row's values, "<clear>" cells omitted,
// never a password.
func (b *builder) create(rec *importer.Record, target *orgNode, personas, groups []encompass.EntityRef, folder string) *plan.Create {
	u := recordUser(rec)
	u.Password = ""
	if folder != "" {
		u.WorkingFolder = folder
	}
	u.Personas = personas
	u.Groups = groups
	orgID := ""
	if target != nil {
		orgID = b.note(target)
	}
	return plan.NewCreate(orgID, u)
}

// diff returns the patch that makes existing match the row's non-empty
// cells, or nil when nothing differs.
func (b *builder) diff(rec *importer.Record, existing *encompass.User, personas, groups []encompass.EntityRef, folder string) *plan.Patch {
	p := &plan.Patch{Body: map[string]json.RawMessage{}}
	change := func(field string, body any, before, after string) {
		if body != nil {
			p.Body[field] = mustJSON(body)
		}
		p.Changes = append(p.Changes, plan.Change{Field: field, Before: before, After: after})
	}
	for _, s := range scalars {
		if s.IsBool() {
			v, ok := rec.Bool(s.col)
			if cur := boolValue(s.GetBool(existing), s.Default); ok && v != cur {
				change(s.Name, v, strconv.FormatBool(cur), strconv.FormatBool(v))
			}
			continue
		}
		cur := s.Get(existing)
		if rec.IsClear(s.col) {
			if cur != "" && s.Clearable {
				p.Body[s.Name] = json.RawMessage("null")
				p.Changes = append(p.Changes, plan.Change{Field: s.Name, Before: strconv.Quote(cur), After: "null"})
			}
			continue
		}
		v := rec.Get(s.col)
		if s.col == importer.ColWorkingFolder && folder != "" {
			v = folder // the server's spelling
		}
		if v != "" && v != cur {
			change(s.Name, v, quoteOrEmpty(cur), strconv.Quote(v))
		}
	}
	if len(personas) > 0 {
		want := personas
		if b.opts.MergePersonas {
			want = unionRefs(existing.Personas, personas, encompass.EntityTypePersona, b.personas)
		}
		if !sameIDs(existing.Personas, want) {
			change(encompass.FieldPersonas, want, b.refNames(existing.Personas), b.refNames(want))
		}
	}
	if len(groups) > 0 && !sameGroups(existing.Groups, groups) {
		change(encompass.FieldGroups, groups, refLabels(existing.Groups), refLabels(groups))
	}
	if states := rec.List(importer.ColLicenses); len(states) > 0 {
		b.licenses(existing, states, change)
	}
	if site := rec.Get(importer.ColCCSiteID); site != "" && (existing.CCSite == nil || existing.CCSite.SiteID != site) {
		before := `""`
		if existing.CCSite != nil {
			before = strconv.Quote(existing.CCSite.SiteID)
		}
		change(encompass.FieldCCSite, encompass.CCSite{SiteID: site}, "siteId "+before, "siteId "+strconv.Quote(site))
	}
	if b.opts.ResetPasswords && rec.Get(importer.ColPassword) != "" {
		p.Changes = append(p.Changes, plan.Change{Field: encompass.FieldPassword, Before: maskedPassword, After: maskedPassword})
	}
	if len(p.Changes) == 0 {
		return nil
	}
	return p
}

// licenses switches the row's states on and, with ExactLicenses, every
// other selected state off; only the entries that change are sent.
func (b *builder) licenses(existing *encompass.User, states []string, change func(string, any, string, string)) {
	on := map[string]bool{}
	var before []string
	for _, l := range existing.Licenses {
		if l.Selected {
			on[strings.ToUpper(l.State)] = true
			before = append(before, strings.ToUpper(l.State))
		}
	}
	want := map[string]bool{}
	var body []encompass.License
	for _, st := range states {
		st = strings.ToUpper(st)
		if want[st] {
			continue
		}
		want[st] = true
		if !on[st] {
			body = append(body, encompass.License{State: st, Selected: true})
		}
	}
	if b.opts.ExactLicenses {
		for _, st := range before {
			if !want[st] {
				body = append(body, encompass.License{State: st, Selected: false})
			}
		}
	}
	if len(body) == 0 {
		return
	}
	after := map[string]bool{}
	for st := range on {
		after[st] = true
	}
	for _, l := range body {
		after[l.State] = l.Selected
	}
	change(encompass.FieldLicenses, body, stateList(on), stateList(after))
}

func stateList(m map[string]bool) string {
	var ss []string
	for s, on := range m {
		if on {
			ss = append(ss, s)
		}
	}
	sort.Strings(ss)
	return strconv.Quote(strings.Join(ss, ";"))
}

// newViolations checks the user as it would be after the patch and returns
// the violations the patch introduces (not those the server's user already has).
func (b *builder) newViolations(rec *importer.Record, existing *encompass.User, p *plan.Patch) []encompass.Violation {
	if p == nil {
		return nil
	}
	after := *existing
	after.Password = ""
	if b.opts.ResetPasswords {
		after.Password = rec.Get(importer.ColPassword)
	}
	for _, s := range scalars {
		raw, ok := p.Body[s.Name]
		if !ok {
			continue
		}
		if s.IsBool() {
			var v bool
			_ = json.Unmarshal(raw, &v)
			s.SetBool(&after, &v)
			continue
		}
		var v *string
		_ = json.Unmarshal(raw, &v)
		if v == nil {
			s.Set(&after, "")
		} else {
			s.Set(&after, *v)
		}
	}
	d := ruleDefaults(b.opts, false)
	old := map[string]bool{}
	base := *existing
	base.Password = ""
	for _, v := range encompass.CheckUser(&base, false, "", d) {
		old[v.Field+" "+v.Code] = true
	}
	var out []encompass.Violation
	for _, v := range encompass.CheckUser(&after, false, "", d) {
		if !old[v.Field+" "+v.Code] {
			out = append(out, v)
		}
	}
	return out
}

func mustJSON(v any) json.RawMessage {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("planner: marshal %T: %v", v, err)) // only plain data is marshalled
	}
	return data
}

func quoteOrEmpty(s string) string { return strconv.Quote(s) }

func sameIDs(a, b []encompass.EntityRef) bool {
	as, bs := map[string]bool{}, map[string]bool{}
	for _, r := range a {
		as[r.EntityID] = true
	}
	for _, r := range b {
		bs[r.EntityID] = true
	}
	if len(as) != len(bs) {
		return false
	}
	for id := range as {
		if !bs[id] {
			return false
		}
	}
	return true
}

func unionRefs(cur, add []encompass.EntityRef, typ string, ix *personaIndex) []encompass.EntityRef {
	seen := map[string]bool{}
	var out []encompass.EntityRef
	for _, list := range [][]encompass.EntityRef{cur, add} {
		for _, r := range list {
			if seen[r.EntityID] {
				continue
			}
			seen[r.EntityID] = true
			out = append(out, encompass.EntityRef{EntityID: r.EntityID, EntityType: typ, EntityName: ix.name(r)})
		}
	}
	return out
}

func (b *builder) refNames(rs []encompass.EntityRef) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = b.personas.name(r)
	}
	sort.Strings(names)
	return strconv.Quote(strings.Join(names, ";"))
}

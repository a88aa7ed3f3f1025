package planner

import (
	"strings"
	"testing"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

var colByName = func() map[string]importer.Column {
	m := map[string]importer.Column{}
	for _, c := range importer.Columns() {
		m[c.String()] = c
	}
	return m
}()

// rec builds a record of sheet "People" from column/value pairs; the value
// "<clear>" marks the cell as cleared.
func rec(row int, kv ...string) *importer.Record {
	r := &importer.Record{Sheet: "People", Row: row}
	for i := 0; i+1 < len(kv); i += 2 {
		c, ok := colByName[kv[i]]
		if !ok {
			panic("unknown column " + kv[i])
		}
		if kv[i+1] == importer.ClearToken {
			r.SetClear(c)
		} else {
			r.Set(c, kv[i+1])
		}
	}
	return r
}

func ref(id, name string) encompass.EntityRef {
	return encompass.EntityRef{EntityID: id, EntityType: encompass.EntityTypePersona, EntityName: name}
}

func orgRef(id string) *encompass.EntityRef {
	return &encompass.EntityRef{EntityID: id, EntityType: encompass.EntityTypeOrganization}
}

func org(id, name string, children ...encompass.Organization) encompass.Organization {
	return encompass.Organization{ID: id, Name: name, Children: children}
}

// testWorld mirrors the sandbox's default world.
//
//	Administration (0) > Retail (1) > West Region (2) > Denver Branch (3), Phoenix Branch (4)
//	                     Retail (1) > East Region (5) > Boston Branch (6)
//	Administration (0) > Wholesale (7)
func testWorld() *World {
	root := org("0", "Administration",
		org("1", "Retail",
			org("2", "West Region", org("3", "Denver Branch"), org("4", "Phoenix Branch")),
			org("5", "East Region", org("6", "Boston Branch"))),
		org("7", "Wholesale"))
	personas := []encompass.Persona{{ID: "1", Name: "Super Administrator"}, {ID: "2", Name: "Administrator"},
		{ID: "3", Name: "Loan Officer"}, {ID: "4", Name: "Loan Processor"}, {ID: "5", Name: "Underwriter"},
		{ID: "6", Name: "Organizations/User"}}
	f := false
	users := []encompass.User{
		{ID: "admin", FirstName: "Ada", LastName: "Admin", Email: "admin@example.com", WorkingFolder: "My Pipeline",
			Personas: []encompass.EntityRef{ref("1", "Super Administrator")}, Organization: orgRef("0"),
			UserIndicators: []string{encompass.IndicatorSuperAdministrator}},
		{ID: "westadmin", FirstName: "Wes", LastName: "Admin", Email: "westadmin@example.com", WorkingFolder: "My Pipeline",
			Personas: []encompass.EntityRef{ref("2", "Administrator")}, Organization: orgRef("2")},
		{ID: "lo.denver", FirstName: "Lou", LastName: "Denver", Email: "lo.denver@example.com", Title: "Loan Officer",
			Phone: "303-555-0100", WorkingFolder: "My Pipeline", Personas: []encompass.EntityRef{{EntityID: "3"}},
			Organization: orgRef("3"),
			Licenses:     []encompass.License{{State: "CO", Selected: true}, {State: "TX", Selected: true}, {State: "CA", Selected: false}}},
		{ID: "lp.denver", FirstName: "Lee", LastName: "Processor", Email: "lp.denver@example.com", WorkingFolder: "My Pipeline",
			Personas: []encompass.EntityRef{ref("4", "Loan Processor")}, Organization: orgRef("3"), AccountEnabled: &f},
		{ID: "lo.phoenix", FirstName: "Pat", LastName: "Phoenix", Email: "lo.phoenix@example.com", WorkingFolder: "My Pipeline",
			Personas: []encompass.EntityRef{ref("3", "Loan Officer")}, Organization: orgRef("4")},
		{ID: "uw.boston", FirstName: "Bo", LastName: "Ston", Email: "uw.boston@example.com", WorkingFolder: "My Pipeline",
			Personas: []encompass.EntityRef{ref("5", "Underwriter")}, Organization: orgRef("6")},
	}
	folders := []encompass.LoanFolder{{Name: "My Pipeline", FolderType: encompass.FolderTypeRegular},
		{Name: "Prospects", FolderType: encompass.FolderTypeRegular}, {Name: "Completed Loans", FolderType: encompass.FolderTypeArchive},
		{Name: "(Trash)", FolderType: encompass.FolderTypeTrash}}
	w := &World{Root: &root, Personas: personas, LoanFolders: folders, Users: map[string]*encompass.User{},
		Reads: plan.ReadStats{UserPages: 1, OrgCalls: 1, PersonaCalls: 1, OtherCalls: 1}}
	for i := range users {
		w.Users[strings.ToLower(users[i].ID)] = &users[i]
	}
	w.Caller = *w.Users["admin"]
	return w
}

func withCaller(w *World, id string) *World {
	w.Caller = *w.Users[id]
	return w
}

// hasProblem reports whether ps holds a problem in column col whose message
// contains every one of subs.
func hasProblem(ps []importer.Problem, col string, subs ...string) bool {
next:
	for _, p := range ps {
		if p.Column != col {
			continue
		}
		for _, s := range subs {
			if !strings.Contains(p.Message, s) {
				continue next
			}
		}
		return true
	}
	return false
}

func mustProblem(t *testing.T, r plan.Row, col string, subs ...string) {
	t.Helper()
	if r.Status != plan.StatusInvalid {
		t.Errorf("row %d: status %q, want invalid", r.Row, r.Status)
	}
	if !hasProblem(r.Problems, col, subs...) {
		t.Errorf("row %d: no problem in column %q containing %q; got %+v", r.Row, col, subs, r.Problems)
	}
	if r.Create != nil || r.Patch != nil || r.Move != nil {
		t.Errorf("row %d: invalid row has steps", r.Row)
	}
}

// flatten lists a tree's organizations as the server's flat list does: each
// with its parentOrg reference and no children.
func flatten(root *encompass.Organization) []encompass.Organization {
	var out []encompass.Organization
	var walk func(o encompass.Organization, parent *encompass.Organization)
	walk = func(o encompass.Organization, parent *encompass.Organization) {
		kids := o.Children
		o.Children = nil
		if parent != nil {
			o.ParentOrg = &encompass.EntityRef{EntityID: parent.ID, EntityType: encompass.EntityTypeOrganization, EntityName: parent.Name}
		}
		out = append(out, o)
		for _, k := range kids {
			walk(k, &o)
		}
	}
	walk(*root, nil)
	return out
}

// paths lists "id=path" for every organization of the index, in tree order.
func (ix *orgIndex) paths() []string {
	out := make([]string, len(ix.all))
	for i, n := range ix.all {
		out[i] = n.org.ID + "=" + n.path
	}
	return out
}

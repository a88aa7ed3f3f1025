package planner

import (
	"strings"
	"testing"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

// protectWorld is testWorld with a second super administrator (it.admin)
// and an administrator of the root organization (root.admin) to run as.
func protectWorld() *World {
	w := testWorld()
	w.Users["it.admin"] = &encompass.User{ID: "it.admin", FirstName: "Irene", LastName: "Tate", Email: "it.admin@example.com",
		WorkingFolder: "My Pipeline", Personas: []encompass.EntityRef{ref("1", "Super Administrator")}, Organization: orgRef("0"),
		UserIndicators: []string{encompass.IndicatorSuperAdministrator}}
	w.Users["root.admin"] = &encompass.User{ID: "root.admin", FirstName: "Rob", LastName: "Root", Email: "root.admin@example.com",
		WorkingFolder: "My Pipeline", Personas: []encompass.EntityRef{ref("2", "Administrator")}, Organization: orgRef("0"),
		UserIndicators: []string{encompass.IndicatorAdministrator}}
	return w
}

// TestBuildProtectsAccounts: a row that would lock out the caller's own
// account, or leave the instance without an enabled super administrator,
// is a problem naming the column and what to do; the other rows go ahead.
func TestBuildProtectsAccounts(t *testing.T) {
	type want struct {
		status plan.Status
		col    string   // with subs: a problem in this column
		subs   []string // substrings of that problem
		not    string   // no problem contains this
	}
	ok := want{status: plan.StatusPlanned}
	self := []string{`your own user "admin"`, "run it as another administrator"}
	last := []string{"last enabled super administrator", "enable another super administrator first"}
	oneSuper := func() *World { // admin is the only super administrator
		w := protectWorld()
		delete(w.Users, "it.admin")
		return w
	}
	tests := []struct {
		name   string
		world  func() *World // protectWorld run as admin when nil
		caller string
		recs   []*importer.Record
		want   []want
	}{
		{name: "disable self", recs: []*importer.Record{rec(2, "action", "disable", "id", "admin")},
			want: []want{{status: plan.StatusInvalid, col: "action", subs: self, not: "last enabled"}}},
		{name: "disable self with a comment: nothing of the row is applied",
			recs: []*importer.Record{rec(2, "action", "disable", "id", "ADMIN", "comments", "bye")},
			want: []want{{status: plan.StatusInvalid, col: "action", subs: []string{"your own user", "fail to sign in"}}}},
		{name: "disable self as the last super administrator: both said", world: oneSuper,
			recs: []*importer.Record{rec(2, "action", "disable", "id", "admin")},
			want: []want{{status: plan.StatusInvalid, col: "action", subs: self}, {status: plan.StatusInvalid, col: "action", subs: last}}},
		{name: "upsert accountEnabled false on self", recs: []*importer.Record{rec(2, "id", "admin", "accountEnabled", "false")},
			want: []want{{status: plan.StatusInvalid, col: "accountEnabled", subs: self}}},
		{name: "lock self", recs: []*importer.Record{rec(2, "action", "update", "id", "admin", "loginEnabled", "false")},
			want: []want{{status: plan.StatusInvalid, col: "loginEnabled", subs: append([]string{"lock"}, self...)}}},
		{name: "remove own super administrator persona", recs: []*importer.Record{rec(2, "id", "admin", "personas", "Loan Officer")},
			want: []want{{status: plan.StatusInvalid, col: "personas", subs: []string{`"Super Administrator"`, "your own user", "manage users", "another administrator"}}}},
		{name: "own personas keeping the super administrator", recs: []*importer.Record{rec(2, "id", "admin", "personas", "Super Administrator;Loan Officer")},
			want: []want{ok}},
		{name: "own administrator persona swapped for Organizations/User: still manages users", caller: "westadmin",
			recs: []*importer.Record{rec(2, "id", "westadmin", "personas", "Organizations/User")}, want: []want{ok}},
		{name: "remove own administrator persona", caller: "westadmin",
			recs: []*importer.Record{rec(2, "id", "westadmin", "personas", "Loan Officer")},
			want: []want{{status: plan.StatusInvalid, col: "personas", subs: []string{`remove the persona "Administrator" of your own user "westadmin"`}}}},
		{name: "administrator by indicator alone: removing any persona is refused", caller: "westadmin",
			world: func() *World {
				w := protectWorld()
				w.Users["westadmin"].Personas = []encompass.EntityRef{{EntityID: "99"}}
				w.Users["westadmin"].UserIndicators = []string{encompass.IndicatorAdministrator}
				return w
			},
			recs: []*importer.Record{rec(2, "id", "westadmin", "personas", "Loan Officer")},
			want: []want{{status: plan.StatusInvalid, col: "personas", subs: []string{"your own user", "manage users"}}}},
		{name: "move self", recs: []*importer.Record{rec(2, "id", "admin", "orgId", "Retail")},
			want: []want{{status: plan.StatusInvalid, col: "orgId", subs: []string{`orgId would move your own user "admin"`, "another administrator"}}}},
		{name: "a scoped caller sees no super administrator: its rows are not counted", world: oneSuper, caller: "westadmin",
			recs: []*importer.Record{rec(2, "action", "disable", "id", "lo.denver")}, want: []want{ok}},
		{name: "disable self and move", caller: "westadmin",
			recs: []*importer.Record{rec(2, "action", "disable", "id", "westadmin", "orgId", "Denver Branch")},
			want: []want{{status: plan.StatusInvalid, col: "action", subs: []string{`your own user "westadmin"`}},
				{status: plan.StatusInvalid, col: "orgId", subs: []string{"move your own user"}}}},
		{name: "own title: fine", recs: []*importer.Record{rec(2, "id", "admin", "title", "Chief")}, want: []want{ok}},
		{name: "enable self: fine", world: func() *World {
			w := protectWorld()
			w.Users["admin"].LoginEnabled = boolPtr(false)
			return w
		}, recs: []*importer.Record{rec(2, "id", "admin", "loginEnabled", "true")}, want: []want{ok}},
		{name: "lock another user: fine", recs: []*importer.Record{rec(2, "id", "lo.denver", "loginEnabled", "false")}, want: []want{ok}},

		// The last enabled super administrator.
		{name: "disable the only super administrator", world: oneSuper, caller: "root.admin",
			recs: []*importer.Record{rec(2, "action", "disable", "id", "admin")},
			want: []want{{status: plan.StatusInvalid, col: "action", subs: append([]string{`the user "admin"`}, last...), not: "your own"}}},
		{name: "disable one of two super administrators: fine", caller: "root.admin",
			recs: []*importer.Record{rec(2, "action", "disable", "id", "admin")}, want: []want{ok}},
		{name: "disable both super administrators: the second row is refused", caller: "root.admin",
			recs: []*importer.Record{rec(2, "action", "disable", "id", "it.admin"), rec(3, "action", "disable", "id", "admin")},
			want: []want{ok, {status: plan.StatusInvalid, col: "action", subs: append([]string{"once the rows above are applied"}, last...)}}},
		{name: "an invalid row does not count", caller: "root.admin",
			recs: []*importer.Record{rec(2, "action", "disable", "id", "it.admin", "email", "bad"), rec(3, "action", "disable", "id", "admin")},
			want: []want{{status: plan.StatusInvalid, col: "email"}, ok}},
		{name: "a disabled super administrator does not count", caller: "root.admin",
			world: func() *World {
				w := protectWorld()
				w.Users["it.admin"].AccountEnabled = boolPtr(false)
				return w
			},
			recs: []*importer.Record{rec(2, "action", "disable", "id", "admin")},
			want: []want{{status: plan.StatusInvalid, col: "action", subs: last}}},
		{name: "a locked super administrator does not count", caller: "root.admin",
			world: func() *World {
				w := protectWorld()
				w.Users["it.admin"].LoginEnabled = boolPtr(false)
				return w
			},
			recs: []*importer.Record{rec(2, "id", "admin", "loginEnabled", "false")},
			want: []want{{status: plan.StatusInvalid, col: "loginEnabled", subs: append([]string{"lock"}, last...)}}},
		{name: "remove the last super administrator persona", world: oneSuper, caller: "root.admin",
			recs: []*importer.Record{rec(2, "id", "lo.denver", "title", "x"), rec(3, "id", "admin", "personas", "Administrator")},
			want: []want{ok, {status: plan.StatusInvalid, col: "personas", subs: append([]string{`"Super Administrator"`}, last...)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := protectWorld()
			if tt.world != nil {
				w = tt.world()
			}
			if tt.caller != "" {
				w.Caller = *w.Users[tt.caller]
			}
			p := build(w, plan.Options{}, tt.recs...)
			for j, r := range p.Rows {
				var ws []want
				if len(tt.want) == len(p.Rows) {
					ws = []want{tt.want[j]}
				} else {
					ws = tt.want // one row, several problems
				}
				for _, wt := range ws {
					if r.Status != wt.status {
						t.Errorf("row %d: status %s, want %s; problems %+v", r.Row, r.Status, wt.status, r.Problems)
					}
					if wt.col != "" && !hasProblem(r.Problems, wt.col, wt.subs...) {
						t.Errorf("row %d: no problem in %s with %q; got %+v", r.Row, wt.col, wt.subs, r.Problems)
					}
					for _, pr := range r.Problems {
						if wt.not != "" && strings.Contains(pr.Message, wt.not) {
							t.Errorf("row %d: problem %q should not hold %q", r.Row, pr.Message, wt.not)
						}
					}
					if r.Status != plan.StatusPlanned && (r.Patch != nil || r.Move != nil) {
						t.Errorf("row %d: %s row has steps", r.Row, r.Status)
					}
				}
			}
		})
	}
}

package planner

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

func body(t *testing.T, p *plan.Patch) map[string]any {
	t.Helper()
	if p == nil {
		t.Fatal("no patch")
	}
	out := map[string]any{}
	for k, v := range p.Body {
		var x any
		if err := json.Unmarshal(v, &x); err != nil {
			t.Fatalf("body %s: %v", k, err)
		}
		out[k] = x
	}
	return out
}

func build(w *World, opts plan.Options, recs ...*importer.Record) *plan.Plan {
	return Build(recs, w, plan.Input{Path: "people.csv"}, opts)
}

func TestBuildCreate(t *testing.T) {
	p := build(testWorld(), plan.Options{}, validCreate("orgId", "Administration/Retail/West Region/Denver Branch", "personas", "loan officer;5", "groups", "12", "comments", "<clear>", "ccSiteId", "s1"))
	r := p.Rows[0]
	if r.Status != plan.StatusPlanned || r.Outcome != plan.StatusCreated || r.Create == nil || r.Patch != nil || r.Move != nil {
		t.Fatalf("row: %+v", r)
	}
	if r.Create.OrgID != "3" {
		t.Errorf("org %q, want 3", r.Create.OrgID)
	}
	u := r.Create.User()
	if u.Password != "" || !r.NeedsPassword || r.Password != "s3cret!" {
		t.Errorf("password handling: body %q needs %v row %q", u.Password, r.NeedsPassword, r.Password)
	}
	want := []encompass.EntityRef{ref("3", "Loan Officer"), ref("5", "Underwriter")}
	if !reflect.DeepEqual(u.Personas, want) {
		t.Errorf("personas %+v, want %+v", u.Personas, want)
	}
	if !reflect.DeepEqual(u.Groups, []encompass.EntityRef{{EntityID: "12", EntityType: "UserGroup"}}) {
		t.Errorf("groups %+v", u.Groups)
	}
	if u.Comments != "" || u.CCSite == nil || u.CCSite.SiteID != "s1" || u.FirstName != "Jane" {
		t.Errorf("user %+v", u)
	}
	if p.OrgPaths["3"] != "Administration/Retail/West Region/Denver Branch" {
		t.Errorf("org paths %v", p.OrgPaths)
	}
}

func TestBuildRows(t *testing.T) {
	cases := []struct {
		name   string
		world  func() *World
		opts   plan.Options
		rec    *importer.Record
		check  func(t *testing.T, r plan.Row, p *plan.Plan)
		status plan.Status
	}{
		{name: "org path without root and by id", rec: validCreate("orgId", "retail/west region/phoenix branch"), status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if r.Create.OrgID != "4" {
					t.Errorf("org %q", r.Create.OrgID)
				}
			}},
		{name: "org by a unique tail of its path, with '>'", rec: validCreate("orgId", "West Region > Phoenix Branch"), status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if r.Create.OrgID != "4" || p.OrgPaths["4"] != "Administration/Retail/West Region/Phoenix Branch" {
					t.Errorf("org %q, paths %v", r.Create.OrgID, p.OrgPaths)
				}
			}},
		{name: "ambiguous tail lists the candidates", world: func() *World {
			w := testWorld()
			w.Root.Children[1].Children = []encompass.Organization{org("8", "West Region", org("9", "Denver Branch"))}
			return w
		}, rec: validCreate("orgId", "West Region/Denver Branch"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "orgId", `2 organizations have a path ending in "West Region/Denver Branch"`,
					"Administration/Retail/West Region/Denver Branch (id 3)", "Administration/Wholesale/West Region/Denver Branch (id 9)", "more of the path, or the id")
			}},
		{name: "org by id", rec: validCreate("orgId", "6"), status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if r.Create.OrgID != "6" {
					t.Errorf("org %q", r.Create.OrgID)
				}
			}},
		{name: "unknown org lists candidates", rec: validCreate("orgId", "Denvr Branch"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "orgId", `no organization is named "Denvr Branch"`, "Denver Branch (id 3)", "Wholesale (id 7)")
			}},
		{name: "unknown org id", rec: validCreate("orgId", "99"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "orgId", "no organization has the id 99")
			}},
		{name: "ambiguous org name", world: func() *World {
			w := testWorld()
			w.Root.Children[1].Children = []encompass.Organization{org("8", "Denver Branch")}
			return w
		}, rec: validCreate("orgId", "denver branch"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "orgId", "2 organizations are named", "Administration/Retail/West Region/Denver Branch (id 3)",
					"Administration/Wholesale/Denver Branch (id 8)", "path or the id")
			}},
		{name: "working folder matched without regard to case, sent in the server's spelling", rec: validCreate("workingFolder", "completed LOANS"),
			status: plan.StatusPlanned, check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if r.Create.User().WorkingFolder != "Completed Loans" {
					t.Errorf("workingFolder %q", r.Create.User().WorkingFolder)
				}
			}},
		{name: "unknown working folder lists the usable folders", rec: validCreate("workingFolder", "Pipeline"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "workingFolder", `no loan folder "Pipeline"`, `"My Pipeline", "Prospects", "Completed Loans"`)
				if hasProblem(r.Problems, "workingFolder", "(Trash)") {
					t.Errorf("the trash folder is offered: %+v", r.Problems)
				}
			}},
		{name: "the trash folder cannot be a working folder", rec: rec(2, "action", "update", "id", "lo.denver", "workingFolder", "(trash)"),
			status: plan.StatusInvalid, check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "workingFolder", `no loan folder "(trash)"`)
			}},
		{name: "working folder in another case is unchanged", rec: rec(2, "action", "update", "id", "lo.denver", "workingFolder", "MY PIPELINE"),
			status: plan.StatusUnchanged},
		{name: "working folder change patched in the server's spelling", rec: rec(2, "action", "update", "id", "lo.denver", "workingFolder", "prospects"),
			status: plan.StatusPlanned, check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if got := body(t, r.Patch); !reflect.DeepEqual(got, map[string]any{"workingFolder": "Prospects"}) {
					t.Errorf("patch %v", got)
				}
			}},
		{name: "group name resolved to its id from the users read", world: worldWithGroups,
			rec: rec(2, "action", "update", "id", "lo.denver", "groups", "denver TEAM;44"), status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				want := []any{map[string]any{"entityId": "12", "entityType": "UserGroup", "entityName": "Denver Team"},
					map[string]any{"entityId": "44", "entityType": "UserGroup"}}
				if got := body(t, r.Patch)["groups"]; !reflect.DeepEqual(got, want) {
					t.Errorf("groups %v, want %v", got, want)
				}
			}},
		{name: "groups already held by name are unchanged", world: worldWithGroups,
			rec: rec(2, "action", "update", "id", "lo.phoenix", "groups", "Denver Team"), status: plan.StatusUnchanged},
		{name: "unknown group name lists the groups seen", world: worldWithGroups,
			rec: rec(2, "action", "update", "id", "lo.denver", "groups", "Closers"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "groups", `unknown group "Closers"`, "Denver Team (id 12)", "Phoenix Team (id 13)", "id instead")
			}},
		{name: "unknown group name with no groups on the server", rec: rec(2, "action", "update", "id", "lo.denver", "groups", "Closers"),
			status: plan.StatusInvalid, check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "groups", "no user on the server belongs to a group")
			}},
		{name: "merge personas over a summary read is a problem, not a patch", world: worldWithSummaryUser, opts: plan.Options{MergePersonas: true},
			rec: rec(2, "action", "update", "id", "lo.denver", "personas", "Underwriter"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "personas", "without its personas", "summary")
			}},
		{name: "licenses over a summary read are a problem", world: worldWithSummaryUser,
			rec: rec(2, "action", "update", "id", "lo.denver", "licenses", "CO"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) { mustProblem(t, r, "licenses", "without its licenses") }},
		{name: "scalar change over a summary read is planned", world: worldWithSummaryUser,
			rec: rec(2, "action", "update", "id", "lo.denver", "title", "Branch Manager"), status: plan.StatusPlanned},
		{name: "unknown persona lists personas", rec: validCreate("personas", "Loan Officer;Closer"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "personas", `unknown persona "Closer"`, "Loan Officer, Loan Processor, Underwriter")
			}},
		{name: "create of an existing user", rec: validCreate("id", "LO.Denver"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "id", "already exists", "Denver Branch", "update or upsert")
			}},
		{name: "create of an existing user that already matches is unchanged (safe re-run)",
			rec: rec(2, "action", "create", "id", "LO.DENVER", "firstName", "Lou", "lastName", "Denver", "email", "lo.denver@example.com",
				"password", "pw-not-compared", "workingFolder", "My Pipeline", "personas", "Loan Officer", "orgId", "Denver Branch"),
			status: plan.StatusUnchanged},
		{name: "create of an existing user in another org is a problem",
			rec: rec(2, "action", "create", "id", "lo.denver", "firstName", "Lou", "lastName", "Denver", "email", "lo.denver@example.com",
				"password", "x", "workingFolder", "My Pipeline", "personas", "Loan Officer", "orgId", "Phoenix Branch"),
			status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "id", "already exists", "differs", "organization Administration/Retail/West Region/Denver Branch (id 3) on the server, "+
					"Administration/Retail/West Region/Phoenix Branch (id 4) in the row")
			}},
		{name: "create of an existing user names the fields that differ",
			rec: rec(2, "action", "create", "id", "lo.denver", "firstName", "Lou", "lastName", "Denver", "email", "lo.denver@example.com",
				"password", "x", "workingFolder", "My Pipeline", "personas", "Loan Officer", "orgId", "Denver Branch", "title", "VP"),
			status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "id", "already exists", `differs from this row (title "Loan Officer" on the server, "VP" in the row)`)
			}},
		{name: "upsert creating needs required fields", rec: rec(2, "id", "newbie", "title", "VP"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				for _, c := range []string{"firstName", "lastName", "email", "password", "orgId", "personas", "workingFolder"} {
					mustProblem(t, r, c, "required")
				}
			}},
		{name: "company defaults make org persona folder optional", opts: plan.Options{DefaultOrg: true, DefaultPersona: true, DefaultWorkingFolder: true},
			rec: validCreate("orgId", "", "personas", "", "workingFolder", ""), status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if r.Create.OrgID != "" || len(r.Create.User().Personas) != 0 {
					t.Errorf("create %+v", r.Create)
				}
			}},
		{name: "update of a missing user", rec: rec(2, "action", "update", "id", "ghost", "title", "VP"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "id", `no user "ghost"`, "create or upsert")
			}},
		{name: "update only differing fields", rec: rec(2, "action", "update", "id", "lo.denver", "title", "Senior Loan Officer",
			"firstName", "Lou", "phone", "303-555-0100", "email", "lou@example.com", "loginEnabled", "true", "requirePasswordChange", "true"),
			status: plan.StatusPlanned, check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				got := body(t, r.Patch)
				want := map[string]any{"title": "Senior Loan Officer", "email": "lou@example.com", "requirePasswordChange": true}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("body %v, want %v", got, want)
				}
				if r.Outcome != plan.StatusUpdated || r.Move != nil || r.Create != nil {
					t.Errorf("row %+v", r)
				}
				if c := r.Patch.Changes[0]; c != (plan.Change{Field: "email", Before: `"lo.denver@example.com"`, After: `"lou@example.com"`}) {
					t.Errorf("first change %+v", c)
				}
			}},
		{name: "update with nothing different", rec: rec(2, "action", "update", "id", "lo.denver", "title", "Loan Officer", "personas", "3", "accountEnabled", "true"),
			status: plan.StatusUnchanged},
		{name: "password alone never differs", rec: rec(2, "id", "lo.denver", "password", "n3w!", "title", "Loan Officer"), status: plan.StatusUnchanged,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if r.NeedsPassword {
					t.Error("unchanged row needs a password")
				}
			}},
		{name: "reset passwords", opts: plan.Options{ResetPasswords: true}, rec: rec(2, "id", "lo.denver", "password", "n3w!"), status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if !r.NeedsPassword || len(r.Patch.Body) != 0 {
					t.Errorf("needs %v body %v", r.NeedsPassword, r.Patch.Body)
				}
				if r.Patch.Changes[0] != (plan.Change{Field: "password", Before: "********", After: "********"}) {
					t.Errorf("changes %+v", r.Patch.Changes)
				}
			}},
		{name: "clear sends null", rec: rec(2, "id", "lo.denver", "title", "<clear>", "comments", "<clear>"), status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if got := body(t, r.Patch); !reflect.DeepEqual(got, map[string]any{"title": nil}) {
					t.Errorf("body %v (comments is already empty)", got)
				}
				if string(r.Patch.Body["title"]) != "null" {
					t.Errorf("title %s", r.Patch.Body["title"])
				}
			}},
		{name: "personas replace the set", rec: rec(2, "id", "lo.denver", "personas", "Loan Processor"), status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				got := body(t, r.Patch)["personas"].([]any)
				if len(got) != 1 || got[0].(map[string]any)["entityId"] != "4" {
					t.Errorf("personas %v", got)
				}
				if c := r.Patch.Changes[0]; c.Before != `"Loan Officer"` || c.After != `"Loan Processor"` {
					t.Errorf("change %+v", c)
				}
			}},
		{name: "merge personas", opts: plan.Options{MergePersonas: true}, rec: rec(2, "id", "lo.denver", "personas", "Loan Processor"), status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				got := body(t, r.Patch)["personas"].([]any)
				if len(got) != 2 || got[0].(map[string]any)["entityId"] != "3" || got[1].(map[string]any)["entityId"] != "4" {
					t.Errorf("personas %v", got)
				}
			}},
		{name: "merge personas already held", opts: plan.Options{MergePersonas: true}, rec: rec(2, "id", "lo.denver", "personas", "Loan Officer"), status: plan.StatusUnchanged},
		{name: "licenses switched on", rec: rec(2, "id", "lo.denver", "licenses", "CA;CO"), status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if got := string(r.Patch.Body["licenses"]); got != `[{"state":"CA","selected":true}]` {
					t.Errorf("licenses %s", got)
				}
			}},
		{name: "exact licenses", opts: plan.Options{ExactLicenses: true}, rec: rec(2, "id", "lo.denver", "licenses", "CA;CO"), status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if got := string(r.Patch.Body["licenses"]); got != `[{"state":"CA","selected":true},{"state":"TX","selected":false}]` {
					t.Errorf("licenses %s", got)
				}
				if c := r.Patch.Changes[0]; c.Before != `"CO;TX"` || c.After != `"CA;CO"` {
					t.Errorf("change %+v", c)
				}
			}},
		{name: "disable", rec: rec(2, "action", "disable", "id", "lo.denver"), status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if got := body(t, r.Patch); !reflect.DeepEqual(got, map[string]any{"accountEnabled": false}) || r.Outcome != plan.StatusDisabled {
					t.Errorf("body %v outcome %s", got, r.Outcome)
				}
			}},
		// The other cells of a disable or enable row are applied as on update.
		{name: "disable applies the other cells", rec: rec(2, "action", "disable", "id", "lo.denver", "title", "Former Employee", "comments", "Left 2025-06-30"),
			status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				want := map[string]any{"accountEnabled": false, "title": "Former Employee", "comments": "Left 2025-06-30"}
				if got := body(t, r.Patch); !reflect.DeepEqual(got, want) || r.Outcome != plan.StatusDisabled || r.Move != nil {
					t.Errorf("body %v outcome %s move %+v", got, r.Outcome, r.Move)
				}
				if c := r.Patch.Changes; len(c) != 3 || c[0] != (plan.Change{Field: "accountEnabled", Before: "true", After: "false"}) {
					t.Errorf("changes %+v", c)
				}
			}},
		{name: "disable and move to a terminated organization", rec: rec(2, "action", "disable", "id", "lo.denver", "comments", "Left", "orgId", "Wholesale"),
			status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if got := body(t, r.Patch); !reflect.DeepEqual(got, map[string]any{"accountEnabled": false, "comments": "Left"}) || r.Outcome != plan.StatusDisabled {
					t.Errorf("body %v outcome %s", got, r.Outcome)
				}
				if r.Move == nil || r.Move.SourceOrgID != "3" || r.Move.TargetOrgID != "7" || len(p.Moves) != 1 {
					t.Errorf("move %+v, calls %+v", r.Move, p.Moves)
				}
				if s := p.Summary(); s.Disable != 1 || s.Move != 1 || s.Update != 0 {
					t.Errorf("summary %+v", s)
				}
			}},
		{name: "disable to an unknown organization", rec: rec(2, "action", "disable", "id", "lo.denver", "orgId", "Terminated"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) { mustProblem(t, r, "orgId", "Terminated") }},
		{name: "disable with accountEnabled false: one change", rec: rec(2, "action", "disable", "id", "lo.denver", "accountEnabled", "false"), status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if len(r.Patch.Changes) != 1 || r.Outcome != plan.StatusDisabled {
					t.Errorf("changes %+v outcome %s", r.Patch.Changes, r.Outcome)
				}
			}},
		{name: "disable with accountEnabled true is a contradiction", rec: rec(2, "action", "disable", "id", "lo.denver", "accountEnabled", "true", "comments", "Left"),
			status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "accountEnabled", "contradicts action disable")
			}},
		{name: "disable already disabled", rec: rec(2, "action", "disable", "id", "lp.denver"), status: plan.StatusUnchanged},
		{name: "disable already disabled, a new comment: updated", rec: rec(2, "action", "disable", "id", "lp.denver", "comments", "Left"), status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if got := body(t, r.Patch); !reflect.DeepEqual(got, map[string]any{"comments": "Left"}) || r.Outcome != plan.StatusUpdated {
					t.Errorf("body %v outcome %s", got, r.Outcome)
				}
			}},
		{name: "disable breaking a rule with another cell", rec: rec(2, "action", "disable", "id", "lo.denver", "email", "not-an-email"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) { mustProblem(t, r, "email") }},
		{name: "enable", rec: rec(2, "action", "enable", "id", "lp.denver"), status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if r.Outcome != plan.StatusEnabled || string(r.Patch.Body["accountEnabled"]) != "true" {
					t.Errorf("row %+v", r)
				}
			}},
		{name: "enable with a new title and organization", rec: rec(2, "action", "enable", "id", "lp.denver", "title", "Rehired", "orgId", "Phoenix Branch"), status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if got := body(t, r.Patch); !reflect.DeepEqual(got, map[string]any{"accountEnabled": true, "title": "Rehired"}) || r.Outcome != plan.StatusEnabled || r.Move == nil {
					t.Errorf("body %v outcome %s move %+v", got, r.Outcome, r.Move)
				}
			}},
		{name: "move", rec: rec(2, "action", "move", "id", "lo.denver", "orgId", "Phoenix Branch", "sourceOrgId", "3"), status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if r.Outcome != plan.StatusMoved || r.Patch != nil || *r.Move != (plan.MoveRef{Call: 0, SourceOrgID: "3", TargetOrgID: "4"}) {
					t.Errorf("row %+v move %+v", r, r.Move)
				}
				if len(p.Moves) != 1 || !reflect.DeepEqual(p.Moves[0], plan.Move{SourceOrgID: "3", TargetOrgID: "4", UserIDs: []string{"lo.denver"}, Rows: []int{0}}) {
					t.Errorf("moves %+v", p.Moves)
				}
			}},
		{name: "move to where it is", rec: rec(2, "action", "move", "id", "lo.denver", "orgId", "Denver Branch"), status: plan.StatusUnchanged},
		{name: "move with wrong source", rec: rec(2, "action", "move", "id", "lo.denver", "orgId", "Phoenix Branch", "sourceOrgId", "Boston Branch"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "sourceOrgId", "is in Administration/Retail/West Region/Denver Branch (id 3), not in", "Boston Branch")
			}},
		{name: "move already done, stale source", rec: rec(2, "action", "move", "id", "lo.denver", "orgId", "Denver Branch", "sourceOrgId", "Phoenix Branch"), status: plan.StatusUnchanged},
		{name: "upsert patch and move", rec: rec(2, "id", "lo.denver", "title", "Branch Manager", "orgId", "Boston Branch"), status: plan.StatusPlanned,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				if r.Patch == nil || r.Move == nil || r.Outcome != plan.StatusUpdated || r.Move.TargetOrgID != "6" {
					t.Errorf("row %+v", r)
				}
			}},
		{name: "upsert combination decided with the server", rec: rec(2, "id", "lo.denver", "apiUser", "true"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "oAuthClientId", "required when apiUser")
			}},
		{name: "moving self", rec: rec(2, "action", "move", "id", "admin", "orgId", "Retail"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) { mustProblem(t, r, "orgId", "your own user") }},
		{name: "super admin out of root", world: func() *World { return withCaller(testWorld(), "westadmin") },
			rec: rec(2, "action", "move", "id", "admin", "orgId", "Denver Branch"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "orgId", "super administrator", "root organization")
				mustProblem(t, r, "id", "outside your organization")
			}},
		{name: "caller out of scope target", world: func() *World { return withCaller(testWorld(), "westadmin") },
			rec: rec(2, "action", "move", "id", "lo.denver", "orgId", "Boston Branch"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "orgId", "Boston Branch (id 6) is outside your organization Administration/Retail/West Region (id 2)")
			}},
		{name: "caller out of scope create", world: func() *World { return withCaller(testWorld(), "westadmin") },
			rec: validCreate("orgId", "Boston Branch"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) { mustProblem(t, r, "orgId", "outside your organization") }},
		{name: "caller out of scope user", world: func() *World { return withCaller(testWorld(), "westadmin") },
			rec: rec(2, "id", "uw.boston", "title", "Chief"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "id", `"uw.boston" is in`, "Boston Branch", "outside your organization")
			}},
		{name: "caller in scope", world: func() *World { return withCaller(testWorld(), "westadmin") },
			rec: rec(2, "action", "move", "id", "lo.denver", "orgId", "Phoenix Branch"), status: plan.StatusPlanned},
		{name: "caller without rights", world: func() *World { return withCaller(testWorld(), "lo.denver") },
			rec: rec(2, "id", "lp.denver", "title", "Chief"), status: plan.StatusInvalid,
			check: func(t *testing.T, r plan.Row, p *plan.Plan) {
				mustProblem(t, r, "", `"lo.denver" may not manage users`)
			}},
		{name: "caller without rights, nothing to write", world: func() *World { return withCaller(testWorld(), "lo.denver") },
			rec: rec(2, "id", "lp.denver", "firstName", "Lee"), status: plan.StatusUnchanged},
		{name: "organizations/user persona grants rights", world: func() *World {
			w := withCaller(testWorld(), "lo.denver")
			w.Caller.Personas = append(w.Caller.Personas, encompass.EntityRef{EntityID: "6"})
			return w
		}, rec: rec(2, "id", "lp.denver", "title", "Chief"), status: plan.StatusPlanned},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := testWorld()
			if tc.world != nil {
				w = tc.world()
			}
			p := build(w, tc.opts, tc.rec)
			r := p.Rows[0]
			if r.Status != tc.status {
				t.Fatalf("status %q, want %q; problems %+v", r.Status, tc.status, r.Problems)
			}
			if tc.check != nil {
				tc.check(t, r, p)
			}
			if tc.status != plan.StatusPlanned && (r.Create != nil || r.Patch != nil || r.Move != nil || len(p.Moves) != 0) {
				t.Errorf("%s row has steps: %+v", tc.status, r)
			}
		})
	}
}

func TestBuildDoesNotModifyRecords(t *testing.T) {
	r := rec(2, "action", "create", "id", "x")
	build(testWorld(), plan.Options{}, r)
	if len(r.Problems) != 0 {
		t.Errorf("Build changed the record: %+v", r.Problems)
	}
}

func TestBuildDuplicates(t *testing.T) {
	p := build(testWorld(), plan.Options{},
		rec(2, "id", "lo.denver", "title", "A"),
		rec(3, "id", "LO.DENVER", "title", "B"))
	if p.Rows[0].Status != plan.StatusPlanned {
		t.Errorf("first row %+v", p.Rows[0])
	}
	mustProblem(t, p.Rows[1], "id", "already on row 2")
}

func TestMoveBatching(t *testing.T) {
	t.Run("250 users one pair", func(t *testing.T) {
		w := testWorld()
		var recs []*importer.Record
		for i := range 250 {
			id := fmt.Sprintf("u%03d", i)
			w.Users[id] = &encompass.User{ID: id, Organization: orgRef("3")}
			recs = append(recs, rec(i+2, "action", "move", "id", id, "orgId", "Phoenix Branch"))
		}
		p := Build(recs, w, plan.Input{}, plan.Options{MoveBatchSize: 100})
		if len(p.Moves) != 3 {
			t.Fatalf("%d calls, want 3", len(p.Moves))
		}
		for i, n := range []int{100, 100, 50} {
			if m := p.Moves[i]; len(m.UserIDs) != n || len(m.Rows) != n || m.SourceOrgID != "3" || m.TargetOrgID != "4" {
				t.Errorf("call %d: %d users %s→%s", i, len(m.UserIDs), m.SourceOrgID, m.TargetOrgID)
			}
		}
		if p.Rows[150].Move.Call != 1 || p.Moves[1].UserIDs[50] != "u150" || p.Moves[1].Rows[50] != 150 {
			t.Errorf("row 150 in call %d", p.Rows[150].Move.Call)
		}
		if s := p.Summary(); s.Move != 250 || s.MoveCalls != 3 {
			t.Errorf("summary %+v", s)
		}
	})
	t.Run("7 pairs in order of first appearance", func(t *testing.T) {
		w := testWorld()
		pairs := [][2]string{{"3", "4"}, {"4", "3"}, {"3", "6"}, {"6", "7"}, {"3", "4"}, {"7", "1"}, {"1", "2"}, {"2", "5"}, {"6", "7"}}
		var recs []*importer.Record
		for i, pr := range pairs {
			id := fmt.Sprintf("m%d", i)
			w.Users[id] = &encompass.User{ID: id, Organization: orgRef(pr[0])}
			recs = append(recs, rec(i+2, "action", "move", "id", id, "orgId", pr[1]))
		}
		p := Build(recs, w, plan.Input{}, plan.Options{})
		var got []string
		for _, m := range p.Moves {
			got = append(got, m.SourceOrgID+">"+m.TargetOrgID+":"+strings.Join(m.UserIDs, ","))
		}
		want := []string{"3>4:m0,m4", "4>3:m1", "3>6:m2", "6>7:m3,m8", "7>1:m5", "1>2:m6", "2>5:m7"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("calls\n got %v\nwant %v", got, want)
		}
	})
}

func TestOfflinePlan(t *testing.T) {
	p := OfflinePlan([]*importer.Record{
		validCreate(),
		validCreate("id", "jdoe2", "workingFolder", ""),
		rec(4, "action", "move", "id", "x", "orgId", "Anywhere"),
	}, plan.Input{Path: "people.csv"}, plan.Options{DefaultWorkingFolder: false})
	if r := p.Rows[0]; r.Status != plan.StatusPlanned || r.Outcome != plan.StatusCreated || r.Create != nil {
		t.Errorf("row 0 %+v", r)
	}
	mustProblem(t, p.Rows[1], "workingFolder", "required")
	if r := p.Rows[2]; r.Status != plan.StatusPlanned || r.Outcome != plan.StatusMoved {
		t.Errorf("row 2 %+v", r)
	}
	c := p.Counts()
	if c[plan.StatusPlanned] != 2 || c[plan.StatusInvalid] != 1 || c[plan.StatusCreated] != 1 || c[plan.StatusMoved] != 1 {
		t.Errorf("counts %v", c)
	}
}

// worldWithGroups puts lo.phoenix and uw.boston in a group each: the users read are the only place the planner
// can learn group names from.
func worldWithGroups() *World {
	w := testWorld()
	w.Users["lo.phoenix"].Groups = []encompass.EntityRef{{EntityID: "12", EntityType: "UserGroup", EntityName: "Denver Team"}}
	w.Users["uw.boston"].Groups = []encompass.EntityRef{{EntityID: "13", EntityType: "UserGroup", EntityName: "Phoenix Team"}}
	return w
}

// worldWithSummaryUser replaces lo.denver by what a read without
// entities=all returns: no personas, groups or licenses.
func worldWithSummaryUser() *World {
	w := testWorld()
	var u encompass.User
	if err := json.Unmarshal([]byte(`{"id":"lo.denver","firstName":"Lou","lastName":"Denver","email":"lo.denver@example.com",
		"title":"Loan Officer","workingFolder":"My Pipeline","organization":{"entityId":3,"entityType":"Organization"}}`), &u); err != nil {
		panic(err)
	}
	w.Users["lo.denver"] = &u
	return w
}

package planner

import (
	"context"
	"testing"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/sandbox"
)

func sandboxClient(t *testing.T, sb *sandbox.Running, user string) *apiclient.Client {
	t.Helper()
	c, err := apiclient.New(sb.URL,
		sandbox.Login(user),
		apiclient.WithPageSize(10))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startSandbox serves the default world for the test, with a context
// bounding the test's calls.
func startSandbox(t *testing.T) (*sandbox.Running, context.Context) {
	t.Helper()
	sb, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return sb, ctx
}

// TestSandboxPlanAndApply fetches the sandbox's default world over loopback
// HTTP, builds a plan, carries its steps out with the real client, and checks
// that planning the same rows again finds nothing left to do: what the plan
// said is what the server accepted.
func TestSandboxPlanAndApply(t *testing.T) {
	sb, ctx := startSandbox(t)
	c := sandboxClient(t, sb, sandbox.BuiltinAdminID)

	w, err := Fetch(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	nUsers := len(sb.Server.Users())
	if len(w.Users) != nUsers || w.Caller.ID != sandbox.BuiltinAdminID {
		t.Fatalf("fetched %d users (want %d), caller %q", len(w.Users), nUsers, w.Caller.ID)
	}
	if r := w.Reads; r.UserPages < nUsers/10 || r.OrgCalls != 1 || r.PersonaCalls != 1 || r.OtherCalls != 1 {
		t.Errorf("reads %+v", r)
	}

	recs := func() []*importer.Record {
		return []*importer.Record{
			rec(2, "id", "itest.new", "firstName", "Ida", "lastName", "Test", "email", "ida@example.com",
				"password", "Welcome-123", "workingFolder", "My Pipeline", "personas", "Loan Officer", "orgId", "Denver Branch",
				"licenses", "CO"),
			rec(3, "id", "lo.denver", "title", "Branch Manager", "cellPhone", "<clear>", "licenses", "CO;UT", "orgId", "Retail/West Region/Phoenix Branch"),
			rec(4, "action", "move", "id", "lo.jchen", "orgId", "Boston Branch", "sourceOrgId", "Denver Branch"),
			rec(5, "action", "move", "id", "lo.rortiz", "orgId", "6"),
			rec(6, "action", "disable", "id", "lp.denver"),
			rec(7, "action", "enable", "id", "lo.former"),
			rec(8, "action", "update", "id", "lo.jrossi", "personas", "Loan Processor;loan officer"),
			rec(9, "id", "lo.kwhite", "personas", "Underwriter"),
		}
	}
	p := Build(recs(), w, Input{Path: "itest.csv"}, Options{})
	wantStatus := []string{StatusPlanned, StatusPlanned, StatusPlanned, StatusPlanned, StatusPlanned, StatusPlanned, StatusUnchanged, StatusPlanned}
	for i, st := range wantStatus {
		if p.Rows[i].Status != st {
			t.Fatalf("row %d: status %s, want %s; problems %+v", p.Rows[i].Row, p.Rows[i].Status, st, p.Rows[i].Problems)
		}
	}
	if s := p.Summary(); s != (Summary{Create: 1, Update: 2, Move: 3, Disable: 1, Enable: 1, Unchanged: 1, MoveCalls: 2, Reads: w.Reads}) {
		t.Errorf("summary %+v", s)
	}
	if len(p.Moves) != 2 || len(p.Moves[1].UserIDs) != 2 || p.Moves[1].TargetOrgID != sandbox.OrgBostonBranch {
		t.Errorf("moves %+v", p.Moves)
	}

	// Carry the plan out: creates, then patches, then the bulk moves.
	for _, r := range p.Rows {
		if r.Create != nil {
			u := r.Create.User
			u.Password = r.Password
			if _, err := c.CreateUser(ctx, r.Create.OrgID, &u); err != nil {
				t.Fatalf("create %s: %v", r.ID, err)
			}
		}
		if r.Patch != nil {
			if _, err := c.PatchUser(ctx, r.ID, r.Patch.Body); err != nil {
				t.Fatalf("patch %s %s: %v", r.ID, r.Patch.Body, err)
			}
		}
	}
	for _, m := range p.Moves {
		if _, err := c.MoveUsers(ctx, m.SourceOrgID, m.TargetOrgID, m.UserIDs); err != nil {
			t.Fatalf("move %+v: %v", m, err)
		}
	}
	got, ok := sb.Server.User("lo.denver")
	if !ok || got.Title != "Branch Manager" || got.CellPhone != "" || got.Organization.EntityID != sandbox.OrgPhoenixBranch {
		t.Errorf("lo.denver after apply: %+v", got)
	}

	w2, err := Fetch(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	again := Build(recs(), w2, Input{Path: "itest.csv"}, Options{})
	for _, r := range again.Rows {
		if r.Status != StatusUnchanged && r.Action != importer.ActionCreate {
			t.Errorf("row %d (%s %s) after apply: %s %+v %+v", r.Row, r.Action, r.ID, r.Status, r.Patch, r.Problems)
		}
	}
	if r := again.Rows[0]; r.Status != StatusUnchanged {
		t.Errorf("created user plans again: %s %+v", r.Status, r.Problems)
	}
}

// TestSandboxCallerRights checks the caller rules against the sandbox's
// westadmin (Administrator of West Region) and lo.denver (no rights).
func TestSandboxCallerRights(t *testing.T) {
	sb, ctx := startSandbox(t)

	w, err := Fetch(ctx, sandboxClient(t, sb, "westadmin"))
	if err != nil {
		t.Fatal(err)
	}
	p := Build([]*importer.Record{
		rec(2, "action", "move", "id", "lo.denver", "orgId", "Phoenix Branch"),
		rec(3, "action", "move", "id", "lo.denver2", "orgId", "Phoenix Branch"),
		rec(4, "action", "move", "id", "lo.dmiller", "orgId", "Boston Branch"),
		rec(5, "id", "lo.boston", "title", "Chief"),
		rec(6, "action", "move", "id", "westadmin", "orgId", "Denver Branch"),
	}, w, Input{}, Options{})
	if p.Rows[0].Status != StatusPlanned {
		t.Errorf("in-scope move: %s %+v", p.Rows[0].Status, p.Rows[0].Problems)
	}
	mustProblem(t, p.Rows[1], "id", `no user "lo.denver2"`)
	mustProblem(t, p.Rows[2], "orgId", "outside your organization")
	mustProblem(t, p.Rows[3], "id", "outside your organization")
	mustProblem(t, p.Rows[4], "orgId", "your own user")

	w, err = Fetch(ctx, sandboxClient(t, sb, "lo.denver"))
	if err != nil {
		t.Fatal(err)
	}
	p = Build([]*importer.Record{rec(2, "id", "lp.denver", "title", "Chief")}, w, Input{}, Options{})
	mustProblem(t, p.Rows[0], "", "may not manage users")
}

package planner

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
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

// forEachDialect runs f against the sandbox in each of its wire dialects, so
// a wrong guess about the vendor's shapes fails a test.
func forEachDialect(t *testing.T, f func(t *testing.T, dialect string)) {
	for _, d := range sandbox.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			f(t, d)
		})
	}
}

// startSandbox serves the default world for the test in the dialect, with a
// context bounding the test's calls.
func startSandbox(t *testing.T, dialect string) (*sandbox.Running, context.Context) {
	t.Helper()
	sb, err := sandbox.Start(sandbox.Options{Dialect: dialect})
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
func TestSandboxPlanAndApply(t *testing.T) { forEachDialect(t, testSandboxPlanAndApply) }

func testSandboxPlanAndApply(t *testing.T, dialect string) {
	sb, ctx := startSandbox(t, dialect)
	c := sandboxClient(t, sb, sandbox.BuiltinAdminID)

	w, err := Fetch(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	nUsers := len(sb.Server.Users())
	if len(w.Users) != nUsers || w.Caller.ID != sandbox.BuiltinAdminID {
		t.Fatalf("fetched %d users (want %d), caller %q", len(w.Users), nUsers, w.Caller.ID)
	}
	if r := w.Reads; r.UserPages < nUsers/10 || r.OrgCalls != 1 || r.PersonaCalls != 1 || r.OtherCalls != 2 {
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
	p := Build(recs(), w, plan.Input{Path: "itest.csv"}, plan.Options{})
	wantStatus := []plan.Status{plan.StatusPlanned, plan.StatusPlanned, plan.StatusPlanned, plan.StatusPlanned, plan.StatusPlanned, plan.StatusPlanned, plan.StatusUnchanged, plan.StatusPlanned}
	for i, st := range wantStatus {
		if p.Rows[i].Status != st {
			t.Fatalf("row %d: status %s, want %s; problems %+v", p.Rows[i].Row, p.Rows[i].Status, st, p.Rows[i].Problems)
		}
	}
	if s := p.Summary(); s != (plan.Summary{Create: 1, Update: 2, Move: 3, Disable: 1, Enable: 1, Unchanged: 1, MoveCalls: 2, Reads: w.Reads}) {
		t.Errorf("summary %+v", s)
	}
	if len(p.Moves) != 2 || len(p.Moves[1].UserIDs) != 2 || p.Moves[1].TargetOrgID != sandbox.OrgBostonBranch {
		t.Errorf("moves %+v", p.Moves)
	}

	// Carry the plan out: creates, then patches, then the bulk moves.
	for _, r := range p.Rows {
		if r.Create != nil {
			u := r.Create.User()
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
	again := Build(recs(), w2, plan.Input{Path: "itest.csv"}, plan.Options{})
	for _, r := range again.Rows {
		if r.Status != plan.StatusUnchanged && r.Action != encompass.ActionCreate {
			t.Errorf("row %d (%s %s) after apply: %s %+v %+v", r.Row, r.Action, r.ID, r.Status, r.Patch, r.Problems)
		}
	}
	if r := again.Rows[0]; r.Status != plan.StatusUnchanged {
		t.Errorf("created user plans again: %s %+v", r.Status, r.Problems)
	}
}

// TestSandboxCallerRights checks the caller rules against the sandbox's
// westadmin (Administrator of West Region) and lo.denver (no rights).
func TestSandboxCallerRights(t *testing.T) { forEachDialect(t, testSandboxCallerRights) }

func testSandboxCallerRights(t *testing.T, dialect string) {
	sb, ctx := startSandbox(t, dialect)

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
	}, w, plan.Input{}, plan.Options{})
	if p.Rows[0].Status != plan.StatusPlanned {
		t.Errorf("in-scope move: %s %+v", p.Rows[0].Status, p.Rows[0].Problems)
	}
	mustProblem(t, p.Rows[1], "id", `no user "lo.denver2" is in your organization Administration/Retail/West Region`)
	mustProblem(t, p.Rows[2], "orgId", "outside your organization")
	// A branch administrator sees only its subtree: an upsert of a user it
	// cannot see would create it, and says so.
	mustProblem(t, p.Rows[3], "id", `no user "lo.boston" is in your organization`, "creates it")
	mustProblem(t, p.Rows[3], "orgId", "required on create")
	mustProblem(t, p.Rows[4], "orgId", "your own user")

	w, err = Fetch(ctx, sandboxClient(t, sb, "lo.denver"))
	if err != nil {
		t.Fatal(err)
	}
	p = Build([]*importer.Record{rec(2, "id", "lp.denver", "title", "Chief")}, w, plan.Input{}, plan.Options{})
	mustProblem(t, p.Rows[0], "", "may not manage users")
}

// TestSandboxWireFidelity plans against each dialect what depends on the
// vendor's shapes: an organization path through numeric ids and a tree made
// from the flat list, --merge-personas over users read with entities=all
// (a summary read would lose the personas), loan folders and group names.
func TestSandboxWireFidelity(t *testing.T) { forEachDialect(t, testSandboxWireFidelity) }

func testSandboxWireFidelity(t *testing.T, dialect string) {
	sb, ctx := startSandbox(t, dialect)
	c := sandboxClient(t, sb, sandbox.BuiltinAdminID)
	// westadmin holds Administrator; give it a second persona first, so a
	// merge must keep two.
	if _, err := c.PatchUser(ctx, "westadmin", map[string]any{"personas": []encompass.EntityRef{
		{EntityID: sandbox.PersonaIDAdministrator}, {EntityID: sandbox.PersonaIDLoanOfficer}}}); err != nil {
		t.Fatal(err)
	}
	w, err := Fetch(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	recs := []*importer.Record{
		rec(2, "action", "update", "id", "westadmin", "personas", "Underwriter"),
		rec(3, "action", "move", "id", "lo.phoenix", "orgId", "Administration/Retail/West Region/Denver Branch"),
		rec(4, "action", "update", "id", "lp.denver", "workingFolder", "completed loans", "groups", "underwriting;All Users"),
		rec(5, "action", "update", "id", "lo.denver", "workingFolder", "Old Loans"),
		rec(6, "action", "update", "id", "lo.denver", "groups", "Closers"),
	}
	p := Build(recs, w, plan.Input{Path: "fidelity.csv"}, plan.Options{MergePersonas: true})
	for _, r := range p.Rows[:3] {
		if r.Status != plan.StatusPlanned {
			t.Fatalf("row %d: %s %+v", r.Row, r.Status, r.Problems)
		}
	}
	if m := p.Rows[1].Move; m == nil || m.TargetOrgID != sandbox.OrgDenverBranch || m.SourceOrgID != sandbox.OrgPhoenixBranch {
		t.Errorf("move %+v, want %s -> %s", m, sandbox.OrgPhoenixBranch, sandbox.OrgDenverBranch)
	}
	mustProblem(t, p.Rows[3], "workingFolder", `no loan folder "Old Loans"`, `"My Pipeline"`)
	mustProblem(t, p.Rows[4], "groups", `unknown group "Closers"`, "Denver Team (id 2)", "Underwriting (id 3)")
	for _, r := range p.Rows[:3] {
		if r.Patch != nil {
			if _, err := c.PatchUser(ctx, r.ID, r.Patch.Body); err != nil {
				t.Fatalf("patch %s: %v", r.ID, err)
			}
		}
	}
	for _, m := range p.Moves {
		if _, err := c.MoveUsers(ctx, m.SourceOrgID, m.TargetOrgID, m.UserIDs); err != nil {
			t.Fatal(err)
		}
	}
	wa, _ := sb.Server.User("westadmin")
	var ids []string
	for _, r := range wa.Personas {
		ids = append(ids, r.EntityID)
	}
	if want := []string{sandbox.PersonaIDAdministrator, sandbox.PersonaIDLoanOfficer, sandbox.PersonaIDUnderwriter}; !slices.Equal(ids, want) {
		t.Errorf("westadmin personas %v after --merge-personas, want %v (every existing persona kept)", ids, want)
	}
	lp, _ := sb.Server.User("lp.denver")
	var groups []string
	for _, g := range lp.Groups {
		groups = append(groups, g.EntityID)
	}
	slices.Sort(groups)
	if lp.WorkingFolder != "Completed Loans" || !slices.Equal(groups, []string{"1", "3"}) {
		t.Errorf("lp.denver: folder %q groups %v", lp.WorkingFolder, groups)
	}
	w, err = Fetch(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Build(recs[:3], w, plan.Input{Path: "fidelity.csv"}, plan.Options{MergePersonas: true}).Rows {
		if r.Status != plan.StatusUnchanged {
			t.Errorf("row %d after apply: %s %+v %+v", r.Row, r.Status, r.Patch, r.Problems)
		}
	}
}

// TestSandboxProtectsAccounts plans against the sandbox what would lock an
// account out: the caller disabling, locking or moving itself, or a file
// disabling both super administrators (admin and it.admin); and a disable
// row whose comment and organization are applied too.
func TestSandboxProtectsAccounts(t *testing.T) { forEachDialect(t, testSandboxProtectsAccounts) }

func testSandboxProtectsAccounts(t *testing.T, dialect string) {
	sb, ctx := startSandbox(t, dialect)
	c := sandboxClient(t, sb, sandbox.BuiltinAdminID)
	w, err := Fetch(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	p := Build([]*importer.Record{
		rec(2, "action", "disable", "id", sandbox.BuiltinAdminID, "comments", "gone"),
		rec(3, "action", "update", "id", sandbox.BuiltinAdminID, "loginEnabled", "false"),
		rec(4, "action", "update", "id", "it.admin", "personas", "Loan Officer"),
		rec(5, "action", "disable", "id", "lo.dmiller", "comments", "Left 2025-06-30", "title", "Former Loan Officer", "orgId", "Wholesale"),
	}, w, plan.Input{}, plan.Options{})
	mustProblem(t, p.Rows[0], "action", `your own user "admin"`, "run it as another administrator")
	mustProblem(t, p.Rows[1], "loginEnabled", "lock", "your own user")
	if r := p.Rows[2]; r.Status != plan.StatusPlanned {
		t.Errorf("it.admin loses its persona while admin stays: %s %+v", r.Status, r.Problems)
	}
	r := p.Rows[3]
	if r.Status != plan.StatusPlanned || r.Outcome != plan.StatusDisabled || r.Patch == nil || len(r.Patch.Changes) != 3 || r.Move == nil {
		t.Fatalf("disable with comment and organization: %s %+v %+v", r.Status, r.Patch, r.Problems)
	}
	if _, err := c.PatchUser(ctx, r.ID, r.Patch.Body); err != nil {
		t.Fatal(err)
	}
	m := p.Moves[r.Move.Call]
	if _, err := c.MoveUsers(ctx, m.SourceOrgID, m.TargetOrgID, m.UserIDs); err != nil {
		t.Fatal(err)
	}
	u, _ := sb.Server.User("lo.dmiller")
	if u.AccountEnabled == nil || *u.AccountEnabled || u.Comments != "Left 2025-06-30" || u.Title != "Former Loan Officer" || u.Organization.EntityID != sandbox.OrgWholesale {
		t.Errorf("lo.dmiller after apply: enabled %v comments %q title %q org %+v", u.AccountEnabled, u.Comments, u.Title, u.Organization)
	}
	if w, err = Fetch(ctx, c); err != nil {
		t.Fatal(err)
	}
	if r := Build([]*importer.Record{rec(5, "action", "disable", "id", "lo.dmiller", "comments", "Left 2025-06-30", "title", "Former Loan Officer", "orgId", "Wholesale")},
		w, plan.Input{}, plan.Options{}).Rows[0]; r.Status != plan.StatusUnchanged {
		t.Errorf("planned again: %s %+v %+v", r.Status, r.Patch, r.Problems)
	}

	// api.partner, an Administrator of the root organization, sees both
	// super administrators: the row that would disable the second is refused.
	w, err = Fetch(ctx, sandboxClient(t, sb, "api.partner"))
	if err != nil {
		t.Fatal(err)
	}
	p = Build([]*importer.Record{
		rec(2, "action", "disable", "id", "it.admin"),
		rec(3, "action", "disable", "id", sandbox.BuiltinAdminID),
	}, w, plan.Input{}, plan.Options{})
	if r := p.Rows[0]; r.Status != plan.StatusPlanned {
		t.Errorf("disable it.admin: %s %+v", r.Status, r.Problems)
	}
	mustProblem(t, p.Rows[1], "action", `the user "admin"`, "last enabled super administrator", "once the rows above are applied")
	if st := sb.Server.Stats(); st.Patches != 1 || st.Moves != 1 || st.Creates != 0 {
		t.Errorf("writes: %d patches, %d moves, %d creates; want only the test's own", st.Patches, st.Moves, st.Creates)
	}
}

// noTotal serves sb through a proxy that hides X-Total-Count, so that
// ListUsers walks one page at a time.
func noTotal(t *testing.T, sb *sandbox.Running) string {
	t.Helper()
	u, err := url.Parse(sb.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(r *http.Response) error {
		r.Header.Del(apiclient.HeaderTotalCount)
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestSandboxParallelFetchPlansAsSequential: the pages asked together, and
// the users not in the file kept slim, give the very plan the sequential
// fetch of whole users gives, in both dialects, for a world of many pages
// and a file touching some of its users (updates, moves, disables, groups
// named by users not in the file, creates).
func TestSandboxParallelFetchPlansAsSequential(t *testing.T) {
	forEachDialect(t, testSandboxParallelFetchPlansAsSequential)
}

func testSandboxParallelFetchPlansAsSequential(t *testing.T, dialect string) {
	w := sandbox.DefaultWorld()
	on := true
	for i := range 230 {
		org := []string{sandbox.OrgDenverBranch, sandbox.OrgPhoenixBranch, sandbox.OrgBostonBranch}[i%3]
		w.Users = append(w.Users, encompass.User{
			ID: fmt.Sprintf("many.%03d", i), FirstName: "Many", LastName: fmt.Sprint(i), Email: fmt.Sprintf("many%d@example.com", i),
			Password: sandbox.DefaultPassword, WorkingFolder: "My Pipeline", Organization: &encompass.EntityRef{EntityID: org},
			Personas: []encompass.EntityRef{{EntityID: sandbox.PersonaIDLoanOfficer}}, AccountEnabled: &on, LoginEnabled: &on,
			Title: "Loan Officer", Licenses: []encompass.License{{State: "CO", Selected: true, License: fmt.Sprint(i)}},
		})
	}
	sb, err := sandbox.Start(sandbox.Options{Dialect: dialect, World: w, ConcurrencyLimit: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)

	recs := func() []*importer.Record {
		return []*importer.Record{
			rec(2, "id", "many.001", "title", "Branch Manager", "licenses", "CO;UT"),
			rec(3, "id", "many.002", "firstName", "Renamed", "orgId", "Boston Branch"),
			rec(4, "action", "move", "id", "many.100", "orgId", "Denver Branch"),
			rec(5, "action", "disable", "id", "many.200"),
			rec(6, "id", "lo.denver", "cellPhone", "<clear>", "personas", "Loan Processor"),
			rec(7, "id", "itest.new", "firstName", "Ida", "lastName", "Test", "email", "ida@example.com",
				"password", "Welcome-123", "workingFolder", "My Pipeline", "personas", "Loan Officer", "orgId", "Denver Branch"),
			rec(8, "id", "MANY.229", "email", "new229@example.com"),
			rec(9, "action", "update", "id", "nobody.here", "title", "X"),
		}
	}
	ids := map[string]bool{}
	for _, r := range recs() {
		ids[strings.ToLower(r.Get(importer.ColID))] = true
	}
	parallel, err := apiclient.New(sb.URL, sandbox.Login(sandbox.BuiltinAdminID), apiclient.WithPageSize(10), apiclient.WithConcurrency(8))
	if err != nil {
		t.Fatal(err)
	}
	sequential, err := apiclient.New(noTotal(t, sb), sandbox.Login(sandbox.BuiltinAdminID), apiclient.WithPageSize(10))
	if err != nil {
		t.Fatal(err)
	}
	wp, err := FetchFor(ctx, parallel, func(id string) bool { return ids[strings.ToLower(id)] })
	if err != nil {
		t.Fatal(err)
	}
	ws, err := Fetch(ctx, sequential)
	if err != nil {
		t.Fatal(err)
	}
	if len(wp.Users) != len(ws.Users) || len(ws.Users) != len(sb.Server.Users()) {
		t.Fatalf("users: parallel %d, sequential %d, server %d", len(wp.Users), len(ws.Users), len(sb.Server.Users()))
	}
	if wp.Reads.UserPages >= ws.Reads.UserPages {
		t.Errorf("pages: parallel %d, sequential %d; the total saves the final empty page", wp.Reads.UserPages, ws.Reads.UserPages)
	}
	if u := wp.Users["many.050"]; u == nil || u.Email != "" || u.Licenses != nil || u.Organization == nil || u.LastName != "50" {
		t.Errorf("a user not in the file is kept as %+v, want it slim", u)
	}
	if u := wp.User("Many.001"); u == nil || u.FirstName != "Many" || len(u.Licenses) == 0 {
		t.Errorf("a user of the file is kept as %+v, want it whole", u)
	}
	if u := wp.User("many.050"); u == nil || u.Licenses != nil {
		t.Errorf("User of one not in the file = %+v, want it slim", u)
	}
	if u := wp.Users["many.001"]; u == nil || u.Licenses != nil || u.LastName != "1" {
		t.Errorf("Users holds a user of the file as %+v, want it slim (whole: User)", u)
	}
	in := plan.Input{Path: "itest.csv"}
	same(t, "plan", Build(recs(), wp, in, plan.Options{MoveBatchSize: 100}), Build(recs(), ws, in, plan.Options{MoveBatchSize: 100}))
	// --sync over Phoenix Branch: the users not in the file, named, to
	// disable (a high threshold so the plan is not refused).
	syncOpts := plan.Options{MoveBatchSize: 100, Sync: &plan.SyncOptions{Scopes: []string{"Phoenix Branch"}, MaxDisable: "100%"}}
	var feed []*importer.Record
	for i := 1; i < 230; i += 3 {
		if i%9 != 1 { // some of Phoenix Branch's users are left out of the feed
			feed = append(feed, rec(len(feed)+2, "id", fmt.Sprintf("many.%03d", i)))
		}
	}
	copyFeed := func() []*importer.Record { return slices.Clone(feed) }
	sp := Build(copyFeed(), wp, in, syncOpts)
	if sp.Sync == nil || sp.Sync.Disable == 0 {
		t.Fatalf("sync plan %+v: nothing to disable", sp.Sync)
	}
	same(t, "sync plan", sp, Build(copyFeed(), ws, in, syncOpts))
}

// same fails t unless the two plans save the same (their reads apart).
func same(t *testing.T, what string, pp, ps *plan.Plan) {
	t.Helper()
	pp.Reads, ps.Reads = plan.ReadStats{}, plan.ReadStats{}
	var bp, bs bytes.Buffer
	if err := plan.Save(&bp, pp); err != nil {
		t.Fatal(err)
	}
	if err := plan.Save(&bs, ps); err != nil {
		t.Fatal(err)
	}
	if bp.String() != bs.String() {
		t.Errorf("%ss differ:\nparallel:   %s\nsequential: %s", what, bp.String(), bs.String())
	}
	if s := pp.Summary(); what == "plan" && (s.Create != 1 || s.Update < 3 || s.Move < 1 || s.Disable != 1) {
		t.Errorf("summary %+v: the file's rows are not planned as meant", s)
	}
}

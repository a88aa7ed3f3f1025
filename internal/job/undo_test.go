package job

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/runrec"
)

const secretPassword = "Xyzzy-Secret-99"

func bp(b bool) *bool { return &b }

// richWorld is the default world with every column of the template in use
// somewhere: middle names, suffixes, fax, employee and CHUM ids, an id with
// leading zeros, a ccSite, free text with a formula and a line break, the
// booleans and loan access away from their defaults, another working
// folder, a user with two personas and one in three groups.
func richWorld() *sandbox.World {
	w := sandbox.DefaultWorld()
	for i := range w.Users {
		u := &w.Users[i]
		switch u.ID {
		case "lo.denver":
			u.MiddleName, u.Suffix, u.Fax, u.EmployeeID, u.ChumID = "Q", "Jr.", "303-555-0199", "00123", "C-9"
			u.CCSite = &encompass.CCSite{SiteID: "site-42"}
			u.Comments, u.EmailSignature = "=SUM(A1) stays data", "Dana Lopez\nLoan Officer"
			u.RequirePasswordChange = bp(true)
			u.PeerLoanAccess, u.SubordinateLoanAccess = encompass.LoanAccessReadWrite, encompass.LoanAccessReadWrite
			u.Password = secretPassword
		case "lo.kwhite":
			u.WorkingFolder = "Prospects"
			u.LoginEnabled = bp(false)
			u.PeerLoanAccess = encompass.LoanAccessReadOnly
		case "uw.denver":
			u.IsSSOOnly, u.Password = bp(true), ""
		}
	}
	w.Users = append(w.Users, encompass.User{ID: "0042", FirstName: "Zed", LastName: "Zero", Email: "zed.zero@sandbox.example.com",
		Password: secretPassword, WorkingFolder: "My Pipeline", Organization: &encompass.EntityRef{EntityID: sandbox.OrgPhoenixBranch},
		Personas: []encompass.EntityRef{{EntityID: sandbox.PersonaIDLoanOfficer}, {EntityID: sandbox.PersonaIDUnderwriter}},
		Groups:   []encompass.EntityRef{{EntityID: "1"}, {EntityID: "2"}, {EntityID: "3"}}, NMLSExpirationDate: "2030-01-15",
		Licenses: []encompass.License{{State: "AZ", Selected: true}, {State: "CA", Selected: true}}})
	return w
}

// bigWorld is the default world and n generated users spread over the
// branches, each with a persona, groups and licenses.
func bigWorld(n int) *sandbox.World {
	w := sandbox.DefaultWorld()
	orgs := []string{sandbox.OrgDenverBranch, sandbox.OrgPhoenixBranch, sandbox.OrgBostonBranch, sandbox.OrgWholesale, sandbox.OrgEastRegion}
	for i := range n {
		w.Users = append(w.Users, encompass.User{ID: fmt.Sprintf("gen.%05d", i), FirstName: "Gen", LastName: fmt.Sprintf("User %d", i),
			Email: fmt.Sprintf("gen.%05d@sandbox.example.com", i), Password: secretPassword, WorkingFolder: "My Pipeline",
			Title: "Loan Officer", Phone: "303-555-0100", NMLSOriginatorID: fmt.Sprint(200000 + i), NMLSExpirationDate: "2028-03-31",
			Organization: &encompass.EntityRef{EntityID: orgs[i%len(orgs)]},
			Personas:     []encompass.EntityRef{{EntityID: sandbox.PersonaIDLoanOfficer}},
			Groups:       []encompass.EntityRef{{EntityID: "1"}},
			Licenses:     []encompass.License{{State: "CO", Selected: true}, {State: "TX", Selected: true}}})
	}
	return w
}

// remote serves w in dialect on loopback (behind wrap, when given) and
// returns a Config that reaches it as admin, with a state directory.
func remote(t *testing.T, w *sandbox.World, dialect string, wrap func(http.Handler) http.Handler) (Config, *sandbox.Server, string) {
	t.Helper()
	srv, err := sandbox.New(sandbox.Options{World: w, Dialect: dialect})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(srv)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	dir := t.TempDir()
	return Config{
		Target: Target{APIURL: ts.URL, InstanceID: sandbox.DefaultInstanceID, ClientID: sandbox.DefaultClientID,
			ClientSecret: sandbox.DefaultClientSecret, Username: sandbox.BuiltinAdminID, Password: sandbox.DefaultPassword},
		StateDir: filepath.Join(dir, "state"),
		Planner:  plan.Options{DefaultAction: encompass.ActionUpsert, MoveBatchSize: 100},
		NoReport: true,
	}, srv, dir
}

func planFile(t *testing.T, cfg Config, path string) *plan.Plan {
	t.Helper()
	cfg.Input = path
	res, err := Plan(context.Background(), cfg, Env{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Plan
}

// assertUnchanged fails unless every row of p is unchanged (no problem,
// no step, no move call) and there are want rows.
func assertUnchanged(t *testing.T, p *plan.Plan, want int) {
	t.Helper()
	if len(p.Rows) != want {
		t.Errorf("%d rows planned, want %d", len(p.Rows), want)
	}
	for _, r := range p.Rows {
		if r.Status != plan.StatusUnchanged || r.Create != nil || r.Patch != nil || r.Move != nil || len(r.Problems) != 0 {
			t.Errorf("row %d (%s): %s %+v %+v problems %v", r.Row, r.ID, r.Status, r.Patch, r.Move, r.Problems)
		}
	}
	if len(p.Moves) != 0 {
		t.Errorf("move calls planned: %+v", p.Moves)
	}
}

func enabledCount(us []encompass.User) int {
	n := 0
	for _, u := range us {
		if u.AccountEnabled == nil || *u.AccountEnabled {
			n++
		}
	}
	return n
}

// Export then plan of the exported file: every row unchanged, no call
// planned, in each format the importer reads and each dialect; editing one
// cell plans exactly that change, a folder in another case none.
func TestExportPlanRoundTrip(t *testing.T) {
	for _, dialect := range sandbox.Dialects {
		t.Run(dialect, func(t *testing.T) {
			cfg, srv, dir := remote(t, richWorld(), dialect, nil)
			all := srv.Users()
			for _, tc := range []struct {
				name     string
				disabled bool
			}{{"users.xlsx", false}, {"all.xlsx", true}, {"users.csv", false}, {"all.csv", true}} {
				out := filepath.Join(dir, tc.name)
				res, err := Export(context.Background(), cfg, Env{}, ExportOptions{Out: out, IncludeDisabled: tc.disabled})
				if err != nil {
					t.Fatal(err)
				}
				want := enabledCount(all)
				if tc.disabled {
					want = len(all)
				}
				if res.Users != want || res.Users+res.Skipped != len(all) {
					t.Errorf("%s: %d users written, %d skipped; want %d of %d", tc.name, res.Users, res.Skipped, want, len(all))
				}
				assertUnchanged(t, planFile(t, cfg, out), want)
				assertNoSecret(t, out)
			}

			// One edited cell: exactly that change.
			path := filepath.Join(dir, "all.csv")
			rows := readCSV(t, path)
			col := func(name string) int {
				for i, h := range rows[0] {
					if h == name {
						return i
					}
				}
				t.Fatalf("no column %s", name)
				return -1
			}
			for _, r := range rows[1:] {
				switch r[col("id")] {
				case "lo.denver":
					r[col("title")] = "Branch Lead"
				case "lo.kwhite":
					r[col("workingFolder")] = "PROSPECTS" // any case: the server's spelling is kept
				}
			}
			edited := filepath.Join(dir, "edited.csv")
			writeCSVFile(t, edited, rows)
			p := planFile(t, cfg, edited)
			var planned []plan.Row
			for _, r := range p.Rows {
				if r.Status != plan.StatusUnchanged {
					planned = append(planned, r)
				}
			}
			if len(planned) != 1 || planned[0].ID != "lo.denver" || planned[0].Move != nil || planned[0].Patch == nil ||
				!reflect.DeepEqual(planned[0].Patch.Changes, []plan.Change{{Field: "title", Before: `"Loan Officer"`, After: `"Branch Lead"`}}) ||
				len(planned[0].Patch.Body) != 1 {
				t.Fatalf("edited title: %+v", planned)
			}
		})
	}
}

// The workbook is the template's: notes on the headers, the drop-downs,
// ids as text, the NMLS date a date cell, and the Instructions sheet.
func TestExportWorkbookShape(t *testing.T) {
	cfg, _, dir := remote(t, richWorld(), sandbox.DialectVendor, nil)
	out := filepath.Join(dir, "users.xlsx")
	if _, err := Export(context.Background(), cfg, Env{}, ExportOptions{Out: out}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{"Users", "Instructions"}) {
		t.Fatalf("sheets %v", got)
	}
	comments, _ := f.GetComments("Users")
	dvs, _ := f.GetDataValidations("Users")
	panes, _ := f.GetPanes("Users")
	if len(comments) != int(importer.NumColumns) || len(dvs) != 9 || !panes.Freeze {
		t.Errorf("%d notes, %d drop-downs, panes %+v", len(comments), len(dvs), panes)
	}
	rows, _ := f.GetRows("Users", excelize.Options{RawCellValue: true})
	var zero []string
	for _, r := range rows {
		if len(r) > 1 && r[1] == "0042" {
			zero = r
		}
	}
	if zero == nil {
		t.Fatal("the id 0042 lost its zeros")
	}
	idCell, _ := excelize.CoordinatesToCellName(2, 2)
	if typ, _ := f.GetCellType("Users", idCell); typ != excelize.CellTypeInlineString {
		t.Errorf("id cell type %v, want text", typ)
	}
	dateCol := int(importer.ColNMLSExpirationDate)
	if zero[dateCol] != "47498" { // 2030-01-15 as an Excel serial: a date cell
		t.Errorf("nmlsExpirationDate raw %q, want the date serial 47498", zero[dateCol])
	}
	if zero[importer.ColPersonas] != "Loan Officer;Underwriter" || zero[importer.ColGroups] != "All Users;Denver Team;Underwriting" ||
		zero[importer.ColLicenses] != "AZ;CA" || zero[importer.ColOrgID] != "Administration/Retail/West Region/Phoenix Branch" {
		t.Errorf("0042 row %q", zero)
	}
}

// An export of 5,000 users streams: the heap grows by a bounded amount
// (excelize keeps at most 16 MB of sheet XML before it spills to a
// temporary file; the workbook is zipped straight into the file), and the
// round trip holds at that size. Under the race detector only the xlsx
// round trip runs, unmeasured.
func TestExport5000UsersBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("5,000 users")
	}
	cfg, _, dir := remote(t, bigWorld(5000), sandbox.DialectVendor, nil)
	names := []string{"big.xlsx", "big.csv"}
	if raceEnabled {
		names = names[:1] // the round trip only: the detector's cost is no memory figure
	}
	for _, name := range names {
		out := filepath.Join(dir, name)
		peak, res := measureHeap(t, func() *Exported {
			res, err := Export(context.Background(), cfg, Env{}, ExportOptions{Out: out})
			if err != nil {
				t.Fatal(err)
			}
			return res
		})
		fi, _ := os.Stat(out)
		t.Logf("%s: %d users, %d pages, %d bytes; heap peak above the start %.1f MB", name, res.Users, res.Pages, fi.Size(), float64(peak)/(1<<20))
		if res.Users < 5000 {
			t.Fatalf("%d users exported", res.Users)
		}
		// Loose: the users alone, held, would take more than this (the
		// sandbox's copy of them does), and the bound does not depend on n.
		if peak > 48<<20 && !raceEnabled {
			t.Errorf("%s: heap grew by %d MB during the export", name, peak>>20)
		}
		if name == "big.xlsx" {
			assertUnchanged(t, planFile(t, cfg, out), res.Users)
		}
	}
}

// measureHeap runs f while sampling the heap, and returns the peak of
// HeapInuse above its value before f.
func measureHeap[T any](t *testing.T, f func() T) (uint64, T) {
	t.Helper()
	// A low GC target keeps the heap near what is live, so the peak
	// measures what the export holds rather than the collector's pacing.
	if !raceEnabled {
		defer debug.SetGCPercent(debug.SetGCPercent(10))
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > base && m.HeapInuse-base > peak.Load() {
				peak.Store(m.HeapInuse - base)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	v := f()
	close(stop)
	wg.Wait()
	return peak.Load(), v
}

func assertNoSecret(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{string(b)}
	if strings.HasSuffix(path, ".xlsx") {
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			rc, _ := f.Open()
			x, _ := io.ReadAll(rc)
			rc.Close()
			texts = append(texts, string(x))
		}
	}
	for _, s := range texts {
		if strings.Contains(s, secretPassword) {
			t.Fatalf("%s holds a password", path)
		}
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func writeCSVFile(t *testing.T, path string, rows [][]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// The export never replaces a file without --force, and never an input
// of a recorded run; --org and --persona narrow it.
func TestExportRefusesAndFilters(t *testing.T) {
	cfg, _, dir := remote(t, richWorld(), sandbox.DialectVendor, nil)
	ctx := context.Background()
	out := filepath.Join(dir, "west.csv")
	res, err := Export(ctx, cfg, Env{}, ExportOptions{Out: out, Org: "West Region"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range readCSV(t, out)[1:] {
		if !strings.HasPrefix(r[importer.ColOrgID], "Administration/Retail/West Region") {
			t.Errorf("--org West Region exported %s in %s", r[importer.ColID], r[importer.ColOrgID])
		}
	}
	if _, err := Export(ctx, cfg, Env{}, ExportOptions{Out: out}); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("an existing file: %v", err)
	}
	if _, err := Export(ctx, cfg, Env{}, ExportOptions{Out: out, Persona: "Underwriter", Force: true}); err != nil {
		t.Fatal(err)
	}
	for _, r := range readCSV(t, out)[1:] {
		if !strings.Contains(r[importer.ColPersonas], "Underwriter") {
			t.Errorf("--persona Underwriter exported %s (%s)", r[importer.ColID], r[importer.ColPersonas])
		}
	}
	if res.Users == 0 {
		t.Fatal("nothing in West Region")
	}
	// A run made from the file: the file is refused even with --force.
	in := filepath.Join(dir, "titles.csv")
	writeCSVFile(t, in, [][]string{{"id", "title"}, {"lo.west", "Area Lead"}})
	cfg.Input = in
	if _, err := Apply(ctx, cfg, Env{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Export(ctx, cfg, Env{}, ExportOptions{Out: in, Force: true}); err == nil || !strings.Contains(err.Error(), "input of run") {
		t.Fatalf("over a run's input: %v", err)
	}
}

// updates changes every kind of field, disables and enables, and creates.
const updates = `action,id,title,phone,personas,groups,licenses,ccSiteId,nmlsExpirationDate,peerLoanAccess,requirePasswordChange,comments,workingFolder,firstName,lastName,email,password,orgId
update,lo.denver,Branch Lead,303-555-0777,Loan Officer;Underwriter,All Users,CO;NM,site-77,2029-02-28,ReadOnly,false,<clear>,Prospects,,,,,
update,lo.kwhite,,,,,,,,,,,My Pipeline,,,,,
upsert,0042,Senior LO,,Loan Officer,All Users;Denver Team,AZ,,,,,,,,,,,
disable,lo.east,,,,,,,,,,,,,,,,
disable,lp.west,,,,,,,,,,,,,,,,
enable,lo.former,,,,,,,,,,,,,,,,
create,new.hire,Loan Officer,,Loan Officer,,,,,,,,My Pipeline,New,Hire,new.hire@example.com,Str0ng-Passw0rd!,Denver Branch
`

func applyFile(t *testing.T, cfg Config, path string) *Applied {
	t.Helper()
	cfg.Input = path
	res, err := Apply(context.Background(), cfg, Env{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Unfinished() != 0 {
		t.Fatalf("%s: %d rows unfinished: %+v", path, res.Unfinished(), res.Run.Rows)
	}
	if res.RunID == "" {
		t.Fatalf("%s: no run recorded", path)
	}
	return res
}

func revert(t *testing.T, cfg Config, id string, apply bool) *plan.Plan {
	t.Helper()
	cfg.Revert = id
	if !apply {
		res, err := Plan(context.Background(), cfg, Env{})
		if err != nil {
			t.Fatal(err)
		}
		return res.Plan
	}
	res, err := Apply(context.Background(), cfg, Env{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Plan
}

// diffUsers lists the fields that differ between two snapshots.
func diffUsers(before, after []encompass.User, skip map[string]bool) []string {
	var out []string
	byID := map[string]encompass.User{}
	for _, u := range after {
		byID[u.ID] = u
	}
	for _, b := range before {
		a, ok := byID[b.ID]
		if !ok {
			out = append(out, b.ID+": gone")
			continue
		}
		bv, av := reflect.ValueOf(b), reflect.ValueOf(a)
		for i := range bv.NumField() {
			f := bv.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if !reflect.DeepEqual(bv.Field(i).Interface(), av.Field(i).Interface()) {
				x, _ := json.Marshal(bv.Field(i).Interface())
				y, _ := json.Marshal(av.Field(i).Interface())
				out = append(out, fmt.Sprintf("%s.%s: %s, now %s", b.ID, f.Name, x, y))
			}
		}
	}
	for _, a := range after {
		if !skip[a.ID] && !containsID(before, a.ID) {
			out = append(out, a.ID+": new")
		}
	}
	return out
}

func containsID(us []encompass.User, id string) bool {
	for _, u := range us {
		if u.ID == id {
			return true
		}
	}
	return false
}

// A reorganisation and a batch of updates, disables, an enable and a
// create, each reverted (newest first): every user is as before, field by
// field; the created user is disabled, and the plan says why.
func TestApplyThenRevertRestoresEveryField(t *testing.T) {
	for _, dialect := range sandbox.Dialects {
		t.Run(dialect, func(t *testing.T) {
			cfg, srv, dir := remote(t, richWorld(), dialect, nil)
			before := srv.Users()
			reorg := applyFile(t, cfg, filepath.Join("..", "..", "samples", "reorg.csv"))
			in := filepath.Join(dir, "updates.csv")
			if err := os.WriteFile(in, []byte(updates), 0o600); err != nil {
				t.Fatal(err)
			}
			upd := applyFile(t, cfg, in)

			recs, err := Runs(cfg)
			if err != nil || len(recs) != 2 || recs[0].ID != reorg.RunID || recs[1].ID != upd.RunID {
				t.Fatalf("runs %+v, %v", recs, err)
			}
			if recs[0].Counts[plan.StatusMoved] != 15 || recs[1].Target.InstanceID != sandbox.DefaultInstanceID || recs[1].Caller != "admin" || recs[1].State != runrec.StateFinished {
				t.Errorf("run records %+v", recs)
			}
			for _, f := range []string{runrec.FileRun, runrec.FilePlan, runrec.FileBefore, runrec.FileReport} {
				b, err := os.ReadFile(filepath.Join(runrec.Dir(cfg.StateDir), upd.RunID, f))
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(b), secretPassword) || strings.Contains(string(b), "Str0ng-Passw0rd!") {
					t.Fatalf("%s holds a password", f)
				}
			}

			p := revert(t, cfg, upd.RunID, false)
			var created *plan.Row
			for i, r := range p.Rows {
				if r.ID == "new.hire" {
					created = &p.Rows[i]
				}
			}
			if created == nil || created.Outcome != plan.StatusDisabled || !strings.Contains(p.Message(created), "cannot delete") {
				t.Fatalf("the created user's revert row: %+v", created)
			}
			revert(t, cfg, upd.RunID, true)
			p = revert(t, cfg, reorg.RunID, false)
			if s := p.Summary(); s.Move != 15 || s.MoveCalls != 4 || s.Invalid != 0 {
				t.Errorf("reorg revert: %+v", s)
			}
			revert(t, cfg, reorg.RunID, true)

			after := srv.Users()
			if d := diffUsers(before, after, map[string]bool{"new.hire": true}); len(d) > 0 {
				t.Errorf("not as before:\n%s", strings.Join(d, "\n"))
			}
			if u, ok := srv.User("new.hire"); !ok || u.AccountEnabled == nil || *u.AccountEnabled {
				t.Errorf("new.hire after the revert: %+v", u)
			}
			// Reverting again finds nothing to do.
			if s := revert(t, cfg, reorg.RunID, false).Summary(); s.Move != 0 || s.Invalid != 0 || s.Unchanged != 15 {
				t.Errorf("second revert: %+v", s)
			}
		})
	}
}

// A value someone changed after the run is not overwritten: the row is
// invalid and shows before, after the run, and now; the other rows are
// reverted.
func TestRevertRefusesWhatChangedSince(t *testing.T) {
	cfg, srv, dir := remote(t, richWorld(), sandbox.DialectVendor, nil)
	in := filepath.Join(dir, "updates.csv")
	if err := os.WriteFile(in, []byte(updates), 0o600); err != nil {
		t.Fatal(err)
	}
	upd := applyFile(t, cfg, in)

	// Someone retitles lo.denver after the run.
	ctx := context.Background()
	c, err := apiclient.New(cfg.Target.APIURL, sandbox.Login(sandbox.BuiltinAdminID))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PatchUser(ctx, "lo.denver", map[string]string{"title": "Area Manager"}); err != nil {
		t.Fatal(err)
	}
	p := revert(t, cfg, upd.RunID, false)
	for i, r := range p.Rows {
		switch r.ID {
		case "lo.denver":
			msg := p.Message(&p.Rows[i])
			if r.Status != plan.StatusInvalid || r.Patch != nil ||
				!strings.Contains(msg, `before the run "Loan Officer", after the run "Branch Lead", now "Area Manager"`) {
				t.Errorf("lo.denver: %s %q", r.Status, msg)
			}
		case "lo.east":
			if r.Status != plan.StatusPlanned || r.Outcome != plan.StatusEnabled {
				t.Errorf("lo.east: %s %s", r.Status, r.Outcome)
			}
		}
	}
	cfg.Revert = upd.RunID
	res, err := Apply(ctx, cfg, Env{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Unfinished() != 1 {
		t.Errorf("%d rows unfinished, want lo.denver's", res.Unfinished())
	}
	if u, _ := srv.User("lo.denver"); u.Title != "Area Manager" || u.Phone != "303-555-0777" {
		t.Errorf("lo.denver after the refused revert: title %q phone %q", u.Title, u.Phone)
	}
	if u, _ := srv.User("lo.east"); u.AccountEnabled == nil || !*u.AccountEnabled {
		t.Error("lo.east was not enabled again")
	}
}

// The run record is on disk, with the user's before-image, before the
// first write reaches the server.
func TestBeforeImageWrittenBeforeTheFirstWrite(t *testing.T) {
	var stateDir string
	var checked atomic.Int32
	var problem atomic.Value
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && strings.Contains(r.URL.Path, "/users") && checked.Add(1) == 1 {
				files, _ := filepath.Glob(filepath.Join(runrec.Dir(stateDir), "*", runrec.FileBefore))
				if len(files) != 1 {
					problem.Store(fmt.Sprintf("first write with %d before-images on disk", len(files)))
				} else if b, _ := os.ReadFile(files[0]); !strings.Contains(string(b), `"lo.west"`) {
					problem.Store("the first write came before lo.west's before-image: " + string(b))
				}
			}
			h.ServeHTTP(w, r)
		})
	}
	cfg, _, dir := remote(t, richWorld(), sandbox.DialectVendor, wrap)
	stateDir = cfg.StateDir
	in := filepath.Join(dir, "one.csv")
	writeCSVFile(t, in, [][]string{{"id", "title"}, {"lo.west", "Area Lead"}})
	applyFile(t, cfg, in)
	if checked.Load() == 0 {
		t.Fatal("no write seen")
	}
	if p := problem.Load(); p != nil {
		t.Fatal(p)
	}
}

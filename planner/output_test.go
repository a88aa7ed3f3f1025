package planner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/golden"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/report"
)

const secret = "Sup3r-S3cret-Pw!"

// mixedRecords exercises every kind of step and problem.
func mixedRecords() []*importer.Record {
	return []*importer.Record{
		validCreate("password", secret),
		rec(3, "id", "lo.denver", "title", "Branch Manager", "phone", "<clear>", "licenses", "CA", "orgId", "Phoenix Branch", "password", secret),
		rec(4, "action", "move", "id", "lo.phoenix", "orgId", "Denver Branch"),
		rec(5, "action", "enable", "id", "lp.denver"),
		rec(6, "action", "disable", "id", "uw.boston"),
		rec(7, "id", "westadmin", "firstName", "Wes"),
		rec(8, "action", "update", "id", "ghost", "email", "not-an-email"),
		rec(9, "id", "newbie", "orgId", "Nowhere", "personas", "Closer"),
	}
}

func mixedPlan() *plan.Plan {
	w := testWorld()
	w.Reads = plan.ReadStats{UserPages: 10, OrgCalls: 1, PersonaCalls: 1, OtherCalls: 1}
	p := Build(mixedRecords(), w, plan.Input{Path: "people.xlsx", SHA256: strings.Repeat("ab", 32), Sheet: "People"},
		plan.Options{ResetPasswords: true})
	p.Warnings = []importer.Problem{{File: "people.xlsx", Sheet: "People", Column: "Favourite Color", Message: "unknown column; it is ignored", Severity: importer.SeverityWarning}}
	return p
}

func TestWritePlanGolden(t *testing.T) {
	cases := []struct {
		name string
		plan func() *plan.Plan
	}{
		{"mixed.golden", mixedPlan},
		{"mixed.verbose.golden", mixedPlan},
		{"empty.golden", func() *plan.Plan { return Build(nil, testWorld(), plan.Input{Path: "empty.csv"}, plan.Options{}) }},
		{"offline.golden", func() *plan.Plan { return OfflinePlan(mixedRecords(), plan.Input{Path: "people.csv"}, plan.Options{}) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var a, b bytes.Buffer
			opts := plan.RenderOptions{Verbose: strings.Contains(tc.name, "verbose")}
			if err := plan.WritePlanWith(&a, tc.plan(), opts); err != nil {
				t.Fatal(err)
			}
			if err := plan.WritePlanWith(&b, tc.plan(), opts); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatal("output is not deterministic")
			}
			if strings.Contains(a.String(), secret) {
				t.Fatal("the plan output shows a password")
			}
			if !opts.Verbose {
				// For people: no digest, no organization ids, no call numbers.
				// (A problem may list candidates with their ids.)
				steps, _, _ := strings.Cut(a.String(), "\nProblems (")
				for _, tech := range []string{"sha256", "(id ", "move call", "Read calls", " calls)"} {
					if strings.Contains(steps, tech) {
						t.Errorf("the plan for people shows %q", tech)
					}
				}
			}
			golden.Check(t, tc.name, a.Bytes())
		})
	}
}

func TestSummaryAndCounts(t *testing.T) {
	p := mixedPlan()
	want := plan.Summary{Create: 1, Update: 1, Move: 2, Disable: 1, Enable: 1, Unchanged: 1, Invalid: 2, MoveCalls: 2,
		Reads: plan.ReadStats{UserPages: 10, OrgCalls: 1, PersonaCalls: 1, OtherCalls: 1}}
	if got := p.Summary(); got != want {
		t.Errorf("summary\n got %+v\nwant %+v", got, want)
	}
	wantCounts := map[plan.Status]int{plan.StatusPlanned: 5, plan.StatusUnchanged: 1, plan.StatusInvalid: 2, plan.StatusCreated: 1,
		plan.StatusUpdated: 1, plan.StatusMoved: 1, plan.StatusDisabled: 1, plan.StatusEnabled: 1}
	if got := p.Counts(); !reflect.DeepEqual(got, wantCounts) {
		t.Errorf("counts %v, want %v", got, wantCounts)
	}
}

func TestReportRows(t *testing.T) {
	mp := mixedPlan()
	rows := make([]report.Row, len(mp.Rows))
	for i := range mp.Rows {
		rows[i] = report.PlanRow(mp, &mp.Rows[i])
	}
	if len(rows) != 8 {
		t.Fatalf("%d rows", len(rows))
	}
	want := []struct {
		status plan.Status
		msg    string
	}{
		{plan.StatusPlanned, "create in Administration/Retail/West Region/Denver Branch (id 3)"},
		{plan.StatusPlanned, "change title, phone, licenses, password, then move from Administration/Retail/West Region/Denver Branch (id 3) to Administration/Retail/West Region/Phoenix Branch (id 4)"},
		{plan.StatusPlanned, "move from"},
		{plan.StatusPlanned, "change accountEnabled"},
		{plan.StatusPlanned, "change accountEnabled"},
		{plan.StatusUnchanged, ""},
		{plan.StatusInvalid, `email: "not-an-email" is not an email address; write it as name@example.com; id: no user "ghost" exists on the server; use create or upsert to add it`},
		{plan.StatusInvalid, "orgId: no organization is named \"Nowhere\""},
	}
	for i, w := range want {
		r := rows[i]
		if r.Status != w.status || !strings.Contains(r.Message, w.msg) || (w.msg == "" && r.Message != "") {
			t.Errorf("row %d: %s %q, want %s %q", i, r.Status, r.Message, w.status, w.msg)
		}
		if r.Sheet != "People" || r.Row != i+2 || strings.Contains(r.Message, secret) {
			t.Errorf("row %d: %+v", i, r)
		}
	}
	for _, c := range []string{"firstName: required", "personas: unknown persona \"Closer\"", "password: required"} {
		if !strings.Contains(rows[7].Message, c) {
			t.Errorf("row 9 message lacks %q: %s", c, rows[7].Message)
		}
	}
}

// withoutPeople is p without its rows' Person, as a plan file loads.
func withoutPeople(p *plan.Plan) *plan.Plan {
	cp := *p
	cp.Rows = append([]plan.Row(nil), p.Rows...)
	for i := range cp.Rows {
		cp.Rows[i].Person = nil
	}
	return &cp
}

func TestSaveLoad(t *testing.T) {
	p := mixedPlan()
	if p.Rows[0].Password != secret || p.Rows[1].Password != secret {
		t.Fatal("test setup: rows should carry the password in memory")
	}
	var buf bytes.Buffer
	if err := plan.Save(&buf, p); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), secret) || strings.Contains(buf.String(), `"password":`) {
		t.Fatalf("saved plan holds a password:\n%s", buf.String())
	}
	got, err := plan.Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Rows {
		p.Rows[i].Password = ""
	}
	// Compared as saved: a decoded user also remembers which entity lists
	// its JSON lacked (encompass.User.Missing), which a plan never uses.
	var saved, again bytes.Buffer
	_ = plan.Save(&saved, p)
	_ = plan.Save(&again, got)
	if saved.String() != again.String() {
		t.Errorf("round trip differs\n got %s\nwant %s", again.String(), saved.String())
	}
	var a, b bytes.Buffer
	_ = plan.WritePlan(&a, withoutPeople(p)) // names are not saved: the planner fills them again
	_ = plan.WritePlan(&b, got)
	if a.String() != b.String() {
		t.Error("a loaded plan prints differently")
	}

	for _, bad := range []string{`{"version": 99}`, `not json`, `{"version":1,"rows":[{"row":2,"move":{"call":3}}]}`} {
		if _, err := plan.Load(strings.NewReader(bad)); err == nil {
			t.Errorf("Load(%q) succeeded", bad)
		}
	}
}

// TestPlanFileFormat holds the plan file's format: testdata/mixed.plan.json
// (a row per line) is what Save writes, byte for byte; it and
// testdata/mixed.plan.indented.json (the whole file indented, as encimport
// wrote plans before rows were written one by one) load, print as the
// plan they were made from, and are written again as the first.
func TestPlanFileFormat(t *testing.T) {
	path := filepath.Join("testdata", "mixed.plan.json")
	p := mixedPlan()
	var now bytes.Buffer
	if err := plan.Save(&now, p); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "mixed.plan.json", now.Bytes())
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(want) {
		t.Fatalf("%s is not JSON", path)
	}
	for _, name := range []string{"mixed.plan.json", "mixed.plan.indented.json"} {
		t.Run(name, func(t *testing.T) {
			old, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			got, err := plan.Load(bytes.NewReader(old))
			if err != nil {
				t.Fatal(err)
			}
			var again bytes.Buffer
			_ = plan.Save(&again, got)
			if !bytes.Equal(again.Bytes(), want) {
				t.Errorf("a loaded plan file is saved differently\n got %s\nwant %s", again.Bytes(), want)
			}
			var a, b bytes.Buffer
			_ = plan.WritePlan(&a, withoutPeople(p)) // names are not saved: the planner fills them again
			_ = plan.WritePlan(&b, got)
			if a.String() != b.String() {
				t.Errorf("a loaded plan file prints differently\n got %s\nwant %s", b.String(), a.String())
			}
		})
	}
}

// fakeReader serves a world and counts the calls.
type fakeReader struct {
	users       []encompass.User
	pageSize    int
	mu          sync.Mutex // Fetch reads concurrently
	calls       map[string]int
	failPersona bool
}

func (f *fakeReader) count(k string) {
	f.mu.Lock()
	f.calls[k]++
	f.mu.Unlock()
}

func (f *fakeReader) GetUser(ctx context.Context, id string) (*encompass.User, *apiclient.Response, error) {
	f.count("me")
	return &encompass.User{ID: "admin", UserIndicators: []string{encompass.IndicatorSuperAdministrator}}, nil, nil
}

func (f *fakeReader) ListUsers(ctx context.Context, orgID string, fn func([]encompass.User) error) (int, error) {
	f.count("list from " + orgID)
	pages := 0
	for start := 0; start < len(f.users); start += f.pageSize {
		f.count("list")
		pages++
		if err := fn(f.users[start:min(start+f.pageSize, len(f.users))]); err != nil {
			return pages, err
		}
	}
	return pages, nil
}

func (f *fakeReader) Organizations(ctx context.Context) ([]encompass.Organization, int, error) {
	f.count("orgs")
	return flatten(testWorld().Root), 1, nil
}

func (f *fakeReader) LoanFolders(ctx context.Context) ([]encompass.LoanFolder, *apiclient.Response, error) {
	f.count("folders")
	return testWorld().LoanFolders, nil, nil
}

func (f *fakeReader) Personas(ctx context.Context) ([]encompass.Persona, *apiclient.Response, error) {
	f.count("personas")
	if f.failPersona {
		return nil, nil, errors.New("503 unavailable")
	}
	return testWorld().Personas, nil, nil
}

func TestFetch(t *testing.T) {
	f := &fakeReader{pageSize: 1000, calls: map[string]int{}}
	for i := range 10000 {
		f.users = append(f.users, encompass.User{ID: fmt.Sprintf("User%05d", i)})
	}
	w, err := Fetch(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if want := (plan.ReadStats{UserPages: 10, OrgCalls: 1, PersonaCalls: 1, OtherCalls: 2}); w.Reads != want || w.Reads.Total() != 14 {
		t.Errorf("reads %+v", w.Reads)
	}
	if !reflect.DeepEqual(f.calls, map[string]int{"me": 1, "list": 10, "list from 0": 1, "orgs": 1, "personas": 1, "folders": 1}) {
		t.Errorf("calls %v", f.calls)
	}
	if len(w.Users) != 10000 || w.Users["user09999"] == nil || w.Users["user09999"].ID != "User09999" {
		t.Errorf("%d users; lower-case key lookup failed", len(w.Users))
	}
	if got, want := newOrgIndex(w.Root).paths(), newOrgIndex(testWorld().Root).paths(); !reflect.DeepEqual(got, want) {
		t.Errorf("organization tree from the flat list: %v, want %v", got, want)
	}
	if w.Caller.ID != "admin" || len(w.Personas) != 6 || len(w.LoanFolders) != 4 {
		t.Errorf("caller %q, %d personas, %d loan folders", w.Caller.ID, len(w.Personas), len(w.LoanFolders))
	}

	f = &fakeReader{pageSize: 1000, calls: map[string]int{}, failPersona: true}
	if _, err := Fetch(context.Background(), f); err == nil || !strings.Contains(err.Error(), "reading personas: 503") {
		t.Errorf("err = %v", err)
	}
}

func TestOrgTree(t *testing.T) {
	ref := func(id string) *encompass.EntityRef {
		return &encompass.EntityRef{EntityID: id, EntityType: encompass.EntityTypeOrganization}
	}
	o := func(id, name string, parent *encompass.EntityRef) encompass.Organization {
		return encompass.Organization{ID: id, Name: name, ParentOrg: parent}
	}
	cases := []struct {
		name    string
		orgs    []encompass.Organization
		want    []string
		wantErr string
	}{
		{name: "children listed before their parents", orgs: []encompass.Organization{
			o("3", "Denver Branch", ref("2")), o("2", "West Region", ref("1")), o("0", "Administration", nil), o("1", "Retail", ref("0"))},
			want: []string{"0=Administration", "1=Administration/Retail", "2=Administration/Retail/West Region", "3=Administration/Retail/West Region/Denver Branch"}},
		{name: "root with an empty parent reference and a repeated page entry", orgs: []encompass.Organization{
			o("0", "Administration", &encompass.EntityRef{}), o("7", "Wholesale", ref("0")), o("7", "Wholesale", ref("0"))},
			want: []string{"0=Administration", "7=Administration/Wholesale"}},
		{name: "user references are not organizations", orgs: []encompass.Organization{
			o("0", "Administration", nil), {ID: "admin", Name: "Ada Admin", EntityType: "User", ParentOrg: ref("0")}},
			want: []string{"0=Administration"}},
		{name: "two roots", orgs: []encompass.Organization{o("0", "Administration", nil), o("9", "Other", ref("42"))},
			wantErr: "2 top organizations (Administration (id 0), Other (id 9))"},
		{name: "a cycle beside the root", orgs: []encompass.Organization{o("0", "Administration", nil), o("1", "A", ref("2")), o("2", "B", ref("1"))},
			wantErr: "2 organizations are not under the root"},
		{name: "nothing", wantErr: "no organizations"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root, err := OrgTree(tc.orgs)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := newOrgIndex(root).paths(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("paths %v, want %v", got, tc.want)
			}
		})
	}
}

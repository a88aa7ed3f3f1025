package planner

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

// syncWorld is testWorld with a super administrator, an API user and a
// few more people, so a branch scope has something to sync:
//
//	Administration (0): admin (caller, super), it.admin (super)
//	West Region (2): westadmin
//	Denver Branch (3): lo.denver, lp.denver (disabled), api.pricing (API user), d1…d6
//	Phoenix Branch (4): lo.phoenix
//	Boston Branch (6): uw.boston
func syncWorld() *World {
	w := testWorld()
	t := true
	add := func(u encompass.User) { w.Users[strings.ToLower(u.ID)] = &u }
	add(encompass.User{ID: "it.admin", FirstName: "Irene", LastName: "Tate", Organization: orgRef("0"),
		Personas: []encompass.EntityRef{ref("1", "Super Administrator")}})
	add(encompass.User{ID: "api.pricing", FirstName: "Pricing", LastName: "Engine", Organization: orgRef("3"), APIUser: &t, OAuthClientID: "c1"})
	for i := 1; i <= 6; i++ {
		add(encompass.User{ID: fmt.Sprintf("d%d", i), FirstName: "Den", LastName: fmt.Sprint(i), Organization: orgRef("3")})
	}
	return w
}

// feed is one row per id (action empty: upsert, nothing to change).
func feed(ids ...string) []*importer.Record {
	recs := make([]*importer.Record, len(ids))
	for i, id := range ids {
		recs[i] = rec(i+2, "id", id)
	}
	return recs
}

func syncOpts(max string, protect []string, scopes ...string) plan.Options {
	return plan.Options{Sync: &plan.SyncOptions{Scopes: scopes, Protect: protect, MaxDisable: max}}
}

func notInFile(p *plan.Plan) []string {
	var ids []string
	for _, r := range p.Rows[plan.FileRows(p.Rows):] {
		ids = append(ids, r.ID)
	}
	return ids
}

func leftAlone(p *plan.Plan) map[string]string {
	m := map[string]string{}
	for _, l := range p.Sync.LeftAlone {
		m[l.ID] = l.Reason
	}
	return m
}

// The enabled users of the scope the file does not name are disable rows
// of their own after the file's; the disabled user, the users out of scope,
// the caller, super administrators, API users and protected ids are not.
func TestSyncDisablesTheUsersNotInTheFile(t *testing.T) {
	w := syncWorld()
	recs := feed("lo.denver", "d1", "d2", "d3", "d4", "lo.phoenix")
	p := Build(recs, w, plan.Input{Path: "hr.csv"}, syncOpts("", []string{"D4", "westadmin"}, "Retail/West Region"))
	if err := p.Refusal(); err != nil {
		t.Fatal(err)
	}
	if plan.FileRows(p.Rows) != len(recs) {
		t.Fatalf("%d file rows, want %d", plan.FileRows(p.Rows), len(recs))
	}
	if got := notInFile(p); !slices.Equal(got, []string{"d5", "d6"}) {
		t.Fatalf("not in file %v, want d5 d6", got)
	}
	for _, r := range p.Rows[len(recs):] {
		if r.Sheet != plan.SheetNotInFile || r.Row != 0 || r.Action != encompass.ActionDisable || r.Status != plan.StatusPlanned ||
			r.Outcome != plan.StatusDisabled || r.NotInFile == nil || r.NotInFile.OrgID != "3" || r.Create != nil || r.Move != nil {
			t.Errorf("row %+v", r)
		}
		if b := body(t, r.Patch); len(b) != 1 || b[encompass.FieldAccountEnabled] != false {
			t.Errorf("%s: body %v", r.ID, b)
		}
		if m := p.Message(&r); !strings.Contains(m, "not in the file") || !strings.Contains(m, "Den ") || !strings.Contains(m, "Denver Branch") {
			t.Errorf("%s: message %q", r.ID, m)
		}
	}
	if got, want := leftAlone(p), map[string]string{"api.pricing": reasonAPIUser, "westadmin": reasonProtected}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("left alone %v, want %v", got, want)
	}
	// Enabled in scope: westadmin, lo.denver, api.pricing, d1-d6, lo.phoenix
	// (lp.denver is disabled); managed: all but api.pricing, d4 and westadmin
	// (protected); in the file: lo.denver, d1-d3, lo.phoenix.
	if s := p.Sync; s.Enabled != 10 || s.Managed != 7 || s.InFile != 5 || s.Disable != 2 || s.MaxDisable != 3 || !slices.Equal(s.Scopes, []string{"2"}) {
		t.Errorf("sync %+v", s)
	}
	if sum := p.Summary(); sum.Disable != 2 || sum.Unchanged != len(recs) {
		t.Errorf("summary %+v", sum)
	}
	var b strings.Builder
	if err := plan.WritePlan(&b, p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Sync of Administration/Retail/West Region (id 2) and below", "~ disable d5 (Den 5, Administration/Retail/West Region/Denver Branch (id 3))  [not in file]",
		"= left alone api.pricing (Pricing Engine) in Administration/Retail/West Region/Denver Branch (id 3): an API user", "= left alone westadmin", "2 to disable"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("plan text lacks %q:\n%s", want, b.String())
		}
	}
}

// The whole company: the caller and the super administrators are left
// alone too, whatever the file says of others.
func TestSyncLeavesTheCallerAndSuperAdministratorsAlone(t *testing.T) {
	p := Build(feed("westadmin", "lo.denver", "d1", "d2", "d3", "d4", "d5", "lo.phoenix"), syncWorld(), plan.Input{}, syncOpts("", nil, "0"))
	if err := p.Refusal(); err != nil {
		t.Fatal(err)
	}
	if got := notInFile(p); !slices.Equal(got, []string{"d6", "uw.boston"}) {
		t.Errorf("not in file %v", got)
	}
	want := map[string]string{"admin": reasonCaller, "it.admin": reasonSuperAdmin, "api.pricing": reasonAPIUser}
	if got := leftAlone(p); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("left alone %v, want %v", got, want)
	}
}

func TestSyncRefusals(t *testing.T) {
	denver := []string{"lo.denver", "d1", "d2", "d3", "d4", "d5", "d6"}
	tests := []struct {
		name     string
		recs     []*importer.Record
		max      string
		scopes   []string
		refused  []string // substrings of the refusal; nil: not refused
		disables int
		protect  []string
	}{
		{name: "three of seven: at the default threshold", recs: feed(denver[:4]...), scopes: []string{"Denver Branch"}, disables: 3},
		{name: "four of eleven: over the default threshold", recs: feed("lo.denver", "d1", "d2", "d3", "westadmin", "lo.phoenix"), scopes: []string{"Retail"},
			refused: []string{"would disable 4 users not in the file", "threshold of 3", "default 10% of the 11 enabled users in scope", "d4 (Den 4)", "uw.boston (Bo Ston)", "--max-disable 4", "encimport plan"}, disables: 4},
		{name: "raised by --max-disable", recs: feed("lo.denver", "d1", "d2", "d3", "westadmin", "lo.phoenix"), max: "4", scopes: []string{"Retail"}, disables: 4},
		{name: "a number", recs: feed("lo.denver", "d1", "d2", "d3", "d4", "westadmin", "lo.phoenix"), max: "2", scopes: []string{"Retail"},
			refused: []string{"would disable 3 users", "threshold of 2 (--max-disable 2)"}, disables: 3},
		{name: "a percentage", recs: feed("lo.denver", "d1", "d2", "d3", "d4", "westadmin", "lo.phoenix"), max: "20%", scopes: []string{"Retail"},
			refused: []string{"threshold of 2 (--max-disable 20%: of the 11 enabled users in scope)"}, disables: 3},
		{name: "no data rows", recs: nil, max: "100%", scopes: []string{"Denver Branch"}, refused: []string{"no data rows", "every one of the 7 users", "lo.denver (Lou Denver)"}, disables: 7},
		{name: "fewer than half (a truncated export)", recs: feed("lo.denver", "d1"), max: "100%", scopes: []string{"Denver Branch"},
			refused: []string{"names only 2 of the 7", "fewer than half", "would disable 5", "d3 (Den 3)"}, disables: 5},
		{name: "unknown scope", recs: feed("lo.denver"), scopes: []string{"Mars"}, refused: []string{`--sync "Mars"`, "no organization"}},
		{name: "bad threshold", recs: feed("lo.denver"), max: "lots", scopes: []string{"Denver Branch"}, refused: []string{"--max-disable"}},
		{name: "a protected id of no user (a typo)", recs: feed(denver[:4]...), scopes: []string{"Denver Branch"}, protect: []string{"d5", " lo.denvre ", "nobody"},
			refused: []string{`names "lo.denvre" and "nobody", which match no user`, "nothing was changed", "Correct the ids"}, disables: 2},
		{name: "protected ids in any case", recs: feed(denver[:4]...), scopes: []string{"Denver Branch"}, protect: []string{"D5", "UW.Boston"}, disables: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Build(tt.recs, syncWorld(), plan.Input{}, syncOpts(tt.max, tt.protect, tt.scopes...))
			err := p.Refusal()
			if (err != nil) != (tt.refused != nil) {
				t.Fatalf("refusal %v, want refused %v", err, tt.refused != nil)
			}
			for _, s := range tt.refused {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("refusal lacks %q: %v", s, err)
				}
			}
			if tt.refused != nil && !strings.Contains(err.Error(), "nothing was changed") {
				t.Errorf("refusal does not say nothing was changed: %v", err)
			}
			if got := len(notInFile(p)); got != tt.disables {
				t.Errorf("%d rows not in the file, want %d", got, tt.disables)
			}
		})
	}
}

// A branch administrator may sync its own organization, not one above it.
func TestSyncScopeWithinTheCallersOrganization(t *testing.T) {
	w := withCaller(syncWorld(), "westadmin")
	p := Build(feed("lo.denver"), w, plan.Input{}, syncOpts("", nil, "Retail"))
	if err := p.Refusal(); err == nil || !strings.Contains(err.Error(), "outside your organization") {
		t.Fatalf("refusal %v", err)
	}
	p = Build(feed("lo.denver", "d1", "d2", "d3", "d4", "d5", "lo.phoenix"), withCaller(syncWorld(), "westadmin"), plan.Input{}, syncOpts("", nil, "West Region"))
	if err := p.Refusal(); err != nil {
		t.Fatal(err)
	}
	if got := notInFile(p); !slices.Equal(got, []string{"d6"}) {
		t.Errorf("not in file %v", got)
	}
	if leftAlone(p)["westadmin"] != reasonCaller {
		t.Errorf("left alone %v", leftAlone(p))
	}
}

// A row of a user disabled on the server re-enables it only when it says
// so; otherwise it warns. Without --sync nothing warns.
func TestSyncDisabledUsersOfTheFile(t *testing.T) {
	recs := []*importer.Record{
		rec(2, "id", "lp.denver", "title", "Processor"),
		rec(3, "id", "lp.denver", "accountEnabled", "true"),
		rec(4, "action", "enable", "id", "LP.denver"),
		rec(5, "id", "lp.denver", "accountEnabled", "false"),
	}
	for i, r := range recs {
		p := Build([]*importer.Record{r}, syncWorld(), plan.Input{}, syncOpts("100%", nil, "Phoenix Branch"))
		row := p.Rows[0]
		warned := hasProblem(row.Problems, "accountEnabled", "disabled on the server", "accountEnabled to true")
		if warned != (i == 0) {
			t.Errorf("row %d: warned %v: %+v", r.Row, warned, row.Problems)
		}
		enables := row.Patch != nil && string(row.Patch.Body[encompass.FieldAccountEnabled]) == "true"
		if enables != (i == 1 || i == 2) {
			t.Errorf("row %d: enables %v: %+v", r.Row, enables, row)
		}
	}
	p := Build(recs[:1], syncWorld(), plan.Input{}, plan.Options{})
	if len(p.Rows[0].Problems) != 0 {
		t.Errorf("without --sync: %+v", p.Rows[0].Problems)
	}
}

// Offboarding is idempotent: a disable row for a user that does not exist
// is unchanged with a warning. A branch administrator sees only its branch:
// there it stays a problem (the user may exist elsewhere).
func TestDisableOfAMissingUser(t *testing.T) {
	r := rec(2, "action", "disable", "id", "gone.user")
	p := build(testWorld(), plan.Options{}, r)
	if row := p.Rows[0]; row.Status != plan.StatusUnchanged || !hasProblem(row.Problems, "id", "gone.user", "nothing to disable") || row.Problems.HasErrors() {
		t.Errorf("row %+v", row)
	}
	p = build(withCaller(testWorld(), "westadmin"), plan.Options{}, r)
	mustProblem(t, p.Rows[0], "id", "in your organization")
	p = build(testWorld(), plan.Options{}, rec(2, "action", "enable", "id", "gone.user"))
	mustProblem(t, p.Rows[0], "id", "no user")
}

// A reviewed sync plan: the disables reviewed are kept, a user that came
// into the scope since is refused on its row, a reviewed disable no longer
// needed is unchanged.
func TestRecheckSync(t *testing.T) {
	in := plan.Input{Path: "hr.csv", SHA256: "abc"}
	recs := feed("lo.denver", "d1", "d2", "d3", "d4")
	opts := syncOpts("", nil, "Denver Branch")
	reviewed := Build(recs, syncWorld(), in, opts)
	if got := notInFile(reviewed); !slices.Equal(got, []string{"d5", "d6"}) {
		t.Fatalf("reviewed %v", got)
	}
	p, err := Recheck(reviewed, Build(recs, syncWorld(), in, opts))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Counts(); got[plan.StatusDisabled] != 2 {
		t.Errorf("same server: %v", got)
	}

	now := syncWorld()
	f := false
	now.Users["d5"].AccountEnabled = &f                                                      // disabled since
	now.Users["d7"] = &encompass.User{ID: "d7", FirstName: "New", Organization: orgRef("3")} // came in since
	p, err = Recheck(reviewed, Build(recs, now, in, opts))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]plan.Status{}
	for _, r := range p.Rows[plan.FileRows(p.Rows):] {
		got[r.ID] = r.Status
	}
	want := map[string]plan.Status{"d5": plan.StatusUnchanged, "d6": plan.StatusPlanned, "d7": plan.StatusInvalid}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rechecked %v, want %v", got, want)
	}
	for _, r := range p.Rows {
		if r.ID == "d7" && !hasProblem(r.Problems, "id", "the server changed since the plan was reviewed") {
			t.Errorf("d7: %+v", r.Problems)
		}
	}
}

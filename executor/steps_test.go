package executor

import (
	"slices"
	"strings"
	"testing"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/plan"
)

func TestDiffers(t *testing.T) {
	yes, no := true, false
	row := func() *encompass.User {
		return &encompass.User{ID: "jdoe", FirstName: "Jane", LastName: "Doe", Email: "jane@example.com", Title: "Loan Officer",
			Personas: []encompass.EntityRef{{EntityID: "3", EntityName: "Loan Officer"}}, Licenses: []encompass.License{{State: "CO", Selected: true}},
			RequirePasswordChange: &yes, CCSite: &encompass.CCSite{SiteID: "s1"}}
	}
	server := func() *encompass.User {
		u := row()
		u.Organization = &encompass.EntityRef{EntityID: "3"}
		u.Email = "JANE@example.com"                                                                    // emails ignore case
		u.Phone = "303-555-0100"                                                                        // a value the row leaves empty
		u.Personas = []encompass.EntityRef{{EntityID: "3"}}                                             // by id
		u.Licenses = []encompass.License{{State: "co", Selected: true}, {State: "TX", Selected: false}} // the fixed list
		u.CCSite = &encompass.CCSite{SiteID: "s1", URL: "https://example.com"}
		return u
	}
	tests := []struct {
		name   string
		change func(server, row *encompass.User)
		orgID  string
		want   []string
	}{
		{name: "the same user", orgID: "3"},
		{name: "title", change: func(s, r *encompass.User) { s.Title = "Regional VP" }, want: []string{`title: server "Regional VP" vs row "Loan Officer"`}},
		{name: "organization", orgID: "4", want: []string{`organization: server id "3" vs row id "4"`}},
		{name: "a boolean the server leaves out is its default", change: func(s, r *encompass.User) { s.RequirePasswordChange = nil },
			want: []string{"requirePasswordChange: server false vs row true"}},
		{name: "a boolean the row sets to the default", change: func(s, r *encompass.User) { s.AccountEnabled, r.AccountEnabled = nil, &yes }},
		{name: "a boolean that differs", change: func(s, r *encompass.User) { r.LoginEnabled, s.LoginEnabled = &yes, &no },
			want: []string{"loginEnabled: server false vs row true"}},
		{name: "personas", change: func(s, r *encompass.User) {
			s.Personas = []encompass.EntityRef{{EntityID: "4", EntityName: "Loan Processor"}, {EntityID: "3", EntityName: "Loan Officer"}}
		}, want: []string{`personas: server "Loan Officer;Loan Processor" vs row "Loan Officer"`}},
		{name: "licenses", change: func(s, r *encompass.User) {
			r.Licenses = append(r.Licenses, encompass.License{State: "TX", Selected: true})
		},
			want: []string{`licenses: server "CO" vs row "CO;TX"`}},
		{name: "ccSite", change: func(s, r *encompass.User) { s.CCSite = nil }, want: []string{`ccSite siteId: server "" vs row "s1"`}},
		{name: "several, in field order", change: func(s, r *encompass.User) { s.FirstName, s.Email = "Janet", "j@example.com" },
			want: []string{`firstName: server "Janet" vs row "Jane"`, `email: server "j@example.com" vs row "jane@example.com"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, r := server(), row()
			if tt.change != nil {
				tt.change(s, r)
			}
			if got := differs(r, tt.orgID, s); !slices.Equal(got, tt.want) {
				t.Errorf("differs:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
	if got := differs(row(), "", nil); len(got) != 1 {
		t.Errorf("no user: %q", got)
	}
}

// TestCreate409Journal: a create answered 409 whose user matches is
// recorded as unchanged, and a rerun over the journal says so without a call.
func TestCreate409Journal(t *testing.T) {
	dir := t.TempDir()
	f := newFake(existing("jdoe", "5"))
	run := func() *Result {
		return runJournaled(t, dir, f, &plan.Plan{Input: plan.Input{SHA256: testDigest}, Rows: []plan.Row{createRow(2, "jdoe", "5")}})
	}
	if r := run().Rows[0]; r.Status != plan.StatusUnchanged || !strings.Contains(r.Message, "answered 409") {
		t.Errorf("first run: %s %q", r.Status, r.Message)
	}
	f.calls = nil
	if r := run().Rows[0]; r.Status != plan.StatusUnchanged || !strings.Contains(r.Message, "journal") {
		t.Errorf("rerun: %s %q", r.Status, r.Message)
	}
	if calls := f.Calls(); len(calls) != 0 {
		t.Errorf("rerun calls %v", calls)
	}
}

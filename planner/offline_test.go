package planner

import (
	"strings"
	"testing"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
)

func validCreate(extra ...string) *importer.Record {
	kv := append([]string{"action", "create", "id", "jdoe", "firstName", "Jane", "lastName", "Doe",
		"email", "jane@example.com", "password", "s3cret!", "workingFolder", "My Pipeline",
		"personas", "Loan Officer", "orgId", "Denver Branch"}, extra...)
	return rec(2, kv...)
}

func TestCheckOffline(t *testing.T) {
	long := strings.Repeat("x", 65)
	cases := []struct {
		name string
		rec  *importer.Record
		def  encompass.Action
		col  string // "" = no problem expected
		sub  string
	}{
		{"valid create", validCreate(), "", "", ""},
		{"id leading dot", validCreate("id", ".jdoe"), "", "id", "period"},
		{"id too long", validCreate("id", "abcdefghijklmnopq"), "", "id", "at most 16"},
		{"id forbidden char", validCreate("id", "j/doe"), "", "id", "contains"},
		{"id missing", validCreate("id", ""), "", "id", "required"},
		{"create needs first name", validCreate("firstName", ""), "", "firstName", "required"},
		{"create needs email", validCreate("email", ""), "", "email", "required"},
		{"create needs password", validCreate("password", ""), "", "password", "required"},
		{"api user needs no password", validCreate("password", "", "apiUser", "true", "oAuthClientId", "c1"), "", "", ""},
		{"api user needs client id", validCreate("password", "", "apiUser", "true"), "", "oAuthClientId", "required"},
		{"sso only with password", validCreate("isSsoOnly", "true"), "", "isSsoOnly", "no password"},
		{"impersonation without api user", validCreate("allowImpersonation", "true"), "", "allowImpersonation", "apiUser"},
		{"impersonation on update undecidable", rec(2, "action", "update", "id", "u1", "allowImpersonation", "true"), "", "", ""},
		{"impersonation on update with apiUser false", rec(2, "action", "update", "id", "u1", "allowImpersonation", "true", "apiUser", "false"), "", "allowImpersonation", "apiUser"},
		{"first name too long", validCreate("firstName", long), "", "firstName", "at most 64"},
		{"title too long on update", rec(2, "action", "update", "id", "u1", "title", long), "", "title", "at most 64"},
		{"email format", validCreate("email", "jane.example.com"), "", "email", "name@example.com"},
		{"phone format", rec(2, "id", "u1", "phone", "3035550100"), "", "phone", "303-555-0100"},
		{"fax format", rec(2, "id", "u1", "fax", "303-555-01"), "", "fax", "303-555-0100"},
		{"date format", rec(2, "id", "u1", "nmlsExpirationDate", "2026-02-30"), "", "nmlsExpirationDate", "yyyy-MM-dd"},
		{"peer access enum", rec(2, "id", "u1", "peerLoanAccess", "Full"), "", "peerLoanAccess", "ReadWrite"},
		{"subordinate access enum", rec(2, "id", "u1", "subordinateLoanAccess", "Disabled"), "", "subordinateLoanAccess", "ReadOnly"},
		{"license state", rec(2, "id", "u1", "licenses", "CA;XX"), "", "licenses", `"XX"`},
		{"password too long", rec(2, "id", "u1", "password", strings.Repeat("p", 51)), "", "password", "at most 50"},
		{"move needs org", rec(2, "action", "move", "id", "u1"), "", "orgId", "target organization"},
		{"move default action needs org", rec(2, "id", "u1"), "move", "orgId", "target organization"},
		{"unknown action", rec(2, "action", "delete", "id", "u1"), "", "action", "unknown action"},
		{"unknown default action", rec(2, "id", "u1"), "remove", "action", "unknown action"},
		{"disable with accountEnabled true", rec(2, "action", "disable", "id", "u1", "accountEnabled", "true"), "", "accountEnabled", "contradicts"},
		{"disable with accountEnabled false", rec(2, "action", "disable", "id", "u1", "accountEnabled", "false"), "", "", ""},
		{"enable with accountEnabled false", rec(2, "action", "enable", "id", "u1", "accountEnabled", "false"), "", "accountEnabled", "contradicts"},
		{"clear required field", rec(2, "action", "update", "id", "u1", "firstName", "<clear>"), "", "firstName", "cannot be cleared"},
		{"clear boolean", rec(2, "action", "update", "id", "u1", "apiUser", "<clear>"), "", "apiUser", "cannot be cleared"},
		{"clear personas", rec(2, "action", "update", "id", "u1", "personas", "<clear>"), "", "personas", "cannot be cleared"},
		{"clear title ok", rec(2, "action", "update", "id", "u1", "title", "<clear>"), "", "", ""},
		// CheckOffline does not know the company defaults: never a false problem.
		{"create without working folder", validCreate("workingFolder", ""), "", "", ""},
		{"create without org", validCreate("orgId", ""), "", "", ""},
		// Whether an upsert creates is known only with the server.
		{"upsert without names", rec(2, "id", "u1", "title", "VP"), "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			CheckOffline([]*importer.Record{tc.rec}, tc.def)
			ps := tc.rec.Problems
			if tc.col == "" {
				if len(ps) != 0 {
					t.Fatalf("want no problem, got %+v", ps)
				}
				return
			}
			if !hasProblem(ps, tc.col, tc.sub) {
				t.Fatalf("want a problem in %q containing %q, got %+v", tc.col, tc.sub, ps)
			}
			for _, p := range ps {
				if p.Sheet != "People" || p.Row != 2 {
					t.Errorf("problem not located at People row 2: %+v", p)
				}
			}
		})
	}
}

func TestCheckOfflineDuplicatesAndIdempotence(t *testing.T) {
	reader := importer.Problem{Sheet: "People", Row: 3, Column: "phone", Message: "reader says no"}
	recs := []*importer.Record{
		rec(2, "id", "JDoe", "title", "A"),
		rec(3, "id", "other", "title", "B"),
		rec(4, "id", "jdoe", "title", "C"),
		rec(5, "id", "JDOE", "title", "D"),
	}
	recs[1].Problems = append(recs[1].Problems, reader)
	CheckOffline(recs, "")
	CheckOffline(recs, "") // idempotent
	if len(recs[0].Problems) != 0 {
		t.Errorf("first occurrence got problems: %+v", recs[0].Problems)
	}
	if len(recs[1].Problems) != 1 || recs[1].Problems[0] != reader {
		t.Errorf("reader problem not kept alone: %+v", recs[1].Problems)
	}
	for _, r := range recs[2:] {
		if len(r.Problems) != 1 || !hasProblem(r.Problems, "id", "already on row 2") {
			t.Errorf("row %d: want exactly one duplicate problem naming row 2, got %+v", r.Row, r.Problems)
		}
	}
}

// A cell the reader found bad (a line break in a name) is not also "required".
func TestBadCellIsNotAlsoRequired(t *testing.T) {
	r := validCreate("firstName", "")
	r.AddProblem(importer.ColFirstName, "contains a line break; keep it on one line")
	CheckOffline([]*importer.Record{r}, "")
	n := 0
	for _, p := range r.Problems {
		if p.Column == "firstName" {
			n++
			if strings.Contains(p.Message, "required") {
				t.Errorf("problem %q", p.Message)
			}
		}
	}
	if n != 1 {
		t.Errorf("firstName problems %+v, want only the reader's", r.Problems)
	}
}

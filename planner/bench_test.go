package planner

import (
	"fmt"
	"testing"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

// BenchmarkBuild plans 10,000 rows (updates, moves, creates) against a
// world of 10,000 users.
func BenchmarkBuild(b *testing.B) {
	w := testWorld()
	var recs []*importer.Record
	for i := range 10000 {
		id := fmt.Sprintf("user%05d", i)
		w.Users[id] = &encompass.User{ID: id, FirstName: "F", LastName: "L", Email: id + "@example.com",
			Personas: []encompass.EntityRef{{EntityID: "3"}}, Organization: orgRef("3")}
		switch i % 3 {
		case 0:
			recs = append(recs, rec(i+2, "id", id, "title", "Loan Officer", "phone", "303-555-0100"))
		case 1:
			recs = append(recs, rec(i+2, "id", id, "orgId", "Administration/Retail/West Region/Phoenix Branch", "personas", "Loan Officer"))
		default:
			recs = append(recs, validCreate("id", fmt.Sprintf("new%05d", i)))
		}
	}
	b.ResetTimer()
	for b.Loop() {
		p := Build(recs, w, plan.Input{}, plan.Options{})
		if len(p.Rows) != len(recs) {
			b.Fatal("rows")
		}
	}
}

// TestSuggestClosest checks that a big tree lists only the closest names.
func TestSuggestClosest(t *testing.T) {
	root := org("0", "Root")
	for i := range 20 {
		root.Children = append(root.Children, org(fmt.Sprint(i+1), fmt.Sprintf("Branch %02d", i)))
	}
	root.Children = append(root.Children, org("99", "Denver Branch"))
	ix := newOrgIndex(&root)
	_, msg := ix.resolve("Denvr Branch")
	want := `no organization is named "Denvr Branch"; the closest are: Root/Denver Branch (id 99), `
	if len(msg) < len(want) || msg[:len(want)] != want {
		t.Errorf("message %q", msg)
	}
	if n := len(splitList(msg)); n != maxListed {
		t.Errorf("%d candidates listed, want %d: %s", n, maxListed, msg)
	}
}

func splitList(msg string) []string {
	var out []string
	for _, part := range []rune(msg) {
		if part == '(' {
			out = append(out, "")
		}
	}
	return out
}

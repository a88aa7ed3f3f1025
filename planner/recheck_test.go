package planner

import (
	"strings"
	"testing"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

func TestRecheck(t *testing.T) {
	in := plan.Input{Path: "people.csv", SHA256: "abc123abc123"}
	recs := []*importer.Record{
		validCreate(), // create jdoe
		rec(3, "action", "update", "id", "lo.denver", "title", "Manager"), // patch
		rec(4, "action", "move", "id", "lo.phoenix", "orgId", "Denver Branch"),
		rec(5, "action", "update", "id", "lo.denver", "title", "x"), // duplicate: invalid
	}
	reviewed := Build(recs, testWorld(), in, plan.Options{})
	if got := reviewed.Counts(); got[plan.StatusPlanned] != 3 || got[plan.StatusInvalid] != 1 {
		t.Fatalf("reviewed plan counts %v", got)
	}

	t.Run("nothing changed: the reviewed steps", func(t *testing.T) {
		p, err := Recheck(reviewed, Build(recs, testWorld(), in, plan.Options{}))
		if err != nil {
			t.Fatal(err)
		}
		for i := range p.Rows {
			if p.Rows[i].Status != reviewed.Rows[i].Status || !sameJSON(p.Rows[i].Create, reviewed.Rows[i].Create) {
				t.Errorf("row %d: %+v", i, p.Rows[i])
			}
		}
		if len(p.Moves) != 1 || p.Moves[0].UserIDs[0] != "lo.phoenix" || p.Rows[2].Move.Call != 0 {
			t.Errorf("moves %+v", p.Moves)
		}
	})

	t.Run("all done since: unchanged, no work", func(t *testing.T) {
		w := testWorld()
		w.Users["jdoe"] = &encompass.User{ID: "jdoe", FirstName: "Jane", LastName: "Doe", Email: "jane@example.com",
			WorkingFolder: "My Pipeline", Personas: []encompass.EntityRef{{EntityID: "3"}}, Organization: &encompass.EntityRef{EntityID: "3"}}
		w.Users["lo.denver"].Title = "Manager"
		w.Users["lo.phoenix"].Organization = &encompass.EntityRef{EntityID: "3"}
		p, err := Recheck(reviewed, Build(recs, w, in, plan.Options{}))
		if err != nil {
			t.Fatal(err)
		}
		want := []plan.Status{plan.StatusUnchanged, plan.StatusUnchanged, plan.StatusUnchanged, plan.StatusInvalid}
		for i, st := range want {
			if p.Rows[i].Status != st {
				t.Errorf("row %d: %s (%v), want %s", i, p.Rows[i].Status, p.Rows[i].Problems, st)
			}
		}
		if len(p.Moves) != 0 {
			t.Errorf("moves %+v", p.Moves)
		}
	})

	t.Run("server changed unreviewed: refused for that row only", func(t *testing.T) {
		w := testWorld()
		w.Users["lo.phoenix"].Organization = &encompass.EntityRef{EntityID: "7"} // moved to Wholesale meanwhile
		p, err := Recheck(reviewed, Build(recs, w, in, plan.Options{}))
		if err != nil {
			t.Fatal(err)
		}
		if r := p.Rows[2]; r.Status != plan.StatusInvalid || r.Move != nil || !strings.Contains(r.Problems[len(r.Problems)-1].Message, "server changed since the plan was reviewed") {
			t.Errorf("row 3: %+v", r)
		}
		if p.Rows[0].Status != plan.StatusPlanned || p.Rows[1].Status != plan.StatusPlanned || len(p.Moves) != 0 {
			t.Errorf("other rows: %+v %+v, moves %+v", p.Rows[0], p.Rows[1], p.Moves)
		}
	})

	t.Run("another file", func(t *testing.T) {
		other := Build(recs[:2], testWorld(), plan.Input{SHA256: "def"}, plan.Options{})
		if _, err := Recheck(reviewed, other); err == nil {
			t.Fatal("want an error")
		}
	})
}

// Issue 12 item 4: a row whose steps are the reviewed ones but whose
// before-value changed since review is refused with both values shown; a
// patch left with some of the reviewed fields keeps them.
func TestRecheckBeforeValues(t *testing.T) {
	in := plan.Input{Path: "people.csv", SHA256: "abc123abc123"}
	recs := []*importer.Record{
		rec(2, "action", "update", "id", "lo.denver", "title", "Loan Officer II", "phone", "303-555-0199"),
		rec(3, "action", "move", "id", "lo.phoenix", "orgId", "Denver Branch"),
		rec(4, "action", "disable", "id", "lo.denver2"),
	}
	w := testWorld()
	w.Users["lo.denver2"] = &encompass.User{ID: "lo.denver2", Organization: &encompass.EntityRef{EntityID: "3"}}
	reviewed := Build(recs, w, in, plan.Options{})
	for i, r := range reviewed.Rows {
		if r.Status != plan.StatusPlanned {
			t.Fatalf("reviewed row %d: %s %v", i, r.Status, r.Problems)
		}
	}
	if c := reviewed.Rows[2].Patch.Changes; len(c) != 1 || c[0].Before != "true" || c[0].After != "false" {
		t.Errorf("disable row's change %+v: the enabled flag's before-value is recorded", c)
	}
	if m := reviewed.Rows[1].Move; m == nil || m.SourceOrgID != "4" {
		t.Errorf("move row's source %+v: the source organization is recorded", m)
	}

	t.Run("title set by someone else since: refused, both values shown", func(t *testing.T) {
		w := testWorld()
		w.Users["lo.denver2"] = &encompass.User{ID: "lo.denver2", Organization: &encompass.EntityRef{EntityID: "3"}}
		w.Users["lo.denver"].Title = "Regional VP"
		p, err := Recheck(reviewed, Build(recs, w, in, plan.Options{}))
		if err != nil {
			t.Fatal(err)
		}
		r := p.Rows[0]
		msg := strings.Join(r.Problems.Messages(), "; ")
		if r.Status != plan.StatusInvalid || r.Patch != nil || !strings.Contains(msg, `title reviewed: "Loan Officer", now: "Regional VP"`) || !strings.Contains(msg, "run plan again") {
			t.Errorf("row 2: %s %q", r.Status, msg)
		}
		if p.Rows[1].Status != plan.StatusPlanned || p.Rows[2].Status != plan.StatusPlanned {
			t.Errorf("the other rows: %+v", p.Rows[1:])
		}
	})

	t.Run("one reviewed field already set: the other is kept", func(t *testing.T) {
		w := testWorld()
		w.Users["lo.denver2"] = &encompass.User{ID: "lo.denver2", Organization: &encompass.EntityRef{EntityID: "3"}}
		w.Users["lo.denver"].Phone = "303-555-0199"
		p, err := Recheck(reviewed, Build(recs, w, in, plan.Options{}))
		if err != nil {
			t.Fatal(err)
		}
		if r := p.Rows[0]; r.Status != plan.StatusPlanned || r.Patch == nil || len(r.Patch.Body) != 1 || r.Patch.Body["title"] == nil {
			t.Errorf("row 2: %s %+v %v", r.Status, r.Patch, r.Problems)
		}
	})

	t.Run("user moved elsewhere since: both organizations named", func(t *testing.T) {
		w := testWorld()
		w.Users["lo.denver2"] = &encompass.User{ID: "lo.denver2", Organization: &encompass.EntityRef{EntityID: "3"}}
		w.Users["lo.phoenix"].Organization = &encompass.EntityRef{EntityID: "7"}
		p, err := Recheck(reviewed, Build(recs, w, in, plan.Options{}))
		if err != nil {
			t.Fatal(err)
		}
		msg := strings.Join(p.Rows[1].Problems.Messages(), "; ")
		if p.Rows[1].Status != plan.StatusInvalid || !strings.Contains(msg, "organization reviewed:") || !strings.Contains(msg, "Phoenix Branch") || !strings.Contains(msg, "Wholesale") {
			t.Errorf("row 3: %s %q", p.Rows[1].Status, msg)
		}
	})
}

package runrec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/plan"
)

func TestStartFinishOpenResolve(t *testing.T) {
	dir := t.TempDir()
	p := &plan.Plan{Version: plan.Version, Rows: []plan.Row{
		{ID: "a", Status: plan.StatusPlanned, Outcome: plan.StatusUpdated, Patch: &plan.Patch{}},
		{ID: "b", Status: plan.StatusUnchanged},
	}}
	yes := true
	users := map[string]*encompass.User{"a": {ID: "a", Title: "T", Password: "never", AccountEnabled: &yes,
		Licenses: []encompass.License{{State: "co", Selected: true}, {State: "AZ"}}}}
	p.Rows[0].Patch.Body = map[string]json.RawMessage{"title": json.RawMessage(`"U"`), "password": json.RawMessage(`"x"`)}
	bs := Capture(p, func(id string) *encompass.User { return users[strings.ToLower(id)] }, nil)
	if len(bs) != 1 || string(bs[0].Fields["title"]) != `"T"` || bs[0].Fields["password"] != nil || strings.Join(bs[0].Licenses, ";") != "CO" {
		t.Fatalf("before-images %+v", bs)
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var ids []string
	for i := range 3 {
		r, err := Start(dir, Record{Kind: KindApply, Started: t0.Add(time.Duration(i) * time.Second), Instance: "X"}, p, bs)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(r.Path(), FileReport), []byte("sheet,row\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := r.Finish(map[plan.Status]int{plan.StatusUpdated: 1}, StateFinished, t0); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	recs, err := List(dir)
	if err != nil || len(recs) != 3 || recs[2].ID != ids[2] || recs[0].Counts[plan.StatusUpdated] != 1 || recs[0].State != StateFinished {
		t.Fatalf("list %+v %v", recs, err)
	}
	if id, err := Resolve(dir, "last"); err != nil || id != ids[2] {
		t.Errorf("last: %s %v", id, err)
	}
	if _, err := Resolve(dir, "2026"); err == nil || !strings.Contains(err.Error(), "3 runs start with") {
		t.Errorf("ambiguous prefix: %v", err)
	}
	l, err := Open(dir, ids[1])
	if err != nil || len(l.Befores) != 1 || l.Plan.Rows[0].ID != "a" || l.Digest == "" {
		t.Fatalf("open: %+v %v", l, err)
	}
	for _, f := range []string{FileRun, FilePlan, FileBefore, FileReport} {
		b, err := os.ReadFile(filepath.Join(l.Dir, f))
		if err != nil || strings.Contains(string(b), "never") {
			t.Errorf("%s: %v (or holds the password)", f, err)
		}
	}
}

package e2e

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
)

// TestFormulasStayDataReportsNeutralise: formula-looking cells (=SUM(A1),
// @…, -…, =HYPERLINK(…)) are data: they reach the plan and the server as
// written; the csv report prefixes them with ' so Excel shows text instead
// of running them; the xlsx report writes them as text cells (never a
// formula, no prefix needed); the jsonl report keeps them raw.
func TestFormulasStayDataReportsNeutralise(t *testing.T) {
	forEachDialect(t, testFormulasStayDataReportsNeutralise)
}

func testFormulasStayDataReportsNeutralise(t *testing.T, dialect string) {
	run := inProcess(t, sandbox.Options{Dialect: dialect})
	dir := t.TempDir()
	input := writeBytes(t, filepath.Join(dir, "formula.csv"), []byte(csvLine(header)+csvLine(formulaCells)))
	env := sandboxEnv(run.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	id, first, last, title := formulaCells[1], formulaCells[2], formulaCells[3], formulaCells[6]

	planPath, xlsxRep := filepath.Join(dir, "plan.json"), filepath.Join(dir, "plan-report.xlsx")
	if res := runCLI(ctx, env, "plan", input, "-o", planPath, "--report", xlsxRep, "--state-dir", filepath.Join(dir, "state")); res.code != 0 {
		t.Fatalf("plan: want exit 0, got %s", res)
	}
	f, err := os.Open(planPath)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Load(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 1 || p.Rows[0].Create == nil {
		t.Fatalf("plan: want one create, got %+v", p.Rows)
	}
	if u := p.Rows[0].Create.User(); u.ID != id || u.FirstName != first || u.LastName != last || u.Title != title {
		t.Errorf("plan changed formula-looking data: id %q first %q last %q title %q", u.ID, u.FirstName, u.LastName, u.Title)
	}

	// xlsx report: text cells as written, never a formula.
	for name, xml := range zipTexts(xlsxRep) {
		if strings.HasPrefix(name, "xl/worksheets/") && (strings.Contains(xml, "<f>") || strings.Contains(xml, "<f ")) {
			t.Errorf("xlsx report %s holds a formula element", name)
		}
	}
	rows := readReport(t, xlsxRep)
	if len(rows) != 1 || rows[0].ID != id {
		t.Errorf("xlsx report: want id cell %q, got %+v", id, rows)
	}

	csvRep, jsonRep := filepath.Join(dir, "apply.csv"), filepath.Join(dir, "apply.jsonl")
	if res := runCLI(ctx, env, "apply", input, "--report", csvRep, "--state-dir", filepath.Join(dir, "state")); res.code != 0 {
		t.Fatalf("apply: want exit 0, got %s", res)
	}
	u, ok := run.Server.User(id)
	if !ok {
		t.Fatalf("user %q was not created", id)
	}
	if u.FirstName != first || u.LastName != last || u.Title != title {
		t.Errorf("server got first %q last %q title %q; want the cells as written", u.FirstName, u.LastName, u.Title)
	}
	rf, err := os.Open(csvRep)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(rf).ReadAll()
	rf.Close()
	if err != nil || len(recs) != 2 {
		t.Fatalf("csv report: %v, %d records", err, len(recs))
	}
	for i, h := range recs[0] {
		if h == "id" && recs[1][i] != "'"+id {
			t.Errorf("csv report id cell %q, want %q", recs[1][i], "'"+id)
		}
	}
	for _, cell := range recs[1] {
		if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			t.Errorf("csv report cell %q is not neutralised", cell)
		}
	}

	// A second apply has nothing to do; its jsonl report keeps the id raw.
	if res := runCLI(ctx, env, "apply", input, "--report", jsonRep, "--state-dir", filepath.Join(dir, "state")); res.code != 0 {
		t.Fatalf("second apply: want exit 0, got %s", res)
	}
	if rows := readReport(t, jsonRep); len(rows) != 1 || rows[0].ID != id || rows[0].Status != "unchanged" {
		t.Errorf("jsonl report: want id %q unchanged, got %+v", id, rows)
	}
}

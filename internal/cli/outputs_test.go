package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/encimport/encimport/report"
)

// A run with invalid rows leaves a file of them, with the input's own
// columns, the password emptied and an error column; fixed, it applies
// cleanly.
func TestErrorsFileFixedAppliesCleanly(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", goodCSV+
		"create,fix.me,Cy,Cole,not-an-email,Secr3t!pass,My Pipeline,Loan Officer,Wholesale,(303) 555-0199\n")
	world, state := filepath.Join(dir, "world.json"), filepath.Join(dir, "state")
	r := runCLI(t, nil, "apply", "--sandbox", "--sandbox-state", world, "--state-dir", state, in)
	if r.code != ExitRowProblems {
		t.Fatalf("apply: exit %d\n%s", r.code, r.stder)
	}
	errs, _ := filepath.Glob(filepath.Join(dir, "people-errors-*.csv"))
	if len(errs) != 1 || !strings.Contains(r.stder, "Errors: "+errs[0]+" (1 row to fix") {
		t.Fatalf("errors files %v; stderr:\n%s", errs, r.stder)
	}
	if !strings.Contains(r.stder, "Problems:\n  sheet people.csv, row 4, id fix.me: invalid: email:") {
		t.Errorf("apply does not print the problem:\n%s", r.stder)
	}
	f, err := os.Open(errs[0])
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	header := strings.Split(strings.SplitN(goodCSV, "\n", 2)[0], ",")
	if len(recs) != 2 || strings.Join(recs[0], ",") != strings.Join(append(header, "error"), ",") {
		t.Fatalf("errors file %q", recs)
	}
	row := recs[1]
	if row[1] != "fix.me" || row[4] != "not-an-email" || row[5] != "" || row[9] != "(303) 555-0199" || !strings.Contains(row[10], "not an email address") ||
		!strings.Contains(row[10], report.PasswordLeftOut) {
		t.Fatalf("errors row %q: want the input's values, no password, the error and the password note", row)
	}

	// Fix the email, give the password again, run the file as it is.
	row[4], row[5] = "cy.cole@example.com", "Secr3t!pass"
	w, err := os.Create(errs[0])
	if err != nil {
		t.Fatal(err)
	}
	cw := csv.NewWriter(w)
	_ = cw.WriteAll(recs)
	w.Close()
	rep := filepath.Join(dir, "fixed.csv")
	r = runCLI(t, nil, "apply", "--sandbox", "--sandbox-state", world, "--state-dir", state, "--report", rep, errs[0])
	if r.code != ExitOK || strings.Contains(r.stder, "WARN") {
		t.Fatalf("the fixed file: exit %d (want a clean run, no warning)\n%s", r.code, r.stder)
	}
	got := readReport(t, rep)
	if len(got) != 1 || got[0]["id"] != "fix.me" || got[0]["status"] != "created" || got[0]["email"] != "cy.cole@example.com" {
		t.Fatalf("fixed run report %v", got)
	}
	if more, _ := filepath.Glob(filepath.Join(dir, "*-errors-*")); len(more) != 1 {
		t.Errorf("a clean run left an errors file: %v", more)
	}
}

// With --log-format json every line on stderr is JSON; the last is the
// summary, which --summary-json writes too. Problems are capped.
func TestApplyJSONLogAndSummary(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(goodCSV)
	for i := range maxProblems + 3 {
		fmt.Fprintf(&b, "create,bad.%d,A,B,not-an-email,x,My Pipeline,Loan Officer,Wholesale,\n", i)
	}
	in := writeFile(t, dir, "people.csv", b.String())
	sumFile, html := filepath.Join(dir, "summary.json"), filepath.Join(dir, "run.html")
	r := runCLI(t, nil, "apply", "--sandbox", "--state-dir", filepath.Join(dir, "st"), "--log-format", "json",
		"--summary-json", sumFile, "--html", html, "--errors", filepath.Join(dir, "fix.csv"), in)
	if r.code != ExitRowProblems {
		t.Fatalf("exit %d\n%s", r.code, r.stder)
	}
	lines := strings.Split(strings.TrimSuffix(r.stder, "\n"), "\n")
	var last map[string]any
	problems, more := 0, 0.0
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("a stderr line is not JSON: %q", l)
		}
		switch m["msg"] {
		case "problem":
			problems++
		case "more problems":
			more = m["more"].(float64)
		}
		last = m
	}
	if problems != maxProblems || more != 3 {
		t.Errorf("%d problem events and %v more, want %d and 3", problems, more, maxProblems)
	}
	if last["msg"] != "summary" || last["rows"].(float64) != float64(2+maxProblems+3) || last["html"] != html ||
		last["errors"] != filepath.Join(dir, "fix.csv") || last["report"] == "" {
		t.Errorf("last line %v, want the summary with the files", last)
	}
	if st := last["byStatus"].(map[string]any); st["created"].(float64) != 2 || st["invalid"].(float64) != float64(maxProblems+3) {
		t.Errorf("byStatus %v", st)
	}
	raw, err := os.ReadFile(sumFile)
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]any
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"rows", "calls", "retries", "429s", "elapsedMs", "report", "html", "errors"} {
		if _, ok := file[k]; !ok {
			t.Errorf("--summary-json lacks %q: %s", k, raw)
		}
	}
	if page, err := os.ReadFile(html); err != nil || !strings.Contains(string(page), "encimport run: people.csv") {
		t.Errorf("html page: %v", err)
	}

	// In text, the problems are capped with where to find the rest.
	r = runCLI(t, nil, "apply", "--sandbox", "--state-dir", filepath.Join(dir, "st"), "--report", filepath.Join(dir, "r.csv"), in)
	if !strings.Contains(r.stder, "  and 3 more, see the report "+filepath.Join(dir, "r.csv")) {
		t.Errorf("text problems not capped:\n%s", r.stder)
	}
}

// plan --html writes the page; the plan text is for people unless --verbose.
func TestPlanHTMLAndVerbose(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", goodCSV)
	html := filepath.Join(dir, "plan.html")
	r := runCLI(t, nil, "plan", "--sandbox", "--html", html, "--report", filepath.Join(dir, "p.csv"), in)
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stder)
	}
	if !strings.Contains(r.stdout, "+ create Ann Able <ann.able@example.com> (new.hire1) in Administration/Retail/West Region/Denver Branch") ||
		strings.Contains(r.stdout, "sha256") || strings.Contains(r.stdout, "Read calls") {
		t.Errorf("plan text:\n%s", r.stdout)
	}
	page, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(page), "Ann Able") || strings.Contains(string(page), "Secr3t!pass") {
		t.Errorf("plan page: %v", err)
	}
	r = runCLI(t, nil, "plan", "--sandbox", "--verbose", "--report", filepath.Join(dir, "page.html"), in)
	if r.code != ExitOK || !strings.Contains(r.stdout, "sha256") || !strings.Contains(r.stdout, "(id 3)") || !strings.Contains(r.stdout, "Read calls") {
		t.Errorf("verbose plan: exit %d\n%s", r.code, r.stdout)
	}
	if !strings.Contains(r.stder, "Report: "+filepath.Join(dir, "page.html")) {
		t.Errorf("an .html report: %s", r.stder)
	}
	if page, err := os.ReadFile(filepath.Join(dir, "page.html")); err != nil || !strings.Contains(string(page), "<!DOCTYPE html>") {
		t.Errorf("--report page.html: %v", err)
	}
}

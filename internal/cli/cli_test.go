package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/encimport/encimport/executor"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/sandbox"
)

type result struct {
	code          int
	stdout, stder string
}

func runCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code := Main(context.Background(), args, IO{In: strings.NewReader(""), Out: &out, Err: &errb}, getenv)
	return result{code, out.String(), errb.String()}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func readReport(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		rows = append(rows, m)
	}
	return rows
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"no command", nil, ExitUsage},
		{"unknown command", []string{"frobnicate"}, ExitUsage},
		{"validate without file", []string{"validate"}, ExitUsage},
		{"two files", []string{"plan", "a.csv", "b.csv"}, ExitUsage},
		{"bad flag", []string{"validate", "--no-such-flag", "a.csv"}, ExitUsage},
		{"bad action", []string{"validate", "--action", "destroy", "a.csv"}, ExitUsage},
		{"bad template format", []string{"template", "--format", "pdf"}, ExitUsage},
		{"bad log format", []string{"validate", "--log-format", "xml", "a.csv"}, ExitUsage},
		{"bad concurrency", []string{"plan", "--concurrency", "0", "a.csv"}, ExitUsage},
		{"bad rate", []string{"apply", "--rate", "fast", "a.csv"}, ExitUsage},
		{"help", []string{"--help"}, ExitOK},
		{"missing file is fatal", []string{"validate", "/nonexistent/file.csv"}, ExitFatal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, tc.args...)
			if r.code != tc.want {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tc.want, r.stder)
			}
		})
	}
}

func TestTemplateRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"xlsx", "csv"} {
		out := filepath.Join(dir, "t."+format)
		r := runCLI(t, nil, "template", "--format", format, "-o", out)
		if r.code != ExitOK {
			t.Fatalf("%s: exit %d: %s", format, r.code, r.stder)
		}
		rd, err := importer.Open(out, importer.Options{})
		if err != nil {
			t.Fatalf("%s: reading the template back: %v", format, err)
		}
		if got := len(rd.Headers()); got != int(importer.NumColumns) {
			t.Errorf("%s: %d headers, want %d", format, got, importer.NumColumns)
		}
		rd.Close()
	}
}

const goodCSV = `action,id,firstName,lastName,email,password,workingFolder,personas,orgId,phone
create,new.hire1,Ann,Able,ann.able@example.com,Secr3t!pass,My Pipeline,Loan Officer,Administration/Retail/West Region/Denver Branch,303-555-0101
create,new.hire2,Bob,Baker,bob.baker@example.com,Secr3t!pass,My Pipeline,Loan Officer,Phoenix Branch,
`

func TestValidateReportsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "bad.csv", "id,firstName,lastName,email,phone\nok.user,A,B,a@example.com,303-555-0100\nbad:id,A,B,not-an-email,12345\n")
	rep := filepath.Join(dir, "r.csv")
	r := runCLI(t, nil, "validate", in, "--action", "update", "--report", rep)
	if r.code != ExitRowProblems {
		t.Fatalf("exit %d, want 3; stdout %s stderr %s", r.code, r.stdout, r.stder)
	}
	for _, want := range []string{"row 3", "column id", "column email", "column phone"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	rows := readReport(t, rep)
	if len(rows) != 2 || rows[0]["status"] != "valid" || rows[1]["status"] != "invalid" {
		t.Fatalf("report rows: %+v", rows)
	}
}

func TestApplySandboxThenRerunIsUnchanged(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", goodCSV)
	world := filepath.Join(dir, "world.json")
	state := filepath.Join(dir, "state")
	rep := filepath.Join(dir, "r1.csv")
	r := runCLI(t, nil, "apply", "--sandbox", "--sandbox-state", world, "--state-dir", state, "--report", rep, in)
	if r.code != ExitOK {
		t.Fatalf("first apply: exit %d\n%s", r.code, r.stder)
	}
	for _, row := range readReport(t, rep) {
		if row["status"] != "created" {
			t.Errorf("row %s: status %s (%s), want created", row["row"], row["status"], row["message"])
		}
	}
	rep2 := filepath.Join(dir, "r2.csv")
	r = runCLI(t, nil, "apply", "--sandbox", "--sandbox-state", world, "--state-dir", state, "--report", rep2, in)
	if r.code != ExitOK {
		t.Fatalf("second apply: exit %d\n%s", r.code, r.stder)
	}
	for _, row := range readReport(t, rep2) {
		if row["status"] != "unchanged" {
			t.Errorf("rerun row %s: status %s, want unchanged", row["row"], row["status"])
		}
	}
	if strings.Contains(r.stder+r.stdout, "Secr3t!pass") {
		t.Error("a password appeared in the output")
	}
}

func TestApplyRefusesChangedFileAfterPlan(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", goodCSV)
	planFile := filepath.Join(dir, "plan.json")
	world := filepath.Join(dir, "world.json")
	r := runCLI(t, nil, "plan", "--sandbox", "--sandbox-state", world, "-o", planFile, "--report", filepath.Join(dir, "p.csv"), in)
	if r.code != ExitOK {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stder)
	}
	if !strings.Contains(r.stdout, "2 to create") {
		t.Errorf("plan output lacks the create count:\n%s", r.stdout)
	}
	b, _ := os.ReadFile(planFile)
	if bytes.Contains(b, []byte("Secr3t!pass")) {
		t.Fatal("the plan file holds a password")
	}
	writeFile(t, dir, "people.csv", goodCSV+"create,late.add,C,D,c@example.com,x,F,Loan Officer,Wholesale,\n")
	r = runCLI(t, nil, "apply", "--sandbox", "--sandbox-state", world, "--state-dir", filepath.Join(dir, "st"), "--plan", planFile)
	if r.code != ExitFatal || !strings.Contains(r.stder, "changed since the plan") {
		t.Fatalf("apply --plan on a changed file: exit %d\n%s", r.code, r.stder)
	}
}

func TestApplyLocked(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", goodCSV)
	state := filepath.Join(dir, "state")
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	unlock, err := executor.Lock(state)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	r := runCLI(t, nil, "apply", "--sandbox", "--state-dir", state, "--report", filepath.Join(dir, "r.csv"), in)
	if r.code != ExitLocked {
		t.Fatalf("exit %d, want %d\n%s", r.code, ExitLocked, r.stder)
	}
}

func TestMissingConnectionSettingsIsFatal(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", goodCSV)
	r := runCLI(t, map[string]string{"HOME": dir}, "plan", in)
	if r.code != ExitFatal || !strings.Contains(r.stder, "ENCOMPASS_CLIENT_SECRET") {
		t.Fatalf("exit %d\n%s", r.code, r.stder)
	}
}

// sandboxEnv points the CLI at a running sandbox through the environment,
// as a user would point it at Encompass.
func sandboxEnv(url, home string) map[string]string {
	return map[string]string{
		"ENCOMPASS_API_URL": url, "ENCOMPASS_INSTANCE_ID": "BE11111111",
		"ENCOMPASS_CLIENT_ID": "sandbox-client", "ENCOMPASS_CLIENT_SECRET": "sandbox-secret",
		"ENCOMPASS_USERNAME": "admin", "ENCOMPASS_PASSWORD": "sandbox", "HOME": home,
	}
}

func TestInterruptWritesReportExits130AndRerunFinishes(t *testing.T) {
	run, err := sandbox.Start(sandbox.Options{Latency: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	dir := t.TempDir()
	const n = 120
	in := peopleCSV(t, dir, "create", "int", n)
	env := sandboxEnv(run.URL, dir)
	state := filepath.Join(dir, "state")

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel once some users exist: mid-run, as Ctrl-C would.
		for {
			if run.Server.Stats().Creates >= 20 {
				cancel()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	rep := filepath.Join(dir, "r1.csv")
	var out, errb bytes.Buffer
	code := Main(ctx, []string{"apply", "--concurrency", "2", "--state-dir", state, "--report", rep, in},
		IO{Out: &out, Err: &errb}, func(k string) string { return env[k] })
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want %d\n%s", code, ExitInterrupted, errb.String())
	}
	rows := readReport(t, rep)
	if len(rows) != n {
		t.Fatalf("report has %d rows, want %d", len(rows), n)
	}
	counts := map[string]int{}
	for _, r := range rows {
		counts[r["status"]]++
	}
	if counts["skipped"] == 0 || counts["created"] == 0 || counts["created"]+counts["skipped"] != n {
		t.Fatalf("statuses after the interrupt: %v", counts)
	}

	rep2 := filepath.Join(dir, "r2.csv")
	r := runCLI(t, env, "apply", "--state-dir", state, "--report", rep2, in)
	if r.code != ExitOK {
		t.Fatalf("rerun: exit %d\n%s", r.code, r.stder)
	}
	for _, row := range readReport(t, rep2) {
		if row["status"] != "created" {
			t.Errorf("rerun row %s: %s (%s), want created (done now or by the first run)", row["row"], row["status"], row["message"])
		}
	}
	if got := run.Server.Stats().Creates; got != n {
		t.Errorf("server applied %d creates, want exactly %d", got, n)
	}
	if run.Server.Stats().Conflicts409 != 0 {
		t.Errorf("a create was sent for an existing user: %d 409s", run.Server.Stats().Conflicts409)
	}
}

func TestDryRunTakesNoLockAndShowsAReviewedPlan(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", goodCSV)
	state := filepath.Join(dir, "state")
	unlock, err := executor.Lock(state)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	planFile := filepath.Join(dir, "plan.json")
	r := runCLI(t, nil, "apply", "--dry-run", "--sandbox", "--state-dir", state, "--report", filepath.Join(dir, "d.csv"), in)
	if r.code != ExitOK || !strings.Contains(r.stdout, "2 to create") {
		t.Fatalf("apply --dry-run while another run holds the lock: exit %d\n%s\n%s", r.code, r.stdout, r.stder)
	}
	if r := runCLI(t, nil, "plan", "--sandbox", "-o", planFile, "--report", filepath.Join(dir, "p.csv"), in); r.code != ExitOK {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stder)
	}
	r = runCLI(t, nil, "apply", "--dry-run", "--plan", planFile, "--sandbox", "--state-dir", state, "--report", filepath.Join(dir, "d2.csv"))
	if r.code != ExitOK || !strings.Contains(r.stdout, "2 to create") {
		t.Fatalf("apply --plan --dry-run: exit %d\n%s\n%s", r.code, r.stdout, r.stder)
	}
}

func TestInterruptWhilePlanningStillWritesTheReport(t *testing.T) {
	run, err := sandbox.Start(sandbox.Options{Latency: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", goodCSV)
	env := sandboxEnv(run.URL, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	rep := filepath.Join(dir, "r.csv")
	var out, errb bytes.Buffer
	code := Main(ctx, []string{"apply", "--state-dir", filepath.Join(dir, "state"), "--report", rep, in},
		IO{Out: &out, Err: &errb}, func(k string) string { return env[k] })
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want %d\n%s", code, ExitInterrupted, errb.String())
	}
	rows := readReport(t, rep)
	if len(rows) != 2 || rows[0]["status"] != "skipped" || rows[1]["status"] != "skipped" || rows[0]["id"] != "new.hire1" {
		t.Fatalf("report rows %+v", rows)
	}
}

func TestGroupsByNameOrIDApplyAndRerunUnchanged(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", "action,id,firstName,lastName,email,password,workingFolder,personas,orgId,groups\n"+
		"create,grp.one,Gia,One,gia@example.com,Pw-1!x,My Pipeline,Loan Officer,Denver Branch,Denver Team;1\n"+
		"update,lo.denver,,,,,,,,underwriting\n")
	world := filepath.Join(dir, "world.json")
	for i, want := range []string{"", "unchanged"} {
		rep := filepath.Join(dir, fmt.Sprintf("r%d.csv", i))
		r := runCLI(t, nil, "apply", "--sandbox", "--sandbox-state", world, "--state-dir", filepath.Join(dir, "st"), "--report", rep, in)
		if r.code != ExitOK {
			t.Fatalf("apply %d: exit %d\n%s", i+1, r.code, r.stder)
		}
		rows := readReport(t, rep)
		for j, first := range []string{"created", "updated"} {
			w := want
			if w == "" {
				w = first
			}
			if rows[j]["status"] != w {
				t.Errorf("apply %d row %s: %s (%s), want %s", i+1, rows[j]["row"], rows[j]["status"], rows[j]["message"], w)
			}
		}
	}
}

func TestValidateWritesTheDefaultReportBesideTheInput(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", "id,email\nok.user,a@example.com\n")
	r := runCLI(t, nil, "validate", "--action", "update", in)
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stder)
	}
	reports, _ := filepath.Glob(filepath.Join(dir, "people-report-*.csv"))
	if len(reports) != 1 || !strings.Contains(r.stder, reports[0]) {
		t.Fatalf("reports %v; stderr %s", reports, r.stder)
	}
	if rows := readReport(t, reports[0]); len(rows) != 1 || rows[0]["status"] != "valid" {
		t.Fatalf("rows %+v", rows)
	}
}

// --merge-personas from the command line: the row's persona is added to the
// user's set, which a plan of the full set then finds unchanged.
func TestMergePersonasEndToEnd(t *testing.T) {
	dir := t.TempDir()
	world := filepath.Join(dir, "world.json")
	add := writeFile(t, dir, "add.csv", "action,id,personas\nupdate,lo.denver,Underwriter\n")
	r := runCLI(t, nil, "apply", "--merge-personas", "--sandbox", "--sandbox-state", world, "--state-dir", filepath.Join(dir, "st"), "--report", filepath.Join(dir, "r1.csv"), add)
	if r.code != ExitOK {
		t.Fatalf("apply --merge-personas: exit %d\n%s", r.code, r.stder)
	}
	if rows := readReport(t, filepath.Join(dir, "r1.csv")); rows[0]["status"] != "updated" {
		t.Fatalf("row %+v", rows[0])
	}
	full := writeFile(t, dir, "full.csv", "action,id,personas\nupdate,lo.denver,Loan Officer;Underwriter\n")
	r = runCLI(t, nil, "plan", "--sandbox", "--sandbox-state", world, "--report", filepath.Join(dir, "r2.csv"), full)
	if r.code != ExitOK {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stder)
	}
	if rows := readReport(t, filepath.Join(dir, "r2.csv")); rows[0]["status"] != "unchanged" {
		t.Fatalf("after merging, the full set should be unchanged: %+v", rows[0])
	}
}

// TestValidateHRSheet: the 25-row sheet an HR person filled
// (samples/hr-people.xlsx) validates with only its genuinely wrong rows
// flagged, and plans against the sandbox with every forgiving form resolved.
func TestValidateHRSheet(t *testing.T) {
	dir := t.TempDir()
	rep := filepath.Join(dir, "r.csv")
	r := runCLI(t, nil, "validate", "--report", rep, filepath.Join("..", "..", "samples", "hr-people.xlsx"))
	if r.code != ExitRowProblems || !strings.Contains(r.stdout, "25 rows, 22 valid, 3 invalid") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stder)
	}
	invalid := map[string]bool{}
	for _, row := range readReport(t, rep) {
		if row["status"] == "invalid" {
			invalid[row["row"]] = true
		}
	}
	if len(invalid) != 3 || !invalid["24"] || !invalid["25"] || !invalid["26"] {
		t.Errorf("invalid rows %v, want 24, 25 and 26", invalid)
	}
	rep = filepath.Join(dir, "p.csv")
	r = runCLI(t, nil, "plan", "--sandbox", "--report", rep, filepath.Join("..", "..", "samples", "hr-people.xlsx"))
	if r.code != ExitRowProblems {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stder)
	}
	created := 0
	for _, row := range readReport(t, rep) {
		switch row["status"] {
		case "planned":
			created++
		case "invalid":
			if !invalid[row["row"]] {
				t.Errorf("plan: row %s invalid: %s", row["row"], row["message"])
			}
		}
	}
	if created != 22 {
		t.Errorf("plan: %d creates planned, want 22", created)
	}
}

// TestJSONLogHasOnlyJSONLines: with --log-format json a fatal error and
// validate's file lines are JSON too, so a log pipeline parses all of stderr.
func TestJSONLogHasOnlyJSONLines(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "people.csv", "id,email\nok.user,a@example.com\n")
	for _, args := range [][]string{
		{"validate", "--log-format", "json", filepath.Join(dir, "missing.csv")},
		{"validate", "--log-format", "json", "--report", filepath.Join(dir, "r.csv"), good},
	} {
		r := runCLI(t, nil, args...)
		if strings.TrimSpace(r.stder) == "" {
			t.Fatalf("%v: nothing on stderr (exit %d)", args, r.code)
		}
		for _, line := range strings.Split(strings.TrimSpace(r.stder), "\n") {
			var v map[string]any
			if err := json.Unmarshal([]byte(line), &v); err != nil {
				t.Errorf("%v: a stderr line is not JSON: %q", args, line)
			}
		}
	}
}

// TestRevertPlanIsNotAppliedAsAPlan: a revert's plan saved with -o is for
// review; apply --plan refuses it and names the command that carries it out.
func TestRevertPlanIsNotAppliedAsAPlan(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", "action,id,title\nupdate,lo.denver,Branch Lead\n")
	common := []string{"--sandbox", "--sandbox-state", filepath.Join(dir, "w.json"), "--state-dir", filepath.Join(dir, "st")}
	if r := runCLI(t, nil, append([]string{"apply", "--yes", "--report", filepath.Join(dir, "a.csv"), in}, common...)...); r.code != ExitOK {
		t.Fatalf("apply: exit %d\n%s", r.code, r.stder)
	}
	back := filepath.Join(dir, "back.json")
	if r := runCLI(t, nil, append([]string{"revert", "last", "-o", back, "--report", filepath.Join(dir, "rv.csv")}, common...)...); r.code != ExitOK {
		t.Fatalf("revert -o: exit %d\n%s", r.code, r.stder)
	}
	r := runCLI(t, nil, append([]string{"apply", "--yes", "--plan", back, "--report", filepath.Join(dir, "b.csv")}, common...)...)
	if r.code != ExitFatal || !strings.Contains(r.stder, "the plan of a revert of run") || !strings.Contains(r.stder, "--apply") {
		t.Errorf("apply --plan of a revert plan: exit %d\n%s", r.code, r.stder)
	}
}

// TestRevertHintRepeatsTheFlags: the line that says how to execute a
// planned revert names the run (not "last") and the flags that chose the
// Encompass and the state folder, so that running it reverts that run
// there; `runs`, which calls no Encompass, names none.
func TestRevertHintRepeatsTheFlags(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", "action,id,title\nupdate,lo.denver,Branch Lead\n")
	common := []string{"--sandbox", "--sandbox-state", filepath.Join(dir, "w.json"), "--state-dir", filepath.Join(dir, "st")}
	if r := runCLI(t, nil, append([]string{"apply", "--yes", "--report", filepath.Join(dir, "a.csv"), in}, common...)...); r.code != ExitOK {
		t.Fatalf("apply: exit %d\n%s", r.code, r.stder)
	}
	runs := runCLI(t, nil, "runs", "--state-dir", filepath.Join(dir, "st"))
	if runs.code != ExitOK || strings.Contains(runs.stder, "profile") {
		t.Errorf("runs: exit %d, stderr names a profile:\n%s", runs.code, runs.stder)
	}
	id := strings.Fields(strings.Split(runs.stdout, "\n")[1])[0]
	r := runCLI(t, nil, append([]string{"revert", "last", "--concurrency", "4", "--report", filepath.Join(dir, "rv.csv"),
		"--trace", filepath.Join(dir, "trace.jsonl")}, common...)...)
	if r.code != ExitOK {
		t.Fatalf("revert: exit %d\n%s", r.code, r.stder)
	}
	_, hint, ok := strings.Cut(r.stder, "To execute it: ")
	hint, _, _ = strings.Cut(hint, "\n")
	want := "encimport revert " + id + " --concurrency=4 --sandbox --sandbox-state=" + filepath.Join(dir, "w.json") + " --state-dir=" + filepath.Join(dir, "st") + " --apply"
	if !ok || hint != want {
		t.Fatalf("hint %q, want %q", hint, want)
	}
	args := strings.Fields(hint)[1:]
	if r := runCLI(t, nil, append(args, "--yes")...); r.code != ExitOK || !strings.Contains(r.stdout+r.stder, "updated 1") {
		t.Fatalf("the hint's command: exit %d\n%s%s", r.code, r.stdout, r.stder)
	}
}

func TestShellWord(t *testing.T) {
	for in, want := range map[string]string{"st": "st", "/tmp/a-b_c.json": "/tmp/a-b_c.json", "my report.csv": "'my report.csv'",
		"o'x": `'o'\''x'`, "": "''", "$HOME": "'$HOME'"} {
		if got := shellWord(in); got != want {
			t.Errorf("shellWord(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestSummaryJSONIsCheckedWithTheOutputs: --summary-json is refused before
// anything runs when it names the input, the protect file or another
// output (exit 2) or a folder that does not exist (exit 1), and the file it
// names is left as it was.
func TestSummaryJSONIsCheckedWithTheOutputs(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", "action,id,title\nupdate,lo.denver,Branch Lead\n")
	prot := writeFile(t, dir, "protect.txt", "admin\n")
	world := filepath.Join(dir, "w.json")
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"the input", []string{"--summary-json", in}, ExitUsage, "is the input file"},
		{"the report", []string{"--summary-json", filepath.Join(dir, "r.jsonl"), "--report", filepath.Join(dir, "r.jsonl")}, ExitUsage, "is also the report"},
		{"the protect file", []string{"--summary-json", prot, "--sync", "Retail", "--protect-file", prot}, ExitUsage, "is the protect file"},
		{"a missing folder", []string{"--summary-json", filepath.Join(dir, "nodir", "s.json")}, ExitFatal, "cannot be written"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := os.ReadFile(in)
			pb, _ := os.ReadFile(prot)
			r := runCLI(t, nil, append([]string{"apply", "--yes", "--sandbox", "--sandbox-state", world, "--state-dir", filepath.Join(dir, "st"), in}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stder, tt.want) || !strings.Contains(r.stder, "nothing was read or changed") {
				t.Errorf("exit %d, want %d with %q:\n%s", r.code, tt.code, tt.want, r.stder)
			}
			if after, _ := os.ReadFile(in); !bytes.Equal(after, before) {
				t.Errorf("the input changed:\n%s", after)
			}
			if after, _ := os.ReadFile(prot); !bytes.Equal(after, pb) {
				t.Errorf("the protect file changed:\n%s", after)
			}
			if _, err := os.Stat(world); err == nil {
				t.Errorf("the sandbox world was written: the run went ahead")
			}
		})
	}
	// A run that goes ahead names the way back on the same Encompass.
	r := runCLI(t, nil, "apply", "--yes", "--sandbox", "--sandbox-state", world, "--state-dir", filepath.Join(dir, "st"),
		"--report", filepath.Join(dir, "a.csv"), in)
	if r.code != ExitOK || !strings.Contains(r.stder, "--sandbox --sandbox-state="+world+" --state-dir="+filepath.Join(dir, "st")+")") {
		t.Errorf("apply: exit %d; the take-back hint lacks the target flags:\n%s", r.code, r.stder)
	}
}

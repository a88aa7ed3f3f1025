package cli

import (
	"bytes"
	"context"
	"fmt"
	"github.com/encimport/encimport/internal/syncbuf"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/encimport/encimport/executor"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
)

// Tests of issue 12 (items 1, 3, 4, 6's flags, 7): every reproduction ends
// with the input untouched, no call where the run must not start, and a
// message that says what happened and what to do.

// startSandbox is a sandbox the CLI reaches through the environment, as it
// would reach Encompass, with its own lock directory.
// peopleCSV writes dir/people.csv with n rows of action (create, upsert)
// for users prefix.000, prefix.001, ... in Denver Branch, each with the
// required cells, and returns its path.
func peopleCSV(t *testing.T, dir, action, prefix string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("action,id,firstName,lastName,email,password,workingFolder,personas,orgId\n")
	for i := range n {
		fmt.Fprintf(&b, "%s,%s.%03d,F%d,L%d,%s%d@example.com,Pw-%d!x,My Pipeline,Loan Officer,Denver Branch\n", action, prefix, i, i, i, prefix, i, i)
	}
	return writeFile(t, dir, "people.csv", b.String())
}

func startSandbox(t *testing.T, opts sandbox.Options) (*sandbox.Running, map[string]string, string) {
	t.Helper()
	run, err := sandbox.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Close)
	dir := t.TempDir()
	env := sandboxEnv(run.URL, dir)
	env["ENCIMPORT_LOCK_DIR"] = filepath.Join(dir, "locks")
	return run, env, dir
}

func writes(st sandbox.Stats) int64 { return st.Creates + st.Patches + st.Moves }

// unchanged fails the test when the file at path no longer holds want.
func unchanged(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s was changed (err %v)", path, err)
	}
}

// Item 1: outputs are checked before the first call; an output that is an
// input is refused (exit 2), one that cannot be written too (exit 1).
func TestOutputsCheckedBeforeAnyCall(t *testing.T) {
	run, env, dir := startSandbox(t, sandbox.Options{})
	in := writeFile(t, dir, "x.csv", "action,id,title\nupdate,lo.denver,Loan Officer II\n")
	orig, _ := os.ReadFile(in)
	xlsx := filepath.Join(dir, "people.xlsx")
	if r := runCLI(t, nil, "template", "-o", xlsx); r.code != ExitOK {
		t.Fatal(r.stder)
	}
	origX, _ := os.ReadFile(xlsx)
	if err := os.Symlink(in, filepath.Join(dir, "link.csv")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(in, filepath.Join(dir, "hard.csv")); err != nil {
		t.Fatal(err)
	}
	notDir := writeFile(t, dir, "state-file", "")
	state := filepath.Join(dir, "state")
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"validate report is the workbook", []string{"validate", xlsx, "--report", xlsx}, ExitUsage, "is the input file"},
		{"plan -o is the input", []string{"plan", in, "-o", in}, ExitUsage, "the plan (-o)"},
		{"apply report format unknown", []string{"apply", in, "--report", filepath.Join(dir, "t-report.json"), "--state-dir", state}, ExitUsage, `unknown format ".json"`},
		{"report through a link to the input", []string{"apply", in, "--report", filepath.Join(dir, "link.csv"), "--state-dir", state}, ExitUsage, "is the input file"},
		{"report a hard link of the input", []string{"plan", in, "--report", filepath.Join(dir, "hard.csv")}, ExitUsage, "is the input file"},
		{"trace is the input", []string{"apply", in, "--trace", in, "--report", filepath.Join(dir, "r.csv"), "--state-dir", state}, ExitUsage, "the trace (--trace)"},
		{"plan and report the same file", []string{"plan", in, "-o", filepath.Join(dir, "same.csv"), "--report", filepath.Join(dir, "same.csv")}, ExitUsage, "give each its own file"},
		{"report folder missing", []string{"apply", in, "--report", filepath.Join(dir, "no", "such", "r.csv"), "--state-dir", state}, ExitFatal, "cannot be written"},
		{"report is a folder", []string{"apply", in, "--report", dir, "--state-dir", state}, ExitUsage, "unknown format"},
		{"state dir is a file", []string{"apply", in, "--report", filepath.Join(dir, "r.csv"), "--state-dir", notDir}, ExitFatal, "--state-dir"},
		{"trace folder missing", []string{"plan", in, "--report", filepath.Join(dir, "r.csv"), "--trace", filepath.Join(dir, "no", "t.jsonl")}, ExitFatal, "the trace (--trace)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run.Server.ResetStats()
			r := runCLI(t, env, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stder, tc.want) || !strings.Contains(r.stder, "nothing was read or changed") {
				t.Errorf("exit %d, want %d with %q\n%s", r.code, tc.code, tc.want, r.stder)
			}
			if st := run.Server.Stats(); st.Requests != 0 {
				t.Errorf("%d requests before the outputs were checked", st.Requests)
			}
			unchanged(t, in, orig)
			unchanged(t, xlsx, origX)
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "r.csv")); err == nil {
		t.Error("a report was written by a run that did not start")
	}
}

// Item 1: the default report goes beside the input; a read-only input
// folder is found before anything is applied.
func TestReadOnlyInputFolderStopsBeforeApplying(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes to read-only folders; e2e runs this as another user")
	}
	run, env, dir := startSandbox(t, sandbox.Options{})
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o700); err != nil {
		t.Fatal(err)
	}
	in := writeFile(t, ro, "x.csv", "action,id,title\nupdate,lo.denver,Loan Officer II\n")
	if err := os.Chmod(ro, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(ro, 0o700)
	r := runCLI(t, env, "apply", in, "--state-dir", filepath.Join(dir, "state"))
	if r.code != ExitFatal || !strings.Contains(r.stder, "give --report FILE") {
		t.Fatalf("exit %d\n%s", r.code, r.stder)
	}
	if st := run.Server.Stats(); st.Requests != 0 {
		t.Errorf("%d requests", st.Requests)
	}
}

// Item 1: template keeps an existing file without --force and takes its
// format from -o's extension.
func TestTemplateSafety(t *testing.T) {
	dir := t.TempDir()
	filled := writeFile(t, dir, "filled.xlsx", "my filled-in template")
	r := runCLI(t, nil, "template", "-o", filled)
	if r.code != ExitFatal || !strings.Contains(r.stder, "--force") {
		t.Fatalf("exit %d\n%s", r.code, r.stder)
	}
	unchanged(t, filled, []byte("my filled-in template"))
	if r := runCLI(t, nil, "template", "-o", filled, "--force"); r.code != ExitOK {
		t.Fatalf("--force: exit %d\n%s", r.code, r.stder)
	}
	if b, _ := os.ReadFile(filled); !bytes.HasPrefix(b, []byte("PK")) {
		t.Error("--force did not write the workbook")
	}
	csvOut := filepath.Join(dir, "foo.csv")
	if r := runCLI(t, nil, "template", "-o", csvOut); r.code != ExitOK {
		t.Fatalf("-o foo.csv: exit %d\n%s", r.code, r.stder)
	}
	if b, _ := os.ReadFile(csvOut); !bytes.HasPrefix(b, []byte("action,id")) {
		t.Errorf("-o foo.csv wrote %.20q", b)
	}
	for _, args := range [][]string{
		{"template", "-o", filepath.Join(dir, "a.csv"), "--format", "xlsx"},
		{"template", "-o", filepath.Join(dir, "a.txt")},
	} {
		if r := runCLI(t, nil, args...); r.code != ExitUsage {
			t.Errorf("%v: exit %d\n%s", args, r.code, r.stder)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "a.csv")); err == nil {
		t.Error("a refused template was written")
	}
}

// Item 3: a caller that may not manage users ends plan and apply with one
// message, before any write and before a row is planned.
func TestNoRightsIsOneMessage(t *testing.T) {
	run, env, dir := startSandbox(t, sandbox.Options{})
	env["ENCOMPASS_USERNAME"] = "ops.analyst"
	var b strings.Builder
	b.WriteString("action,id,title\n")
	for range 50 {
		b.WriteString("update,lo.denver,Loan Officer II\n")
	}
	in := writeFile(t, dir, "people.csv", b.String())
	for _, cmd := range []string{"plan", "apply"} {
		rep := filepath.Join(dir, cmd+".csv")
		r := runCLI(t, env, cmd, in, "--report", rep, "--state-dir", filepath.Join(dir, "state"))
		if r.code != ExitFatal || strings.Count(r.stder, "may not manage users") != 1 || !strings.Contains(r.stder, `"ops.analyst"`) ||
			!strings.Contains(r.stder, "Loan Processor") || !strings.Contains(r.stder, "Administrator") {
			t.Errorf("%s: exit %d\n%s", cmd, r.code, r.stder)
		}
		if _, err := os.Stat(rep); err == nil {
			t.Errorf("%s wrote a report of identical failed rows", cmd)
		}
	}
	if st := run.Server.Stats(); writes(st) != 0 {
		t.Errorf("%d writes", writes(st))
	}
}

// Item 4: a reviewed plan is bound to its instance, its caller, its file
// and the before-values the reviewer saw.
func TestReviewedPlanBinding(t *testing.T) {
	pkgDir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	run, env, dir := startSandbox(t, sandbox.Options{})
	other, otherEnv, _ := startSandbox(t, sandbox.Options{})
	otherEnv["ENCIMPORT_LOCK_DIR"] = env["ENCIMPORT_LOCK_DIR"]
	plans := filepath.Join(dir, "plans")
	if err := os.Mkdir(plans, 0o700); err != nil {
		t.Fatal(err)
	}
	in := writeFile(t, plans, "people.csv", "action,id,title\nupdate,lo.denver,Loan Officer II\nupdate,lo.phoenix,Area Manager\n")
	// Another people.csv in the folder apply runs from: a plan resolving
	// its input from the current folder would take this one.
	writeFile(t, dir, "people.csv", "action,id,title\nupdate,lo.denver,Someone Else\n")
	writeFile(t, dir, "promo.csv", "action,id,title\nupdate,lo.west,Promoted\n")
	planFile := filepath.Join(plans, "plan.json")
	t.Chdir(plans)
	if r := runCLI(t, env, "plan", "people.csv", "-o", "plan.json", "--report", "p.csv"); r.code != ExitOK {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stder)
	}
	t.Chdir(dir)
	b, _ := os.ReadFile(planFile)
	for _, want := range []string{`"apiUrl": "` + run.URL + `"`, `"instanceId": "BE11111111"`, `"caller": "admin"`, `"path": "people.csv"`, `"before":"\"Loan Officer\""`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("the plan file lacks %s:\n%s", want, b)
		}
	}
	state := filepath.Join(dir, "state")

	check := func(name string, e map[string]string, code int, wants ...string) {
		t.Helper()
		run.Server.ResetStats()
		other.Server.ResetStats()
		r := runCLI(t, e, append([]string{"apply", "--plan", planFile, "--report", filepath.Join(dir, "a.csv"), "--state-dir", state}, wantArgs(name)...)...)
		if r.code != code {
			t.Errorf("%s: exit %d, want %d\n%s", name, r.code, code, r.stder)
		}
		for _, w := range wants {
			if !strings.Contains(r.stder, w) {
				t.Errorf("%s: stderr lacks %q\n%s", name, w, r.stder)
			}
		}
		if code == ExitFatal && writes(run.Server.Stats())+writes(other.Server.Stats()) != 0 {
			t.Errorf("%s: written to", name)
		}
	}
	check("another instance", otherEnv, ExitFatal, "was made against instance BE11111111 at "+run.URL, "configured for instance BE11111111 at "+other.URL)
	if other.Server.Stats().Requests != 0 {
		t.Error("another instance: a call before the binding was checked")
	}
	envIT := map[string]string{}
	for k, v := range env {
		envIT[k] = v
	}
	envIT["ENCOMPASS_USERNAME"] = "it.admin"
	check("another caller", envIT, ExitFatal, `reviewed for the calling user "admin"`, `signed in as "it.admin"`)
	check("another file", env, ExitFatal, "was made for "+in, "not for promo.csv")

	// Someone sets lo.denver's title after the review: that row is refused
	// with both values, the other applied.
	setTitle := writeFile(t, dir, "vp.csv", "action,id,title\nupdate,lo.denver,Regional VP\n")
	if r := runCLI(t, env, "apply", setTitle, "--report", filepath.Join(dir, "vp-report.csv"), "--state-dir", state); r.code != ExitOK {
		t.Fatalf("setting the title: exit %d\n%s", r.code, r.stder)
	}
	check("relative input, a before-value changed", env, ExitRowProblems)
	rows := readReport(t, filepath.Join(dir, "a.csv"))
	if rows[0]["status"] != "invalid" || !strings.Contains(rows[0]["message"], `title reviewed: "Loan Officer", now: "Regional VP"`) || !strings.Contains(rows[0]["message"], "run plan again") {
		t.Errorf("row 2: %v", rows[0])
	}
	if rows[1]["status"] != "updated" {
		t.Errorf("row 3: %v", rows[1])
	}
	if u, _ := run.Server.User("lo.denver"); u.Title != "Regional VP" {
		t.Errorf("lo.denver's title %q was overwritten", u.Title)
	}

	// A plan of the previous format (no instance recorded) is refused.
	old, err := os.ReadFile(filepath.Join(pkgDir, "..", "..", "planner", "testdata", "mixed.plan.json"))
	if err == nil {
		err = os.WriteFile(planFile, old, 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
	check("a plan of the previous format", env, ExitFatal, "does not record the Encompass it was made against", "run 'encimport plan -o' again")
	if run.Server.Stats().Requests != 0 {
		t.Error("an old plan: a call before it was refused")
	}
}

// wantArgs adds the input file to the runs of TestReviewedPlanBinding that
// name one.
func wantArgs(name string) []string {
	if name == "another file" {
		return []string{"promo.csv"}
	}
	return nil
}

// Item 6: the importer's options as flags, its warnings printed, and a file
// without data rows exit 3 for validate, plan and apply, before any call.
func TestInputOptionsAndNoDataRows(t *testing.T) {
	run, env, dir := startSandbox(t, sandbox.Options{})
	book := filepath.Join(dir, "book.xlsx")
	f := excelize.NewFile()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "People"))
	must(f.SetSheetRow("People", "A1", &[]any{"action", "id", "title"}))
	must(f.SetSheetRow("People", "A2", &[]any{"update", "lo.denver", "One"}))
	must(f.SetSheetRow("People", "A3", &[]any{"disable", "lo.phoenix", ""}))
	must(f.SetRowVisible("People", 3, false))
	_, err := f.NewSheet("More")
	must(err)
	must(f.SetSheetRow("More", "A1", &[]any{"action", "id", "title"}))
	must(f.SetSheetRow("More", "A2", &[]any{"update", "lo.west", "Two"}))
	must(f.SaveAs(book))

	for _, tc := range []struct {
		flags []string
		rows  int
		warn  []string
	}{
		{nil, 1, []string{"More", "hidden"}},
		{[]string{"--all-sheets"}, 2, []string{"hidden"}},
		{[]string{"--include-hidden"}, 2, []string{"sheet \\\"More\\\" also has an id column"}},
		{[]string{"--all-sheets", "--include-hidden"}, 3, nil},
	} {
		for _, cmd := range []string{"validate", "plan"} {
			rep := filepath.Join(dir, "r.csv")
			r := runCLI(t, env, append([]string{cmd, book, "--report", rep}, tc.flags...)...)
			if r.code != ExitOK {
				t.Fatalf("%s %v: exit %d\n%s", cmd, tc.flags, r.code, r.stder)
			}
			if got := len(readReport(t, rep)); got != tc.rows {
				t.Errorf("%s %v: %d rows, want %d", cmd, tc.flags, got, tc.rows)
			}
			for _, w := range tc.warn {
				if !strings.Contains(r.stder, w) {
					t.Errorf("%s %v: no warning with %s\n%s", cmd, tc.flags, w, r.stder)
				}
			}
		}
	}
	if r := runCLI(t, env, "plan", book, "--sheet", "More", "--all-sheets"); r.code != ExitUsage {
		t.Errorf("--sheet with --all-sheets: exit %d", r.code)
	}

	// A reviewed plan reads the file as the plan did.
	planFile := filepath.Join(dir, "all.json")
	if r := runCLI(t, env, "plan", book, "--all-sheets", "--include-hidden", "-o", planFile, "--report", filepath.Join(dir, "p.csv")); r.code != ExitOK {
		t.Fatalf("plan: %s", r.stder)
	}
	if r := runCLI(t, env, "apply", "--plan", planFile, "--report", filepath.Join(dir, "a.csv"), "--state-dir", filepath.Join(dir, "st")); r.code != ExitOK {
		t.Fatalf("apply --plan of an --all-sheets plan: exit %d\n%s", r.code, r.stder)
	}
	if got := len(readReport(t, filepath.Join(dir, "a.csv"))); got != 3 {
		t.Errorf("apply --plan: %d rows, want 3", got)
	}

	headerOnly := writeFile(t, dir, "empty.csv", "action,id,title\n")
	hidden := filepath.Join(dir, "hidden.xlsx")
	g := excelize.NewFile()
	must(g.SetSheetRow("Sheet1", "A1", &[]any{"action", "id"}))
	must(g.SetSheetRow("Sheet1", "A2", &[]any{"disable", "lo.denver"}))
	must(g.SetRowVisible("Sheet1", 2, false))
	must(g.SaveAs(hidden))
	run.Server.ResetStats()
	for _, file := range []string{headerOnly, hidden} {
		for _, cmd := range []string{"validate", "plan", "apply"} {
			rep := filepath.Join(dir, "none.csv")
			args := []string{cmd, file, "--report", rep}
			if cmd == "apply" {
				args = append(args, "--state-dir", filepath.Join(dir, "st"))
			}
			r := runCLI(t, env, args...)
			want := "no data rows"
			if file == hidden {
				want = "--include-hidden"
			}
			if r.code != ExitRowProblems || !strings.Contains(r.stder, want) {
				t.Errorf("%s %s: exit %d\n%s", cmd, filepath.Base(file), r.code, r.stder)
			}
			if _, err := os.Stat(rep); err == nil {
				t.Errorf("%s %s: a report of no rows", cmd, filepath.Base(file))
				os.Remove(rep)
			}
		}
	}
	if st := run.Server.Stats(); st.Requests != 0 {
		t.Errorf("%d requests for files without data rows", st.Requests)
	}
}

// Item 7: the lock is the instance's: two runs with different state
// directories against one instance never overlap; the message names the
// holder; --wait waits for it.
func TestLockPerInstance(t *testing.T) {
	run, env, dir := startSandbox(t, sandbox.Options{Latency: 20 * time.Millisecond})
	in := peopleCSV(t, dir, "upsert", "lock", 40)

	// Held by hand: refused at once (exit 4), naming the holder.
	id := plan.Target{APIURL: run.URL, InstanceID: "BE11111111"}
	unlock, err := executor.LockInstance(context.Background(), env["ENCIMPORT_LOCK_DIR"], id.Key(), id.String(), executor.LockOptions{What: "a test"})
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	r := runCLI(t, env, "apply", in, "--report", filepath.Join(dir, "r0.csv"), "--state-dir", filepath.Join(dir, "state-b"))
	if r.code != ExitLocked || !strings.Contains(r.stder, "pid ") || !strings.Contains(r.stder, host) || !strings.Contains(r.stder, "started ") || !strings.Contains(r.stder, "--wait") {
		t.Fatalf("exit %d\n%s", r.code, r.stder)
	}
	if run.Server.Stats().Requests != 0 {
		t.Error("a locked run made calls")
	}
	_ = unlock()

	// Two runs with their own state directories: the second waits for the
	// first and finds every row done; no 409.
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i, state := range []string{"state-a", "state-b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 1 {
				for run.Server.Stats().Creates == 0 {
					time.Sleep(2 * time.Millisecond)
				}
			}
			var out, errb syncbuf.Buffer
			code := Main(context.Background(), []string{"apply", in, "--wait", "1m", "--concurrency", "2",
				"--report", filepath.Join(dir, state+".csv"), "--state-dir", filepath.Join(dir, state)},
				IO{In: strings.NewReader(""), Out: &out, Err: &errb}, func(k string) string { return env[k] })
			results[i] = result{code, out.String(), errb.String()}
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.code != ExitOK {
			t.Errorf("run %d: exit %d\n%s", i, r.code, r.stder)
		}
	}
	if !strings.Contains(results[1].stder, "waiting for the lock") {
		t.Errorf("the second run did not say it waits:\n%s", results[1].stder)
	}
	for _, row := range readReport(t, filepath.Join(dir, "state-b.csv")) {
		if row["status"] != "unchanged" {
			t.Errorf("second run row %s: %s %s", row["row"], row["status"], row["message"])
		}
	}
	if st := run.Server.Stats(); st.Conflicts409 != 0 || st.Creates != 40 {
		t.Errorf("creates %d, 409s %d", st.Creates, st.Conflicts409)
	}
}

package cli

import (
	"context"
	"github.com/encimport/encimport/internal/syncbuf"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/encimport/encimport/internal/sandbox"
)

// runTerminal runs encimport as on a terminal: stdin answers with input.
func runTerminal(t *testing.T, ctx context.Context, input string, args ...string) result {
	t.Helper()
	var out, errb syncbuf.Buffer
	code := Main(ctx, args, IO{In: strings.NewReader(input), Out: &out, Err: &errb, IsTerminal: true, InTerminal: true},
		func(string) string { return "" })
	return result{code, out.String(), errb.String()}
}

// Help is on standard output, with --flag spelling and examples, usage
// first (apply -h | head shows it); help CMD is CMD --help.
func TestHelpOnStdout(t *testing.T) {
	r := runCLI(t, nil, "--help")
	if r.code != ExitOK || r.stder != "" {
		t.Fatalf("--help: exit %d, stderr %q", r.code, r.stder)
	}
	for _, want := range []string{"Usage:\n  encimport COMMAND", "validate", "plan", "apply", "check", "template", "completion", "--version", "Exit codes:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("--help lacks %q:\n%s", want, r.stdout)
		}
	}
	single := regexp.MustCompile(`(?m)^\s+-[a-z]{2,}`) // a long flag with one dash
	for _, cmd := range []string{"validate", "plan", "apply", "check", "template", "export", "runs", "revert", "completion"} {
		r := runCLI(t, nil, cmd, "-h")
		if r.code != ExitOK || r.stder != "" {
			t.Fatalf("%s -h: exit %d, stderr %q", cmd, r.code, r.stder)
		}
		head := strings.Join(strings.SplitN(r.stdout, "\n", 10)[:3], "\n")
		if !strings.HasPrefix(r.stdout, "Usage:\n  encimport "+cmd) {
			t.Errorf("%s -h does not start with its usage:\n%s", cmd, head)
		}
		if i := strings.Index(r.stdout, "\nExamples:\n  "); i < 0 || !strings.Contains(r.stdout[i:], "encimport "+cmd) {
			t.Errorf("%s -h has no examples:\n%s", cmd, r.stdout)
		}
		if single.MatchString(r.stdout) {
			t.Errorf("%s -h spells a flag with one dash:\n%s", cmd, r.stdout)
		}
		if h := runCLI(t, nil, "help", cmd); h.code != ExitOK || h.stdout != r.stdout {
			t.Errorf("help %s differs from %s --help (exit %d):\n%s", cmd, cmd, h.code, h.stdout)
		}
	}
	r = runCLI(t, nil, "apply", "--help")
	for _, want := range []string{"  encimport apply --plan plan.json [FILE]", "  -y, --yes", "      --report FILE", "Connection flags:", "      --sandbox", "Sync flags:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("apply --help lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := runCLI(t, nil, "validate", "--help"); strings.Contains(r.stdout, "--sandbox") || strings.Contains(r.stdout, "--move-batch-size") {
		t.Errorf("validate --help lists flags that do nothing offline:\n%s", r.stdout)
	}
	if r := runCLI(t, nil, "help", "frobnicate"); r.code != ExitUsage || !strings.Contains(r.stder, `unknown command "frobnicate"`) {
		t.Errorf("help frobnicate: exit %d\n%s", r.code, r.stder)
	}
	// encimport alone: the help on stderr, a usage error.
	if r := runCLI(t, nil); r.code != ExitUsage || r.stdout != "" || !strings.Contains(r.stder, "Usage:") {
		t.Errorf("no command: exit %d, stdout %q\n%s", r.code, r.stdout, r.stder)
	}
}

func TestVersion(t *testing.T) {
	r := runCLI(t, nil, "--version")
	if r.code != ExitOK || !strings.HasPrefix(r.stdout, "encimport ") || !strings.Contains(r.stdout, "commit ") || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("--version: exit %d, %q, stderr %q", r.code, r.stdout, r.stder)
	}
}

// The completion scripts, and what they ask encimport (__complete).
func TestCompletion(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		r := runCLI(t, nil, "completion", sh)
		if r.code != ExitOK || len(r.stdout) < 1000 || !strings.Contains(r.stdout, "encimport") || !strings.Contains(r.stdout, "__complete") {
			t.Errorf("completion %s: exit %d, %d bytes\n%s", sh, r.code, len(r.stdout), r.stder)
		}
	}
	if r := runCLI(t, nil, "completion", "tcsh"); r.code != ExitUsage {
		t.Errorf("completion tcsh: exit %d", r.code)
	}
	r := runCLI(t, nil, "__complete", "")
	for _, c := range []string{"validate", "plan", "apply", "check", "template", "completion"} {
		if !strings.Contains(r.stdout, c+"\t") {
			t.Errorf("the commands completed lack %s:\n%s", c, r.stdout)
		}
	}
	if r := runCLI(t, nil, "__complete", "apply", "--rep"); !strings.Contains(r.stdout, "--report") {
		t.Errorf("apply --rep<Tab>:\n%s", r.stdout)
	}
	if r := runCLI(t, nil, "__complete", "apply", "x.csv", "--action", ""); !strings.Contains(r.stdout, "upsert") {
		t.Errorf("apply --action <Tab>:\n%s", r.stdout)
	}
	if r := runCLI(t, nil, "__complete", "validate", "--san"); strings.Contains(r.stdout, "--sandbox") {
		t.Errorf("validate completes --sandbox:\n%s", r.stdout)
	}
}

// An error is one line, said once, "encimport: ...", never with the usage.
func TestUsageErrorsSaidOnce(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"validate", "--no-such-flag", "a.csv"}, "unknown flag: --no-such-flag"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"valdate", "a.csv"}, "did you mean validate?"},
		{[]string{"validate", "-report", "r.csv", "a.csv"}, "-report: long flags take two dashes: --report"},
		{[]string{"plan", "a.csv", "--concurrency", "0"}, `--concurrency`},
		// Flags that would do nothing for the command are refused.
		{[]string{"validate", "--sandbox", "a.csv"}, "validate takes no --sandbox (it is a flag of plan, apply, check, export and revert); validate is offline"},
		{[]string{"validate", "--api-url", "https://x", "a.csv"}, "validate takes no --api-url"},
		{[]string{"validate", "--move-batch-size", "5", "a.csv"}, "validate takes no --move-batch-size"},
		{[]string{"validate", "--merge-personas", "a.csv"}, "validate takes no --merge-personas"},
		{[]string{"check", "--state-dir", "st"}, "check takes no --state-dir"},
		{[]string{"template", "--quiet"}, "template takes no --quiet"},
		{[]string{"apply", "--plan", "p.json", "--sheet", "More"}, "--sheet would do nothing"},
		{[]string{"apply", "--plan", "p.json", "--merge-personas", "--action", "update"}, "--action, --merge-personas would do nothing"},
		{[]string{"apply", "--dry-run", "--wait", "1m", "a.csv"}, "--wait would do nothing"},
	}
	for _, tc := range cases {
		r := runCLI(t, nil, tc.args...)
		if r.code != ExitUsage {
			t.Errorf("%v: exit %d, want %d\n%s", tc.args, r.code, ExitUsage, r.stder)
			continue
		}
		if !strings.Contains(r.stder, tc.want) {
			t.Errorf("%v: stderr lacks %q:\n%s", tc.args, tc.want, r.stder)
		}
		if strings.Count(r.stder, "\n") != 1 || !strings.HasPrefix(r.stder, "encimport: ") || strings.Contains(r.stder, "Usage") || r.stdout != "" {
			t.Errorf("%v: not one line on stderr:\n%s", tc.args, r.stder)
		}
	}
}

// Errors from below carry no package names and say what to do.
func TestErrorsWithoutPackagePrefixes(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", goodCSV)
	env := map[string]string{"ENCOMPASS_API_URL": "http://127.0.0.1:1", "ENCOMPASS_INSTANCE_ID": "BE1", "ENCOMPASS_CLIENT_ID": "c",
		"ENCOMPASS_CLIENT_SECRET": "s", "HOME": dir}
	r := runCLI(t, env, "plan", in, "--report", filepath.Join(dir, "r.csv"))
	if r.code != ExitFatal || strings.Count(r.stder, "encimport: ") != 1 {
		t.Fatalf("exit %d\n%s", r.code, r.stder)
	}
	for _, p := range []string{"apiclient:", "planner:", "executor:"} {
		if strings.Contains(r.stder, p) {
			t.Errorf("the error names a package (%s):\n%s", p, r.stder)
		}
	}
	if !strings.Contains(r.stder, "check the API URL") {
		t.Errorf("the error does not say what to do:\n%s", r.stder)
	}
	if r := runCLI(t, nil, "apply", "--plan", filepath.Join(dir, "none.json")); r.code != ExitFatal || !strings.Contains(r.stder, "check the path") {
		t.Errorf("missing plan file: exit %d\n%s", r.code, r.stder)
	}
}

// validate says valid; an action cell "new" is invalid, reported as
// written, with the actions allowed (validate and plan alike).
func TestValidateValidAndUnknownAction(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", "action,id,firstName,lastName,email\nnew,new.one,A,B,a@example.com\nupdate,lo.denver,,,lo@example.com\n")
	rep := filepath.Join(dir, "v.csv")
	r := runCLI(t, nil, "validate", in, "--report", rep)
	if r.code != ExitRowProblems || !strings.Contains(r.stdout, "2 rows, 1 valid, 1 invalid") {
		t.Fatalf("validate: exit %d\n%s\n%s", r.code, r.stdout, r.stder)
	}
	if strings.Count(r.stdout, `unknown action "new"`) != 1 || !strings.Contains(r.stdout, "create, update, move, disable, enable, upsert") {
		t.Errorf("validate output:\n%s", r.stdout)
	}
	check := func(what string, rows []map[string]string, good string) {
		t.Helper()
		if len(rows) != 2 || rows[0]["action"] != "new" || rows[0]["status"] != "invalid" || !strings.Contains(rows[0]["message"], `unknown action "new"; use one of create`) {
			t.Errorf("%s: row of action new: %+v", what, rows[0])
		}
		if rows[1]["status"] != good {
			t.Errorf("%s: good row %+v, want %s", what, rows[1], good)
		}
	}
	check("validate", readReport(t, rep), "valid")
	rep = filepath.Join(dir, "p.csv")
	if r := runCLI(t, nil, "plan", in, "--sandbox", "--report", rep); r.code != ExitRowProblems {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stder)
	}
	check("plan", readReport(t, rep), "planned")
}

// On a terminal apply shows the plan and asks; "no" writes nothing, "y"
// applies, --yes does not ask; off a terminal it never asks (the other
// tests); nothing to change, nothing asked.
func TestApplyAsksOnATerminal(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", goodCSV)
	world := filepath.Join(dir, "world.json")
	args := func(rep string, more ...string) []string {
		return append([]string{"apply", in, "--sandbox", "--sandbox-state", world, "--state-dir", filepath.Join(dir, "st"),
			"--report", filepath.Join(dir, rep)}, more...)
	}
	ctx := context.Background()
	r := runTerminal(t, ctx, "n\n", args("r0.csv")...)
	if r.code != ExitFatal || !strings.Contains(r.stder, "2 to create") || !strings.Contains(r.stder, "Apply these changes to") ||
		!strings.Contains(r.stder, "nothing was written") {
		t.Fatalf("answered n: exit %d\n%s", r.code, r.stder)
	}
	if p := runCLI(t, nil, "plan", in, "--sandbox", "--sandbox-state", world, "--report", filepath.Join(dir, "p0.csv")); !strings.Contains(p.stdout, "2 to create") {
		t.Fatalf("answered n, yet something was written:\n%s", p.stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "r0.csv")); err == nil {
		t.Error("answered n, yet a report was written")
	}
	r = runTerminal(t, ctx, "", args("r1.csv")...) // Ctrl-D: no
	if r.code != ExitFatal {
		t.Fatalf("end of input at the question: exit %d\n%s", r.code, r.stder)
	}
	r = runTerminal(t, ctx, "y\n", args("r2.csv")...)
	if r.code != ExitOK || !strings.Contains(r.stder, "Apply these changes") {
		t.Fatalf("answered y: exit %d\n%s", r.code, r.stder)
	}
	for _, row := range readReport(t, filepath.Join(dir, "r2.csv")) {
		if row["status"] != "created" {
			t.Errorf("row %s: %s", row["row"], row["status"])
		}
	}
	// Nothing to change: nothing asked.
	r = runTerminal(t, ctx, "", args("r3.csv")...)
	if r.code != ExitOK || strings.Contains(r.stder, "Apply these changes") {
		t.Fatalf("rerun: exit %d\n%s", r.code, r.stder)
	}
	more := writeFile(t, dir, "more.csv", "action,id,title\nupdate,lo.denver,Senior Loan Officer\n")
	for _, yes := range []string{"--yes", "-y"} {
		r = runTerminal(t, ctx, "", "apply", more, yes, "--sandbox", "--sandbox-state", world, "--state-dir", filepath.Join(dir, "st"),
			"--report", filepath.Join(dir, "r4.csv"))
		if r.code != ExitOK || strings.Contains(r.stder, "Apply these changes") {
			t.Fatalf("%s: exit %d\n%s", yes, r.code, r.stder)
		}
	}
	// Interrupted at the question: exit 130, nothing written.
	cctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { time.Sleep(200 * time.Millisecond); cancel() }()
	var out, errb syncbuf.Buffer
	code := Main(cctx, []string{"apply", in, "--sandbox", "--state-dir", filepath.Join(dir, "st2"), "--report", filepath.Join(dir, "r5.csv")},
		IO{In: pr, Out: &out, Err: &errb, IsTerminal: true, InTerminal: true}, func(string) string { return "" })
	if code != ExitInterrupted {
		t.Fatalf("Ctrl-C at the question: exit %d\n%s", code, errb.String())
	}
}

// On a terminal the bar is cleared as soon as the run is interrupted.
func TestProgressBarClearedOnInterrupt(t *testing.T) {
	run, err := sandbox.Start(sandbox.Options{Latency: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	dir := t.TempDir()
	in := peopleCSV(t, dir, "create", "bar", 80)
	env := sandboxEnv(run.URL, dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for run.Server.Stats().Creates < 10 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	var out, errb syncbuf.Buffer
	code := Main(ctx, []string{"apply", in, "--yes", "--concurrency", "2", "--state-dir", filepath.Join(dir, "st"), "--report", filepath.Join(dir, "r.csv")},
		IO{In: strings.NewReader(""), Out: &out, Err: &errb, IsTerminal: true, InTerminal: true}, func(k string) string { return env[k] })
	if code != ExitInterrupted {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	s := errb.String()
	last := strings.LastIndex(s, "applying")
	if last < 0 {
		t.Fatalf("no bar drawn:\n%q", s)
	}
	clear := regexp.MustCompile(`\r {10,}\r|\x1b\[2K\r`)
	if loc := clear.FindStringIndex(s[last:]); loc == nil {
		t.Fatalf("the bar is not cleared after its last drawing:\n%q", s[last:])
	}
	if strings.Contains(s[last:], "100%") {
		t.Errorf("an interrupted run's bar shows 100%%:\n%q", s[last:])
	}
}

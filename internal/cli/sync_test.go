package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// --sync and its flags: repeated or comma-separated, the protect file's
// comments, and the usage errors.
func TestSyncFlags(t *testing.T) {
	dir := t.TempDir()
	pf := writeFile(t, dir, "protect.txt", "# service accounts\nsvc.backup\n\n  svc.scan   # the scanner\n\ufeff\n")
	var o syncOptions
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	o.flags(fs)
	if err := fs.Parse([]string{"--sync", "Retail, Wholesale", "--sync", "7", "--protect", "a,b", "--protect", "c",
		"--protect-file", pf, "--max-disable", "15%"}); err != nil {
		t.Fatal(err)
	}
	if err := o.check(); err != nil {
		t.Fatal(err)
	}
	so, err := o.options()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(so.Scopes, []string{"Retail", "Wholesale", "7"}) || !slices.Equal(so.Protect, []string{"a", "b", "c", "svc.backup", "svc.scan"}) || so.MaxDisable != "15%" {
		t.Errorf("options %+v", so)
	}

	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"plan", "x.csv", "--protect", "a"}, "go with --sync"},
		{[]string{"apply", "x.csv", "--max-disable", "5"}, "go with --sync"},
		{[]string{"plan", "x.csv", "--sync", "Retail", "--max-disable", "lots"}, "--max-disable"},
		{[]string{"apply", "--plan", "p.json", "--sync", "Retail"}, "reviewed plan"},
		{[]string{"plan", "x.csv", "--sync", ","}, "at least one value"},
	} {
		res := runCLI(t, nil, tt.args...)
		if res.code != ExitUsage || !strings.Contains(res.stder, tt.msg) {
			t.Errorf("%v: exit %d, %s", tt.args, res.code, res.stder)
		}
	}
	res := runCLI(t, nil, "plan", "x.csv", "--sandbox", "--sync", "Retail", "--protect-file", dir+"/none.txt")
	if res.code != ExitFatal || !strings.Contains(res.stder, "--protect-file") {
		t.Errorf("missing protect file: exit %d, %s", res.code, res.stder)
	}
}

// TestSyncRefusesAProtectedTypo: a protect file naming no user (a typo for
// the one meant) refuses the sync from the command line: exit 1, the id
// named, nothing changed.
func TestSyncRefusesAProtectedTypo(t *testing.T) {
	dir := t.TempDir()
	feed := writeFile(t, dir, "feed.csv", "id\nlo.denver\n")
	pf := writeFile(t, dir, "protect.txt", "uw.retial  # on leave\n")
	world := filepath.Join(dir, "w.json")
	if r := runCLI(t, nil, "plan", "--sandbox", "--sandbox-state", world, "--report", filepath.Join(dir, "p.csv"), feed); r.code != ExitOK {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stder)
	}
	before, err := os.ReadFile(world)
	if err != nil {
		t.Fatal(err)
	}
	res := runCLI(t, nil, "apply", "--yes", "--sandbox", "--sandbox-state", world, "--state-dir", filepath.Join(dir, "st"),
		"--report", filepath.Join(dir, "r.csv"), feed, "--sync", "Denver Branch", "--protect-file", pf, "--max-disable", "100%")
	if res.code != ExitFatal || !strings.Contains(res.stder, `"uw.retial", which matches no user`) || !strings.Contains(res.stder, "nothing was changed") {
		t.Fatalf("exit %d:\n%s", res.code, res.stder)
	}
	if after, _ := os.ReadFile(world); string(after) != string(before) {
		t.Error("the sandbox world changed")
	}
}

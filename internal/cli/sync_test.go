package cli

import (
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

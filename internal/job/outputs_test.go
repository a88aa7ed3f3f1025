package job

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/encimport/encimport/plan"
)

func TestSameFile(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.csv")
	if err := os.WriteFile(a, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.Symlink(a, filepath.Join(dir, "link.csv"))
	_ = os.Link(a, filepath.Join(dir, "hard.csv"))
	_ = os.Symlink(dir, filepath.Join(dir, "sub"))
	for _, p := range []string{a, filepath.Join(dir, "link.csv"), filepath.Join(dir, "hard.csv"), filepath.Join(dir, ".", "x", "..", "a.csv"), filepath.Join(dir, "sub", "a.csv")} {
		if !sameFile(p, a) {
			t.Errorf("%s is a.csv", p)
		}
	}
	if sameFile(filepath.Join(dir, "b.csv"), a) {
		t.Error("b.csv is not a.csv")
	}
	// Neither exists: the paths with their folder's links resolved.
	if !sameFile(filepath.Join(dir, "sub", "new.csv"), filepath.Join(dir, "new.csv")) {
		t.Error("a new file through a linked folder")
	}
}

func TestCheckOutputs(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	_ = os.WriteFile(in, []byte("id\nx\n"), 0o600)
	cases := []struct {
		cfg   Config
		usage bool
		want  string
	}{
		{Config{Report: in}, true, "is the input file"},
		{Config{Report: filepath.Join(dir, "r.json")}, true, "unknown format"},
		{Config{PlanOut: in}, true, "the plan (-o)"},
		{Config{PlanOut: filepath.Join(dir, "p.json"), Target: Target{Trace: filepath.Join(dir, "p.json")}}, true, "give each its own file"},
		{Config{Report: filepath.Join(dir, "r.csv"), Target: Target{SandboxState: filepath.Join(dir, "r.csv")}}, true, "sandbox world"},
		{Config{Report: filepath.Join(dir, "none", "r.csv")}, false, "cannot be written"},
		{Config{Report: filepath.Join(dir, "r.csv"), StateDir: in}, false, "state directory"},
	}
	for _, tc := range cases {
		err := checkOutputs(tc.cfg, in, tc.cfg.reportPath(in), true)
		var oe *OutputError
		if !errors.As(err, &oe) || oe.Usage != tc.usage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v", tc.cfg, err)
		}
	}
	if err := checkOutputs(Config{StateDir: filepath.Join(dir, "state")}, in, filepath.Join(dir, "r.csv"), true); err != nil {
		t.Errorf("good outputs: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 { // in.csv and state/
		t.Errorf("the checks left files: %v", ents)
	}
}

// A saved plan names its input relative to its own folder when the input
// is there or below, absolute otherwise.
func TestSavePlanInputPath(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ input, out, want string }{
		{filepath.Join(dir, "people.csv"), filepath.Join(dir, "plan.json"), "people.csv"},
		{filepath.Join(dir, "in", "people.csv"), filepath.Join(dir, "plan.json"), filepath.Join("in", "people.csv")},
		{filepath.Join(dir, "people.csv"), filepath.Join(dir, "plans", "plan.json"), filepath.Join(dir, "people.csv")},
	} {
		_ = os.MkdirAll(filepath.Dir(tc.out), 0o700)
		if err := savePlan(tc.out, &plan.Plan{Version: plan.Version, Input: plan.Input{Path: tc.input}}); err != nil {
			t.Fatal(err)
		}
		p, err := loadPlan(tc.out)
		if err != nil || p.Input.Path != tc.want {
			t.Errorf("%s in %s: %q, want %q (%v)", tc.input, tc.out, p.Input.Path, tc.want, err)
		}
	}
}

func TestCheckTarget(t *testing.T) {
	cfg := Config{PlanFile: "plan.json", Target: Target{APIURL: "https://api.elliemae.com/", InstanceID: "be11111111"}}
	if err := checkTarget(cfg, &plan.Plan{Target: &plan.Target{APIURL: "HTTPS://API.ElliEMae.com", InstanceID: "BE11111111"}}); err != nil {
		t.Errorf("the same instance spelled otherwise: %v", err)
	}
	err := checkTarget(cfg, &plan.Plan{Target: &plan.Target{APIURL: "https://api.elliemae.com", InstanceID: "BE22222222"}})
	if !errors.Is(err, ErrPlanBinding) || !strings.Contains(err.Error(), "BE22222222") || !strings.Contains(err.Error(), "be11111111") {
		t.Errorf("another instance: %v", err)
	}
	if err := checkTarget(cfg, &plan.Plan{}); !errors.Is(err, ErrPlanBinding) || !strings.Contains(err.Error(), "does not record") {
		t.Errorf("a plan of the previous format: %v", err)
	}
	sb := Target{Sandbox: true, SandboxState: "w.json"}.Identity()
	if sb.Key() == (Target{Sandbox: true}).Identity().Key() || !strings.HasPrefix(sb.APIURL, "sandbox:/") {
		t.Errorf("sandbox identities %v", sb)
	}
}

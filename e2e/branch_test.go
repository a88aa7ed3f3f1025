package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
)

// TestBranchAdministratorApplies runs apply as westadmin, an Administrator
// of West Region who may not list the whole instance: the rows for its own
// branch are applied, the rows outside it are problems on their rows, and
// the run ends 3, not 1.
func TestBranchAdministratorApplies(t *testing.T) { forEachDialect(t, testBranchAdministratorApplies) }

func testBranchAdministratorApplies(t *testing.T, dialect string) {
	run := inProcess(t, sandbox.Options{Dialect: dialect})
	dir := t.TempDir()
	input := filepath.Join(dir, "west.csv")
	if err := os.WriteFile(input, []byte("action,id,title,orgId\n"+
		"update,lo.denver,Branch Lead,\n"+
		"move,lo.phoenix,,Denver Branch\n"+
		"update,lo.boston,Chief,\n"+
		"move,lo.denver,,Boston Branch\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := sandboxEnv(run.URL)
	env["ENCOMPASS_USERNAME"] = "westadmin"
	rep := filepath.Join(dir, "report.csv")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res := runCLI(ctx, env, "apply", input, "--report", rep, "--state-dir", filepath.Join(dir, "state"))
	if res.code != 3 {
		t.Fatalf("apply as westadmin: %s", res)
	}
	rows := readReport(t, rep)
	want := []plan.Status{plan.StatusUpdated, plan.StatusMoved, plan.StatusInvalid, plan.StatusInvalid}
	for i, w := range want {
		if rows[i].Status != w {
			t.Errorf("row %d (%s): %s %q, want %s", rows[i].Row, rows[i].ID, rows[i].Status, rows[i].Message, w)
		}
	}
	if !strings.Contains(rows[2].Message, "is in your organization") || !strings.Contains(rows[3].Message, "outside your organization") {
		t.Errorf("messages: %q / %q", rows[2].Message, rows[3].Message)
	}
	if u, _ := run.Server.User("lo.denver"); u.Title != "Branch Lead" || u.Organization.EntityID != sandbox.OrgDenverBranch {
		t.Errorf("lo.denver: %q in %s", u.Title, u.Organization.EntityID)
	}
	if u, _ := run.Server.User("lo.phoenix"); u.Organization.EntityID != sandbox.OrgDenverBranch {
		t.Errorf("lo.phoenix in %s, want Denver Branch", u.Organization.EntityID)
	}
	if u, _ := run.Server.User("lo.boston"); u.Title == "Chief" {
		t.Error("lo.boston was changed by a branch administrator of another region")
	}
}

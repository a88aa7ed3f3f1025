package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
)

// startSafety serves the default world and returns it with a folder, the
// environment (signed in as admin) and a context for the test's runs.
func startSafety(t *testing.T, dialect string) (*sandbox.Running, string, map[string]string, context.Context) {
	t.Helper()
	run, err := sandbox.Start(sandbox.Options{Dialect: dialect})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return run, t.TempDir(), sandboxEnv(run.URL), ctx
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSelfDisableRefused: `disable,admin` run as admin (which locked every
// later run out with invalid_grant) is a problem on its row; nothing is
// written and the account stays enabled, so the next run signs in.
func TestSelfDisableRefused(t *testing.T) { forEachDialect(t, testSelfDisableRefused) }

func testSelfDisableRefused(t *testing.T, dialect string) {
	run, dir, env, ctx := startSafety(t, dialect)
	input := writeFile(t, dir, "self.csv", "action,id,loginEnabled,comments\n"+
		"disable,admin,,leaving\n"+
		"update,ADMIN,false,\n")
	rep := filepath.Join(dir, "report.csv")
	res := runCLI(ctx, env, "apply", input, "--report", rep, "--state-dir", filepath.Join(dir, "state"))
	if res.code != 3 {
		t.Fatalf("apply: want exit 3 (invalid rows), got %s", res)
	}
	if st := run.Server.Stats(); st.Patches != 0 || st.Creates != 0 || st.Moves != 0 {
		t.Errorf("writes: %d patches, %d creates, %d moves; want none", st.Patches, st.Creates, st.Moves)
	}
	rows := readReport(t, rep)
	for i, col := range []string{"action", "loginEnabled"} {
		r := rows[i]
		if r.Status != plan.StatusInvalid || !strings.Contains(r.Message, col) || !strings.Contains(r.Message, `your own user "admin"`) ||
			!strings.Contains(r.Message, "run it as another administrator") {
			t.Errorf("row %d: %s %q", r.Row, r.Status, r.Message)
		}
	}
	if u, _ := run.Server.User("admin"); u.AccountEnabled != nil && !*u.AccountEnabled || u.LoginEnabled != nil && !*u.LoginEnabled || u.Comments != "" {
		t.Errorf("admin changed: enabled %v login %v comments %q", u.AccountEnabled, u.LoginEnabled, u.Comments)
	}
	if res := runCLI(ctx, env, "plan", input, "--state-dir", filepath.Join(dir, "state")); res.code != 3 || strings.Contains(res.stderr, "invalid_grant") {
		t.Errorf("a later run: %s", res)
	}
}

// TestOverlapping409IsUnchanged: two runs (each with its own --state-dir)
// overlap: the other run's create of each user lands after this run read
// the server and before its own create (a proxy in front of the sandbox
// sends it just ahead). This run's creates are answered 409 and read back:
// the user that matches its row is unchanged, the one that differs failed
// with the difference named; no user is created twice.
func TestOverlapping409IsUnchanged(t *testing.T) { forEachDialect(t, testOverlapping409IsUnchanged) }

func testOverlapping409IsUnchanged(t *testing.T, dialect string) {
	srv, err := sandbox.New(sandbox.Options{Dialect: dialect})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	raced := map[string]bool{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/encompass/v3/users") {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var u struct{ ID string }
			_ = json.Unmarshal(body, &u)
			mu.Lock()
			first := !raced[u.ID]
			raced[u.ID] = true
			mu.Unlock()
			if first { // the other run's create, as its own row says
				theirs := bytes.Replace(body, []byte(`"title":"Loan Officer"`), []byte(`"title":"`+otherTitle[u.ID]+`"`), 1)
				req := r.Clone(r.Context())
				req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(theirs)), int64(len(theirs))
				srv.ServeHTTP(httptest.NewRecorder(), req)
			}
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	dir, env := t.TempDir(), sandboxEnv(ts.URL)

	input := writeFile(t, dir, "people.csv", "action,id,firstName,lastName,email,password,workingFolder,personas,orgId,title\n"+
		"upsert,ovl.same,Ova,Same,ovl.same@example.com,Welcome-123,My Pipeline,Loan Officer,Denver Branch,Loan Officer\n"+
		"upsert,ovl.other,Otto,Other,ovl.other@example.com,Welcome-123,My Pipeline,Loan Officer,Denver Branch,Loan Officer\n")
	rep := filepath.Join(dir, "report.csv")
	res := runCLI(ctx, env, "apply", input, "--report", rep, "--state-dir", filepath.Join(dir, "state"))
	if res.code != 3 {
		t.Errorf("apply: want exit 3 (one row failed), got %s", res)
	}
	rows := readReport(t, rep)
	if r := rows[0]; r.Status != plan.StatusUnchanged || !strings.Contains(r.Message, "someone else created it") {
		t.Errorf("matching user: %s %q", r.Status, r.Message)
	}
	if r := rows[1]; r.Status != plan.StatusFailed || r.HTTPStatus != 409 || !strings.Contains(r.Message, `title: server "Senior Loan Officer" vs row "Loan Officer"`) {
		t.Errorf("differing user: %s %d %q", r.Status, r.HTTPStatus, r.Message)
	}
	// Two creates, both the other run's; two 409s, both this run's.
	if st := srv.Stats(); st.Creates != 2 || st.Patches != 0 || st.Conflicts409 != 2 {
		t.Errorf("stats: %d creates, %d patches, %d 409s; want 2, 0, 2", st.Creates, st.Patches, st.Conflicts409)
	}
	if u, _ := srv.User("ovl.other"); u.Title != "Senior Loan Officer" {
		t.Errorf("the other run's user was changed: title %q", u.Title)
	}
}

// otherTitle is the title the other run gives each user.
var otherTitle = map[string]string{"ovl.same": "Loan Officer", "ovl.other": "Senior Loan Officer"}

// TestDisableWithComment: a leaver's row disables the user and applies its
// comment and its move to another organization; the plan shows all three.
func TestDisableWithComment(t *testing.T) { forEachDialect(t, testDisableWithComment) }

func testDisableWithComment(t *testing.T, dialect string) {
	run, dir, env, ctx := startSafety(t, dialect)
	input := writeFile(t, dir, "leavers.csv", "action,id,comments,orgId\n"+
		"disable,lo.tnguyen,Left 2025-06-30,Wholesale\n")
	p := runCLI(ctx, env, "plan", input, "--state-dir", filepath.Join(dir, "state"))
	if p.code != 0 || !strings.Contains(p.stdout, "~ disable Tran Nguyen <tran.nguyen@sandbox.example.com> (lo.tnguyen)") || !strings.Contains(p.stdout, `comments: "" → "Left 2025-06-30"`) ||
		!strings.Contains(p.stdout, "lo.tnguyen") || !strings.Contains(p.stdout, "Wholesale") {
		t.Errorf("plan: %s", p)
	}
	rep := filepath.Join(dir, "report.csv")
	if res := runCLI(ctx, env, "apply", input, "--report", rep, "--state-dir", filepath.Join(dir, "state")); res.code != 0 {
		t.Fatalf("apply: %s", res)
	}
	if r := readReport(t, rep)[0]; r.Status != plan.StatusDisabled {
		t.Errorf("report: %s %q", r.Status, r.Message)
	}
	u, _ := run.Server.User("lo.tnguyen")
	if u.AccountEnabled == nil || *u.AccountEnabled || u.Comments != "Left 2025-06-30" || u.Organization.EntityID != sandbox.OrgWholesale {
		t.Errorf("lo.tnguyen: enabled %v comments %q org %+v", u.AccountEnabled, u.Comments, u.Organization)
	}
}

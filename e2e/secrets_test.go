package e2e

import (
	"context"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/encimport/encimport/internal/sandbox"
)

// Known secrets, distinctive enough that any occurrence is a leak.
const (
	secretClient    = "cs-Qv7dW2xZk9Lm4TTp"
	secretAdminPw   = "pw-Rj3Hn8Yc5Vb1Xa"
	secretSheetPwFm = "SheetPw!%d-Mq6Jt2"
)

// TestNoSecretsInOutput runs validate, plan -o, and apply three ways (report
// in csv, xlsx and jsonl; logs as json and text; a journal in --state-dir,
// kept because one row is invalid) with known passwords in the sheet, a
// known client secret and user password in the environment, and records
// every access token the sandbox issues. None of them may appear in
// anything produced: stdout, stderr, reports (xlsx unzipped), plan, journal.
func TestNoSecretsInOutput(t *testing.T) { forEachDialect(t, testNoSecretsInOutput) }

func testNoSecretsInOutput(t *testing.T, dialect string) {
	w := sandbox.DefaultWorld()
	w.Clients[0].Secret = secretClient
	for i := range w.Users {
		if w.Users[i].ID == "admin" {
			w.Users[i].Password = secretAdminPw
		}
	}
	// Faults make the executor retry and reconcile: its error paths must not
	// leak either. Drops only: a 5xx could fail planning reads.
	srv, rec, url := startRecorded(t, sandbox.Options{Dialect: dialect, World: w, DropAfterCommitRate: 0.2, Seed: 3}, 0, 0)
	_ = srv

	inDir, outDir := t.TempDir(), t.TempDir()
	var ws []want
	var secrets []string
	for i := 0; i < 12; i++ {
		r := createRow("sec.", i, "3")
		r.password = strings.ReplaceAll(secretSheetPwFm, "%d", string(rune('A'+i)))
		secrets = append(secrets, r.password)
		ws = append(ws, r)
	}
	// Existing users with a password cell: sent only with --reset-passwords.
	up := updateRow("lo.west", "Secret Keeper")
	up.password = "ResetPw!Zz9-Kd4Wq"
	secrets = append(secrets, up.password)
	ws = append(ws, up)
	// An invalid row (bad email) keeps the journal and gives exit 3.
	bad := createRow("sec.", 99, "3")
	bad.email = "not-an-address"
	bad.password = "BadRowPw!Yy8-Lp3Xc"
	secrets = append(secrets, bad.password)
	ws = append(ws, bad)
	input := writeCSV(t, inDir, "people.csv", table(ws))

	env := sandboxEnv(url)
	env["ENCOMPASS_CLIENT_SECRET"] = secretClient
	env["ENCOMPASS_PASSWORD"] = secretAdminPw
	secrets = append(secrets, secretClient, secretAdminPw)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	state := filepath.Join(outDir, "state")
	// The reviewed-plan apply is interrupted after its third create, so its
	// journal stays in --state-dir (a finished run removes it).
	interruptCtx, interrupt := context.WithCancel(ctx)
	defer interrupt()
	var posts atomic.Int64
	rec.onAPI = func(r *http.Request) {
		if r.Method == http.MethodPost && posts.Add(1) == 3 {
			interrupt()
		}
	}
	runs := []struct {
		ctx  context.Context
		code int
		args []string
	}{
		{ctx, 3, []string{"validate", input, "--report", filepath.Join(outDir, "validate.csv"), "--log-format", "json"}},
		{ctx, 3, []string{"plan", input, "-o", filepath.Join(outDir, "plan.json"), "--report", filepath.Join(outDir, "plan-report.jsonl"), "--log-format", "text", "--state-dir", state}},
		{interruptCtx, 130, []string{"apply", "--plan", filepath.Join(outDir, "plan.json"), input, "--report", filepath.Join(outDir, "apply1.xlsx"), "--log-format", "text", "--state-dir", state, "--concurrency", "1"}},
		{ctx, 3, []string{"apply", input, "--report", filepath.Join(outDir, "apply2.csv"), "--log-format", "json", "--state-dir", state, "--reset-passwords"}},
		{ctx, 3, []string{"apply", input, "--report", filepath.Join(outDir, "apply3.jsonl"), "--log-format", "json", "--state-dir", state, "--reset-passwords"}},
	}
	var outputs []string
	journal := 0
	for _, run := range runs {
		res := runCLI(run.ctx, env, run.args...)
		args := strings.Join(run.args, " ")
		t.Logf("%s: exit %d", run.args[0], res.code)
		if res.code != run.code {
			t.Errorf("%s: want exit %d, got %s", args, run.code, res)
		}
		outputs = append(outputs, "stdout of "+args+"\n"+res.stdout, "stderr of "+args+"\n"+res.stderr)
		// The journal lives only until a run finishes: read it after each run.
		es, _ := os.ReadDir(state)
		for _, e := range es {
			if b, err := os.ReadFile(filepath.Join(state, e.Name())); err == nil && !e.IsDir() {
				if strings.Contains(e.Name(), "journal") && len(b) > 0 {
					journal++
				}
				outputs = append(outputs, "state file "+e.Name()+" after "+args+"\n"+string(b))
			}
		}
	}
	if len(rec.issued()) == 0 {
		t.Fatal("no token was issued: the runs did not reach the sandbox")
	}
	secrets = append(secrets, rec.issued()...)

	// Every file produced (zip members expanded).
	nfiles := 0
	_ = filepath.WalkDir(outDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		nfiles++
		b, err := os.ReadFile(p)
		if err != nil {
			t.Error(err)
			return nil
		}
		outputs = append(outputs, p+"\n"+string(b))
		for name, text := range zipTexts(p) {
			outputs = append(outputs, p+"!"+name+"\n"+text)
		}
		return nil
	})
	for _, want := range []string{"validate.csv", "plan.json", "plan-report.jsonl", "apply1.xlsx", "apply2.csv", "apply3.jsonl"} {
		if _, err := os.Stat(filepath.Join(outDir, want)); err != nil {
			t.Errorf("expected output %s: %v", want, err)
		}
	}
	if journal == 0 {
		t.Errorf("no journal file seen under --state-dir %s after any run: the journal was not searched", state)
	}
	t.Logf("searched %d outputs (%d files, %d journal files) for %d secrets", len(outputs), nfiles, journal, len(secrets))

	bearer := regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9._~+/=-]{8,}`)
	for _, out := range outputs {
		name, body, _ := strings.Cut(out, "\n")
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("secret %q…(%d chars) appears in %s", s[:3], len(s), name)
			}
		}
		if m := bearer.FindString(body); m != "" {
			t.Errorf("a bearer token appears in %s: %q…", name, m[:min(len(m), 12)])
		}
	}
}

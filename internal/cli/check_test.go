package cli

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/encimport/encimport/internal/sandbox"
)

func TestCheck(t *testing.T) {
	for _, dialect := range sandbox.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			run, err := sandbox.Start(sandbox.Options{Dialect: dialect})
			if err != nil {
				t.Fatal(err)
			}
			defer run.Close()
			dir := t.TempDir()
			cases := []struct {
				user    string
				code    int
				want    []string
				wantNot []string
				verdict string
			}{
				{user: "admin", code: ExitOK, verdict: "OK: admin may manage users in Administration (id 0) and below.",
					want: []string{"Instance  ", "BE11111111", "Caller  ", "admin (", "Rights  ", "may manage users (super administrator)",
						"Scope  ", "Administration (id 0) and below", "Loan folders", "Concurrency  ", "limit 30"}},
				{user: "westadmin", code: ExitOK, verdict: "OK: westadmin may manage users in Administration/Retail/West Region",
					want: []string{"Personas  ", "Administrator", "Scope  ", "Administration/Retail/West Region (id "}},
				{user: "lo.denver", code: ExitFatal, verdict: "FAIL: lo.denver may not manage users",
					want: []string{"may NOT manage users", "Loan Officer"}},
			}
			for _, tc := range cases {
				env := sandboxEnv(run.URL, dir)
				env["ENCOMPASS_USERNAME"] = tc.user
				r := runCLI(t, env, "check")
				if r.code != tc.code {
					t.Fatalf("%s: exit %d, want %d\n%s\n%s", tc.user, r.code, tc.code, r.stdout, r.stder)
				}
				for _, w := range append(tc.want, tc.verdict) {
					if !strings.Contains(r.stdout, w) {
						t.Errorf("%s: output lacks %q:\n%s", tc.user, w, r.stdout)
					}
				}
			}
		})
	}
}

func TestCheckSandboxAndUsage(t *testing.T) {
	r := runCLI(t, nil, "check", "--sandbox")
	if r.code != ExitOK || !strings.Contains(r.stdout, "may manage users (super administrator)") || !strings.Contains(r.stdout, "OK: admin") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stder)
	}
	if r := runCLI(t, nil, "check", "people.csv"); r.code != ExitUsage {
		t.Errorf("check with a file: exit %d, want %d", r.code, ExitUsage)
	}
	if r := runCLI(t, nil, "check", "--report", "x.csv"); r.code != ExitUsage {
		t.Errorf("check --report: exit %d, want %d", r.code, ExitUsage)
	}
}

// TestTraceHoldsNoSecret runs check, plan and apply against the sandbox with
// --trace and looks for every secret of the run in every form it can take on
// the wire; the trace must still show the exchanges.
func TestTraceHoldsNoSecret(t *testing.T) {
	run, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	dir := t.TempDir()
	const newPassword = "N3w-Hire-Secret!"
	in := writeFile(t, dir, "people.csv", "id,firstName,lastName,email,password,workingFolder,personas,orgId\n"+
		"trace.user,Tia,Race,tia@example.com,"+newPassword+",My Pipeline,Loan Officer,Denver Branch\n")
	env := sandboxEnv(run.URL, dir)
	trace := filepath.Join(dir, "trace.jsonl")
	for _, args := range [][]string{
		{"check", "--trace", trace},
		{"plan", "--trace", trace, "--report", filepath.Join(dir, "p.csv"), in},
		{"apply", "--trace", trace, "--state-dir", filepath.Join(dir, "st"), "--report", filepath.Join(dir, "a.csv"), in},
	} {
		r := runCLI(t, env, args...)
		if r.code != ExitOK {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stder)
		}
		b, err := os.ReadFile(trace)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) < 3 {
			t.Fatalf("%v: %d trace lines", args, len(lines))
		}
		paths := map[string]bool{}
		for _, l := range lines {
			var ex struct {
				Method, Path string
				Status       int
			}
			if err := json.Unmarshal([]byte(l), &ex); err != nil {
				t.Fatalf("%v: trace line is not JSON: %v: %s", args, err, l)
			}
			paths[ex.Method+" "+ex.Path] = true
		}
		if !paths["GET /encompass/v3/users/me"] || !paths["POST /oauth2/v1/token"] {
			t.Errorf("%v: trace lacks the token or users/me exchange: %v", args, paths)
		}
		if args[0] == "apply" && !paths["POST /encompass/v3/users"] {
			t.Errorf("apply: trace lacks the create: %v", paths)
		}
		for _, secret := range []string{"sandbox", "sandbox-secret", newPassword} {
			forms := []string{secret, url.QueryEscape(secret), jsonEscaped(secret),
				base64.StdEncoding.EncodeToString([]byte("sandbox-client:" + secret)),
				base64.StdEncoding.EncodeToString([]byte(url.QueryEscape("sandbox-client") + ":" + url.QueryEscape(secret)))}
			for _, f := range forms {
				if secret == "sandbox" && f == "sandbox" {
					// "sandbox" is also part of ids and names; look for it as a JSON value or form field.
					for _, v := range []string{`"password":"sandbox"`, "password=sandbox&", "password=sandbox\""} {
						if strings.Contains(string(b), v) {
							t.Errorf("%v: the trace holds the login password as %s", args, v)
						}
					}
					continue
				}
				if strings.Contains(string(b), f) {
					t.Errorf("%v: the trace holds a secret in the form %q", args, f)
				}
			}
		}
		// Tokens: the Authorization header shows only its scheme, and the
		// token answers keep no access token.
		for _, l := range lines {
			var ex struct {
				RequestHeaders map[string]any `json:"request_headers"`
				ResponseBody   string         `json:"response_body"`
			}
			_ = json.Unmarshal([]byte(l), &ex)
			if a, ok := ex.RequestHeaders["Authorization"]; ok && fmt.Sprint(a) != "Bearer [redacted]" && fmt.Sprint(a) != "Basic [redacted]" &&
				fmt.Sprint(a) != "[Bearer [redacted]]" && fmt.Sprint(a) != "[Basic [redacted]]" {
				t.Errorf("%v: Authorization in the trace: %v", args, a)
			}
			if strings.Contains(ex.ResponseBody, "access_token") && !strings.Contains(ex.ResponseBody, `"access_token":"[redacted]"`) {
				t.Errorf("%v: a token answer in the trace: %s", args, ex.ResponseBody)
			}
		}
	}
}

func jsonEscaped(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}

// TestRunRevokesItsToken checks that plan and check end their token (best
// effort) instead of leaving it alive for 30 minutes.
func TestRunRevokesItsToken(t *testing.T) {
	run, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", "action,id,title\nupdate,lo.denver,Branch Manager\n")
	env := sandboxEnv(run.URL, dir)
	for i, args := range [][]string{{"check"}, {"plan", "--report", filepath.Join(dir, "r.csv"), in}} {
		if r := runCLI(t, env, args...); r.code != ExitOK {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stder)
		}
		if st := run.Server.Stats(); st.Revocations != int64(i+1) {
			t.Errorf("after %v: %d revocations, want %d", args, st.Revocations, i+1)
		}
	}
}

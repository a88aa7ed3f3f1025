package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/encimport/encimport/internal/sandbox"
)

// caller is the user `check` says it authenticated as.
func caller(t *testing.T, r result) string {
	t.Helper()
	for _, l := range strings.Split(r.stdout, "\n") {
		if rest, ok := strings.CutPrefix(l, "Caller"); ok {
			id, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
			return id
		}
	}
	t.Fatalf("no Caller line: exit %d\n%s\n%s", r.code, r.stdout, r.stder)
	return ""
}

func withEnv(env map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
		} else {
			out[kv[i]] = kv[i+1]
		}
	}
	return out
}

// Issue 17: flag > explicit --config/--profile > environment > default
// profile, with a line at startup naming the profile, instance and user.
func TestProfilesAndPrecedence(t *testing.T) {
	run, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	dir := t.TempDir()
	env := sandboxEnv(run.URL, dir) // ENCOMPASS_USERNAME=admin, as in the issue
	env["XDG_CONFIG_HOME"] = filepath.Join(dir, "xdg")
	if err := os.MkdirAll(filepath.Join(dir, "xdg", "encimport"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "xdg", "encimport"), "config",
		"ENCOMPASS_USERNAME=ops.analyst\n\n[test]\nENCOMPASS_USERNAME = westadmin\n# comment\n[prod]\nENCOMPASS_USERNAME='it.admin'\n")
	itadmin := writeFile(t, dir, "itadmin.conf", "ENCOMPASS_USERNAME=it.admin\n")

	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
		line string // in the startup line
	}{
		{"the environment beats the default profile", env, nil, "admin", "profile default: instance BE11111111, user admin"},
		{"the default profile fills in", withEnv(env, "ENCOMPASS_USERNAME", ""), nil, "ops.analyst", "user_from=\"" + filepath.Join(dir, "xdg", "encimport", "config") + " line 1\""},
		{"--config beats the environment", env, []string{"--config", itadmin}, "it.admin", "user_from=\"" + itadmin + " line 1\""},
		{"--profile beats the environment", env, []string{"--profile", "test"}, "westadmin", "profile test: instance BE11111111, user westadmin"},
		{"ENCIMPORT_PROFILE names a profile", withEnv(env, "ENCIMPORT_PROFILE", "prod"), nil, "it.admin", "profile=prod"},
		{"--profile beats ENCIMPORT_PROFILE", withEnv(env, "ENCIMPORT_PROFILE", "prod"), []string{"--profile", "test"}, "westadmin", "profile=test"},
		{"a flag beats the profile", env, []string{"--profile", "test", "--username", "retail.mgr"}, "retail.mgr", "user_from=--username"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, append([]string{"check"}, tc.args...)...)
			if got := caller(t, r); got != tc.want {
				t.Errorf("authenticated as %s, want %s\n%s", got, tc.want, r.stder)
			}
			if !strings.Contains(r.stder, tc.line) {
				t.Errorf("stderr lacks %q:\n%s", tc.line, r.stder)
			}
			if strings.Contains(r.stder, sandbox.DefaultClientSecret) {
				t.Errorf("a secret in the log:\n%s", r.stder)
			}
		})
	}

	// An unknown profile is a usage error listing the profiles there.
	r := runCLI(t, env, "check", "--profile", "staging")
	if r.code != ExitUsage || !strings.Contains(r.stder, "profiles there are: (default), test, prod") {
		t.Errorf("unknown profile: exit %d\n%s", r.code, r.stder)
	}
	r = runCLI(t, withEnv(env, "ENCIMPORT_PROFILE", "staging"), "check")
	if r.code != ExitUsage || !strings.Contains(r.stder, "ENCIMPORT_PROFILE staging: no [staging] section") {
		t.Errorf("unknown ENCIMPORT_PROFILE: exit %d\n%s", r.code, r.stder)
	}
	// A --config file may have sections too; a named profile does not
	// inherit the default one.
	both := writeFile(t, dir, "both.conf", "ENCOMPASS_USERNAME=it.admin\nENCOMPASS_INSTANCE_ID=BE99999999\n[test]\nENCOMPASS_USERNAME=westadmin\n")
	r = runCLI(t, env, "check", "--config", both, "--profile", "test")
	if caller(t, r) != "westadmin" || !strings.Contains(r.stder, "instance BE11111111") {
		t.Errorf("--config with --profile:\n%s", r.stder)
	}
	// No config file at all: a named profile is an error, saying where it looked.
	r = runCLI(t, withEnv(env, "XDG_CONFIG_HOME", filepath.Join(dir, "none")), "check", "--profile", "test")
	if r.code != ExitUsage || !strings.Contains(r.stder, "there is no config file "+filepath.Join(dir, "none", "encimport", "config")) {
		t.Errorf("profile without a file: exit %d\n%s", r.code, r.stder)
	}
	// A bad line in any profile is an error with its line number.
	bad := writeFile(t, dir, "bad.conf", "[test]\nENCOMPASS_USERNAME=x\n[prod\n")
	if r = runCLI(t, env, "check", "--config", bad); r.code != ExitFatal || !strings.Contains(r.stder, "line 3") {
		t.Errorf("bad section: exit %d\n%s", r.code, r.stder)
	}
}

// Secrets from *_FILE variables (systemd credentials, container secrets),
// the warnings for files others may read, and auth errors that say who was
// tried and where, never with what.
func TestSecretFilesAndAuthErrors(t *testing.T) {
	run, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	dir := t.TempDir()
	env := withEnv(sandboxEnv(run.URL, dir), "ENCOMPASS_PASSWORD", "", "ENCOMPASS_CLIENT_SECRET", "")
	pw := writeFile(t, dir, "password", sandbox.DefaultPassword+"\n")
	secret := writeFile(t, dir, "secret", sandbox.DefaultClientSecret+"\r\n")
	files := withEnv(env, "ENCOMPASS_PASSWORD_FILE", pw, "ENCOMPASS_CLIENT_SECRET_FILE", secret)

	r := runCLI(t, files, "check")
	if r.code != ExitOK || caller(t, r) != "admin" || strings.Contains(r.stder, "readable by others") {
		t.Fatalf("secrets from files: exit %d\n%s\n%s", r.code, r.stdout, r.stder)
	}
	if err := os.Chmod(pw, 0o644); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, files, "check")
	if r.code != ExitOK || !strings.Contains(r.stder, "secret file "+pw+" holds a secret and is readable by others (mode 0644); run: chmod 600 "+pw) {
		t.Errorf("no warning for a readable secret file: exit %d\n%s", r.code, r.stder)
	}

	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"both forms", withEnv(files, "ENCOMPASS_PASSWORD", "x"), "both ENCOMPASS_PASSWORD (environment ENCOMPASS_PASSWORD) and ENCOMPASS_PASSWORD_FILE (environment ENCOMPASS_PASSWORD_FILE) are set"},
		{"a directory", withEnv(files, "ENCOMPASS_PASSWORD_FILE", dir), "environment ENCOMPASS_PASSWORD_FILE: secret file " + dir + " is a folder, not a file"},
		{"missing", withEnv(files, "ENCOMPASS_PASSWORD_FILE", filepath.Join(dir, "nope")), "nope does not exist"},
		{"empty", withEnv(files, "ENCOMPASS_PASSWORD_FILE", writeFile(t, dir, "empty", "\n")), "empty is empty"},
	} {
		if r := runCLI(t, tc.env, "check"); r.code != ExitFatal || !strings.Contains(r.stder, tc.want) {
			t.Errorf("%s: exit %d, want 1 and %q\n%s", tc.name, r.code, tc.want, r.stder)
		}
	}

	// A config file holding a secret, readable by others: a warning. Its
	// *_FILE names are taken from the config file's directory.
	conf := writeFile(t, dir, "enc.conf", "ENCOMPASS_USERNAME=it.admin\nENCOMPASS_PASSWORD_FILE=password\nENCOMPASS_CLIENT_SECRET=\"Wr0ng-Secr3t!\"\n")
	if err := os.Chmod(conf, 0o640); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, env, "check", "--config", conf)
	if !strings.Contains(r.stder, "config file "+conf+" holds a secret and is readable by others (mode 0640)") {
		t.Errorf("no warning for a readable config file:\n%s", r.stder)
	}
	// The client secret is wrong: the error names the user and the
	// instance tried, and never the secret.
	if r.code != ExitFatal || !strings.Contains(r.stder, "for user it.admin on instance BE11111111") {
		t.Errorf("auth error: exit %d\n%s", r.code, r.stder)
	}
	wrongPw := withEnv(env, "ENCOMPASS_PASSWORD", "Wr0ng-Pa55!", "ENCOMPASS_CLIENT_SECRET", sandbox.DefaultClientSecret, "ENCOMPASS_USERNAME", "westadmin")
	r2 := runCLI(t, wrongPw, "plan", "--report", filepath.Join(dir, "r.csv"), writeFile(t, dir, "people.csv", goodCSV))
	if r2.code != ExitFatal || !strings.Contains(r2.stder, "refused for user westadmin on instance BE11111111") {
		t.Errorf("wrong password: exit %d\n%s", r2.code, r2.stder)
	}
	for _, out := range []string{r.stdout, r.stder, r2.stdout, r2.stder} {
		if strings.Contains(out, "Wr0ng") {
			t.Errorf("a secret in the output:\n%s", out)
		}
	}
}

// --timeout: a server that does not answer costs the timeout and says so,
// instead of two minutes of silence.
func TestTimeoutOfAHungServer(t *testing.T) {
	stop := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so that the server sees the client leave
		if r.URL.Path == "/oauth2/v1/token" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"t","token_type":"Bearer","expires_in":1800}`))
			return
		}
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer hung.Close()
	defer close(stop)
	dir := t.TempDir()
	env := sandboxEnv(hung.URL, dir)
	in := writeFile(t, dir, "people.csv", goodCSV)
	r := runCLI(t, env, "plan", "--timeout", "300ms", "--report", filepath.Join(dir, "r.csv"), in)
	if r.code != ExitFatal || !strings.Contains(r.stder, "the server did not answer GET /encompass/v3/") ||
		!strings.Contains(r.stder, "within 0.3s; check the API URL and the network, or raise --timeout") {
		t.Errorf("plan against a hung server: exit %d\n%s", r.code, r.stder)
	}
	r = runCLI(t, withEnv(env, "ENCIMPORT_TIMEOUT", "0.2"), "check")
	if r.code != ExitFatal || !strings.Contains(r.stder, "did not answer POST /oauth2/v1/token/introspection within 0.2s") {
		t.Errorf("check against a hung server: exit %d\n%s", r.code, r.stder)
	}
	for _, bad := range []string{"0", "-1s", "soon"} {
		if r := runCLI(t, env, "plan", "--timeout", bad, in); r.code != ExitUsage {
			t.Errorf("--timeout %s: exit %d, want %d", bad, r.code, ExitUsage)
		}
	}
}

// --concurrency above what the API allows: a warning up front for a value
// above 30, and one (only one) naming both numbers once the server has said
// its limit.
func TestConcurrencyAboveTheCap(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", goodCSV)
	r := runCLI(t, nil, "plan", "--sandbox", "--concurrency", "50", "--report", filepath.Join(dir, "r.csv"), in)
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stder)
	}
	up := "--concurrency 50: the API caps calls at 30 per lender"
	seen := "concurrency 50 is above the 30 calls in flight the server allows"
	if n := strings.Count(r.stder, up); n != 1 {
		t.Errorf("%d up-front warnings, want 1:\n%s", n, r.stder)
	}
	if n := strings.Count(r.stder, seen); n != 1 {
		t.Errorf("%d warnings from the server's limit, want 1:\n%s", n, r.stder)
	}
	r = runCLI(t, nil, "plan", "--sandbox", "--concurrency", "30", "--report", filepath.Join(dir, "r2.csv"), in)
	if strings.Contains(r.stder, "caps calls") || strings.Contains(r.stder, "the server allows") {
		t.Errorf("a warning at 30:\n%s", r.stder)
	}
}

// validate is offline: it reads the profile (company defaults) but no
// secret file.
func TestValidateReadsNoSecretFile(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "people.csv", goodCSV)
	conf := writeFile(t, dir, "enc.conf", "[test]\nENCIMPORT_COMPANY_DEFAULTS=org\nENCOMPASS_PASSWORD_FILE=/nonexistent\n")
	r := runCLI(t, map[string]string{"HOME": dir}, "validate", "--config", conf, "--profile", "test", "--report", filepath.Join(dir, "r.csv"), in)
	if r.code != ExitOK {
		t.Errorf("exit %d\n%s", r.code, r.stder)
	}
}

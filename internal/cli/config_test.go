package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/internal/sandbox"
)

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	cfgFile := writeFile(t, dir, "enc.conf", "# comment\nENCOMPASS_INSTANCE_ID=FROMFILE\nENCOMPASS_CLIENT_ID=file-client\nENCIMPORT_CONCURRENCY=4\n")
	getenv := func(k string) string {
		return map[string]string{"ENCOMPASS_CLIENT_ID": "env-client", "ENCOMPASS_INSTANCE_ID": "FROMENV"}[k]
	}
	cfg, err := (&base{Getenv: getenv}).resolve(configOptions{file: cfgFile}, nil, &connOptions{instanceID: "FROMFLAG", rate: optFloat{v: 2.5, set: true}})
	if err != nil {
		t.Fatal(err)
	}
	// The explicit --config file beats the environment (issue 17); the flag beats both.
	if cfg.Target.InstanceID != "FROMFLAG" || cfg.Target.ClientID != "file-client" || cfg.Concurrency != 4 || cfg.Rate != 2.5 {
		t.Fatalf("config %+v", cfg)
	}
	noEnv := func(string) string { return "" }
	quoted := writeFile(t, dir, "q.conf", "ENCOMPASS_CLIENT_SECRET='s3cr\"t'\nENCOMPASS_PASSWORD=\"pw'\"\n")
	if cfg, err = (&base{Getenv: noEnv}).resolve(configOptions{file: quoted}, nil, &connOptions{}); err != nil {
		t.Fatal(err)
	}
	if cfg.Target.ClientSecret != `s3cr"t` || cfg.Target.Password != `pw'` {
		t.Fatalf("quotes: secret %q password %q", cfg.Target.ClientSecret, cfg.Target.Password)
	}
	bad := writeFile(t, dir, "bad.conf", "ENCOMPASS_NOPE=1\n")
	if _, err := (&base{Getenv: noEnv}).resolve(configOptions{file: bad}, nil, &connOptions{}); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("want a line-numbered error, got %v", err)
	}
}

// The sandbox world's company defaults are part of the resolved config,
// known before anything runs: a create without an organization is valid
// against a sandbox whose world has a default organization, and invalid
// against one whose world has none.
func TestSandboxCompanyDefaultsResolvedUpFront(t *testing.T) {
	dir := t.TempDir()
	w := sandbox.DefaultWorld()
	w.Defaults = encompass.Defaults{OrgID: sandbox.OrgDenverBranch}
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	withDefaults := writeFile(t, dir, "defaults.json", string(b))
	noEnv := func(string) string { return "" }
	in := inputOptions{action: "upsert", moveBatchSize: 100}
	for _, tc := range []struct {
		conn connOptions
		want bool
	}{
		{connOptions{sandbox: true, sandboxState: withDefaults}, true},
		{connOptions{sandbox: true, sandboxState: filepath.Join(dir, "fresh.json")}, false},
		{connOptions{sandboxState: withDefaults}, false}, // no --sandbox: the world is not read
	} {
		cfg, err := (&base{Getenv: noEnv}).resolve(configOptions{}, &in, &tc.conn)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Planner.DefaultOrg != tc.want || cfg.Planner.DefaultPersona || cfg.Planner.DefaultWorkingFolder {
			t.Errorf("%+v: planner options %+v, want DefaultOrg %v only", tc.conn, cfg.Planner, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "fresh.json")); !os.IsNotExist(err) {
		t.Errorf("resolving wrote the sandbox state file: %v", err)
	}

	people := writeFile(t, dir, "people.csv", "action,id,firstName,lastName,email,password,workingFolder,personas\n"+
		"create,def.org,Dee,Fault,dee@example.com,Secr3t!pass,My Pipeline,Loan Officer\n")
	r := runCLI(t, nil, "plan", "--sandbox", "--sandbox-state", withDefaults, "--report", filepath.Join(dir, "r1.csv"), people)
	if r.code != ExitOK || !strings.Contains(r.stdout, "1 to create") {
		t.Fatalf("plan with a default organization: exit %d\n%s\n%s", r.code, r.stdout, r.stder)
	}
	r = runCLI(t, nil, "plan", "--sandbox", "--sandbox-state", filepath.Join(dir, "fresh.json"), "--report", filepath.Join(dir, "r2.csv"), people)
	if r.code != ExitRowProblems {
		t.Fatalf("plan without a default organization: exit %d, want %d\n%s", r.code, ExitRowProblems, r.stder)
	}
}

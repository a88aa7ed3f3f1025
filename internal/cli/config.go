package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/job"
	"github.com/encimport/encimport/internal/regfile"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
)

// resolve computes a run's settings before it starts, flag > environment >
// config file: in (validate, plan, apply) and conn (plan, apply, check) are
// the command's flags, either nil when the command has none. With --sandbox
// the company defaults of the sandbox's world count as configured. The
// command then sets the input; the job never changes what it is given.
func resolve(getenv func(string) string, configFile string, in *inputOptions, conn *connOptions) (job.Config, error) {
	s, err := loadSettings(configFile, getenv)
	if err != nil {
		return job.Config{}, err
	}
	var cfg job.Config
	if conn != nil {
		for _, f := range []struct {
			dst *string
			v   string
		}{{&s.APIURL, conn.apiURL}, {&s.InstanceID, conn.instanceID}, {&s.ClientID, conn.clientID}, {&s.Username, conn.username}, {&s.StateDir, conn.stateDir}} {
			if f.v != "" {
				*f.dst = f.v
			}
		}
		if conn.concurrency.set {
			s.Concurrency = conn.concurrency.v
		}
		if conn.rate.set {
			s.Rate = conn.rate.v
		}
		cfg.Target = job.Target{
			Sandbox: conn.sandbox, SandboxState: conn.sandboxState, Trace: conn.trace,
			APIURL: s.APIURL, InstanceID: s.InstanceID, ClientID: s.ClientID, ClientSecret: s.ClientSecret,
			Username: s.Username, Password: s.Password,
		}
		cfg.Concurrency, cfg.Rate, cfg.StateDir, cfg.LockDir = s.Concurrency, s.Rate, s.StateDir, s.LockDir
	}
	if in == nil {
		return cfg, nil
	}
	if in.companyDefaults != "" {
		if err := s.setCompanyDefaults(in.companyDefaults); err != nil {
			return cfg, usagef("--company-defaults: %v", err)
		}
	}
	if cfg.Target.Sandbox {
		w, err := sandbox.StoredWorld(cfg.Target.SandboxState)
		if err != nil {
			return cfg, fmt.Errorf("starting the sandbox: %w", err)
		}
		d := w.Defaults
		s.DefaultOrg = s.DefaultOrg || d.OrgID != ""
		s.DefaultPersona = s.DefaultPersona || d.PersonaID != ""
		s.DefaultWorkingFolder = s.DefaultWorkingFolder || d.WorkingFolder != ""
	}
	cfg.Sheet, cfg.Report = in.sheet, in.report
	cfg.AllSheets, cfg.IncludeHidden = in.allSheets, in.includeHidden
	cfg.Planner = plan.Options{
		DefaultAction:        encompass.Action(in.action),
		MergePersonas:        in.mergePersonas,
		ExactLicenses:        in.exactLicenses,
		ResetPasswords:       in.resetPasswords,
		MoveBatchSize:        in.moveBatchSize,
		DefaultOrg:           s.DefaultOrg,
		DefaultPersona:       s.DefaultPersona,
		DefaultWorkingFolder: s.DefaultWorkingFolder,
	}
	return cfg, nil
}

// settings are the connection and run settings of the config file and the
// environment (the flags win over both; resolve applies them). Secrets come
// only from the environment or the config file.
type settings struct {
	APIURL       string
	InstanceID   string
	ClientID     string
	ClientSecret string
	Username     string
	Password     string

	Concurrency int
	Rate        float64
	StateDir    string
	LockDir     string // the instance locks ("": executor.DefaultLockDir)
	// Company defaults configured on the server (the API cannot read them).
	DefaultOrg, DefaultPersona, DefaultWorkingFolder bool
}

// DefaultAPIURL is Encompass's production API.
const DefaultAPIURL = "https://api.elliemae.com"

// configKeys maps config-file keys (and environment variables) to setters.
var configKeys = map[string]func(c *settings, v string) error{
	"ENCOMPASS_API_URL":       func(c *settings, v string) error { c.APIURL = v; return nil },
	"ENCOMPASS_INSTANCE_ID":   func(c *settings, v string) error { c.InstanceID = v; return nil },
	"ENCOMPASS_CLIENT_ID":     func(c *settings, v string) error { c.ClientID = v; return nil },
	"ENCOMPASS_CLIENT_SECRET": func(c *settings, v string) error { c.ClientSecret = v; return nil },
	"ENCOMPASS_USERNAME":      func(c *settings, v string) error { c.Username = v; return nil },
	"ENCOMPASS_PASSWORD":      func(c *settings, v string) error { c.Password = v; return nil },
	"ENCIMPORT_CONCURRENCY": func(c *settings, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("concurrency %q: give a whole number of at least 1", v)
		}
		c.Concurrency = n
		return nil
	},
	"ENCIMPORT_RATE": func(c *settings, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 {
			return fmt.Errorf("rate %q: give calls per second as a number, 0 for no limit", v)
		}
		c.Rate = f
		return nil
	},
	"ENCIMPORT_STATE_DIR":        func(c *settings, v string) error { c.StateDir = v; return nil },
	"ENCIMPORT_LOCK_DIR":         func(c *settings, v string) error { c.LockDir = v; return nil },
	"ENCIMPORT_COMPANY_DEFAULTS": func(c *settings, v string) error { return c.setCompanyDefaults(v) },
}

// setCompanyDefaults parses "org,persona,workingFolder" (any subset, or "none").
func (c *settings) setCompanyDefaults(v string) error {
	c.DefaultOrg, c.DefaultPersona, c.DefaultWorkingFolder = false, false, false
	for _, part := range strings.Split(v, ",") {
		switch strings.ToLower(strings.TrimSpace(part)) {
		case "", "none":
		case "org", "orgid":
			c.DefaultOrg = true
		case "persona", "personas":
			c.DefaultPersona = true
		case "workingfolder", "folder":
			c.DefaultWorkingFolder = true
		default:
			return fmt.Errorf("company defaults %q: use a comma-separated subset of org, persona, workingFolder", v)
		}
	}
	return nil
}

// maxConfigFile bounds the config file: a few KEY=VALUE lines.
const maxConfigFile = 1 << 20

// loadConfigFile reads KEY=VALUE lines ('#' comments, optional quotes).
// Keys are the environment variable names, case-insensitive. The file must
// be a regular file (links resolved): a FIFO, a device or a folder is
// refused at once, never read.
func loadConfigFile(path string, c *settings) error {
	data, err := regfile.ReadFile(context.Background(), path, maxConfigFile)
	if err != nil {
		return fmt.Errorf("config file %w; give --config the path of a text file of KEY=VALUE lines (see README), or leave --config out", err)
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return fmt.Errorf("config file %s is not a text file; give --config the path of a text file of KEY=VALUE lines (see README)", path)
	}
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return fmt.Errorf("config file %s, line %d: expected KEY=VALUE; fix the line or make it a comment starting with #", path, n+1)
		}
		k = strings.ToUpper(strings.TrimSpace(k))
		v = unquote(strings.TrimSpace(v))
		set, ok := configKeys[k]
		if !ok {
			return fmt.Errorf("config file %s, line %d: unknown key %s; known keys are the ENCOMPASS_* and ENCIMPORT_* names in README", path, n+1, importer.Clip(k))
		}
		if err := set(c, v); err != nil {
			return fmt.Errorf("config file %s, line %d: %w", path, n+1, err)
		}
	}
	return nil
}

// unquote removes one pair of matching quotes around v, and nothing else:
// a secret may itself begin or end with a quote.
func unquote(v string) string {
	if len(v) >= 2 && v[0] == v[len(v)-1] && (v[0] == '"' || v[0] == '\'') {
		return v[1 : len(v)-1]
	}
	return v
}

// loadSettings applies the config file, then the environment (resolve
// applies the flags afterwards, as they win).
func loadSettings(path string, getenv func(string) string) (settings, error) {
	c := settings{APIURL: DefaultAPIURL, Concurrency: 8}
	if path != "" {
		if err := loadConfigFile(path, &c); err != nil {
			return c, err
		}
	}
	for k, set := range configKeys {
		if v := getenv(k); v != "" {
			if err := set(&c, v); err != nil {
				return c, fmt.Errorf("environment %s: %w", k, err)
			}
		}
	}
	if c.StateDir == "" {
		c.StateDir = defaultStateDir(getenv)
	}
	return c, nil
}

func defaultStateDir(getenv func(string) string) string {
	if d := getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "encimport")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "state", "encimport")
	}
	return filepath.Join(os.TempDir(), "encimport-state")
}

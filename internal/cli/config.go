package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/internal/job"
	"github.com/encimport/encimport/internal/regfile"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
)

// resolve computes a run's settings before it starts, weakest first: the
// default profile of the default config file, the environment, the
// explicit --config file or the profile named by --profile (or
// ENCIMPORT_PROFILE), and the flags (loadSettings has the rest). in
// (validate, plan, apply) and conn (plan, apply, check, export, revert;
// runs for its state folder alone, noCalls) are the command's flags,
// either nil when the command has none. With --sandbox the company
// defaults of the sandbox's world count as configured. It logs a warning
// for each file holding a secret that others may read and, for a command
// that connects, one line naming the profile, instance and user in use
// (never a secret). The command then sets the input; the job never
// changes what it is given.
func (b *base) resolve(co configOptions, in *inputOptions, conn *connOptions) (job.Config, error) {
	var fl []flagSetting
	if conn != nil {
		fl = []flagSetting{
			{"ENCOMPASS_API_URL", "--api-url", conn.apiURL}, {"ENCOMPASS_INSTANCE_ID", "--instance-id", conn.instanceID},
			{"ENCOMPASS_CLIENT_ID", "--client-id", conn.clientID}, {"ENCOMPASS_USERNAME", "--username", conn.username},
			{"ENCIMPORT_STATE_DIR", "--state-dir", conn.stateDir},
		}
		if conn.concurrency.set {
			fl = append(fl, flagSetting{"ENCIMPORT_CONCURRENCY", "--concurrency", strconv.Itoa(conn.concurrency.v)})
		}
		if conn.rate.set {
			fl = append(fl, flagSetting{"ENCIMPORT_RATE", "--rate", strconv.FormatFloat(conn.rate.v, 'g', -1, 64)})
		}
		if conn.timeout.set {
			fl = append(fl, flagSetting{"ENCIMPORT_TIMEOUT", "--timeout", conn.timeout.v.String()})
		}
	}
	s, src, err := loadSettings(co, b.Getenv, fl, conn != nil && !conn.noCalls)
	for _, w := range src.warnings {
		b.logger().Warn(w)
	}
	if err != nil {
		return job.Config{}, err
	}
	var cfg job.Config
	if conn != nil {
		cfg.Target = job.Target{
			Sandbox: conn.sandbox, SandboxState: conn.sandboxState, Trace: conn.trace,
			APIURL: s.APIURL, InstanceID: s.InstanceID, ClientID: s.ClientID, ClientSecret: s.ClientSecret,
			Username: s.Username, Password: s.Password,
		}
		cfg.Concurrency, cfg.Rate, cfg.StateDir, cfg.LockDir = s.Concurrency, s.Rate, s.StateDir, s.LockDir
		cfg.Timeout = s.Timeout
		if s.Concurrency > apiCallCap && !conn.noCalls {
			b.logger().Warn(fmt.Sprintf("%s %d: the API caps calls at %d per lender (shared by every client of the instance); encimport uses at most what the server allows",
				src.name("ENCIMPORT_CONCURRENCY"), s.Concurrency, apiCallCap))
		}
		if !conn.sandbox && !conn.noCalls {
			src.logTarget(b.logger(), s)
		}
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

// settings are the connection and run settings of the flags, the config
// file and the environment (loadSettings merges them). Secrets come only
// from the environment or the config file, as values or as files (*_FILE).
type settings struct {
	APIURL       string
	InstanceID   string
	ClientID     string
	ClientSecret string
	Username     string
	Password     string

	Concurrency int
	Rate        float64
	Timeout     time.Duration
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
	"ENCIMPORT_TIMEOUT": func(c *settings, v string) error {
		d, err := parseTimeout(v)
		c.Timeout = d
		return err
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

// unquote removes one pair of matching quotes around v, and nothing else:
// a secret may itself begin or end with a quote.
func unquote(v string) string {
	if len(v) >= 2 && v[0] == v[len(v)-1] && (v[0] == '"' || v[0] == '\'') {
		return v[1 : len(v)-1]
	}
	return v
}

// secretKeys are the settings that are secrets: never a flag, never logged,
// also read from a file named by KEY_FILE.
var secretKeys = map[string]bool{"ENCOMPASS_CLIENT_SECRET": true, "ENCOMPASS_PASSWORD": true}

// apiCallCap is Encompass's default cap on calls in flight per lender,
// shared by every client of the instance.
const apiCallCap = 30

// DefaultTimeout is --timeout's default: how long one call may wait for its
// answer.
const DefaultTimeout = 60 * time.Second

func parseTimeout(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		if n, nerr := strconv.ParseFloat(v, 64); nerr == nil {
			d, err = time.Duration(n*float64(time.Second)), nil // bare seconds
		}
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("timeout %q: give a duration such as 60s or 2m", v)
	}
	return d, nil
}

// loadSettings merges the sources of a run's settings; for each key the
// strongest source that sets it wins, weakest first:
//
//  1. the built-in defaults;
//  2. the default profile of the default config file ($XDG_CONFIG_HOME/
//     encimport/config, else ~/.config/encimport/config), read when it
//     exists and neither --config nor a profile was given;
//  3. the environment (KEY, or KEY_FILE for a secret);
//  4. what was asked for by name: the --config file (its default profile),
//     or the profile named by --profile or ENCIMPORT_PROFILE, in the
//     --config file or the default one. A named profile does not inherit
//     the default profile, so a test profile never picks up production's
//     password;
//  5. the flags.
//
// So a stale ENCOMPASS_USERNAME in the environment no longer beats the
// --config file someone named. It returns the sources even with an error,
// for their warnings. Secret files are read only with secrets (an offline
// command needs none).
func loadSettings(co configOptions, getenv func(string) string, flags []flagSetting, secrets bool) (settings, sources, error) {
	c := settings{APIURL: DefaultAPIURL, Concurrency: 8, Timeout: DefaultTimeout}
	src := sources{from: map[string]string{}}
	profile, profileFrom := co.profile, "--profile"
	if profile == "" {
		profile, profileFrom = getenv("ENCIMPORT_PROFILE"), "ENCIMPORT_PROFILE"
	}
	if strings.EqualFold(profile, "default") {
		profile = ""
	}
	src.profile = profile
	path, explicit := co.file, co.file != "" || profile != ""
	if path == "" {
		path = defaultConfigPath(getenv)
		if _, err := os.Stat(path); path != "" && errors.Is(err, fs.ErrNotExist) {
			if profile != "" {
				return c, src, usagef("%s %s: there is no config file %s; create it with a [%s] section, or give --config FILE", profileFrom, profile, path, profile)
			}
			path = ""
		}
		if path == "" && profile != "" {
			return c, src, usagef("%s %s: no config file (set HOME or XDG_CONFIG_HOME, or give --config FILE)", profileFrom, profile)
		}
	}
	var layers []layer
	var chosen layer
	if path != "" {
		cf, err := readConfigFile(path)
		if err != nil {
			return c, src, err
		}
		src.file = path
		if cf.secret {
			src.warnLoose("config file", path)
		}
		if _, ok := cf.sections[profile]; !ok && profile != "" {
			return c, src, usagef("%s %s: no [%s] section in %s; the profiles there are: %s", profileFrom, profile, profile, path, cf.profiles())
		}
		if chosen, err = cf.layer(profile); err != nil {
			return c, src, err
		}
	}
	env := layer{}
	for k := range configKeys {
		if v := getenv(k); v != "" {
			_ = env.put(k, entry{value: v, where: "environment " + k})
		}
		if secretKeys[k] {
			if v := getenv(k + "_FILE"); v != "" {
				if err := env.put(k, entry{value: v, file: true, where: "environment " + k + "_FILE"}); err != nil {
					return c, src, fmt.Errorf("environment: %w", err)
				}
			}
		}
	}
	if explicit {
		layers = append(layers, env, chosen)
	} else {
		layers = append(layers, chosen, env)
	}
	fl := layer{}
	for _, f := range flags {
		if f.value != "" {
			fl[f.key] = entry{value: f.value, where: f.flag}
		}
	}
	layers = append(layers, fl)
	merged := layer{}
	for _, l := range layers {
		for k, e := range l {
			merged[k] = e
		}
	}
	keys := make([]string, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same error first on every run
	for _, k := range keys {
		e := merged[k]
		v := e.value
		if e.file && !secrets {
			continue
		}
		if e.file {
			var err error
			if v, err = src.readSecretFile(e); err != nil {
				return c, src, err
			}
		}
		if err := configKeys[k](&c, v); err != nil {
			return c, src, fmt.Errorf("%s: %w", e.where, err)
		}
		src.from[k] = e.where
	}
	if c.StateDir == "" {
		c.StateDir = defaultStateDir(getenv)
	}
	return c, src, nil
}

// maxSecretFile bounds a secret file: a secret is a line, not a document.
const maxSecretFile = 64 << 10

// readSecretFile reads the secret a *_FILE setting names (systemd
// credentials, container secrets): a regular file (a symbolic link to one,
// as Kubernetes mounts them, is followed), its trailing newline trimmed.
// Messages name the file, never its content.
func (s *sources) readSecretFile(e entry) (string, error) {
	path := e.value
	if !filepath.IsAbs(path) && e.dir != "" {
		path = filepath.Join(e.dir, path)
	}
	b, err := regfile.ReadFile(context.Background(), path, maxSecretFile)
	if err != nil {
		return "", fmt.Errorf("%s: secret file %w; give the path of a file holding the secret", e.where, err)
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		return "", fmt.Errorf("%s: secret file %s is empty; put the secret in it", e.where, path)
	}
	s.warnLoose("secret file", path)
	return v, nil
}

// warnLoose warns when a file holding a secret is open to its group or to
// others (mode & 0o077).
func (s *sources) warnLoose(what, path string) {
	if runtime.GOOS == "windows" {
		return // no Unix modes; ACLs are not checked
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	s.warnings = append(s.warnings, fmt.Sprintf("%s %s holds a secret and is readable by others (mode %04o); run: chmod 600 %s",
		what, path, fi.Mode().Perm(), path))
}

// logger is the command's log (nothing before the flags are parsed).
func (b *base) logger() *slog.Logger {
	if b.log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return b.log
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

// optDuration is --timeout: a duration that knows whether it was given.
type optDuration struct {
	v   time.Duration
	set bool
}

func (f *optDuration) String() string { return "" }
func (f *optDuration) Type() string   { return "duration" }
func (f *optDuration) text() string   { return f.v.String() }
func (f *optDuration) Set(s string) error {
	d, err := parseTimeout(s)
	if err != nil {
		return fmt.Errorf("%q: give a duration such as 60s or 2m", s)
	}
	f.v, f.set = d, true
	return nil
}

package cli

import (
	"bytes"
	"cmp"
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
	"unicode/utf8"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/job"
	"github.com/encimport/encimport/internal/regfile"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
)

// resolve computes a run's settings before it starts, weakest first: the
// default profile of the default config file, the environment, the
// explicit --config file or the profile named by --profile (or
// ENCIMPORT_PROFILE), and the flags (loadSettings has the rest). in
// (validate, plan, apply) and conn (plan, apply, check) are the command's
// flags, either nil when the command has none. With --sandbox the company
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
	s, src, err := loadSettings(co, b.Getenv, fl, conn != nil)
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
		if s.Concurrency > apiCallCap {
			b.logger().Warn(fmt.Sprintf("%s %d: the API caps calls at %d per lender (shared by every client of the instance); encimport uses at most what the server allows",
				src.name("ENCIMPORT_CONCURRENCY"), s.Concurrency, apiCallCap))
		}
		if !conn.sandbox {
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

// configOptions are --config and --profile: which settings file, and which
// of its profiles.
type configOptions struct{ file, profile string }

// flagSetting is a setting given on the command line.
type flagSetting struct{ key, flag, value string }

// entry is one setting as one source gives it.
type entry struct {
	value string
	file  bool   // value names a file holding the secret (KEY_FILE)
	dir   string // with file: relative names are taken from here
	where string // for messages: "--username", "ENCOMPASS_USERNAME", "/x/config line 3"
}

// layer is one source's settings, by key (a *_FILE key under its secret's key).
type layer map[string]entry

func (l layer) put(key string, e entry) error {
	if old, ok := l[key]; ok && old.file != e.file {
		return fmt.Errorf("both %s (%s) and %s_FILE (%s) are set: set one", key, where(old, e, false), key, where(old, e, true))
	}
	l[key] = e
	return nil
}

func where(a, b entry, file bool) string {
	if a.file == file {
		return a.where
	}
	return b.where
}

// configFile is a parsed config file: KEY=VALUE lines, '#' comments,
// sections per profile ([test], [prod]); the lines before any section (and
// those of a [default] section) are the default profile "".
type configFile struct {
	path     string
	sections map[string][]configLine
	names    []string // the named profiles, in the file's order
	secret   bool     // the file holds a secret itself (not just a *_FILE name)
}

type configLine struct {
	key, value string
	file       bool
	n          int
}

// maxConfigFile bounds the config file: a few KEY=VALUE lines.
const maxConfigFile = 1 << 20

// readConfigFile reads and checks a whole config file: a bad line in any
// profile is an error, so a typo never waits for the day its profile is
// used. Keys are the environment variable names, case-insensitive. The file
// must be a regular file (links resolved): a FIFO, a device or a folder is
// refused at once, never read.
func readConfigFile(path string) (*configFile, error) {
	data, err := regfile.ReadFile(context.Background(), path, maxConfigFile)
	if err != nil {
		return nil, fmt.Errorf("config file %w; give --config the path of a text file of KEY=VALUE lines (see README), or leave --config out", err)
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return nil, fmt.Errorf("config file %s is not a text file; give --config the path of a text file of KEY=VALUE lines (see README)", path)
	}
	cf := &configFile{path: path, sections: map[string][]configLine{}}
	section := ""
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") {
			name, ok := strings.CutSuffix(line, "]")
			name = strings.TrimSpace(strings.TrimPrefix(name, "["))
			if !ok || !validProfileName(name) {
				return nil, fmt.Errorf("config file %s, line %d: expected a profile section such as [test] (letters, digits, '.', '_' and '-'); fix the line or make it a comment starting with #", path, n)
			}
			if strings.EqualFold(name, "default") {
				name = ""
			}
			if _, seen := cf.sections[name]; !seen {
				if name != "" {
					cf.names = append(cf.names, name)
				}
				cf.sections[name] = nil // an empty profile is still a profile
			}
			section = name
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("config file %s, line %d: expected KEY=VALUE or [profile]; fix the line or make it a comment starting with #", path, n)
		}
		k = strings.ToUpper(strings.TrimSpace(k))
		v = unquote(strings.TrimSpace(v))
		base, isFile := strings.CutSuffix(k, "_FILE")
		if !isFile || !secretKeys[base] {
			base, isFile = k, false
		}
		if _, ok := configKeys[base]; !ok {
			return nil, fmt.Errorf("config file %s, line %d: unknown key %s; known keys are the ENCOMPASS_* and ENCIMPORT_* names in README", path, n, importer.Clip(k))
		}
		cf.secret = cf.secret || (secretKeys[base] && !isFile && v != "")
		cf.sections[section] = append(cf.sections[section], configLine{base, v, isFile, n})
	}
	return cf, nil
}

func validProfileName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// profiles lists the file's profiles for a message.
func (cf *configFile) profiles() string {
	var p []string
	if _, ok := cf.sections[""]; ok {
		p = append(p, "(default)")
	}
	p = append(p, cf.names...)
	if len(p) == 0 {
		return "none"
	}
	return strings.Join(p, ", ")
}

// layer is one profile's settings (profile "" is the default one).
func (cf *configFile) layer(profile string) (layer, error) {
	l := layer{}
	dir := filepath.Dir(cf.path)
	for _, cl := range cf.sections[profile] {
		where := fmt.Sprintf("%s line %d", cf.path, cl.n)
		if old, ok := l[cl.key]; ok && old.file != cl.file {
			delete(l, cl.key) // in one file the later line wins, as before
		}
		if err := l.put(cl.key, entry{value: cl.value, file: cl.file, dir: dir, where: where}); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// sources says where a run's settings came from: its profile, its config
// file and, per key, the source that won; and what to warn about.
type sources struct {
	profile  string // "" for the default profile
	file     string // "" when no config file was read
	from     map[string]string
	warnings []string
}

// name is how a message names key: the flag or the file line that set it,
// else the key itself.
func (s sources) name(key string) string {
	if w, ok := s.from[key]; ok && strings.HasPrefix(w, "--") {
		return w
	}
	return key
}

// logTarget is the line at startup that says which Encompass and which
// account a run uses (never a secret).
func (s sources) logTarget(log *slog.Logger, c settings) {
	profile := cmp.Or(s.profile, "default")
	user, grant, who := c.Username, "password", "user "+cmp.Or(c.Username, "(none)")
	if c.Password == "" {
		user, grant, who = "", "client_credentials", "API client "+cmp.Or(c.ClientID, "(none)")
	}
	log.Info(fmt.Sprintf("profile %s: instance %s, %s at %s", profile, cmp.Or(c.InstanceID, "(none)"), who, c.APIURL),
		"profile", profile, "config", cmp.Or(s.file, "none"), "instance", c.InstanceID, "user", user, "grant", grant,
		"user_from", cmp.Or(s.from["ENCOMPASS_USERNAME"], s.from["ENCOMPASS_CLIENT_ID"], "default"))
}

// defaultConfigPath is $XDG_CONFIG_HOME/encimport/config, else
// ~/.config/encimport/config ("" when neither is known).
func defaultConfigPath(getenv func(string) string) string {
	if d := getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "encimport", "config")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".config", "encimport", "config")
	}
	return ""
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
func (f *optDuration) Set(s string) error {
	d, err := parseTimeout(s)
	if err != nil {
		return fmt.Errorf("%q: give a duration such as 60s or 2m", s)
	}
	f.v, f.set = d, true
	return nil
}

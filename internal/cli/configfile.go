package cli

// The config file: its format (KEY=VALUE lines, [profile] sections), its
// layers and where each setting came from.

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/regfile"
)

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

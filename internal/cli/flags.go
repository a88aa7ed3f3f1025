package cli

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/plan"
)

// inputOptions are the flags of the commands that read an input file
// (validate, plan, apply): how it is read and reported (flags) and, for
// plan and apply, how it is planned (planFlags: validate checks rows
// offline and plans nothing, so it takes none of them).
type inputOptions struct {
	report, sheet, action string
	config                configOptions
	companyDefaults       string

	mergePersonas, exactLicenses, resetPasswords bool
	moveBatchSize                                int
	allSheets, includeHidden                     bool
	planning                                     bool // planFlags declared
}

func (o *inputOptions) flags(fs *pflag.FlagSet) {
	configFlag(fs, &o.config)
	inGroup(fs, "Input", func(fs *pflag.FlagSet) {
		fs.StringVar(&o.report, "report", "", "per-row report `FILE` (.csv, .xlsx or .jsonl; plan and apply also .html, the page; default <input>-report-<time>.csv)")
		fs.StringVar(&o.sheet, "sheet", "", "sheet `NAME` to read (default: the first sheet with an id column)")
		fs.BoolVar(&o.allSheets, "all-sheets", false, "read every sheet with an id column, in the workbook's order")
		fs.BoolVar(&o.includeHidden, "include-hidden", false, "read the rows hidden in Excel too (by default they are skipped with a warning)")
		fs.StringVar(&o.action, "action", "upsert", "`ACTION` for rows whose action cell is empty: "+encompass.ActionNames(", ", " or "))
		fs.StringVar(&o.companyDefaults, "company-defaults", "", "company defaults configured on the server: `LIST`, a subset of org,persona,workingFolder")
	})
}

// planFlags are the input's flags that only planning uses (plan, apply).
func (o *inputOptions) planFlags(fs *pflag.FlagSet) {
	o.planning = true
	inGroup(fs, "Planning", func(fs *pflag.FlagSet) {
		fs.BoolVar(&o.mergePersonas, "merge-personas", false, "add the row's personas to the user's current set instead of replacing it")
		fs.BoolVar(&o.exactLicenses, "exact-licenses", false, "switch off every license state not listed in the row")
		fs.BoolVar(&o.resetPasswords, "reset-passwords", false, "send the password cell to existing users too")
		fs.IntVar(&o.moveBatchSize, "move-batch-size", 100, "`N` users per bulk-move call")
	})
}

// planningFlagNames are the flags a reviewed plan (apply --plan) fixes:
// how its input was read and planned.
var planningFlagNames = []string{"sheet", "all-sheets", "include-hidden", "action", "company-defaults",
	"merge-personas", "exact-licenses", "reset-passwords", "move-batch-size"}

// check refuses values no run could use (a usage error).
func (o *inputOptions) check() error {
	if err := checkAction(o.action); err != nil {
		return err
	}
	if o.planning && o.moveBatchSize < 1 {
		return usagef("--move-batch-size must be at least 1")
	}
	if o.allSheets && o.sheet != "" {
		return usagef("--sheet and --all-sheets exclude each other: name one sheet, or read them all")
	}
	return nil
}

// connOptions are the flags of the commands that talk to Encompass (plan,
// apply, check).
type connOptions struct {
	trace        string // --trace FILE: every exchange as JSON lines, secrets removed
	sandbox      bool
	sandboxState string

	apiURL, instanceID, clientID, username string
	concurrency                            optInt
	rate                                   optFloat
	timeout                                optDuration
	stateDir                               string
	// noCalls: the command reads only local files (runs); no startup line
	// names an Encompass it does not talk to.
	noCalls bool
}

func (o *connOptions) flags(fs *pflag.FlagSet) {
	inGroup(fs, "Connection", func(fs *pflag.FlagSet) {
		fs.BoolVar(&o.sandbox, "sandbox", false, "run against an in-process sandbox with the default world")
		fs.StringVar(&o.sandboxState, "sandbox-state", "", "with --sandbox: load and persist the sandbox world in `FILE`")
		fs.StringVar(&o.apiURL, "api-url", "", "Encompass API base `URL` (env ENCOMPASS_API_URL)")
		fs.StringVar(&o.instanceID, "instance-id", "", "Encompass instance `ID` (env ENCOMPASS_INSTANCE_ID)")
		fs.StringVar(&o.clientID, "client-id", "", "OAuth client `ID` (env ENCOMPASS_CLIENT_ID)")
		fs.StringVar(&o.username, "username", "", "Encompass `USER` id for the password grant (env ENCOMPASS_USERNAME)")
		fs.Var(&o.concurrency, "concurrency", "`N` calls in flight at most (default 8, or ENCIMPORT_CONCURRENCY)")
		fs.Var(&o.rate, "rate", "`N` calls per second at most, 0 for no limit (default 0, or ENCIMPORT_RATE)")
		fs.Var(&o.timeout, "timeout", "`DURATION` each call may wait for its answer (default 60s, or ENCIMPORT_TIMEOUT)")
		fs.StringVar(&o.trace, "trace", "", "write every API exchange to `FILE` as JSON lines (passwords, secrets and tokens removed)")
	})
}

// stateDirFlag is --state-dir, of the commands that use it: apply's (and
// revert's) lock, journal and run records, export's run records (never
// over a run's input); plan takes it too, so one set of flags serves plan
// and apply.
func stateDirFlag(fs *pflag.FlagSet, o *connOptions) {
	inGroup(fs, "Connection", func(fs *pflag.FlagSet) {
		fs.StringVar(&o.stateDir, "state-dir", "", "`DIR` for the lock, the journal and the run records (default $XDG_STATE_HOME/encimport)")
	})
}

func configFlag(fs *pflag.FlagSet, p *configOptions) {
	fs.StringVar(&p.file, "config", "", "config `FILE` with ENCOMPASS_* settings (default $XDG_CONFIG_HOME/encimport/config); beats the environment")
	fs.StringVar(&p.profile, "profile", "", "use the config file's [`NAME`] section (env ENCIMPORT_PROFILE); beats the environment")
}

// logFlags are the flags of the commands that log.
func logFlags(fs *pflag.FlagSet, b *base) {
	inGroup(fs, "Output", func(fs *pflag.FlagSet) {
		fs.StringVar(&b.logFormat, "log-format", "text", "log `FORMAT`: text or json")
		fs.BoolVar(&b.quiet, "quiet", false, "print only warnings, errors and the summary")
	})
}

// oneFile is the argument check of validate, plan and apply FILE.
func oneFile(command string, files []string) error {
	if len(files) != 1 {
		return usagef("%s needs exactly one input FILE (got %d)", command, len(files))
	}
	return nil
}

// optInt and optFloat are flags that know whether they were given, so an
// unset flag leaves the environment's or config file's value in force.
type optInt struct {
	v   int
	set bool
}

func (f *optInt) String() string { return "" }
func (f *optInt) Type() string   { return "int" }
func (f *optInt) text() string   { return strconv.Itoa(f.v) }
func (f *optInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return fmt.Errorf("%q: give a whole number of at least 1", s)
	}
	f.v, f.set = n, true
	return nil
}

type optFloat struct {
	v   float64
	set bool
}

func (f *optFloat) String() string { return "" }
func (f *optFloat) Type() string   { return "float" }
func (f *optFloat) text() string   { return strconv.FormatFloat(f.v, 'g', -1, 64) }
func (f *optFloat) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 {
		return fmt.Errorf("%q: give a number of at least 0", s)
	}
	f.v, f.set = v, true
	return nil
}

func checkAction(a string) error {
	if _, ok := encompass.ParseAction(a); ok {
		return nil
	}
	return usagef("--action %q: use %s", a, encompass.ActionNames(", ", " or "))
}

// syncOptions are the flags of --sync (plan, apply): the file as the source
// of truth for the users of a scope, with its guard rails.
type syncOptions struct {
	scopes      listFlag // --sync SCOPE: repeated or comma-separated
	protect     listFlag // --protect ID,...
	protectFile string
	maxDisable  string
}

func (o *syncOptions) flags(fs *pflag.FlagSet) {
	inGroup(fs, "Sync", func(fs *pflag.FlagSet) {
		fs.Var(&o.scopes, "sync", "disable every enabled user of `SCOPE` (organization paths, names or ids, comma-separated or repeated; each with everything below it) the file does not name")
		fs.Var(&o.protect, "protect", "with --sync: user `IDS` (comma-separated or repeated) sync never disables")
		fs.StringVar(&o.protectFile, "protect-file", "", "with --sync: `FILE` of user ids sync never disables, one a line, # comments")
		fs.StringVar(&o.maxDisable, "max-disable", "", "with --sync: refuse to disable more than `N` users or N% of the enabled users in scope (default 10%, at least 3, at most 50)")
	})
}

// check refuses --sync's flags without --sync and a bad --max-disable.
func (o *syncOptions) check() error {
	if len(o.scopes) == 0 {
		if len(o.protect) > 0 || o.protectFile != "" || o.maxDisable != "" {
			return usagef("--protect, --protect-file and --max-disable go with --sync")
		}
		return nil
	}
	if _, err := plan.ParseMaxDisable(o.maxDisable); err != nil {
		return usagef("%v", err)
	}
	return nil
}

func (o *syncOptions) given() bool { return len(o.scopes) > 0 }

// options returns the plan's sync options (nil without --sync), the
// protect file read.
func (o *syncOptions) options() (*plan.SyncOptions, error) {
	if !o.given() {
		return nil, nil
	}
	so := &plan.SyncOptions{Scopes: slices.Clone(o.scopes), Protect: slices.Clone(o.protect), MaxDisable: strings.TrimSpace(o.maxDisable)}
	if o.protectFile != "" {
		ids, err := readProtectFile(o.protectFile)
		if err != nil {
			return nil, err
		}
		so.Protect = append(so.Protect, ids...)
	}
	return so, nil
}

// readProtectFile reads user ids, one a line; blank lines and everything
// from a # on are ignored.
func readProtectFile(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--protect-file: %w", err)
	}
	var ids []string
	for line := range strings.Lines(string(b)) {
		line, _, _ = strings.Cut(line, "#")
		if id := strings.TrimSpace(strings.TrimPrefix(line, "\ufeff")); id != "" {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// listFlag is a flag that may be repeated and takes comma-separated values.
type listFlag []string

func (f *listFlag) String() string {
	if f == nil {
		return ""
	}
	return strings.Join(*f, ",")
}

func (f *listFlag) Type() string { return "strings" }

func (f *listFlag) Set(s string) error {
	n := 0
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*f = append(*f, v)
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("%q: give at least one value", s)
	}
	return nil
}

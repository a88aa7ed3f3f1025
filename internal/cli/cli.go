// Package cli implements the encimport command line: flag parsing in one
// place (parseArgs), the work of each command in functions that take their
// I/O as fields of app, so tests drive them with buffers.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"

	"github.com/encimport/encimport/encompass"
	"golang.org/x/term"
)

// IO is where a command reads and writes.
type IO struct {
	In         io.Reader
	Out        io.Writer // results: the plan, validation findings
	Err        io.Writer // progress, logs, the summary
	IsTerminal bool      // Err is a terminal: draw a progress bar
}

// SystemIO is the process's standard streams.
func SystemIO() IO {
	return IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, IsTerminal: term.IsTerminal(int(os.Stderr.Fd()))}
}

// options are the parsed command line.
type options struct {
	command string
	args    []string

	report, sheet, action, config string
	logFormat                     string
	quiet                         bool
	sandbox                       bool
	sandboxState                  string
	trace                         string // --trace FILE: every exchange as JSON lines, secrets removed

	apiURL, instanceID, clientID, username string
	concurrency                            optInt
	rate                                   optFloat
	stateDir                               string
	companyDefaults                        string

	mergePersonas, exactLicenses, resetPasswords bool
	moveBatchSize                                int

	out      string // plan -o, template -o
	planFile string // apply --plan
	dryRun   bool
	format   string // template --format
}

const usageText = `encimport brings a spreadsheet of people into ICE Encompass.

Usage:
  encimport validate FILE            offline: read and check every row, no network
  encimport plan FILE [-o plan.json] read-only calls: what would change, row by row
  encimport apply FILE               plan, then execute (--dry-run: only plan)
  encimport apply --plan plan.json   execute a reviewed plan (refused if the file changed)
  encimport template [--format xlsx|csv] [-o FILE]
  encimport check                    read-only probe: token, instance, the caller's rights and scope

Run 'encimport COMMAND -h' for the flags of a command. Exit codes: 0 done,
1 fatal, 2 usage, 3 some rows invalid or failed, 4 locked, 130 interrupted.
`

// Main runs encimport with args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, streams IO, getenv func(string) string) int {
	o, err := parseArgs(args, streams.Err)
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	if err != nil {
		fmt.Fprintf(streams.Err, "encimport: %v\n", err)
		return exitCode(err)
	}
	a := &app{io: streams, opts: o, getenv: getenv}
	err = a.run(ctx)
	if err != nil && !errors.Is(err, errRowProblems) {
		fmt.Fprintf(streams.Err, "encimport: %v\n", err)
	}
	return exitCode(err)
}

// parseArgs is the one function that parses the command line. Flags may
// come before or after the file name.
func parseArgs(args []string, errOut io.Writer) (*options, error) {
	if len(args) == 0 {
		fmt.Fprint(errOut, usageText)
		return nil, usagef("no command given")
	}
	o := &options{command: args[0]}
	switch o.command {
	case "-h", "--help", "help":
		fmt.Fprint(errOut, usageText)
		return nil, flag.ErrHelp
	case "validate", "plan", "apply", "template", "check":
	default:
		fmt.Fprint(errOut, usageText)
		return nil, usagef("unknown command %q", o.command)
	}
	fs := flag.NewFlagSet("encimport "+o.command, flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
	fs.BoolVar(&o.quiet, "quiet", false, "print only warnings, errors and the summary")
	if o.command == "check" {
		fs.StringVar(&o.config, "config", "", "config `FILE` with ENCOMPASS_* settings")
	}
	if o.command != "template" && o.command != "check" {
		fs.StringVar(&o.report, "report", "", "per-row report `FILE` (.csv, .xlsx or .jsonl; default <input>-report-<time>.csv)")
		fs.StringVar(&o.sheet, "sheet", "", "sheet `NAME` to read (default: the first sheet with an id column)")
		fs.StringVar(&o.action, "action", "upsert", "action for rows whose action cell is empty")
		fs.StringVar(&o.config, "config", "", "config `FILE` with ENCOMPASS_* settings")
		fs.BoolVar(&o.mergePersonas, "merge-personas", false, "add the row's personas to the user's current set instead of replacing it")
		fs.BoolVar(&o.exactLicenses, "exact-licenses", false, "switch off every license state not listed in the row")
		fs.BoolVar(&o.resetPasswords, "reset-passwords", false, "send the password cell to existing users too")
		fs.IntVar(&o.moveBatchSize, "move-batch-size", 100, "users per bulk-move call")
		fs.StringVar(&o.companyDefaults, "company-defaults", "", "company defaults configured on the server: subset of org,persona,workingFolder")
	}
	if o.command == "plan" || o.command == "apply" || o.command == "check" {
		fs.StringVar(&o.trace, "trace", "", "write every API exchange to `FILE` as JSON lines (passwords, secrets and tokens removed)")
		fs.BoolVar(&o.sandbox, "sandbox", false, "run against an in-process sandbox with the default world")
		fs.StringVar(&o.sandboxState, "sandbox-state", "", "with --sandbox: load and persist the sandbox world in `FILE`")
		fs.StringVar(&o.apiURL, "api-url", "", "Encompass API base URL (env ENCOMPASS_API_URL)")
		fs.StringVar(&o.instanceID, "instance-id", "", "Encompass instance id (env ENCOMPASS_INSTANCE_ID)")
		fs.StringVar(&o.clientID, "client-id", "", "OAuth client id (env ENCOMPASS_CLIENT_ID)")
		fs.StringVar(&o.username, "username", "", "Encompass user id for the password grant (env ENCOMPASS_USERNAME)")
		fs.Var(&o.concurrency, "concurrency", "`N` calls in flight at most (default 8, or ENCIMPORT_CONCURRENCY)")
		fs.Var(&o.rate, "rate", "`N` calls per second at most, 0 for no limit (default 0, or ENCIMPORT_RATE)")
		fs.StringVar(&o.stateDir, "state-dir", "", "directory for the lock and the journal (default $XDG_STATE_HOME/encimport)")
	}
	switch o.command {
	case "plan":
		fs.StringVar(&o.out, "o", "", "write the plan as JSON to `FILE`")
	case "apply":
		fs.StringVar(&o.planFile, "plan", "", "execute the reviewed plan in `FILE` (from 'plan -o')")
		fs.BoolVar(&o.dryRun, "dry-run", false, "only plan: exactly 'encimport plan'")
	case "template":
		fs.StringVar(&o.format, "format", "xlsx", "xlsx or csv")
		fs.StringVar(&o.out, "o", "", "output `FILE` (default encimport-template.<format>; - for standard output)")
	}
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		if fs.NArg() == 0 {
			break
		}
		o.args = append(o.args, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if o.logFormat != "text" && o.logFormat != "json" {
		return nil, usagef("--log-format %q: use text or json", o.logFormat)
	}
	if o.command != "template" && o.command != "check" {
		if err := checkAction(o.action); err != nil {
			return nil, err
		}
		if o.moveBatchSize < 1 {
			return nil, usagef("--move-batch-size must be at least 1")
		}
	}
	switch {
	case o.command == "template":
		if len(o.args) > 0 {
			return nil, usagef("template takes no file argument; use -o FILE")
		}
		if o.format != "xlsx" && o.format != "csv" {
			return nil, usagef("--format %q: use xlsx or csv", o.format)
		}
	case o.command == "check":
		if len(o.args) > 0 {
			return nil, usagef("check takes no file argument")
		}
	case o.command == "apply" && o.planFile != "":
		if len(o.args) > 1 {
			return nil, usagef("apply --plan takes at most one file (the input the plan was made from)")
		}
	case len(o.args) != 1:
		return nil, usagef("%s needs exactly one input FILE (got %d)", o.command, len(o.args))
	}
	return o, nil
}

// optInt and optFloat are flags that know whether they were given, so an
// unset flag leaves the environment's or config file's value in force.
type optInt struct {
	v   int
	set bool
}

func (f *optInt) String() string { return "" }
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

// app is one command's run: its options, streams and environment.
type app struct {
	io     IO
	opts   *options
	getenv func(string) string
	log    *slog.Logger
	cfg    Config
}

func (a *app) run(ctx context.Context) error {
	level := slog.LevelInfo
	if a.opts.quiet {
		level = slog.LevelWarn
	}
	hopts := &slog.HandlerOptions{Level: level}
	if a.opts.logFormat == "json" {
		a.log = slog.New(slog.NewJSONHandler(a.io.Err, hopts))
	} else {
		a.log = slog.New(slog.NewTextHandler(a.io.Err, hopts))
	}
	switch a.opts.command {
	case "template":
		return a.template()
	case "validate":
		return a.validate(ctx)
	case "plan":
		if err := a.loadConfig(); err != nil {
			return err
		}
		return a.plan(ctx)
	case "apply":
		return a.apply(ctx)
	case "check":
		return a.check(ctx)
	}
	return usagef("unknown command %q", a.opts.command)
}

// Package cli implements the encimport command line: flags, I/O and exit
// codes. The run itself is internal/job's.
//
// Map of the package:
//   - cli.go: [Main], [IO], the usage text, parseArgs (the one parser:
//     flags before or after the file) and the command interface;
//   - one file per command, each an options struct whose flags method
//     declares its flags, args checks its arguments (usage errors) and run
//     does its work with the I/O it holds, so tests drive it with buffers
//     (cli/cli's pkg/cmd pattern): validate.go, plan.go, apply.go (apply
//     --dry-run is plan), check.go, template.go, export.go, runs.go,
//     revert.go;
//   - flags.go: the flag groups commands share (input, connection, sync);
//   - config.go: resolve, which computes a run's job.Config before it starts
//     (flag > explicit --config/--profile > environment > default profile,
//     secrets also from *_FILE, the sandbox world's company defaults
//     included); nothing changes it afterwards;
//   - exit.go: the exit codes and exitCode, the one map from error to code;
//   - progress.go: apply's progress bar or log lines;
//   - outputs.go: the --html, --errors, --verbose and --summary-json flags,
//     the files, problems and summary printed (JSON events with
//     --log-format json).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"golang.org/x/term"

	"github.com/encimport/encimport/internal/job"
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

const usageText = `encimport brings a spreadsheet of people into ICE Encompass.

Usage:
  encimport validate FILE            offline: read and check every row, no network
  encimport plan FILE [-o plan.json] read-only calls: what would change, row by row
  encimport apply FILE               plan, then execute (--dry-run: only plan)
  encimport apply --plan plan.json   execute a reviewed plan (refused for another file, instance or caller)
  encimport template [-o FILE.xlsx|FILE.csv] [--force]
  encimport check                    read-only probe: token, instance, the caller's rights and scope
  encimport export [-o users.xlsx|.csv|.jsonl] [--org SCOPE] [--persona NAME] [--include-disabled]
                                     the users you can see, in the template's columns (read-only)
  encimport runs                     the recorded runs of apply: id, time, input, caller, instance, counts
  encimport revert RUN [--apply]     plan (or, with --apply, execute) the way back from a recorded run

Run 'encimport COMMAND -h' for the flags of a command. Exit codes: 0 done,
1 fatal, 2 usage, 3 some rows invalid or failed (or no data rows), 4 locked,
130 interrupted.
`

// Main runs encimport with args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, streams IO, getenv func(string) string) int {
	b := &base{IO: streams, Getenv: getenv}
	err := run(ctx, args, b)
	if err != nil && !errors.Is(err, flag.ErrHelp) && !errors.Is(err, errRowProblems) {
		if b.log != nil && b.jsonLog() {
			b.log.Error(err.Error(), "exit", exitCode(err)) // JSON lines only on stderr
		} else {
			fmt.Fprintf(streams.Err, "encimport: %v\n", err)
		}
	}
	return exitCode(err)
}

func run(ctx context.Context, args []string, b *base) error {
	cmd, err := parseArgs(args, b)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if b.quiet {
		level = slog.LevelWarn
	}
	hopts := &slog.HandlerOptions{Level: level}
	if b.logFormat == "json" {
		b.log = slog.New(slog.NewJSONHandler(b.IO.Err, hopts))
	} else {
		b.log = slog.New(slog.NewTextHandler(b.IO.Err, hopts))
	}
	return cmd.run(ctx)
}

// command is one encimport command: its options struct declares its flags,
// checks its arguments once they are parsed, and runs.
type command interface {
	flags(fs *flag.FlagSet)
	args(files []string) error // usage errors only; nothing is read yet
	run(ctx context.Context) error
}

// base is what every command holds: its streams, its environment and the
// logging flags every command takes.
type base struct {
	IO        IO
	Getenv    func(string) string
	logFormat string
	quiet     bool
	log       *slog.Logger // made from logFormat and quiet once parsed
}

// env is the job's view of the command's surroundings.
func (b *base) env() job.Env { return job.Env{Log: b.log} }

func newCommand(name string, b *base) command {
	switch name {
	case "validate":
		return &validateOptions{base: b}
	case "plan":
		return &planOptions{base: b}
	case "apply":
		return &applyOptions{base: b}
	case "template":
		return &templateOptions{base: b}
	case "check":
		return &checkOptions{base: b}
	case "export":
		return &exportOptions{base: b}
	case "runs":
		return &runsOptions{base: b}
	case "revert":
		return &revertOptions{base: b}
	}
	return nil
}

// parseArgs is the one function that parses the command line. Flags may
// come before or after the file name.
func parseArgs(args []string, b *base) (command, error) {
	errOut := b.IO.Err
	if len(args) == 0 {
		fmt.Fprint(errOut, usageText)
		return nil, usagef("no command given")
	}
	name := args[0]
	switch name {
	case "-h", "--help", "help":
		fmt.Fprint(errOut, usageText)
		return nil, flag.ErrHelp
	}
	cmd := newCommand(name, b)
	if cmd == nil {
		fmt.Fprint(errOut, usageText)
		return nil, usagef("unknown command %q", name)
	}
	fs := flag.NewFlagSet("encimport "+name, flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.StringVar(&b.logFormat, "log-format", "text", "log format: text or json")
	fs.BoolVar(&b.quiet, "quiet", false, "print only warnings, errors and the summary")
	cmd.flags(fs)
	var files []string
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
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if b.logFormat != "text" && b.logFormat != "json" {
		return nil, usagef("--log-format %q: use text or json", b.logFormat)
	}
	if err := cmd.args(files); err != nil {
		return nil, err
	}
	return cmd, nil
}

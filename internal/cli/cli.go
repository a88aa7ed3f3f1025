// Package cli implements the encimport command line: flags, I/O and exit
// codes. The run itself is internal/job's.
//
// The command line is cobra's (github.com/spf13/cobra, with pflag): the
// convention of gh and kubectl, so `--flag` spelling, help on stdout,
// `encimport help CMD`, shell completion and flags before or after the file
// behave as people who know those tools expect.
//
// Map of the package:
//   - cli.go: [Main], [IO], the root command and the one place that turns a
//     command (the interface below) into a cobra command; flags are parsed
//     there and nowhere else;
//   - one file per command, each an options struct whose spec says its
//     usage, help and examples, whose flags method declares its flags, args
//     checks its arguments and the flags given (usage errors) and run does
//     its work with the I/O it holds, so tests drive it with buffers
//     (cli/cli's pkg/cmd pattern): validate.go, plan.go, apply.go (apply
//     --dry-run is plan; confirm.go: the question apply asks on a
//     terminal), check.go, template.go, export.go, runs.go, revert.go,
//     completion.go;
//   - help.go: the help and usage text (flag groups, examples), --version,
//     the flag errors (a flag of another command named as such);
//   - flags.go: the flag groups commands share (input, planning,
//     connection, sync, logging);
//   - config.go: resolve, which computes a run's job.Config before it starts
//     (flag > explicit --config/--profile > environment > default profile,
//     secrets also from *_FILE, the sandbox world's company defaults
//     included); nothing changes it afterwards; configfile.go: the config
//     file's format (KEY=VALUE lines, [profile] sections) and where each
//     setting came from;
//   - exit.go: the exit codes and exitCode, the one map from error to code,
//     and what to do about an error (advice);
//   - progress.go: apply's progress bar or log lines;
//   - outputs.go: the --html, --errors, --verbose and --summary-json flags,
//     the files, problems and summary printed (JSON events with
//     --log-format json).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/encimport/encimport/internal/job"
)

// IO is where a command reads and writes.
type IO struct {
	In         io.Reader
	Out        io.Writer // results: the plan, validation findings, help
	Err        io.Writer // progress, logs, the summary, errors
	IsTerminal bool      // Err is a terminal: draw a progress bar
	InTerminal bool      // In is a terminal: apply may ask before writing
}

// SystemIO is the process's standard streams.
func SystemIO() IO {
	return IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		IsTerminal: term.IsTerminal(int(os.Stderr.Fd())), InTerminal: term.IsTerminal(int(os.Stdin.Fd()))}
}

// Main runs encimport with args (without the program name) and returns the
// process exit code. An error is printed once, as "encimport: message",
// with what to do about it.
//
// With --log-format json the error is a JSON line too (level ERROR, its
// exit code), so stderr holds nothing else; only an error met before the
// flags are parsed is plain text.
func Main(ctx context.Context, args []string, streams IO, getenv func(string) string) int {
	b := &base{IO: streams, Getenv: getenv}
	err := execute(ctx, b, args)
	code := exitCode(err)
	if msg := errorText(err); msg != "" {
		if b.jsonLog() {
			slog.New(slog.NewJSONHandler(streams.Err, nil)).Error("encimport: "+msg, "exit", code)
		} else {
			fmt.Fprintf(streams.Err, "encimport: %s\n", msg)
		}
	}
	return code
}

func init() {
	cobra.EnableCommandSorting = false // the help lists the commands in commands' order
}

// execute builds the command tree for one run and runs it.
func execute(ctx context.Context, b *base, args []string) error {
	root := newRoot(b)
	root.SetArgs(args)
	if args == nil {
		root.SetArgs([]string{}) // not os.Args: tests call Main with none
	}
	return root.ExecuteContext(ctx)
}

// command is one encimport command: its options struct says what it is,
// declares its flags, checks its arguments once they are parsed, and runs.
type command interface {
	spec() spec
	flags(fs *pflag.FlagSet)
	args(files []string) error // usage errors only; nothing is read yet
	run(ctx context.Context) error
}

// spec is what the help says of a command.
type spec struct {
	use     string   // "validate FILE": the name, then the arguments
	also    []string // more usage lines ("apply --plan plan.json [FILE]")
	short   string   // one line, in the list of commands
	long    string   // the help's text
	example string   // the Examples section, one command a line
	fileExt []string // completion of the file argument: these extensions (nil: no file)
}

// commands are encimport's commands, in the order the help lists them.
func commands(b *base) []command {
	return []command{
		&validateOptions{base: b},
		&planOptions{base: b},
		&applyOptions{base: b},
		&checkOptions{base: b},
		&templateOptions{base: b},
		&exportOptions{base: b},
		&runsOptions{base: b},
		&revertOptions{base: b},
	}
}

// base is what every command holds: its streams, its environment, the
// logging flags of the commands that log, and the flags given.
type base struct {
	IO        IO
	Getenv    func(string) string
	logFormat string
	quiet     bool
	log       *slog.Logger   // made from logFormat and quiet once parsed
	fs        *pflag.FlagSet // the command's flags, once parsed
}

// env is the job's view of the command's surroundings.
func (b *base) env() job.Env { return job.Env{Log: b.log} }

// given returns the names of the flags among names that were given on the
// command line, each as --name.
func (b *base) given(names ...string) []string {
	var out []string
	for _, n := range names {
		if f := b.fs.Lookup(n); f != nil && f.Changed {
			out = append(out, "--"+n)
		}
	}
	return out
}

// setupLog checks --log-format and makes the logger.
func (b *base) setupLog() error {
	if b.logFormat == "" {
		b.logFormat = "text"
	}
	if b.logFormat != "text" && b.logFormat != "json" {
		return usagef("--log-format %q: use text or json", b.logFormat)
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
	return nil
}

// newRoot is the encimport command and its commands.
func newRoot(b *base) *cobra.Command {
	root := &cobra.Command{
		Use:           "encimport",
		Short:         "Bring a spreadsheet of people into ICE Encompass",
		Long:          rootLong,
		Version:       version(),
		SilenceErrors: true, // Main prints an error once
		SilenceUsage:  true, // an error is a line, not the whole usage
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownCommand(c, args[0])
			}
			return nil
		},
		RunE: func(c *cobra.Command, _ []string) error {
			// No command: the help, on stderr as this is a usage error.
			c.SetOut(b.IO.Err)
			c.HelpFunc()(c, nil)
			return &usageError{msg: "no command given", silent: true}
		},
		ValidArgsFunction:          cobra.NoFileCompletions,
		SuggestionsMinimumDistance: 2,
	}
	root.SetIn(b.IO.In)
	root.SetOut(b.IO.Out)
	root.SetErr(b.IO.Err)
	root.Flags().Bool("version", false, "print the version and the commit encimport was built from")
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(flagError)
	root.SetHelpFunc(help)
	root.SetUsageFunc(func(c *cobra.Command) error { return writeUsage(c.OutOrStderr(), c) })
	root.SetHelpCommand(helpCommand(root))
	root.CompletionOptions.DisableDefaultCmd = true // completion.go's, bash|zsh|fish
	for _, cmd := range commands(b) {
		root.AddCommand(newCommand(b, cmd))
	}
	root.AddCommand(newCompletionCommand(root))
	return root
}

// newCommand is the one place a command becomes a cobra command: its
// flags declared, parsed (before or after the file), its arguments and
// flags checked (usage errors, exit 2), then run.
func newCommand(b *base, cmd command) *cobra.Command {
	s := cmd.spec()
	c := &cobra.Command{
		Use:     s.use,
		Short:   s.short,
		Long:    s.long,
		Example: s.example,
		Args: func(c *cobra.Command, args []string) error {
			b.fs = c.Flags()
			return cmd.args(args)
		},
		RunE: func(c *cobra.Command, _ []string) error {
			if err := b.setupLog(); err != nil {
				return err
			}
			return cmd.run(c.Context())
		},
	}
	if len(s.also) > 0 {
		c.Annotations = map[string]string{annotationAlso: strings.Join(s.also, "\n")}
	}
	if s.fileExt != nil {
		c.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return s.fileExt, cobra.ShellCompDirectiveFilterFileExt
		}
	} else {
		c.ValidArgsFunction = cobra.NoFileCompletions
	}
	c.Flags().SortFlags = false // in the order the command declares them
	cmd.flags(c.Flags())
	completeFlags(c)
	return c
}

// unknownCommand is the usage error of `encimport NAME` for no command
// NAME, with the commands it may be a typo of.
func unknownCommand(root *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q", name)
	if s := root.SuggestionsFor(name); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %s?", strings.Join(s, " or "))
	}
	return usagef("%s; 'encimport help' lists the commands", msg)
}

// errorText is what Main prints of err ("" for nothing): the message,
// without the "encimport: " a message may already start with, and what to
// do about it when the message does not say.
func errorText(err error) string {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, errRowProblems):
		return "" // the rows' problems are printed, the report written
	case errors.As(err, &ue) && ue.silent:
		return ""
	}
	msg := withoutPrefixes(strings.TrimPrefix(err.Error(), "encimport: "))
	if a := advice(err); a != "" && !strings.HasPrefix(msg, "check failed") {
		msg += "; " + a
	}
	return msg
}

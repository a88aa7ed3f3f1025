package cli

import (
	"bytes"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/encimport/encimport/encompass"
)

const rootLong = `encimport brings a spreadsheet of people into ICE Encompass: it reads every
row, plans what would change against the server, and carries the plan out.`

const exitCodesText = `Exit codes: 0 done, 1 fatal, 2 usage, 3 some rows invalid or failed (or no
data rows), 4 locked, 130 interrupted.`

// annotationAlso holds a command's further usage lines (spec.also).
const annotationAlso = "encimport_usage_also"

// groupKey is the flag annotation naming the help's heading of a flag.
const groupKey = "encimport_group"

// inGroup declares flags with add and files them under the help's heading
// name ("Connection" gives "Connection flags:").
func inGroup(fs *pflag.FlagSet, name string, add func(*pflag.FlagSet)) {
	g := pflag.NewFlagSet(name, pflag.ContinueOnError)
	g.SortFlags = false
	add(g)
	g.VisitAll(func(f *pflag.Flag) {
		if f.Annotations == nil {
			f.Annotations = map[string][]string{}
		}
		f.Annotations[groupKey] = []string{name}
	})
	fs.AddFlagSet(g)
}

func flagGroup(f *pflag.Flag) string {
	if g := f.Annotations[groupKey]; len(g) > 0 {
		return g[0]
	}
	return ""
}

// help writes c's help to its standard output: usage, what it does,
// examples, flags by group.
func help(c *cobra.Command, _ []string) {
	_ = writeHelp(c.OutOrStdout(), c)
}

func writeHelp(w io.Writer, c *cobra.Command) error {
	c.InitDefaultHelpFlag()
	var b bytes.Buffer
	if !c.HasParent() {
		b.WriteString(strings.TrimSpace(c.Long) + "\n\n")
		if err := writeUsage(&b, c); err != nil {
			return err
		}
		_, err := w.Write(b.Bytes())
		return err
	}
	usageLines(&b, c)
	if t := strings.TrimSpace(c.Long); t != "" {
		b.WriteString("\n" + t + "\n")
	}
	writeExamplesAndFlags(&b, c)
	_, err := w.Write(b.Bytes())
	return err
}

// writeUsage is the usage of c: the help without its text.
func writeUsage(w io.Writer, c *cobra.Command) error {
	c.InitDefaultHelpFlag()
	var b bytes.Buffer
	usageLines(&b, c)
	if !c.HasParent() {
		b.WriteString("\nCommands:\n")
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() || sub.Name() == "help" {
				fmt.Fprintf(&b, "  %-11s %s\n", sub.Name(), sub.Short)
			}
		}
	}
	writeExamplesAndFlags(&b, c)
	_, err := w.Write(b.Bytes())
	return err
}

func usageLines(b *bytes.Buffer, c *cobra.Command) {
	b.WriteString("Usage:\n")
	if !c.HasParent() {
		b.WriteString("  encimport COMMAND [FILE] [flags]\n")
		return
	}
	lines := []string{c.Use}
	if also := c.Annotations[annotationAlso]; also != "" {
		lines = append(lines, strings.Split(also, "\n")...)
	}
	for _, l := range lines {
		suffix := ""
		if c.HasAvailableFlags() {
			suffix = " [flags]"
		}
		fmt.Fprintf(b, "  %s %s%s\n", c.Parent().CommandPath(), l, suffix)
	}
}

func writeExamplesAndFlags(b *bytes.Buffer, c *cobra.Command) {
	if c.Example != "" {
		b.WriteString("\nExamples:\n")
		for l := range strings.Lines(strings.TrimRight(c.Example, "\n")) {
			if strings.TrimSpace(l) == "" {
				b.WriteString("\n")
				continue
			}
			b.WriteString("  " + l)
		}
		b.WriteString("\n")
	}
	// Flags by group: the command's own first, then the shared groups in
	// the order it declares them.
	c.InitDefaultHelpFlag()
	groups := map[string]*pflag.FlagSet{}
	var order []string
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		g := flagGroup(f)
		fs, ok := groups[g]
		if !ok {
			fs = pflag.NewFlagSet(g, pflag.ContinueOnError)
			fs.SortFlags = false
			groups[g] = fs
			if g != "" {
				order = append(order, g)
			}
		}
		fs.AddFlag(f)
	})
	if fs := groups[""]; fs != nil {
		b.WriteString("\nFlags:\n" + fs.FlagUsages())
	}
	for _, g := range order {
		b.WriteString("\n" + g + " flags:\n" + groups[g].FlagUsages())
	}
	b.WriteString("\n")
	if !c.HasParent() {
		b.WriteString("Run 'encimport help COMMAND' (or 'encimport COMMAND --help') for a command's flags\nand examples.\n" + exitCodesText + "\n")
	} else if c.Runnable() {
		b.WriteString("Run 'encimport help' for the commands.\n" + exitCodesText + "\n")
	}
}

// helpCommand is `encimport help [COMMAND]`: the help of the command, on
// standard output.
func helpCommand(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]",
		Short: "the help of encimport or of one of its commands",
		Example: `encimport help
encimport help apply`,
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []string
			for _, sub := range root.Commands() {
				if sub.IsAvailableCommand() {
					names = append(names, sub.Name()+"\t"+sub.Short)
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return writeHelp(c.OutOrStdout(), root)
			}
			target, rest, err := root.Find(args)
			if err != nil || target == root || len(rest) > 0 {
				return unknownCommand(root, args[0])
			}
			return writeHelp(c.OutOrStdout(), target)
		},
	}
}

// flagError is the usage error of a flag the command refused: said once,
// with the flag's right spelling, or the commands that take it.
func flagError(c *cobra.Command, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		var others []string
		why := ""
		for _, sub := range c.Root().Commands() {
			if f := sub.Flags().Lookup(name); sub != c && f != nil {
				others = append(others, sub.Name())
				if c.Name() == "validate" && flagGroup(f) == "Connection" {
					why = "; validate is offline and reads no server: 'encimport plan FILE' compares the file with one"
				}
			}
		}
		if len(others) > 0 {
			return usagef("%s takes no --%s (it is a flag of %s)%s", c.Name(), name, joinAnd(others), why)
		}
	}
	// A long flag with one dash ("-report") is read by pflag as short
	// flags: say how to spell it.
	if strings.HasPrefix(msg, "unknown shorthand flag") {
		if i := strings.Index(msg, " in -"); i >= 0 {
			long, _, _ := strings.Cut(msg[i+len(" in -"):], "=")
			if len(long) > 1 && c.Flags().Lookup(long) != nil {
				return usagef("-%s: long flags take two dashes: --%s", long, long)
			}
		}
	}
	return usagef("%s; '%s --help' lists its flags", msg, c.CommandPath())
}

func joinAnd(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// buildCommit is the commit `make build` records (-ldflags -X) for a
// binary built where the go command records none (GOFLAGS=-buildvcs=false,
// a git worktree).
var buildCommit string

// version is what --version prints: the module's version and the commit
// it was built from (runtime/debug.ReadBuildInfo: `go build` and `go
// install` in a git checkout record it; else buildCommit).
func version() string {
	v, rev, when, modified, gov := "(devel)", buildCommit, "", false, ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		gov = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	out := "encimport " + v
	switch {
	case rev == "":
		out += ", commit unknown"
	default:
		out += ", commit " + rev
		if when != "" {
			out += " (" + when + ")"
		}
		if modified {
			out += " with uncommitted changes"
		}
	}
	if gov != "" {
		out += ", " + gov
	}
	return out
}

// completeFlags gives the shells what a flag's value may be.
func completeFlags(c *cobra.Command) {
	files := func(exts ...string) cobra.CompletionFunc {
		return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return exts, cobra.ShellCompDirectiveFilterFileExt
		}
	}
	words := func(w ...string) cobra.CompletionFunc {
		return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return w, cobra.ShellCompDirectiveNoFileComp
		}
	}
	var actions []string
	for _, a := range encompass.Actions {
		actions = append(actions, string(a))
	}
	comp := map[string]cobra.CompletionFunc{
		"report":           files("csv", "xlsx", "jsonl"),
		"plan":             files("json"),
		"sandbox-state":    files("json"),
		"log-format":       words("text", "json"),
		"action":           words(actions...),
		"format":           words("xlsx", "csv"),
		"company-defaults": words("org", "persona", "workingFolder", "none"),
	}
	switch c.Name() {
	case "plan", "revert":
		comp["output"] = files("json")
	case "template":
		comp["output"] = files("xlsx", "csv")
	case "export":
		comp["output"] = files("xlsx", "csv", "jsonl")
		comp["format"] = words("xlsx", "csv", "jsonl")
	}
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if fn, ok := comp[f.Name]; ok {
			_ = c.RegisterFlagCompletionFunc(f.Name, fn)
		}
	})
}

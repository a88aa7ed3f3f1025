package cli

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/encimport/encimport/internal/job"
)

// exportOptions are the options of `encimport export`: the users the
// caller can see, written in the template's columns (read-only calls).
type exportOptions struct {
	*base
	conn            connOptions
	config          configOptions
	out, format     string
	org, persona    string
	includeDisabled bool
	force           bool
}

func (o *exportOptions) spec() spec {
	return spec{
		use:   "export",
		short: "the users you can see, in the template's columns (read-only)",
		long: `Write the users the caller can see in the template's columns, read page by
page with read-only calls: edit the file and run it with plan and apply. An
existing file is kept unless --force, and never replaced when it is the input
of a recorded run.`,
		example: `encimport export                                 # users.xlsx
encimport export -o denver.csv --org "Denver Branch"
encimport export -o - --format csv --persona "Loan Officer" | wc -l
encimport export --sandbox -o users.jsonl --include-disabled`,
	}
}

func (o *exportOptions) flags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.out, "output", "o", "users.xlsx", "output `FILE`: .xlsx (the template's workbook), .csv or .jsonl; - for standard output (csv)")
	fs.StringVar(&o.format, "format", "", "`FORMAT` xlsx, csv or jsonl (default: by the extension of -o)")
	fs.BoolVar(&o.force, "force", false, "replace the output file if it exists (never the input of a recorded run)")
	fs.StringVar(&o.org, "org", "", "export this organization and below: an id, a path or a unique `NAME` (default: the caller's)")
	fs.StringVar(&o.persona, "persona", "", "only the users holding this persona (`NAME` or id)")
	fs.BoolVar(&o.includeDisabled, "include-disabled", false, "also the users whose account is disabled")
	configFlag(fs, &o.config)
	o.conn.flags(fs)
	stateDirFlag(fs, &o.conn)
	logFlags(fs, o.base)
}

func (o *exportOptions) args(files []string) error {
	if len(files) > 0 {
		return usagef("export takes no file argument; use -o FILE")
	}
	switch o.format {
	case "", "xlsx", "csv", "jsonl":
	default:
		return usagef("--format %q: use xlsx, csv or jsonl", o.format)
	}
	if o.format == "" && o.out != "-" && job.ExportFormat(o.out) == "" {
		return usagef("-o %s: name the file .xlsx, .csv or .jsonl (or give --format)", o.out)
	}
	return nil
}

func (o *exportOptions) run(ctx context.Context) error {
	cfg, err := o.resolve(o.config, nil, &o.conn)
	if err != nil {
		return err
	}
	prog := newCounter(o.IO, o.base, "exported", "users")
	env := o.env()
	env.Progress = prog.update
	res, err := job.Export(ctx, cfg, env, job.ExportOptions{
		Out: o.out, Format: o.format, Stdout: o.IO.Out, Force: o.force,
		Org: o.org, Persona: o.persona, IncludeDisabled: o.includeDisabled,
	})
	prog.finish()
	if err != nil {
		return err
	}
	where := res.Path
	if where == "" {
		where = "standard output"
	}
	if o.jsonLog() {
		o.log.Info("exported", "users", res.Users, "scope", res.Scope, "file", where, "skipped", res.Skipped, "pages", res.Pages)
		return nil
	}
	var why []string // what the export leaves out
	if !o.includeDisabled {
		why = append(why, "disabled")
	}
	if o.persona != "" {
		why = append(why, "without the persona "+o.persona)
	}
	skipped := ""
	if len(why) > 0 {
		skipped = fmt.Sprintf("%d skipped: %s; ", res.Skipped, strings.Join(why, " or "))
	}
	fmt.Fprintf(o.IO.Err, "Exported %d %s of %s and below to %s (%s%d user-list %s)\n",
		res.Users, plural(res.Users, "user", "users"), res.Scope, where, skipped, res.Pages, plural(res.Pages, "page", "pages"))
	return nil
}

// counter shows a count that has no known total (export's users): a line
// rewritten in place on a terminal, otherwise a log line at most every
// logEvery.
type counter struct {
	mu         sync.Mutex
	b          *base
	io         IO
	verb, noun string
	n          int
	last       time.Time
	drawn      bool
}

func newCounter(streams IO, b *base, verb, noun string) *counter {
	return &counter{b: b, io: streams, verb: verb, noun: noun, last: time.Now()}
}

func (c *counter) update(done, _ int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n = done
	if c.b.quiet {
		return
	}
	if c.io.IsTerminal {
		fmt.Fprintf(c.io.Err, "\r%s %d %s", c.verb, done, c.noun)
		c.drawn = true
		return
	}
	if now := time.Now(); now.Sub(c.last) >= logEvery {
		c.last = now
		c.b.log.Info("progress", c.verb, done)
	}
}

func (c *counter) finish() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.drawn {
		fmt.Fprint(c.io.Err, "\r\033[K")
	}
}

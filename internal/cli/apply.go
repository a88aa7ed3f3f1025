package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/encimport/encimport/internal/job"
)

// applyOptions are the options of `encimport apply FILE` and `encimport
// apply --plan plan.json [FILE]`: plan (or hold a reviewed plan against the
// server), then execute.
type applyOptions struct {
	*base
	in       inputOptions
	conn     connOptions
	sync     syncOptions
	file     string // "" with planFile: the input the plan names
	planFile string // --plan FILE: execute the reviewed plan
	dryRun   bool   // --dry-run: only plan, exactly `encimport plan`
	yes      bool   // --yes: do not ask on a terminal
	wait     time.Duration
	outputs  outputOptions
}

func (o *applyOptions) spec() spec {
	return spec{
		use:   "apply FILE",
		also:  []string{"apply --plan plan.json [FILE]"},
		short: "plan, then execute (--dry-run: only plan)",
		long: `Plan FILE against Encompass as 'encimport plan' does, then carry the plan out
and write a per-row report. On a terminal apply shows the plan's summary and
asks before the first write (--yes does not ask; off a terminal, as under
cron or in a pipe, it never asks). With --plan it carries out a reviewed plan
(from 'encimport plan -o'), refused if the file, the instance or the caller
changed, or if a user changed since the review; a reviewed plan is not asked
about again. A rerun is safe: what is done is found unchanged.`,
		example: `encimport apply people.xlsx                      # shows the plan, asks, applies
encimport apply people.xlsx --yes --report done.xlsx
encimport plan people.xlsx -o plan.json && encimport apply --plan plan.json
encimport apply people.xlsx --dry-run            # exactly 'encimport plan'
encimport apply hr.csv --sync Retail --protect-file protect.txt --quiet   # nightly, under cron`,
		fileExt: []string{"xlsx", "csv"},
	}
}

func (o *applyOptions) flags(fs *pflag.FlagSet) {
	fs.StringVar(&o.planFile, "plan", "", "execute the reviewed plan in `FILE` (from 'plan -o')")
	fs.BoolVar(&o.dryRun, "dry-run", false, "only plan: exactly 'encimport plan'")
	fs.BoolVarP(&o.yes, "yes", "y", false, "do not ask before writing (apply asks only on a terminal)")
	fs.DurationVar(&o.wait, "wait", 0, "wait up to `DURATION` (e.g. 30m) for another run against the same instance to finish (default: do not wait)")
	o.in.flags(fs)
	o.in.planFlags(fs)
	o.conn.flags(fs)
	stateDirFlag(fs, &o.conn)
	o.sync.flags(fs)
	o.outputs.flags(fs, true)
	logFlags(fs, o.base)
}

func (o *applyOptions) args(files []string) error {
	if err := o.in.check(); err != nil {
		return err
	}
	if err := o.sync.check(); err != nil {
		return err
	}
	if o.planFile != "" && o.sync.given() {
		return usagef("apply --plan runs the reviewed plan with the --sync it was made with; give --sync to plan")
	}
	if fixed := o.given(planningFlagNames...); o.planFile != "" && len(fixed) > 0 {
		return usagef("apply --plan carries out the reviewed plan as it was read and planned, so %s would do nothing; give %s to 'encimport plan'",
			strings.Join(fixed, ", "), strings.Join(fixed, ", "))
	}
	if idle := o.given("wait", "yes"); o.dryRun && len(idle) > 0 {
		return usagef("apply --dry-run only plans: it takes no lock and writes nothing, so %s would do nothing; drop it", strings.Join(idle, " and "))
	}
	if o.planFile == "" {
		if err := oneFile("apply", files); err != nil {
			return err
		}
	} else if len(files) > 1 {
		return usagef("apply --plan takes at most one file (the input the plan was made from)")
	}
	if len(files) == 1 {
		o.file = files[0]
	}
	if o.wait < 0 {
		return usagef("--wait %s: give a duration of at least 0, e.g. 30m", o.wait)
	}
	return nil
}

func (o *applyOptions) run(ctx context.Context) error {
	if o.dryRun {
		p := &planOptions{base: o.base, in: o.in, conn: o.conn, sync: o.sync, file: o.file, planFile: o.planFile, outputs: o.outputs}
		return p.run(ctx)
	}
	cfg, err := o.resolve(o.in.config, &o.in, &o.conn)
	if err != nil {
		return err
	}
	cfg.Input, cfg.PlanFile, cfg.Wait = o.file, o.planFile, o.wait
	if cfg.Planner.Sync, err = o.sync.options(); err != nil {
		return err
	}
	cfg.ProtectFile = o.sync.protectFile
	o.outputs.configure(&cfg)
	streams := o.IO
	streams.IsTerminal = streams.IsTerminal && !o.jsonLog() // JSON lines only: no bar
	prog := newProgress(ctx, streams, o.log, o.quiet)
	env := o.env()
	env.Progress = prog.update
	if o.asks() {
		env.Planned = o.confirm(ctx, o.outputs.verbose)
	}
	res, err := job.Apply(ctx, cfg, env)
	prog.finish()
	if res.Run != nil {
		o.printProblems(res.Run.Rows, res.Report)
	}
	o.printFiles("", res.Report, res.Pages)
	o.printRun(res.RunID, "to take it back: "+o.commandLine([]string{"revert", res.RunID}, func(name string) bool { return targetFlags[name] }))
	if res.Summary != nil {
		o.printSummary(res.Summary, res.Report, res.Pages)
	}
	var refused *job.OutputError
	if o.outputs.summaryJSON != "" && !errors.As(err, &refused) { // refused outputs: nothing ran, nothing is written
		if werr := writeSummaryJSON(o.outputs.summaryJSON, res.Summary, res.Report, res.Pages); werr != nil && err == nil {
			err = fmt.Errorf("--summary-json: %w", werr)
		}
	}
	if err != nil {
		return err
	}
	if res.Unfinished() > 0 {
		return errRowProblems
	}
	return nil
}

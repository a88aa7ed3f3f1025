package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

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
	wait     time.Duration
	outputs  outputOptions
}

func (o *applyOptions) flags(fs *flag.FlagSet) {
	o.in.flags(fs)
	o.conn.flags(fs)
	o.sync.flags(fs)
	fs.StringVar(&o.planFile, "plan", "", "execute the reviewed plan in `FILE` (from 'plan -o')")
	fs.BoolVar(&o.dryRun, "dry-run", false, "only plan: exactly 'encimport plan'")
	fs.DurationVar(&o.wait, "wait", 0, "wait up to `DURATION` (e.g. 30m) for another run against the same instance to finish (default: do not wait)")
	o.outputs.flags(fs, true)
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
	o.outputs.configure(&cfg)
	streams := o.IO
	streams.IsTerminal = streams.IsTerminal && !o.jsonLog() // JSON lines only: no bar
	prog := newProgress(streams, o.log, o.quiet)
	env := o.env()
	env.Progress = prog.update
	res, err := job.Apply(ctx, cfg, env)
	prog.finish()
	if res.Run != nil {
		o.printProblems(res.Run.Rows, res.Report)
	}
	o.printFiles("", res.Report, res.Pages)
	o.printRun(res.RunID, "to take it back: encimport revert "+res.RunID)
	if res.Summary != nil {
		o.printSummary(res.Summary, res.Report, res.Pages)
	}
	if o.outputs.summaryJSON != "" {
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

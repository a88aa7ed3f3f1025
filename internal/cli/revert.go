package cli

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/encimport/encimport/internal/atomicfile"
	"github.com/encimport/encimport/internal/job"
	"github.com/encimport/encimport/plan"
)

// revertOptions are the options of `encimport revert RUN [--apply]`: the
// way back from a recorded run, planned (printed like plan) or applied
// (with apply's lock, journal, run record and report).
type revertOptions struct {
	*base
	conn          connOptions
	config        configOptions
	report        string
	out           string
	moveBatchSize int
	apply         bool
	runID         string
}

func (o *revertOptions) flags(fs *flag.FlagSet) {
	o.conn.flags(fs)
	configFlag(fs, &o.config)
	fs.BoolVar(&o.apply, "apply", false, "execute the revert (default: only plan it)")
	fs.StringVar(&o.report, "report", "", "per-row report `FILE` (.csv, .xlsx or .jsonl; default beside the run record)")
	fs.StringVar(&o.out, "o", "", "without --apply: also write the plan as JSON to `FILE`")
	fs.IntVar(&o.moveBatchSize, "move-batch-size", 100, "users per bulk-move call")
}

func (o *revertOptions) args(files []string) error {
	if len(files) != 1 {
		return usagef("revert needs exactly one RUN id (see 'encimport runs'; a unique prefix or 'last' will do)")
	}
	if o.moveBatchSize < 1 {
		return usagef("--move-batch-size must be at least 1")
	}
	if o.apply && o.out != "" {
		return usagef("-o writes the plan of a revert that is not applied; drop --apply or -o")
	}
	o.runID = files[0]
	return nil
}

func (o *revertOptions) run(ctx context.Context) error {
	cfg, err := o.resolve(o.config, nil, &o.conn)
	if err != nil {
		return err
	}
	cfg.Revert, cfg.Report = o.runID, o.report
	cfg.Planner = plan.Options{MoveBatchSize: o.moveBatchSize}
	if !o.apply {
		res, err := job.Plan(ctx, cfg, o.env())
		if res != nil && res.Plan != nil {
			if err := plan.WritePlan(o.IO.Out, res.Plan); err != nil {
				return err
			}
			if o.out != "" {
				if err := atomicfile.Write(o.out, 0o600, func(w io.Writer) error { return plan.Save(w, res.Plan) }); err != nil {
					return fmt.Errorf("writing the plan: %w", err)
				}
				o.printFiles(o.out, "", job.Pages{})
			}
			if !o.jsonLog() {
				fmt.Fprintf(o.IO.Err, "To execute it: encimport revert %s --apply\n", o.runID)
			}
		}
		if res != nil {
			o.printFiles("", res.Report, res.Pages)
		}
		if err != nil {
			return err
		}
		if res.Plan.Counts()[plan.StatusInvalid] > 0 {
			return errRowProblems
		}
		return nil
	}
	prog := newProgress(o.IO, o.log, o.quiet)
	env := o.env()
	env.Progress = prog.update
	res, err := job.Apply(ctx, cfg, env)
	prog.finish()
	if res.Plan != nil {
		if err := plan.WritePlan(o.IO.Out, res.Plan); err != nil {
			return err
		}
	}
	if res.Run != nil {
		o.printProblems(res.Run.Rows, res.Report)
	}
	o.printFiles("", res.Report, res.Pages)
	o.printRun(res.RunID, "this revert is itself recorded")
	if res.Summary != nil {
		o.printSummary(res.Summary, res.Report, res.Pages)
	}
	if err != nil {
		return err
	}
	if res.Unfinished() > 0 {
		return errRowProblems
	}
	return nil
}

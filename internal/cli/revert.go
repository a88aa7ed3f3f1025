package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/pflag"

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
	yes           bool // --yes: do not ask on a terminal
	runID         string
}

func (o *revertOptions) spec() spec {
	return spec{
		use:   "revert RUN",
		short: "plan (or, with --apply, execute) the way back from a recorded run",
		long: `Plan the way back from the recorded run RUN (an id from 'encimport runs', a
unique prefix of one, or last): fields restored, moves reversed, enabled
flags flipped back, created users disabled; a value changed since the run is
refused on its row. --apply executes it as apply does (lock, journal, run
record, report); on a terminal it shows the plan and asks first (--yes does
not ask).`,
		example: `encimport runs
encimport revert last                     # the plan of the way back
encimport revert 20261201T023000Z -o back.json   # a unique prefix of the id will do
encimport revert 20261201T023000Z --apply`,
	}
}

func (o *revertOptions) flags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.apply, "apply", false, "execute the revert (default: only plan it)")
	fs.BoolVarP(&o.yes, "yes", "y", false, "with --apply: do not ask before writing (it asks only on a terminal)")
	fs.StringVarP(&o.out, "output", "o", "", "without --apply: also write the plan as JSON to `FILE`")
	fs.StringVar(&o.report, "report", "", "per-row report `FILE` (.csv, .xlsx or .jsonl; default beside the run record)")
	fs.IntVar(&o.moveBatchSize, "move-batch-size", 100, "`N` users per bulk-move call")
	configFlag(fs, &o.config)
	o.conn.flags(fs)
	stateDirFlag(fs, &o.conn)
	logFlags(fs, o.base)
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
	if o.yes && !o.apply {
		return usagef("--yes goes with --apply (a revert without it only plans, and asks nothing)")
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
				id := o.runID // "last" or a prefix: the hint names the run planned
				if run, ok := job.RevertedRun(res.Plan); ok {
					id = run
				}
				fmt.Fprintf(o.IO.Err, "To execute it: %s\n", o.applyCommand(id))
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
	prog := newProgress(ctx, o.IO, o.log, o.quiet)
	env := o.env()
	env.Progress = prog.update
	if !o.yes && o.canAsk() {
		env.Planned = o.confirm(ctx, false)
	}
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

// applyCommand is the command line that executes the revert of runID:
// this one's flags (the same Encompass, profile and state folder) without
// -o, --report and --trace (the plan's own outputs: it would write over
// them), and --apply.
func (o *revertOptions) applyCommand(runID string) string {
	return o.commandLine([]string{"revert", runID}, func(name string) bool {
		return name != "output" && name != "report" && name != "trace"
	}) + " --apply"
}

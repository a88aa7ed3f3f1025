package cli

import (
	"context"
	"flag"

	"github.com/encimport/encimport/internal/job"
	"github.com/encimport/encimport/plan"
)

// planOptions are the options of `encimport plan FILE` (and of apply
// --dry-run): read-only calls, the plan printed, the report written.
type planOptions struct {
	*base
	in       inputOptions
	conn     connOptions
	sync     syncOptions
	file     string // "" with planFile: the input the plan names
	planFile string // apply --dry-run --plan: show the reviewed plan held against the server
	out      string // -o FILE: also save the plan as JSON
	outputs  outputOptions
}

func (o *planOptions) flags(fs *flag.FlagSet) {
	o.in.flags(fs)
	o.conn.flags(fs)
	o.sync.flags(fs)
	fs.StringVar(&o.out, "o", "", "write the plan as JSON to `FILE`")
	o.outputs.flags(fs, false)
}

func (o *planOptions) args(files []string) error {
	if err := o.in.check(); err != nil {
		return err
	}
	if err := o.sync.check(); err != nil {
		return err
	}
	if err := oneFile("plan", files); err != nil {
		return err
	}
	o.file = files[0]
	return nil
}

func (o *planOptions) run(ctx context.Context) error {
	cfg, err := o.resolve(o.in.config, &o.in, &o.conn)
	if err != nil {
		return err
	}
	cfg.Input, cfg.PlanFile, cfg.PlanOut = o.file, o.planFile, o.out
	if cfg.Planner.Sync, err = o.sync.options(); err != nil {
		return err
	}
	o.outputs.configure(&cfg)
	res, err := job.Plan(ctx, cfg, o.env())
	if res != nil && res.Plan != nil {
		if err := plan.WritePlanWith(o.IO.Out, res.Plan, plan.RenderOptions{Verbose: o.outputs.verbose}); err != nil {
			return err
		}
	}
	if res != nil {
		o.printFiles(res.PlanFile, res.Report, res.Pages)
	}
	if err != nil {
		return err
	}
	if res.Plan.Counts()[plan.StatusInvalid] > 0 {
		return errRowProblems
	}
	return nil
}

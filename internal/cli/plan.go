package cli

import (
	"context"

	"github.com/spf13/pflag"

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

func (o *planOptions) spec() spec {
	return spec{
		use:   "plan FILE",
		short: "read-only calls: what would change, row by row",
		long: `Read FILE, read the users, organizations and personas from Encompass (read-only
calls), and print what apply would change, row by row: the dry run. -o saves
the plan for review; 'encimport apply --plan' carries out exactly that plan.`,
		example: `encimport plan people.xlsx
encimport plan people.xlsx -o plan.json          # review it, then: encimport apply --plan plan.json
encimport plan people.xlsx --sandbox             # against an in-process sandbox
encimport plan hr.csv --sync Retail --protect-file protect.txt`,
		fileExt: []string{"xlsx", "csv"},
	}
}

func (o *planOptions) flags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.out, "output", "o", "", "also write the plan as JSON to `FILE` (for apply --plan)")
	o.in.flags(fs)
	o.in.planFlags(fs)
	o.conn.flags(fs)
	stateDirFlag(fs, &o.conn)
	o.sync.flags(fs)
	o.outputs.flags(fs, false)
	logFlags(fs, o.base)
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
	cfg.ProtectFile = o.sync.protectFile
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

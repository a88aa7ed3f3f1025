package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/encimport/encimport/internal/job"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/runrec"
)

// runsOptions are the options of `encimport runs`: the run records of the
// state directory, oldest first.
type runsOptions struct {
	*base
	config   configOptions
	stateDir string
	asJSON   bool
}

func (o *runsOptions) spec() spec {
	return spec{
		use:   "runs",
		short: "the recorded runs of apply: id, time, input, caller, instance, counts",
		long: `List the runs apply recorded in the state directory, oldest first: every apply
that changes something keeps a record (its plan, the users as they were
before, its report), which 'encimport revert RUN' takes back.`,
		example: `encimport runs
encimport runs --json | jq -r .id
encimport runs --state-dir /var/lib/encimport`,
	}
}

func (o *runsOptions) flags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.asJSON, "json", false, "one JSON object per run (run.json) instead of the table")
	fs.StringVar(&o.stateDir, "state-dir", "", "`DIR` of the run records (default $XDG_STATE_HOME/encimport)")
	configFlag(fs, &o.config)
	logFlags(fs, o.base)
}

func (o *runsOptions) args(files []string) error {
	if len(files) > 0 {
		return usagef("runs takes no argument")
	}
	return nil
}

func (o *runsOptions) run(context.Context) error {
	cfg, err := o.resolve(o.config, nil, &connOptions{stateDir: o.stateDir, noCalls: true})
	if err != nil {
		return err
	}
	recs, err := job.Runs(cfg)
	if err != nil {
		return err
	}
	if o.asJSON {
		enc := json.NewEncoder(o.IO.Out)
		for _, r := range recs {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	if len(recs) == 0 {
		fmt.Fprintf(o.IO.Err, "No run recorded in %s (a run is recorded when apply changes something).\n", runrec.Dir(cfg.StateDir))
		return nil
	}
	tw := tabwriter.NewWriter(o.IO.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTARTED\tKIND\tINPUT\tCALLER\tINSTANCE\tSTATE\tROWS")
	for _, r := range recs {
		input := r.Input.Path
		if r.Kind == runrec.KindRevert {
			input = "revert of " + r.RevertOf
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Started.Local().Format(time.DateTime), r.Kind, input,
			r.Caller, r.Instance, r.State, counts(r.Counts))
	}
	return tw.Flush()
}

// counts lists counts by status in the summaries' order ("moved 15,
// unchanged 1").
func counts(m map[plan.Status]int) string {
	var parts []string
	for _, st := range plan.Statuses {
		if n := m[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", st, n))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// printRun names the run record a run kept (id ""; none): a line, or with
// --log-format json a "run" event.
func (b *base) printRun(id, hint string) {
	if id == "" {
		return
	}
	if b.jsonLog() {
		b.log.Info("run", "id", id)
		return
	}
	fmt.Fprintf(b.IO.Err, "Run: %s (%s)\n", id, hint)
}

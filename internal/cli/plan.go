package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/executor"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/atomicfile"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/planner"
	"github.com/encimport/encimport/report"
	"github.com/encimport/encimport/templates"
)

// PlanMaxRows bounds the data rows plan and apply take from one file: they
// hold every row in memory (about 1 KB each) to diff it with the server.
// validate streams and takes up to importer.DefaultMaxRows.
const PlanMaxRows = 250_000

// read reads the input file: every record, and the plan's Input with the
// digest of the very bytes read.
func (a *app) read(path string) ([]*importer.Record, []importer.Problem, plan.Input, error) {
	in := plan.Input{Path: path, Sheet: a.opts.sheet}
	res, err := importer.Read(path, importer.Options{Sheet: a.opts.sheet, MaxRows: PlanMaxRows})
	if err != nil {
		return nil, nil, in, err
	}
	in.SHA256 = res.SHA256
	if in.Sheet == "" && len(res.Records) > 0 {
		in.Sheet = res.Records[0].Sheet
	}
	for _, w := range res.Warnings {
		a.log.Warn(w.Error())
	}
	return res.Records, res.Warnings, in, nil
}

func (a *app) plannerOptions() plan.Options {
	return plan.Options{
		DefaultAction:        encompass.Action(a.opts.action),
		MergePersonas:        a.opts.mergePersonas,
		ExactLicenses:        a.opts.exactLicenses,
		ResetPasswords:       a.opts.resetPasswords,
		MoveBatchSize:        a.opts.moveBatchSize,
		DefaultOrg:           a.cfg.DefaultOrg,
		DefaultPersona:       a.cfg.DefaultPersona,
		DefaultWorkingFolder: a.cfg.DefaultWorkingFolder,
	}
}

// loadConfig resolves config file, environment and flags into a.cfg.
func (a *app) loadConfig() error {
	cfg, err := resolveConfig(a.opts.config, a.getenv)
	if err != nil {
		return err
	}
	o := a.opts
	for _, f := range []struct {
		dst *string
		v   string
	}{{&cfg.APIURL, o.apiURL}, {&cfg.InstanceID, o.instanceID}, {&cfg.ClientID, o.clientID}, {&cfg.Username, o.username}, {&cfg.StateDir, o.stateDir}} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
	if o.concurrency.set {
		cfg.Concurrency = o.concurrency.v
	}
	if o.rate.set {
		cfg.Rate = o.rate.v
	}
	if o.companyDefaults != "" {
		if err := cfg.setCompanyDefaults(o.companyDefaults); err != nil {
			return usagef("--company-defaults: %v", err)
		}
	}
	a.cfg = cfg
	return nil
}

// connect returns a client for the configured Encompass, or for an
// in-process sandbox with --sandbox, pacing its calls (--concurrency, the
// adaptive bound, and --rate). close releases the sandbox.
//
// closeFn revokes the run's token (best effort: a token left alive expires
// on its own) and closes the trace file.
func (a *app) connect(observer func(*apiclient.Response)) (c *apiclient.Client, closeFn func(), err error) {
	opts := []apiclient.Option{apiclient.WithConcurrency(a.cfg.Concurrency), apiclient.WithRate(a.cfg.Rate)}
	if observer != nil {
		opts = append(opts, apiclient.WithObserver(observer))
	}
	closeTrace := func() {}
	if a.opts.trace != "" {
		f, err := os.OpenFile(a.opts.trace, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("--trace: %w", err)
		}
		opts = append(opts, apiclient.WithTrace(f))
		closeTrace = func() {
			if err := f.Close(); err != nil {
				a.log.Warn("closing the trace file", "file", a.opts.trace, "err", err)
			}
		}
	}
	defer func() {
		if err != nil {
			closeTrace()
		}
	}()
	done := func(c *apiclient.Client, release func()) func() {
		return func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := c.RevokeToken(ctx); err != nil {
				a.log.Debug("revoking the token", "err", err)
			}
			release()
			closeTrace()
		}
	}
	if a.opts.sandbox {
		run, err := sandbox.Start(sandbox.Options{StatePath: a.opts.sandboxState})
		if err != nil {
			return nil, nil, fmt.Errorf("starting the sandbox: %w", err)
		}
		d := run.Server.Defaults()
		a.cfg.DefaultOrg = a.cfg.DefaultOrg || d.OrgID != ""
		a.cfg.DefaultPersona = a.cfg.DefaultPersona || d.PersonaID != ""
		a.cfg.DefaultWorkingFolder = a.cfg.DefaultWorkingFolder || d.WorkingFolder != ""
		opts = append(opts, sandbox.Login(sandbox.BuiltinAdminID))
		c, err := apiclient.New(run.URL, opts...)
		if err != nil {
			run.Close()
			return nil, nil, err
		}
		a.log.Info("using the in-process sandbox", "url", run.URL)
		return c, done(c, run.Close), nil
	}
	cfg := a.cfg
	var missing []string
	for _, m := range []struct{ name, v string }{
		{"ENCOMPASS_INSTANCE_ID", cfg.InstanceID}, {"ENCOMPASS_CLIENT_ID", cfg.ClientID}, {"ENCOMPASS_CLIENT_SECRET", cfg.ClientSecret},
	} {
		if m.v == "" {
			missing = append(missing, m.name)
		}
	}
	if cfg.Password != "" && cfg.Username == "" {
		missing = append(missing, "ENCOMPASS_USERNAME")
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("connection settings missing: %v; set them in the environment or the --config file (or use --sandbox)", missing)
	}
	if cfg.Password != "" {
		opts = append(opts, apiclient.WithUserLogin(cfg.InstanceID, cfg.Username, cfg.Password, cfg.ClientID, cfg.ClientSecret))
	} else {
		opts = append(opts, apiclient.WithClientCredentials(cfg.InstanceID, cfg.ClientID, cfg.ClientSecret))
	}
	c, err = apiclient.New(cfg.APIURL, opts...)
	if err != nil {
		return nil, nil, err
	}
	return c, done(c, func() {}), nil
}

func (a *app) reportPath(input string) string {
	if a.opts.report != "" {
		return a.opts.report
	}
	return report.DefaultPath(input, time.Now())
}

func (a *app) writeReport(input string, rows []report.Row) error {
	path := a.reportPath(input)
	if err := report.Write(path, rows); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	fmt.Fprintf(a.io.Err, "Report: %s\n", path)
	return nil
}

// validate reads and checks every row offline, one row at a time: the
// problems are printed and the report rows written as rows are read, so a
// million-row file validates in little memory.
func (a *app) validate(ctx context.Context) error {
	if err := a.loadConfig(); err != nil {
		return err
	}
	path := a.opts.args[0]
	out := bufio.NewWriter(a.io.Out)
	defer out.Flush()
	// The report is started with the first row, so an unreadable input
	// is reported as such, not as a report that could not be created.
	repPath := a.reportPath(path)
	var rep *report.Writer
	start := func() (err error) {
		if rep == nil {
			rep, err = report.Create(repPath)
		}
		return err
	}
	defer func() {
		if rep != nil {
			rep.Abort() // no half report when reading fails; a no-op after Close
		}
	}()
	n, bad := 0, 0
	warns, err := planner.CheckFile(ctx, path, importer.Options{Sheet: a.opts.sheet}, a.plannerOptions(), func(r plan.Row) error {
		n++
		for _, pr := range r.Problems {
			fmt.Fprintln(out, pr.Error())
		}
		if r.Status == plan.StatusInvalid {
			bad++
		}
		if err := start(); err != nil {
			return err
		}
		return rep.Write(report.PlanRow(nil, &r))
	})
	for _, w := range warns {
		a.log.Warn(w.Error())
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %d rows, %d valid, %d invalid\n", path, n, n-bad, bad)
	if err := out.Flush(); err != nil {
		return err
	}
	if err := start(); err != nil {
		return err
	}
	if err := rep.Close(); err != nil {
		return err
	}
	fmt.Fprintf(a.io.Err, "Report: %s\n", repPath)
	if bad > 0 {
		return errRowProblems
	}
	return nil
}

// buildPlan reads the file and the server and decides every row.
func (a *app) buildPlan(ctx context.Context, c *apiclient.Client, path string) (*plan.Plan, error) {
	recs, warns, in, err := a.read(path)
	if err != nil {
		return nil, err
	}
	w, err := a.fetch(ctx, c, path, recs)
	if err != nil {
		return nil, err
	}
	p := planner.Build(recs, w, in, a.plannerOptions())
	p.Warnings = append(p.Warnings, warns...)
	return p, nil
}

// fetch reads what the plan needs from the server. Interrupted, it still
// writes the report: every row skipped.
func (a *app) fetch(ctx context.Context, c *apiclient.Client, input string, recs []*importer.Record) (*planner.World, error) {
	w, err := planner.Fetch(ctx, c)
	if err == nil {
		return w, nil
	}
	if ctx.Err() == nil {
		return nil, fmt.Errorf("reading users, organizations and personas: %w", err)
	}
	rows := make([]report.Row, len(recs))
	for i, r := range recs {
		act := encompass.Action(r.Get(importer.ColAction))
		if act == "" {
			act = encompass.Action(a.opts.action)
		}
		rows[i] = report.PlanRow(nil, &plan.Row{Sheet: r.Sheet, Row: r.Row, ID: r.Get(importer.ColID), Action: act,
			Status: plan.StatusSkipped})
		rows[i].Message = "run interrupted before the plan was made; nothing was changed; rerun to finish"
	}
	if werr := a.writeReport(input, rows); werr != nil {
		return nil, werr
	}
	return nil, errInterrupted
}

// planFor is the plan this run executes or shows: made from the input
// file, or the reviewed plan (apply --plan) held against the server.
func (a *app) planFor(ctx context.Context, c *apiclient.Client) (*plan.Plan, string, error) {
	if a.opts.planFile != "" {
		return a.reviewedPlan(ctx, c)
	}
	p, err := a.buildPlan(ctx, c, a.opts.args[0])
	return p, a.opts.args[0], err
}

// plan is the dry-run (also apply --dry-run): read-only calls, the plan
// printed, the report written. It takes no lock: it changes nothing.
func (a *app) plan(ctx context.Context) error {
	c, closeFn, err := a.connect(nil)
	if err != nil {
		return err
	}
	defer closeFn()
	p, input, err := a.planFor(ctx, c)
	if err != nil {
		return err
	}
	if err := plan.WritePlan(a.io.Out, p); err != nil {
		return err
	}
	if a.opts.out != "" {
		if err := atomicfile.Write(a.opts.out, 0o600, func(w io.Writer) error { return plan.Save(w, p) }); err != nil {
			return fmt.Errorf("writing the plan: %w", err)
		}
		fmt.Fprintf(a.io.Err, "Plan: %s\n", a.opts.out)
	}
	if err := a.writeReport(input, report.PlanRows(p)); err != nil {
		return err
	}
	if p.Counts()[plan.StatusInvalid] > 0 {
		return errRowProblems
	}
	return nil
}

// apply plans (or loads a reviewed plan) and executes it.
func (a *app) apply(ctx context.Context) error {
	if err := a.loadConfig(); err != nil {
		return err
	}
	if a.opts.dryRun {
		return a.plan(ctx)
	}
	if err := os.MkdirAll(a.cfg.StateDir, 0o700); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	unlock, err := executor.Lock(a.cfg.StateDir)
	if err != nil {
		if errors.Is(err, executor.ErrLocked) {
			return fmt.Errorf("another encimport run holds the lock in %s: %w", a.cfg.StateDir, err)
		}
		return err
	}
	defer unlock()

	c, closeFn, err := a.connect(nil)
	if err != nil {
		return err
	}
	defer closeFn()
	p, input, err := a.planFor(ctx, c)
	if err != nil {
		return err
	}
	s := p.Summary()
	a.log.Info("plan", "create", s.Create, "update", s.Update, "move", s.Move, "moveCalls", s.MoveCalls,
		"disable", s.Disable, "enable", s.Enable, "unchanged", s.Unchanged, "invalid", s.Invalid, "readCalls", s.Reads.Total())

	j, err := executor.OpenJournal(a.cfg.StateDir, p.Input.SHA256)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer j.Close()

	prog := newProgress(a.io, a.log, a.opts.quiet)
	res, runErr := executor.Run(ctx, c, p, executor.Options{
		Concurrency: a.cfg.Concurrency,
		Journal:     j,
		Progress:    prog.update,
		Logger:      a.log,
	})
	prog.finish()
	if err := a.writeReport(input, res.Rows); err != nil {
		return err
	}
	sum := res.Summary()
	sum.ReadCalls += s.Reads.Total()
	_ = report.WriteSummary(a.io.Err, sum)
	switch {
	case runErr != nil:
		return runErr
	case res.Interrupted || ctx.Err() != nil:
		return errInterrupted
	}
	// Every row reached its end: the journal has served its purpose. A
	// rerun of the same file plans afresh and finds the rows unchanged.
	if err := j.Close(); err == nil {
		if err := os.Remove(j.Path()); err != nil {
			a.log.Warn("could not remove the journal", "path", j.Path(), "err", err)
		}
	}
	for _, r := range res.Rows {
		switch r.Status {
		case plan.StatusInvalid, plan.StatusFailed, plan.StatusSkipped:
			return errRowProblems
		}
	}
	return nil
}

// reviewedPlan loads apply --plan FILE, checks the input file has not
// changed since, and holds the plan against the server as it is now
// (planner.Recheck): what was done since is not done again, and what the
// server changed unreviewed is refused for those rows.
func (a *app) reviewedPlan(ctx context.Context, c *apiclient.Client) (*plan.Plan, string, error) {
	f, err := os.Open(a.opts.planFile)
	if err != nil {
		return nil, "", fmt.Errorf("plan file: %w", err)
	}
	reviewed, err := plan.Load(f)
	f.Close()
	if err != nil {
		return nil, "", fmt.Errorf("plan file %s: %w", a.opts.planFile, err)
	}
	input := reviewed.Input.Path
	if len(a.opts.args) == 1 {
		input = a.opts.args[0]
	}
	a.opts.sheet = reviewed.Input.Sheet
	recs, warns, in, err := a.read(input)
	if err != nil {
		return nil, "", err
	}
	if in.SHA256 != reviewed.Input.SHA256 {
		return nil, "", fmt.Errorf("%s changed since the plan %s was made; run 'encimport plan' again and review the new plan", input, a.opts.planFile)
	}
	w, err := a.fetch(ctx, c, input, recs)
	if err != nil {
		return nil, "", err
	}
	fresh := planner.Build(recs, w, in, reviewed.Options)
	fresh.Warnings = append(fresh.Warnings, warns...)
	p, err := planner.Recheck(reviewed, fresh)
	if err != nil {
		return nil, "", err
	}
	return p, input, nil
}

// template writes the blank spreadsheet.
func (a *app) template() error {
	out := a.opts.out
	if out == "" {
		out = "encimport-template." + a.opts.format
	}
	write := templates.WriteXLSX
	if a.opts.format == "csv" {
		write = templates.WriteCSV
	}
	if out == "-" {
		return write(a.io.Out)
	}
	if err := atomicfile.Write(out, 0o600, write); err != nil {
		return err
	}
	fmt.Fprintf(a.io.Err, "Template: %s\n", out)
	return nil
}

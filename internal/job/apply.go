package job

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/encimport/encimport/executor"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/report"
)

// Applied is what Apply did.
type Applied struct {
	Planned
	// Run is the executor's result; nil when the run stopped before it.
	Run *executor.Result
	// Summary is Run's, the planning reads included; set once the report
	// is written.
	Summary *report.Summary
	// RunID is the run record kept in the state directory ("" when none:
	// no state directory, or nothing to change).
	RunID string
}

// Unfinished counts the rows that did not reach their planned outcome:
// invalid, failed, unknown or skipped.
func (a *Applied) Unfinished() int {
	if a == nil || a.Run == nil {
		return 0
	}
	n := 0
	for _, r := range a.Run.Rows {
		switch r.Status {
		case plan.StatusInvalid, plan.StatusFailed, plan.StatusUnknown, plan.StatusSkipped:
			n++
		}
	}
	return n
}

// Apply is the one wiring of a run that changes Encompass: check the
// outputs and read the input (prepare), lock the instance and the state
// directory, connect, plan (as Plan does), open the journal, execute, write
// the report. A run whose every row reached its end removes its journal; a
// rerun of the same file plans afresh and finds the rows unchanged.
//
// The returned Applied is never nil; its Report is set whenever a report
// was written, also when the error is ErrInterrupted or the executor's.
func Apply(ctx context.Context, cfg Config, env Env) (*Applied, error) {
	defer holdMemory()()
	res := &Applied{}
	log := env.log()
	pr, err := prepare(cfg, env, true)
	res.Planned = *pr.result()
	if err != nil {
		return res, err
	}
	if cfg.StateDir != "" {
		unlock, err := lock(ctx, cfg, env, pr.input)
		if err != nil {
			return res, err
		}
		defer unlock()
	}

	s, err := Connect(cfg, env)
	if err != nil {
		return res, err
	}
	defer s.Close()
	pl, err := pr.makePlan(ctx, cfg, env, s)
	if pl != nil {
		res.Planned = *pl
	}
	if err != nil {
		return res, err
	}
	p := res.Plan
	if err := p.Refusal(); err != nil {
		return res, err // --sync over its threshold: nothing is run
	}
	sum := p.Summary()
	log.Info("plan", "create", sum.Create, "update", sum.Update, "move", sum.Move, "moveCalls", sum.MoveCalls,
		"disable", sum.Disable, "enable", sum.Enable, "unchanged", sum.Unchanged, "invalid", sum.Invalid, "readCalls", sum.Reads.Total())
	if env.Planned != nil {
		if err := env.Planned(p, s); err != nil {
			return res, err
		}
	}

	// The run record (plan and before-images) is on disk before any write.
	rec, err := startRun(cfg, &res.Planned, time.Now())
	res.Planned.world = nil // the before-images are taken: the server as read is let go
	if err != nil {
		return res, err
	}
	if rec != nil {
		res.RunID = rec.ID
	}

	var j *executor.Journal
	if cfg.StateDir != "" {
		if j, err = executor.OpenJournal(cfg.StateDir, p.Input.SHA256, executor.WithSyncDelay(cfg.JournalSyncDelay)); err != nil {
			return res, fmt.Errorf("journal: %w", err)
		}
		defer j.Close()
	}
	// With a journal, a worker waits for its start record's sync before
	// its call takes a slot: half as many workers again as slots keep the
	// slots busy meanwhile (the client still bounds the calls in flight).
	workers := cfg.concurrency()
	if j != nil {
		workers += workers / 2
	}
	out, runErr := executor.Run(ctx, s.Client, p, executor.Options{
		Concurrency: workers,
		Journal:     j,
		Progress:    env.Progress,
		Logger:      env.Log,
	})
	if env.Executed != nil {
		env.Executed(out)
	}
	res.Run = out
	if err := finishRun(rec, out, runErr, out.Interrupted || ctx.Err() != nil); err != nil {
		log.Warn("could not complete the run record", "run", res.RunID, "err", err)
	}
	runSum := out.Summary()
	runSum.ReadCalls += sum.Reads.Total()
	if res.Report, res.Pages, err = cfg.writeOutputs(env, pr.report, res.Input, p, out.Rows, &runSum); err != nil {
		return res, err
	}
	res.Summary = &runSum
	switch {
	case runErr != nil:
		return res, runErr
	case out.Interrupted || ctx.Err() != nil:
		return res, ErrInterrupted
	}
	if j != nil {
		// Every row reached its end: the journal has served its purpose.
		if err := j.Close(); err == nil {
			if err := os.Remove(j.Path()); err != nil {
				log.Warn("could not remove the journal", "path", j.Path(), "err", err)
			}
		}
	}
	return res, nil
}

// lock takes the run's locks: the instance's (executor.LockInstance, in
// cfg.LockDir), so two runs against one Encompass never overlap whatever
// their state directories, then the state directory's, so two runs never
// share a journal. Each is waited for up to cfg.Wait. An in-process sandbox
// without a state file has a world of its own: only the state directory
// is locked.
func lock(ctx context.Context, cfg Config, env Env, input string) (unlock func(), err error) {
	id := cfg.Target.Identity()
	opts := executor.LockOptions{
		Wait: cfg.Wait,
		What: fmt.Sprintf("encimport apply %s on %s", input, id),
		Waiting: func(h executor.Holder) {
			env.log().Info("waiting for the lock held by another run", "pid", h.PID, "host", h.Host,
				"started", h.Started.Local().Format(time.DateTime), "what", h.What, "wait", cfg.Wait)
		},
	}
	var unlocks []func() error
	unlock = func() {
		for i := len(unlocks) - 1; i >= 0; i-- {
			_ = unlocks[i]()
		}
	}
	if !(cfg.Target.Sandbox && cfg.Target.SandboxState == "") {
		opts.For = id.String()
		u, err := executor.LockInstance(ctx, cfg.LockDir, id.Key(), id.String(), opts)
		if err != nil {
			return nil, err
		}
		unlocks = append(unlocks, u)
	}
	opts.For = "the state directory " + cfg.StateDir
	u, err := executor.LockPath(ctx, filepath.Join(cfg.StateDir, executor.LockFile), opts)
	if err != nil {
		unlock()
		return nil, err
	}
	unlocks = append(unlocks, u)
	return unlock, nil
}

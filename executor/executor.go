package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/report"
)

// Defaults of Options.
const (
	DefaultConcurrency = 8
	DefaultMaxAttempts = 6
	DefaultBaseDelay   = 250 * time.Millisecond
	DefaultMaxDelay    = 15 * time.Second
	DefaultGrace       = 30 * time.Second
)

// Report messages for rows that were not done.
const (
	MsgInterrupted = "run interrupted; rerun to finish"
	msgFromJournal = "done by an earlier run (from the journal)"
	// msgEarlierCallTookEffect: a run was cut off during the row's call and
	// the server now holds what the row asks.
	msgEarlierCallTookEffect = "an earlier run was stopped during this row's call; the server shows the change took effect"
	msgReconciled            = "the server's answer was lost; reading the user back showed the change took effect"
)

// API is what the executor needs from apiclient.Client; tests use fakes.
type API interface {
	CreateUser(ctx context.Context, orgID string, u *encompass.User) (*apiclient.Response, error)
	PatchUser(ctx context.Context, id string, body any) (*apiclient.Response, error)
	MoveUsers(ctx context.Context, sourceOrgID, targetOrgID string, ids []string) (*apiclient.Response, error)
	GetUser(ctx context.Context, id string) (*encompass.User, *apiclient.Response, error)
}

// Options tune a Run. The zero value is usable.
//
// Pacing is the client's: give the apiclient.Client WithConcurrency (the
// adaptive bound on calls in flight) and WithRate; every attempt takes its
// slot inside Client.Do, and no wait of the executor holds one.
type Options struct {
	Concurrency int // workers, each making one call at a time (default DefaultConcurrency)

	MaxAttempts         int           // write attempts per call (default DefaultMaxAttempts)
	BaseDelay, MaxDelay time.Duration // backoff between attempts (defaults 250ms, 15s)

	// Journal, when set (--state-dir), makes the run resumable: steps it
	// records as done are not called again, steps it records as started
	// are read back before anything else.
	Journal *Journal

	// Progress is called after each row with work finishes (done counts
	// those rows; total is the number of rows the plan has work for).
	Progress func(done, total int)
	Logger   *slog.Logger // nil: no logging

	// Grace bounds how long calls in flight may still take after ctx is
	// canceled (default DefaultGrace).
	Grace time.Duration

	// Sleep waits d between attempts, returning early with an error when
	// ctx is done. nil: a timer. Tests inject it to record the waits.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Stats count what a Run did.
type Stats struct {
	Calls      int                 // API calls made (write attempts and reads back)
	Retries    int                 // write attempts after the first of a call
	TooMany429 int                 // 429 replies seen
	Reconciles int                 // reads made to learn whether an unanswered write took effect
	ByStatus   map[plan.Status]int // report rows per status
	Elapsed    time.Duration
}

// Result is the outcome of a Run: one report row per plan row, in input order.
type Result struct {
	Rows        []report.Row
	Stats       Stats
	Interrupted bool // ctx was canceled before every row was done
}

// Summary returns the report summary of the result.
func (r *Result) Summary() report.Summary {
	return report.Summary{
		Rows:        len(r.Rows),
		ByStatus:    r.Stats.ByStatus,
		Calls:       r.Stats.Calls,
		Retries:     r.Stats.Retries,
		TooMany429:  r.Stats.TooMany429,
		Reconciles:  r.Stats.Reconciles,
		Elapsed:     r.Stats.Elapsed,
		Interrupted: r.Interrupted,
	}
}

// executor is one Run: its settings and its ledger.
type executor struct {
	api     API
	plan    *plan.Plan
	opts    Options
	log     *slog.Logger
	callCtx context.Context
	journal *Journal
	calling atomic.Int64 // steps making a call (inFlight without the client's count)

	led *ledger // the rows' state and the counters
}

// Run executes plan p through api and returns one report row per plan row,
// in input order. A row's failure goes into its report row; Run returns an
// error only for a fatal failure, and then still returns every row, those
// not done skipped. The package doc tells the phases, retries and interrupts.
func Run(ctx context.Context, api API, p *plan.Plan, opts Options) (*Result, error) {
	start := time.Now()
	e := newExecutor(api, p, opts)

	callCtx, cancelCalls := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelCalls()
	var grace atomic.Pointer[time.Timer]
	stop := context.AfterFunc(ctx, func() {
		grace.Store(time.AfterFunc(e.opts.Grace, cancelCalls))
		e.waiting(stopNowOf(ctx) != nil)
	})
	defer func() {
		stop()
		if t := grace.Load(); t != nil {
			t.Stop()
		}
	}()
	if now := stopNowOf(ctx); now != nil {
		// A second interrupt ends the grace at once.
		defer context.AfterFunc(now, cancelCalls)()
	}
	e.callCtx = callCtx

	stopProgress := e.led.watch(e.opts.Progress)
	if err := e.phase1(ctx); err == nil && ctx.Err() == nil {
		e.phase2(ctx)
	}
	interrupted := e.led.finishAll(ctx.Err() != nil)
	stopProgress()

	res := &Result{Interrupted: interrupted}
	var fatal error
	res.Rows, res.Stats, fatal = e.led.result()
	res.Stats.ByStatus = report.Count(res.Rows)
	res.Stats.Elapsed = time.Since(start)
	return res, fatal
}

type stopNowKey struct{}

// WithStopNow returns ctx carrying now: once ctx is canceled, calls in
// flight may finish for Options.Grace, unless now is done first, which
// ends the grace at once (their rows are then reported unknown). The
// command line cancels now on a second interrupt (Ctrl-C again). A context
// value, so the run's wiring passes it through untouched.
func WithStopNow(ctx, now context.Context) context.Context {
	return context.WithValue(ctx, stopNowKey{}, now)
}

func stopNowOf(ctx context.Context) context.Context {
	now, _ := ctx.Value(stopNowKey{}).(context.Context)
	return now
}

// inFlight is how many calls of the run are sent and not yet answered:
// the client's count when it keeps one, else the steps making a call.
func (e *executor) inFlight() int {
	if c, ok := e.api.(interface{ InFlight() int }); ok {
		return c.InFlight()
	}
	return int(e.calling.Load())
}

// waiting says, once the run is interrupted, what it still waits for.
func (e *executor) waiting(canStopNow bool) {
	n := e.inFlight()
	if n == 0 {
		return
	}
	calls := "calls"
	if n == 1 {
		calls = "call"
	}
	msg := fmt.Sprintf("interrupted: waiting up to %s for %d %s in flight to answer, so their rows say what happened", e.opts.Grace.Round(time.Second), n, calls)
	if canStopNow {
		msg += "; interrupt again (Ctrl-C) to stop now: those rows will say their outcome is unknown, and a rerun checks them"
	}
	e.log.Warn(msg)
}

func newExecutor(api API, p *plan.Plan, opts Options) *executor {
	if opts.Concurrency < 1 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.MaxAttempts < 1 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.BaseDelay <= 0 {
		opts.BaseDelay = DefaultBaseDelay
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = DefaultMaxDelay
	}
	opts.MaxDelay = max(opts.MaxDelay, opts.BaseDelay)
	if opts.Grace <= 0 {
		opts.Grace = DefaultGrace
	}
	if opts.Sleep == nil {
		opts.Sleep = apiclient.Sleep
	}
	e := &executor{api: api, plan: p, opts: opts, log: opts.Logger, journal: opts.Journal}
	if e.log == nil {
		e.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e.led = newLedger(p, e.journal)
	return e
}

// stop records err, which ends the run (only the first is kept), and
// returns it for the worker pool to cancel the other workers.
func (e *executor) stop(err error) error {
	e.led.setFatal(err)
	e.log.Error("run stopped", "err", err)
	return err
}

// getUser reads a user back to settle an unanswered write. Callers pass
// the in-flight context (callCtx): it is part of finishing a call already
// made. One attempt: runStep paces read backs itself (a wait holds no slot).
func (e *executor) getUser(ctx context.Context, id string) (*encompass.User, *apiclient.Response, error) {
	u, resp, err := e.api.GetUser(apiclient.WithoutRetry(ctx), id)
	if !errors.Is(err, apiclient.ErrNotSent) {
		e.led.countCall(err, true)
	}
	return u, resp, err
}

// journalWrite appends records to the journal, if any; a failure is fatal.
func (e *executor) journalWrite(recs ...journalRecord) error {
	if e.journal == nil {
		return nil
	}
	if err := e.journal.write(recs...); err != nil {
		return fmt.Errorf("%w; the run cannot record its progress, so it stops", err)
	}
	return nil
}

func (e *executor) key(i int, step string) stepKey {
	r := &e.plan.Rows[i]
	return stepKey{Sheet: r.Sheet, Row: r.Row, ID: r.ID, Step: step}
}

// startRecord records a step's start; okStatus as in doneRecord.
func startRecord(k stepKey, okStatus plan.Status) journalRecord {
	return journalRecord{Event: eventStart, Sheet: k.Sheet, Row: k.Row, ID: k.ID, Step: k.Step, Outcome: okStatus}
}

// doneRecord records a step's end; okStatus is the row's report status when
// all its steps succeed, so that a rerun can report a row an earlier run
// finished even when the new plan finds nothing left to do for it.
func doneRecord(k stepKey, res *result, attempts int, okStatus plan.Status) journalRecord {
	return journalRecord{Event: eventDone, Sheet: k.Sheet, Row: k.Row, ID: k.ID, Step: k.Step,
		OK: res.outcome == outcomeOK, HTTPStatus: res.httpStatus, ErrorCode: res.errorCode,
		CorrelationID: res.correlationID, Attempts: attempts, Outcome: okStatus}
}

// fromJournal returns the result of a step the journal says succeeded.
func fromJournal(st journalState) (result, bool) {
	if !st.hasDone || !st.done.ok {
		return result{}, false
	}
	d := st.done
	return result{outcome: outcomeOK, httpStatus: d.httpStatus, correlationID: d.correlationID,
		fromJournal: true, attempts: d.attempts}, true
}

// okStatus is the status of row i when every step succeeded.
func (e *executor) okStatus(i int) plan.Status {
	r := &e.plan.Rows[i]
	if r.Outcome != "" {
		return r.Outcome
	}
	switch {
	case r.Create != nil:
		return plan.StatusCreated
	case r.Move != nil:
		return plan.StatusMoved
	default:
		return plan.StatusUpdated
	}
}

// pool runs fn for each of n items on Concurrency workers (restic's
// pattern: the sender runs inside the group, stops on ctx.Done() and closes
// the channel; workers range over it). An item is not started once ctx is
// done. A worker's error (fatal only) cancels the others.
func (e *executor) pool(ctx context.Context, items []int, fn func(ctx context.Context, item int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	ch := make(chan int)
	g.Go(func() error {
		defer close(ch)
		for _, it := range items {
			select {
			case ch <- it:
			case <-gctx.Done():
				return nil
			}
		}
		return nil
	})
	for range min(e.opts.Concurrency, max(len(items), 1)) {
		g.Go(func() error {
			for it := range ch {
				if gctx.Err() != nil {
					continue // drain: not started
				}
				if err := fn(gctx, it); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

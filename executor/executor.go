package executor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/planner"
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

// TooManyBudget times MaxAttempts is how many 429 answers one call may get
// before its row fails; 429s do not count against MaxAttempts.
const TooManyBudget = 4

// API is what the executor needs from apiclient.Client; tests use fakes.
type API interface {
	CreateUser(ctx context.Context, orgID string, u *apiclient.User) (*apiclient.Response, error)
	PatchUser(ctx context.Context, id string, body any) (*apiclient.Response, error)
	MoveUsers(ctx context.Context, sourceOrgID, targetOrgID string, ids []string) (*apiclient.Response, error)
	GetUser(ctx context.Context, id string) (*apiclient.User, *apiclient.Response, error)
}

// Options tune a Run. The zero value is usable.
type Options struct {
	Concurrency int     // max calls in flight (default DefaultConcurrency)
	Rate        float64 // calls per second (0: unlimited); independent of Concurrency

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

	// Limiter bounds calls in flight and adapts to the server's shared
	// concurrency cap. When nil, Run makes one (NewAdaptive(Concurrency))
	// and feeds it the replies of the calls it makes. When set, the caller
	// must also pass Limiter.Observe to apiclient.WithObserver, so it sees
	// every reply (reads and their retries too); Run then does not feed it.
	Limiter *Adaptive

	// Grace bounds how long calls in flight may still take after ctx is
	// canceled (default DefaultGrace).
	Grace time.Duration

	// Sleep waits d between attempts, returning early with an error when
	// ctx is done. nil: a timer. Tests inject it to record the waits.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Stats count what a Run did.
type Stats struct {
	Calls      int            // API calls made (write attempts and reads back)
	Retries    int            // write attempts after the first of a call
	TooMany429 int            // 429 replies seen
	Reconciles int            // reads made to learn whether an unanswered write took effect
	ByStatus   map[string]int // report rows per status
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

// step outcomes
const (
	stateNone = iota
	stateOK
	stateFailed
	stateInterrupted
	stateFatal
)

// result is the outcome of one step (create, patch or one move call).
type result struct {
	state         int
	httpStatus    int
	correlationID string
	errorCode     string
	msg           string
	fatal         error
	reconciled    bool
	fromJournal   bool
	attempts      int // from the journal only
}

// note records the last call's status and correlation id.
func (r *result) note(resp *apiclient.Response, err error) {
	status, corr := 0, ""
	if resp != nil && resp.Response != nil {
		status, corr = resp.StatusCode, resp.CorrelationID
	}
	var ae *apiclient.Error
	if errors.As(err, &ae) {
		if status == 0 {
			status = ae.StatusCode
		}
		if corr == "" {
			corr = ae.CorrelationID
		}
	}
	if status != 0 || err != nil {
		r.httpStatus = status
		r.correlationID = corr
	}
	if err == nil {
		r.errorCode = ""
	}
}

// fail makes r a failure described by err (its status and correlation id
// become the row's, even when a read back came after it).
func (r *result) fail(err error) {
	r.state = stateFailed
	r.msg = errorMessage(err)
	var ae *apiclient.Error
	if errors.As(err, &ae) {
		r.errorCode = ae.ErrorCode
		r.httpStatus, r.correlationID = ae.StatusCode, ae.CorrelationID
	}
}

// errorMessage renders err for the report: "summary: details" for an API
// error (plus nested errors), the error text otherwise. apiclient errors
// never hold a token, password or secret.
func errorMessage(err error) string {
	var ae *apiclient.Error
	if !errors.As(err, &ae) {
		return err.Error()
	}
	var parts []string
	for _, s := range []string{ae.Summary, ae.Details} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		parts = append(parts, strings.TrimSpace(fmt.Sprintf("%d %s", ae.StatusCode, http.StatusText(ae.StatusCode))))
	}
	msg := strings.Join(parts, ": ")
	for _, n := range ae.Errors {
		d := n.Details
		if d == "" {
			d = n.Summary
		}
		if n.ErrorCode != "" {
			d = n.ErrorCode + ": " + d
		}
		msg += "; " + d
	}
	return msg
}

// isFatal reports errors that end the run: credentials refused, or a 401
// that persists after the client's re-authentication.
func isFatal(err error) bool {
	return errors.Is(err, apiclient.ErrAuth) || apiclient.IsStatus(err, http.StatusUnauthorized)
}

// statusOf is the HTTP status of a call's answer, 0 when there was none.
func statusOf(resp *apiclient.Response, err error) int {
	if resp != nil && resp.Response != nil {
		return resp.StatusCode
	}
	var ae *apiclient.Error
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	return 0
}

// rowState is the run's knowledge of one plan row.
type rowState struct {
	out       report.Row
	work      bool // the plan has steps for this row
	final     bool // out.Status is final
	attempts  int
	elapsed   time.Duration
	last      result // last step's result (status, correlation id)
	step1     int    // state of create/patch (stateNone when none)
	reconcile bool   // some step was settled by reading back
	journal   bool   // some step was taken from the journal
	warnings  string
}

type executor struct {
	api     API
	plan    *planner.Plan
	opts    Options
	log     *slog.Logger
	lim     *Adaptive
	feed    bool // feed lim with the replies Run sees
	rate    *rate.Limiter
	callCtx context.Context
	journal *Journal

	mu       sync.Mutex // guards rows, stats, done
	rows     []rowState
	stats    Stats
	done     int
	total    int
	fatalErr error
	kick     chan struct{} // a row finished: report progress (nil without Options.Progress)
}

// Run executes plan p through api and returns a report row for every plan
// row, in input order.
//
// Phase 1 runs every create and patch through a pool of Concurrency
// workers; phase 2 runs the plan's bulk moves, each only with the users
// whose patch (if any) succeeded. A row's failure goes into its report row,
// not into the error: Run returns an error only for a fatal failure
// (credentials refused, 401 after re-authentication, a journal that cannot
// be written), and even then returns the Result with every row, the rows
// not done marked skipped. When ctx is canceled Run stops dispatching, lets
// the calls in flight finish (for at most Options.Grace), marks the rest
// skipped and sets Result.Interrupted.
func Run(ctx context.Context, api API, p *planner.Plan, opts Options) (*Result, error) {
	start := time.Now()
	e := newExecutor(api, p, opts)

	callCtx, cancelCalls := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelCalls()
	var grace atomic.Pointer[time.Timer]
	stop := context.AfterFunc(ctx, func() { grace.Store(time.AfterFunc(e.opts.Grace, cancelCalls)) })
	defer func() {
		stop()
		if t := grace.Load(); t != nil {
			t.Stop()
		}
	}()
	e.callCtx = callCtx

	stopProgress := e.reportProgress()
	if err := e.phase1(ctx); err == nil && ctx.Err() == nil {
		e.phase2(ctx)
	}
	interrupted := e.finishAll(ctx)
	stopProgress()

	res := &Result{Rows: make([]report.Row, len(e.rows)), Interrupted: interrupted}
	for i := range e.rows {
		res.Rows[i] = e.rows[i].out
	}
	e.stats.ByStatus = report.Count(res.Rows)
	e.stats.Elapsed = time.Since(start)
	res.Stats = e.stats
	return res, e.fatalErr
}

func newExecutor(api API, p *planner.Plan, opts Options) *executor {
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
	e := &executor{api: api, plan: p, opts: opts, log: opts.Logger, lim: opts.Limiter, journal: opts.Journal}
	if e.log == nil {
		e.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if e.lim == nil {
		e.lim = NewAdaptive(opts.Concurrency)
		e.feed = true
	}
	if opts.Rate > 0 {
		e.rate = rate.NewLimiter(rate.Limit(opts.Rate), 1)
	}
	e.rows = make([]rowState, len(p.Rows))
	for i := range p.Rows {
		r := &p.Rows[i]
		st := &e.rows[i]
		st.out = report.Row{Sheet: r.Sheet, Row: r.Row, ID: r.ID, Action: r.Action, Status: r.Status}
		switch r.Status {
		case planner.StatusInvalid, planner.StatusUnchanged:
			// After a crash the new plan sees what the earlier run did: a
			// created user is now "unchanged", or "invalid" for a create
			// row. The journal knows better: report what that run did.
			if d := e.journal.rowDone(r.Sheet, r.Row, r.ID); d != nil {
				st.out.Status = d.Outcome
				st.out.HTTPStatus = d.HTTPStatus
				st.out.CorrelationID = d.CorrelationID
				st.out.Attempts = d.Attempts
				st.out.Message = msgFromJournal
			} else if o := e.journal.rowStarted(r.Sheet, r.Row, r.ID); o != "" && r.Status == planner.StatusUnchanged {
				// An earlier run was cut off during this row's call, and
				// the server now holds what the row asks: the call took effect.
				st.out.Status = o
				st.out.Message = msgEarlierCallTookEffect
			} else {
				st.out.Message = problemsMessage(r.Problems, r.Status != planner.StatusInvalid)
			}
			st.final = true
		case planner.StatusPlanned:
			st.warnings = problemsMessage(r.Problems, true)
			if r.Create != nil || r.Patch != nil || r.Move != nil {
				st.work = true
				e.total++
			} else {
				st.out.Status = planner.StatusSkipped
				st.out.Message = "the plan has no step for this row; plan again"
				st.final = true
			}
		default: // a status the executor passes through
			st.out.Message = problemsMessage(r.Problems, true)
			st.final = true
		}
	}
	return e
}

// problemsMessage joins a row's problems ("column C: message"); with
// warningsOnly, only the warnings.
func problemsMessage(ps []importer.Problem, warningsOnly bool) string {
	if warningsOnly {
		var ws []importer.Problem
		for _, p := range ps {
			if p.Severity == importer.SeverityWarning {
				ws = append(ws, p)
			}
		}
		ps = ws
	}
	return strings.Join(planner.ProblemMessages(ps), "; ")
}

// reportProgress calls Options.Progress from a goroutine of its own each
// time finishRowLocked says a row is done, so that drawing a bar never holds
// up the workers or runs under e.mu. stop waits for the final call.
func (e *executor) reportProgress() (stop func()) {
	if e.opts.Progress == nil {
		return func() {}
	}
	e.kick = make(chan struct{}, 1)
	quit, exited := make(chan struct{}), make(chan struct{})
	call := func() {
		e.mu.Lock()
		done, total := e.done, e.total
		e.mu.Unlock()
		e.opts.Progress(done, total)
	}
	go func() {
		defer close(exited)
		call()
		for {
			select {
			case <-e.kick:
				call()
			case <-quit:
				call()
				return
			}
		}
	}()
	return func() { close(quit); <-exited }
}

// setFatal records the first fatal error.
func (e *executor) setFatal(err error) {
	e.mu.Lock()
	if e.fatalErr == nil {
		e.fatalErr = err
	}
	e.mu.Unlock()
	e.log.Error("run stopped", "err", err)
}

// acquire waits for the rate limiter and a concurrency slot.
func (e *executor) acquire(ctx context.Context) error {
	if e.rate != nil {
		if err := e.rate.Wait(ctx); err != nil {
			return err
		}
	}
	return e.lim.Acquire(ctx)
}

// release frees the slot taken by acquire after a call answered resp.
func (e *executor) release(resp *apiclient.Response, err error, reconcile bool) {
	if e.feed {
		e.lim.Observe(resp)
	}
	e.lim.Release()
	e.mu.Lock()
	e.stats.Calls++
	if reconcile {
		e.stats.Reconciles++
	}
	if statusOf(resp, err) == http.StatusTooManyRequests {
		e.stats.TooMany429++
	}
	e.mu.Unlock()
}

// getUser reads a user back to settle an unanswered write. It runs on the
// in-flight context: it is part of finishing a call already made.
func (e *executor) getUser(id string) (*apiclient.User, *apiclient.Response, error) {
	ctx := e.callCtx
	if err := e.acquire(ctx); err != nil {
		return nil, nil, err
	}
	// One attempt: runStep paces read-backs itself, without holding the slot.
	u, resp, err := e.api.GetUser(apiclient.WithoutRetry(e.lim.Sent(ctx)), id)
	e.release(resp, err, true)
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

func startRecord(k stepKey, outcome string) journalRecord {
	return journalRecord{Event: eventStart, Sheet: k.Sheet, Row: k.Row, ID: k.ID, Step: k.Step, Outcome: outcome}
}

// doneRecord records a step's end; outcome is the row's report status when
// all its steps succeed, so that a rerun can report a row an earlier run
// finished even when the new plan finds nothing left to do for it.
func doneRecord(k stepKey, res *result, attempts int, outcome string) journalRecord {
	return journalRecord{Event: eventDone, Sheet: k.Sheet, Row: k.Row, ID: k.ID, Step: k.Step,
		OK: res.state == stateOK, HTTPStatus: res.httpStatus, ErrorCode: res.errorCode,
		CorrelationID: res.correlationID, Attempts: attempts, Outcome: outcome}
}

// fromJournal returns the result of a step the journal says succeeded.
func fromJournal(st journalState) (result, bool) {
	if st.done == nil || !st.done.OK {
		return result{}, false
	}
	d := st.done
	return result{state: stateOK, httpStatus: d.HTTPStatus, correlationID: d.CorrelationID,
		fromJournal: true, attempts: d.Attempts}, true
}

// finishRow sets row i's final report line from its last result.
// Callers hold e.mu.
func (e *executor) finishRowLocked(i int, status, msg string) {
	st := &e.rows[i]
	if st.final {
		return
	}
	st.final = true
	st.out.Status = status
	st.out.HTTPStatus = st.last.httpStatus
	st.out.CorrelationID = st.last.correlationID
	st.out.Attempts = st.attempts
	st.out.DurationMS = st.elapsed.Milliseconds()
	if status == planner.StatusFailed {
		st.out.ErrorCode = st.last.errorCode
	}
	if msg == "" {
		switch {
		case st.reconcile:
			msg = msgReconciled
		case st.journal:
			msg = msgFromJournal
		}
	}
	if st.warnings != "" {
		if msg != "" {
			msg += "; "
		}
		msg += st.warnings
	}
	st.out.Message = msg
	if st.work {
		e.done++
		if e.kick != nil {
			select {
			case e.kick <- struct{}{}:
			default: // a call is due already; it will read the latest count
			}
		}
	}
}

// outcome is the status of row i when every step succeeded.
func (e *executor) outcome(i int) string {
	r := &e.plan.Rows[i]
	if r.Outcome != "" {
		return r.Outcome
	}
	switch {
	case r.Create != nil:
		return planner.StatusCreated
	case r.Move != nil:
		return planner.StatusMoved
	default:
		return planner.StatusUpdated
	}
}

// finishAll marks every row not done as skipped and tells whether the run
// was interrupted.
func (e *executor) finishAll(ctx context.Context) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	interrupted := false
	msg := MsgInterrupted
	if e.fatalErr != nil {
		msg = "not done: the run stopped after a fatal error (" + errorMessage(e.fatalErr) + "); fix it and rerun"
	}
	for i := range e.rows {
		st := &e.rows[i]
		if st.final {
			continue
		}
		m := msg
		if st.step1 == stateOK && e.plan.Rows[i].Patch != nil {
			m = "fields updated, move not done: " + msg
		}
		if st.last.state == stateInterrupted && st.last.msg != "" {
			m = st.last.msg
		}
		e.finishRowLocked(i, planner.StatusSkipped, m)
		if e.fatalErr == nil {
			interrupted = true
		}
	}
	return interrupted && ctx.Err() != nil
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

// marshalPassword is the JSON form of a password for a patch body.
func marshalPassword(pw string) json.RawMessage {
	b, _ := json.Marshal(pw) // a string always marshals
	return b
}

package executor

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/report"
)

// rowState is the run's knowledge of one plan row.
type rowState struct {
	out       runOut
	work      bool // the plan has steps for this row
	final     bool // out.status is final
	attempts  int
	elapsed   time.Duration
	last      result  // last step's result (status, correlation id)
	step1     outcome // outcome of create/patch (outcomeNone when none)
	reconcile bool    // some step was settled by reading back
	journal   bool    // some step was taken from the journal
	warnings  string
}

// runOut is what the run decides of a row's report line; the rest (who,
// where, the steps) comes from the plan when the report is built
// (ledger.result), so that 250,000 rows do not each hold a report row
// through the run.
type runOut struct {
	status        plan.Status
	httpStatus    int
	errorCode     string
	message       string
	correlationID string
	attempts      int
	durationMS    int64
}

// ledger owns the run's row states, its counters and its fatal error, under
// one lock: workers change them only through its methods, and a row's
// report line is written once (finishLocked).
type ledger struct {
	plan *plan.Plan // read only

	mu       sync.Mutex
	rows     []rowState
	stats    Stats
	done     int // rows with work that are final
	total    int // rows with work
	fatalErr error
	kick     chan struct{} // a row finished: report progress (nil without a watcher)
}

// newLedger sets up a row state for every plan row: the rows without work
// (invalid, unchanged, passed through) are final at once, reported from the
// journal when an earlier run did them.
func newLedger(p *plan.Plan, j *Journal) *ledger {
	l := &ledger{plan: p, rows: make([]rowState, len(p.Rows))}
	for i := range p.Rows {
		r := &p.Rows[i]
		st := &l.rows[i]
		st.out.status = r.Status
		switch r.Status {
		case plan.StatusInvalid, plan.StatusUnchanged:
			// After a crash the new plan sees what the earlier run did: a
			// created user is now "unchanged", or "invalid" for a create
			// row. The journal knows better: report what that run did.
			if d := j.rowDone(r.Sheet, r.Row, r.ID); d != nil {
				st.out.status = d.outcome
				st.out.httpStatus = d.httpStatus
				st.out.correlationID = d.correlationID
				st.out.attempts = d.attempts
				st.out.message = msgFromJournal
			} else if o := j.rowStarted(r.Sheet, r.Row, r.ID); o != "" && r.Status == plan.StatusUnchanged {
				// An earlier run was cut off during this row's call, and
				// the server now holds what the row asks: the call took effect.
				st.out.status = o
				st.out.message = msgEarlierCallTookEffect
			} else {
				st.out.message = problemsMessage(r.Problems, r.Status != plan.StatusInvalid)
			}
			st.final = true
		case plan.StatusPlanned:
			st.warnings = problemsMessage(r.Problems, true)
			if r.NotInFile != nil {
				// A row --sync added: the report says who it is, as no file row does.
				st.warnings = strings.Join(slices.DeleteFunc([]string{p.Describe(r), st.warnings}, func(s string) bool { return s == "" }), "; ")
			}
			if r.Create != nil || r.Patch != nil || r.Move != nil {
				st.work = true
				l.total++
			} else {
				st.out.status = plan.StatusSkipped
				st.out.message = "the plan has no step for this row; plan again"
				st.final = true
			}
		default: // a status the executor passes through
			st.out.message = problemsMessage(r.Problems, true)
			st.final = true
		}
	}
	return l
}

// problemsMessage joins a row's problems ("column C: message"); with
// warningsOnly, only the warnings.
func problemsMessage(ps plan.Problems, warningsOnly bool) string {
	if warningsOnly {
		ps = ps.Warnings()
	}
	return strings.Join(ps.Messages(), "; ")
}

// hasWork reports whether the plan has steps for row i.
func (l *ledger) hasWork(i int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rows[i].work
}

// addAttempt counts a call made for row i (a write or a read back).
func (l *ledger) addAttempt(i int) {
	l.mu.Lock()
	l.rows[i].attempts++
	l.mu.Unlock()
}

// attempts is the number of calls made for row i so far.
func (l *ledger) attempts(i int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rows[i].attempts
}

// countCall counts a call that answered err.
func (l *ledger) countCall(err error, reconcile bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stats.Calls++
	if reconcile {
		l.stats.Reconciles++
	}
	if errors.Is(err, apiclient.ErrTooManyRequests) {
		l.stats.TooMany429++
	}
}

// countRetry counts a write attempt after the first of a call.
func (l *ledger) countRetry() {
	l.mu.Lock()
	l.stats.Retries++
	l.mu.Unlock()
}

// setFatal records the first fatal error.
func (l *ledger) setFatal(err error) {
	l.mu.Lock()
	if l.fatalErr == nil {
		l.fatalErr = err
	}
	l.mu.Unlock()
}

// firstStepDone records the end of row i's create or patch (res), which
// took elapsed, and returns the row's attempts.
func (l *ledger) firstStepDone(i int, res result, elapsed time.Duration) (attempts int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := &l.rows[i]
	st.elapsed += elapsed
	st.attempts += res.attempts
	st.last = res
	st.step1 = res.outcome
	st.reconcile = st.reconcile || res.reconciled
	st.journal = st.journal || res.fromJournal
	return st.attempts
}

// readyToMove reports whether row i's move is to be made: the row is not
// final and its earlier step, if any, succeeded.
func (l *ledger) readyToMove(i int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, r := &l.rows[i], &l.plan.Rows[i]
	return !st.final && st.work && (r.Patch == nil && r.Create == nil || st.step1 == outcomeOK)
}

// finishFromJournal makes row i final with status, from the journal's
// result of its last step.
func (l *ledger) finishFromJournal(i int, res result, status plan.Status) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := &l.rows[i]
	st.attempts += res.attempts
	st.last, st.journal = res, true
	l.finishLocked(i, status, "")
}

// gone fails row i: reading back (answered resp) found its user gone.
func (l *ledger) gone(i int, resp *apiclient.Response, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rows[i].last.note(resp, nil)
	l.finishLocked(i, plan.StatusFailed, msg)
}

// reconciled notes that reading back settled a step of row i.
func (l *ledger) reconciled(i int) {
	l.mu.Lock()
	l.rows[i].reconcile = true
	l.mu.Unlock()
}

// moveDone records the end of row i's move call (res, which took elapsed):
// moved says reading back found the row's user moved already; okStatus is
// the row's status when it succeeded.
func (l *ledger) moveDone(i int, res result, elapsed time.Duration, moved bool, okStatus plan.Status) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := &l.rows[i]
	st.elapsed += elapsed
	if st.final {
		return
	}
	if moved {
		st.last.outcome = outcomeOK
		st.last.httpStatus, st.last.correlationID = res.httpStatus, res.correlationID
		l.finishLocked(i, okStatus, "")
		return
	}
	st.last = res
	switch res.outcome {
	case outcomeOK:
		l.finishLocked(i, okStatus, "")
	case outcomeFailed:
		msg := res.msg
		if l.plan.Rows[i].Patch != nil {
			msg = "fields updated, move failed: " + msg
		}
		l.finishLocked(i, plan.StatusFailed, msg)
	}
}

// finish sets row i's final report line from its last result.
func (l *ledger) finish(i int, status plan.Status, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.finishLocked(i, status, msg)
}

// finishLocked is finish with l.mu held. A final row is left alone.
func (l *ledger) finishLocked(i int, status plan.Status, msg string) {
	st := &l.rows[i]
	if st.final {
		return
	}
	st.final = true
	st.out.status = status
	st.out.httpStatus = st.last.httpStatus
	st.out.correlationID = st.last.correlationID
	st.out.attempts = st.attempts
	st.out.durationMS = st.elapsed.Milliseconds()
	if status == plan.StatusFailed {
		st.out.errorCode = st.last.errorCode
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
	st.out.message = msg
	if st.work {
		l.done++
		if l.kick != nil {
			select {
			case l.kick <- struct{}{}:
			default: // a call is due already; it will read the latest count
			}
		}
	}
}

// finishAll marks every row not done as skipped, or unknown when a call of
// it was sent and its effect is not known, and tells whether the run was
// interrupted (ctxDone: the run's context was canceled).
func (l *ledger) finishAll(ctxDone bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	interrupted := false
	msg := MsgInterrupted
	if l.fatalErr != nil {
		msg = "not done: the run stopped after a fatal error (" + apiclient.Message(l.fatalErr) + "); fix it and rerun"
	}
	for i := range l.rows {
		st := &l.rows[i]
		if st.final {
			continue
		}
		m := msg
		if st.step1 == outcomeOK && l.plan.Rows[i].Patch != nil {
			m = "fields updated, move not done: " + msg
		}
		status := plan.StatusSkipped
		switch {
		case st.last.outcome == outcomeUnknown:
			// A call was sent: never "skipped" (not attempted).
			status, m = plan.StatusUnknown, st.last.msg
			if st.step1 == outcomeOK && l.plan.Rows[i].Patch != nil {
				m = "fields updated; the move call: " + m
			}
		case st.last.outcome == outcomeInterrupted && st.last.msg != "":
			m = st.last.msg
		}
		l.finishLocked(i, status, m)
		if l.fatalErr == nil {
			interrupted = true
		}
	}
	return interrupted && ctxDone
}

// result returns the report rows and the stats, and the fatal error if any.
func (l *ledger) result() ([]report.Row, Stats, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rows := make([]report.Row, len(l.rows))
	for i := range l.rows {
		o := &l.rows[i].out
		row := report.RunRow(l.plan, &l.plan.Rows[i])
		row.Status, row.HTTPStatus, row.ErrorCode, row.Message = o.status, o.httpStatus, o.errorCode, o.message
		row.CorrelationID, row.Attempts, row.DurationMS = o.correlationID, o.attempts, o.durationMS
		rows[i] = row
	}
	return rows, l.stats, l.fatalErr
}

// watch calls progress from a goroutine of its own each time a row with
// work is done, so that drawing a bar never holds up the workers or runs
// under l.mu. stop waits for the final call.
func (l *ledger) watch(progress func(done, total int)) (stop func()) {
	if progress == nil {
		return func() {}
	}
	l.kick = make(chan struct{}, 1)
	quit, exited := make(chan struct{}), make(chan struct{})
	call := func() {
		l.mu.Lock()
		done, total := l.done, l.total
		l.mu.Unlock()
		progress(done, total)
	}
	go func() {
		defer close(exited)
		call()
		for {
			select {
			case <-l.kick:
				call()
			case <-quit:
				call()
				return
			}
		}
	}()
	return func() { close(quit); <-exited }
}

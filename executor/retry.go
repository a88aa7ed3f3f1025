package executor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/encimport/encimport/apiclient"
)

// verdict is what reading back says about an unanswered write.
type verdict int

const (
	notApplied verdict = iota // repeat the write
	applied                   // the write took effect: done
	mismatch                  // something else is there: the step failed
)

// retryState is where a step's retry loop stands.
type retryState int

const (
	writing      retryState = iota // send the write (again)
	pausing                        // wait, then write again (or read back first: retry.resume)
	checking                       // read back whether an earlier write took effect
	checkPausing                   // the read back met a bad moment: wait, then read again
	finished                       // retry.res holds the step's outcome
)

func (s retryState) String() string {
	return [...]string{"writing", "pausing", "checking", "checkPausing", "finished"}[s]
}

// ifNotApplied is where a read back that finds the write not applied leads.
type ifNotApplied int

const (
	thenWrite ifNotApplied = iota // write again
	thenFail                      // attempts used up: fail with the last write's error
	thenStop                      // interrupted while waiting: stop (skipped)
)

// answer is what a call brought back, with apiclient.ShouldRetry's verdict
// on it (retry, and the server's Retry-After as wait).
type answer struct {
	resp  *apiclient.Response
	err   error
	retry bool
	wait  time.Duration
}

// retry is the retry loop of one write as a state machine. Its methods are
// the transitions and do no I/O; runStep makes the calls and the waits and
// feeds it what they answered. Never twice: a write whose answer leaves its
// effect unknown (none, a 5xx, a 409 on a repeated create) leads to
// checking before any other write.
type retry struct {
	kind        string // StepCreate, StepPatch or StepMove
	maxAttempts int
	backoff     func(attempt int) time.Duration // the wait when the server names none

	state  retryState
	wait   time.Duration // pausing, checkPausing: how long
	resume retryState    // pausing: writing or checking
	then   ifNotApplied  // checking: what "not applied" leads to

	uncertain     bool  // an earlier run may have made this write
	lastUncertain bool  // the last write's answer left its effect unknown
	everUncertain bool  // some write's answer left its effect unknown
	conflict      bool  // checking after a 409 that no write of this step can have caused
	writes        int   // writes sent
	checks        int   // failed reads of the current read back
	checkTooMany  int   // of those, 429 answers: a budget of their own
	tooMany       int   // 429 answers: a budget of their own
	lastErr       error // the last write's error
	checkErr      error // checkPausing: the read's error
	res           result
}

// newRetry starts a step's loop: with checking when an earlier run may have
// made the write (the journal has its start and no end), writing otherwise.
func newRetry(kind string, uncertain bool, maxAttempts int, backoff func(int) time.Duration) *retry {
	m := &retry{kind: kind, maxAttempts: maxAttempts, backoff: backoff, uncertain: uncertain}
	if uncertain {
		m.check(thenWrite)
	}
	return m
}

func (m *retry) finish(o outcome) {
	m.state, m.res.outcome = finished, o
}

func (m *retry) check(then ifNotApplied) {
	m.state, m.then = checking, then
}

// interrupt: the run was interrupted (or no slot came) before a write.
func (m *retry) interrupt() { m.finish(outcomeInterrupted) }

// msgUnknown is the report message of a row whose write was sent and whose
// effect is not known because the run was stopped first.
const msgUnknown = "the run was stopped before the answer to this row's call came: it may or may not have taken effect; rerun (same state directory) to check and finish"

// unknown: the run was stopped (the grace after an interrupt ran out, or
// the interrupt came while a read back was still to be made) before the
// write's effect was known.
func (m *retry) unknown() {
	m.finish(outcomeUnknown)
	m.res.msg = msgUnknown
}

// abort ends the step with a fatal error (the journal could not be written).
func (m *retry) abort(err error) {
	m.finish(outcomeFatal)
	m.res.fatal = err
}

// wrote takes the answer to a write. cutOff: the calls' own context is done
// (the grace bound after an interrupt ran out during the call).
func (m *retry) wrote(a answer, cutOff bool) {
	m.writes++
	m.res.note(a.resp, a.err)
	if a.err == nil {
		m.finish(outcomeOK)
		return
	}
	if isFatal(a.err) {
		m.abort(a.err)
		return
	}
	m.lastErr = a.err
	if cutOff {
		m.unknown()
		return
	}
	status := statusOf(a.resp, a.err)
	uncertain := status == 0 || status >= 500
	m.everUncertain = m.everUncertain || uncertain
	if m.kind == StepCreate && status == http.StatusConflict {
		// A 409 is never a failure by itself: read the user back. After a
		// write whose effect was unknown (or an earlier run's) it may be
		// this row's own user; otherwise someone else created it, and the
		// row is unchanged when that user is what the row asks.
		m.conflict = !m.uncertain && !m.everUncertain
		if m.writes >= m.maxAttempts {
			m.check(thenFail)
		} else {
			m.check(thenWrite)
		}
		return
	}
	// A 429 is the gateway refusing before anything happens: it gets a
	// budget of its own, so a busy cap does not fail a row.
	if errors.Is(a.err, apiclient.ErrTooManyRequests) {
		m.tooMany++
	}
	if !a.retry || m.writes-m.tooMany >= m.maxAttempts || m.tooMany >= apiclient.TooManyBudget*m.maxAttempts {
		if uncertain {
			m.check(thenFail)
			return
		}
		m.fail(a.err)
		return
	}
	m.wait = a.wait
	if m.wait <= 0 {
		m.wait = m.backoff(m.writes)
	}
	m.lastUncertain = uncertain
	m.state, m.resume = pausing, writing
	if uncertain {
		m.resume = checking
	}
}

func (m *retry) fail(err error) {
	m.res.fail(err)
	m.state = finished
}

// slept takes the end of a wait: err is not nil when the run was
// interrupted during it.
func (m *retry) slept(err error) {
	switch m.state {
	case pausing:
		switch {
		case m.resume == checking && err != nil:
			m.check(thenStop) // settle the unanswered write before stopping
		case m.resume == checking:
			m.check(thenWrite)
		case err != nil:
			m.interrupt()
		default:
			m.state = writing
		}
	case checkPausing:
		if err != nil {
			m.unknown() // interrupted before the write could be checked
			return
		}
		m.state = checking
	}
}

// checked takes what reading back found: v and why (a mismatch's reason)
// when the read succeeded, a.err when it did not. stopped: the run was
// interrupted, so a failed read is not tried again.
func (m *retry) checked(v verdict, why string, a answer, stopped bool) {
	if a.resp != nil {
		m.res.note(a.resp, a.err)
	}
	if a.err != nil {
		if isFatal(a.err) {
			m.abort(a.err)
			return
		}
		// The read back itself met a bad moment (it is made once, see
		// getUser): wait, slot released, and read again rather than give
		// up on a write that may well have taken effect.
		// A 429 refused the read before anything happened: like a write's,
		// it has a budget of its own, so a busy cap does not turn a write
		// that may well have taken effect into a failed row.
		m.checks++
		if errors.Is(a.err, apiclient.ErrTooManyRequests) {
			m.checkTooMany++
		}
		if a.retry && m.checks-m.checkTooMany < m.maxAttempts && m.checkTooMany < apiclient.TooManyBudget*m.maxAttempts && !stopped {
			m.wait = a.wait
			if m.wait <= 0 {
				m.wait = m.backoff(m.checks)
			}
			m.state, m.checkErr = checkPausing, a.err
			return
		}
		if stopped && a.retry {
			m.unknown() // interrupted: not read again, so not known
			return
		}
		m.failCheck(a.err)
		return
	}
	m.checks, m.checkTooMany = 0, 0 // the budget is per read back, not per step
	switch v {
	case applied:
		m.finish(outcomeOK)
		m.res.errorCode = ""
		if m.conflict {
			m.res.existed = true // not this row's doing
		} else {
			m.res.reconciled = true
		}
		return
	case mismatch:
		if m.conflict {
			m.fail(m.lastErr) // the row's status and error code are the 409's
			m.res.msg = "the create was answered 409 (the user already exists; someone else created it): " + why
			return
		}
		m.finish(outcomeFailed)
		m.res.msg = why
		return
	}
	m.conflict = false
	m.lastUncertain = false
	switch m.then {
	case thenFail:
		m.fail(m.lastErr)
	case thenStop:
		m.interrupt()
	default:
		m.state = writing
	}
}

func (m *retry) failCheck(err error) {
	m.fail(err)
	m.res.msg = fmt.Sprintf("could not check whether the %s took effect: %s; look the user up in Encompass before rerunning", m.kind, m.res.msg)
}

// stepSpec describes one write for runStep.
type stepSpec struct {
	kind      string // StepCreate, StepPatch or StepMove
	what      string // for logs: "row 7 (jdoe)" or "move call 2"
	uncertain bool   // an earlier run may have made this write: read back first
	// do makes the write.
	do func(ctx context.Context) (*apiclient.Response, error)
	// check reads back whether the write took effect; resp (may be nil) is
	// the last read's reply, why explains a mismatch.
	check func(ctx context.Context) (v verdict, resp *apiclient.Response, why string, err error)
	// begin is called once before the first write (journal start record).
	begin func() error
	// attempt is called after every write sent.
	attempt func()
}

// runStep makes one write with retries, never twice in effect: it drives a
// retry machine, making the calls and waits its state asks for. Writes and
// waits stop with ctx; a read back and a write already sent run on the
// in-flight context (callCtx). One function decides what is retried
// (apiclient.ShouldRetry).
func (e *executor) runStep(ctx context.Context, s *stepSpec) result {
	m := newRetry(s.kind, s.uncertain, e.opts.MaxAttempts, e.backoff)
	for m.state != finished {
		switch m.state {
		case writing:
			e.write(ctx, s, m)
		case checking:
			e.calling.Add(1)
			v, resp, why, err := s.check(e.callCtx)
			e.calling.Add(-1)
			if err != nil && e.callCtx.Err() != nil {
				m.unknown() // the grace ran out before the read back answered
				continue
			}
			a := answer{resp: resp, err: err}
			if err != nil {
				a.retry, a.wait = apiclient.ShouldRetry(e.callCtx, resp, err)
			}
			m.checked(v, why, a, ctx.Err() != nil)
			switch {
			case m.state == checkPausing:
				e.log.Info("reading back again", "what", s.what, "step", s.kind, "check", m.checks, "wait", m.wait, "err", apiclient.Message(err))
			case m.state == finished && m.res.reconciled:
				e.log.Info("write confirmed by reading back", "what", s.what, "step", s.kind)
			}
		case pausing, checkPausing:
			m.slept(e.opts.Sleep(ctx, m.wait))
		}
	}
	return m.res
}

// write sends s's write once (the journal's start record before the first)
// and feeds the answer to m.
func (e *executor) write(ctx context.Context, s *stepSpec, m *retry) {
	if ctx.Err() != nil {
		m.interrupt()
		return
	}
	if m.writes == 0 && s.begin != nil {
		if err := s.begin(); err != nil {
			m.abort(err)
			return
		}
	}
	// The call runs on the in-flight context, but is not sent once ctx is
	// done (the client's wait for a slot ends with it).
	e.calling.Add(1)
	resp, err := s.do(apiclient.WithStartCancel(e.callCtx, ctx))
	e.calling.Add(-1)
	if errors.Is(err, apiclient.ErrNotSent) {
		m.interrupt()
		return
	}
	s.attempt()
	e.led.countCall(err, false)
	cutOff := e.callCtx.Err() != nil
	retry, wait := apiclient.ShouldRetry(e.callCtx, resp, err)
	m.wrote(answer{resp: resp, err: err, retry: retry, wait: wait}, cutOff)
	if m.state == pausing {
		e.led.countRetry()
		e.log.Info("retrying", "what", s.what, "step", s.kind, "attempt", m.writes, "status", statusOf(resp, err), "wait", m.wait, "err", apiclient.Message(err))
	}
}

// backoff is the wait before attempt n+1 when the server names none.
func (e *executor) backoff(n int) time.Duration {
	return apiclient.Backoff(n, e.opts.BaseDelay, e.opts.MaxDelay)
}

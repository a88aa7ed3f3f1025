package executor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/planner"
)

// verdict is what reading back says about an unanswered write.
type verdict int

const (
	notApplied verdict = iota // repeat the write
	applied                   // the write took effect: done
	mismatch                  // something else is there: the step failed
)

// stepSpec describes one write for runStep.
type stepSpec struct {
	kind      string // StepCreate, StepPatch or StepMove
	what      string // for logs: "row 7 (jdoe)" or "move call 2"
	uncertain bool   // an earlier run may have made this write: read back first
	// do makes the write.
	do func(ctx context.Context) (*apiclient.Response, error)
	// check reads back whether the write took effect; resp (may be nil) is
	// the last read's reply, why explains a mismatch.
	check func() (v verdict, resp *apiclient.Response, why string, err error)
	// begin is called once before the first write (journal start record).
	begin func() error
	// attempt is called before every write.
	attempt func()
}

// runStep makes one write with retries, never twice in effect: a write that
// got no answer, a 5xx, or a 409 on a repeat is read back (check) before
// anything else. One function decides what is retried (apiclient.ShouldRetry).
func (e *executor) runStep(ctx context.Context, s *stepSpec) result {
	var res result
	var lastErr error
	writes, checks, tooMany := 0, 0, 0
	check := s.uncertain
	const (
		goOn = iota
		exhausted
		interrupted
	)
	after := goOn // what to do once check says "not applied"
	lastUncertain := false
	for {
		if check {
			check = false
			v, resp, why, err := s.check()
			if resp != nil {
				res.note(resp, err)
			}
			if err != nil {
				if isFatal(err) {
					res.state, res.fatal = stateFatal, err
					return res
				}
				// The read back itself met a bad moment (it is made once,
				// see getUser): wait, slot released, and read again rather
				// than give up on a write that may well have taken effect.
				checks++
				if retry, wait := apiclient.ShouldRetry(e.callCtx, resp, err); retry && checks < e.opts.MaxAttempts && ctx.Err() == nil {
					if wait <= 0 {
						wait = apiclient.Backoff(checks, e.opts.BaseDelay, e.opts.MaxDelay)
					}
					e.log.Info("reading back again", "what", s.what, "step", s.kind, "check", checks, "wait", wait, "err", errorMessage(err))
					if e.opts.Sleep(ctx, wait) == nil {
						check = true
						continue
					}
				}
				res.fail(err)
				res.msg = fmt.Sprintf("could not check whether the %s took effect: %s; look the user up in Encompass before rerunning", s.kind, res.msg)
				return res
			}
			checks = 0 // the budget is per read back, not per step
			switch v {
			case applied:
				res.state, res.reconciled, res.errorCode = stateOK, true, ""
				e.log.Info("write confirmed by reading back", "what", s.what, "step", s.kind)
				return res
			case mismatch:
				res.state, res.msg = stateFailed, why
				return res
			}
			lastUncertain = false
			switch after {
			case exhausted:
				res.fail(lastErr)
				return res
			case interrupted:
				res.state = stateInterrupted
				return res
			}
		}
		if ctx.Err() != nil {
			res.state = stateInterrupted
			return res
		}
		if err := e.acquire(ctx); err != nil {
			res.state = stateInterrupted
			return res
		}
		if writes == 0 && s.begin != nil {
			if err := s.begin(); err != nil {
				e.lim.Release()
				res.state, res.fatal = stateFatal, err
				return res
			}
		}
		writes++
		s.attempt()
		resp, err := s.do(e.lim.Sent(e.callCtx))
		e.release(resp, err, false)
		res.note(resp, err)
		if err == nil {
			res.state = stateOK
			return res
		}
		if isFatal(err) {
			res.state, res.fatal = stateFatal, err
			return res
		}
		lastErr = err
		status := statusOf(resp, err)
		if e.callCtx.Err() != nil {
			// Cut off by the grace bound after an interrupt: unknown.
			res.state = stateInterrupted
			res.msg = "run interrupted during the call, which may or may not have taken effect; rerun to check and finish"
			return res
		}
		uncertain := status == 0 || status >= 500
		if s.kind == StepCreate && status == http.StatusConflict {
			if writes == 1 && !s.uncertain && !lastUncertain {
				res.fail(err) // the user existed before this run
				return res
			}
			// A 409 on a repeat: did an earlier attempt create it?
			check = true
			if writes >= e.opts.MaxAttempts {
				after = exhausted
			}
			continue
		}
		retry, wait := apiclient.ShouldRetry(e.callCtx, resp, err)
		// A 429 is the gateway refusing before anything happens: it gets a
		// budget of its own, so a busy cap does not fail a row.
		if status == http.StatusTooManyRequests {
			tooMany++
		}
		if !retry || writes-tooMany >= e.opts.MaxAttempts || tooMany >= TooManyBudget*e.opts.MaxAttempts {
			if uncertain {
				check, after = true, exhausted
				continue
			}
			res.fail(err)
			return res
		}
		if wait <= 0 {
			wait = apiclient.Backoff(writes, e.opts.BaseDelay, e.opts.MaxDelay)
		}
		e.mu.Lock()
		e.stats.Retries++
		e.mu.Unlock()
		e.log.Info("retrying", "what", s.what, "step", s.kind, "attempt", writes, "status", status, "wait", wait, "err", errorMessage(err))
		lastUncertain = uncertain
		if err := e.opts.Sleep(ctx, wait); err != nil {
			if uncertain {
				check, after = true, interrupted
				continue
			}
			res.state = stateInterrupted
			return res
		}
		check = uncertain
	}
}

// phase1 runs every create and patch.
func (e *executor) phase1(ctx context.Context) error {
	var items []int
	for i := range e.plan.Rows {
		r := &e.plan.Rows[i]
		if e.rows[i].work && (r.Create != nil || r.Patch != nil) {
			items = append(items, i)
		}
	}
	return e.pool(ctx, items, e.runRow)
}

// runRow makes row i's create or patch; a row without a move is then done.
func (e *executor) runRow(ctx context.Context, i int) error {
	r := &e.plan.Rows[i]
	begin := time.Now()
	var spec *stepSpec
	if r.Create != nil {
		spec = e.createSpec(i)
	} else {
		spec = e.patchSpec(i)
	}
	k := e.key(i, spec.kind)
	js := e.journal.lookup(k)
	res, done := fromJournal(js)
	if !done {
		spec.uncertain = js.started && js.done == nil
		if e.journal != nil {
			spec.begin = func() error { return e.journalWrite(startRecord(k, e.outcome(i))) }
		}
		res = e.runStep(ctx, spec)
	}
	e.mu.Lock()
	st := &e.rows[i]
	st.elapsed += time.Since(begin)
	st.attempts += res.attempts
	st.last = res
	st.step1 = res.state
	st.reconcile = st.reconcile || res.reconciled
	st.journal = st.journal || res.fromJournal
	attempts := st.attempts
	e.mu.Unlock()

	if !done && (res.state == stateOK || res.state == stateFailed) {
		if err := e.journalWrite(doneRecord(k, &res, attempts, e.outcome(i))); err != nil {
			e.setFatal(err)
			return err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch res.state {
	case stateOK:
		if r.Move == nil {
			e.finishRowLocked(i, e.outcome(i), "")
		}
	case stateFailed:
		msg := res.msg
		if r.Move != nil {
			msg += "; move not attempted"
		}
		e.finishRowLocked(i, planner.StatusFailed, msg)
	case stateFatal:
		e.mu.Unlock()
		e.setFatal(res.fatal)
		e.mu.Lock()
		return res.fatal
	}
	return nil
}

func (e *executor) addAttempt(i int) func() {
	return func() {
		e.mu.Lock()
		e.rows[i].attempts++
		e.mu.Unlock()
	}
}

func (e *executor) createSpec(i int) *stepSpec {
	r := &e.plan.Rows[i]
	u := r.Create.User // a copy: the plan is not changed
	if r.NeedsPassword {
		u.Password = r.Password
	}
	orgID := r.Create.OrgID
	return &stepSpec{
		kind:    StepCreate,
		what:    fmt.Sprintf("row %d (%s)", r.Row, r.ID),
		do:      func(ctx context.Context) (*apiclient.Response, error) { return e.api.CreateUser(ctx, orgID, &u) },
		attempt: e.addAttempt(i),
		check: func() (verdict, *apiclient.Response, string, error) {
			e.addAttempt(i)()
			got, resp, err := e.getUser(r.ID)
			if apiclient.IsNotFound(err) {
				return notApplied, resp, "", nil
			}
			if err != nil {
				return notApplied, resp, "", err
			}
			if diff := differs(&r.Create.User, orgID, got); len(diff) > 0 {
				return mismatch, resp, fmt.Sprintf("user %s exists with different data (%s differ); it was not created by this row: check it in Encompass", r.ID, strings.Join(diff, ", ")), nil
			}
			return applied, resp, "", nil
		},
	}
}

// differs lists the key fields (id, organization, first and last name,
// email) in which the server's user differs from the one to create.
func differs(want *apiclient.User, orgID string, got *apiclient.User) []string {
	var d []string
	if got == nil {
		return []string{"id"}
	}
	if !strings.EqualFold(want.ID, got.ID) {
		d = append(d, "id")
	}
	if orgID != "" && (got.Organization == nil || got.Organization.EntityID != orgID) {
		d = append(d, "organization")
	}
	if want.FirstName != got.FirstName {
		d = append(d, "firstName")
	}
	if want.LastName != got.LastName {
		d = append(d, "lastName")
	}
	if !strings.EqualFold(want.Email, got.Email) {
		d = append(d, "email")
	}
	return d
}

func (e *executor) patchSpec(i int) *stepSpec {
	r := &e.plan.Rows[i]
	body := make(map[string]json.RawMessage, len(r.Patch.Body)+1)
	for k, v := range r.Patch.Body {
		body[k] = v
	}
	if r.NeedsPassword {
		body[apiclient.FieldPassword] = marshalPassword(r.Password)
	}
	return &stepSpec{
		kind:    StepPatch,
		what:    fmt.Sprintf("row %d (%s)", r.Row, r.ID),
		do:      func(ctx context.Context) (*apiclient.Response, error) { return e.api.PatchUser(ctx, r.ID, body) },
		attempt: e.addAttempt(i),
		// A patch is idempotent: reading back only makes sure the user is
		// still there before the patch is sent again.
		check: func() (verdict, *apiclient.Response, string, error) {
			e.addAttempt(i)()
			_, resp, err := e.getUser(r.ID)
			if apiclient.IsNotFound(err) {
				return mismatch, resp, fmt.Sprintf("user %s no longer exists on the server; nothing was changed", r.ID), nil
			}
			return notApplied, resp, "", err
		},
	}
}

// phase2 runs the plan's bulk moves, in parallel.
func (e *executor) phase2(ctx context.Context) {
	items := make([]int, len(e.plan.Moves))
	for k := range items {
		items[k] = k
	}
	_ = e.pool(ctx, items, e.runMove) // a fatal error is recorded by runMove
}

// runMove makes move call k with the users whose earlier steps succeeded.
func (e *executor) runMove(ctx context.Context, k int) error {
	mc := &e.plan.Moves[k]
	begin := time.Now()
	var mu sync.Mutex // guards pending
	pending := map[int]string{}
	var order []int
	uncertain := false
	e.mu.Lock()
	for j, i := range mc.Rows {
		if i < 0 || i >= len(e.rows) || j >= len(mc.UserIDs) {
			continue
		}
		st := &e.rows[i]
		if st.final || !st.work || (e.plan.Rows[i].Patch != nil || e.plan.Rows[i].Create != nil) && st.step1 != stateOK {
			continue
		}
		js := e.journal.lookup(e.key(i, StepMove))
		if res, ok := fromJournal(js); ok {
			st.attempts += res.attempts
			st.last, st.journal = res, true
			e.finishRowLocked(i, e.outcome(i), "")
			continue
		}
		uncertain = uncertain || (js.started && js.done == nil)
		pending[i] = mc.UserIDs[j]
		order = append(order, i)
	}
	e.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	ids := func() ([]int, []string) {
		mu.Lock()
		defer mu.Unlock()
		var rows []int
		var ids []string
		for _, i := range order {
			if id, ok := pending[i]; ok {
				rows = append(rows, i)
				ids = append(ids, id)
			}
		}
		return rows, ids
	}
	var reconciled []int // rows found moved by reading back
	spec := &stepSpec{
		kind:      StepMove,
		what:      fmt.Sprintf("move call %d (%s -> %s)", k+1, mc.SourceOrgID, mc.TargetOrgID),
		uncertain: uncertain,
		do: func(ctx context.Context) (*apiclient.Response, error) {
			_, list := ids()
			return e.api.MoveUsers(ctx, mc.SourceOrgID, mc.TargetOrgID, list)
		},
		attempt: func() {
			rows, _ := ids()
			for _, i := range rows {
				e.addAttempt(i)()
			}
		},
		check: func() (verdict, *apiclient.Response, string, error) {
			rows, list := ids()
			g := new(errgroup.Group)
			g.SetLimit(e.opts.Concurrency)
			for n, i := range rows {
				g.Go(func() error {
					e.addAttempt(i)()
					u, resp, err := e.getUser(list[n])
					switch {
					case apiclient.IsNotFound(err):
						e.mu.Lock()
						e.rows[i].last.note(resp, nil)
						e.finishRowLocked(i, planner.StatusFailed, fmt.Sprintf("user %s no longer exists on the server; not moved", list[n]))
						e.mu.Unlock()
					case err != nil:
						return err
					case u.Organization != nil && u.Organization.EntityID == mc.TargetOrgID:
						e.mu.Lock()
						e.rows[i].reconcile = true
						e.mu.Unlock()
						mu.Lock()
						reconciled = append(reconciled, i)
						mu.Unlock()
					default:
						return nil
					}
					mu.Lock()
					delete(pending, i)
					mu.Unlock()
					return nil
				})
			}
			if err := g.Wait(); err != nil {
				return notApplied, nil, "", err
			}
			if left, _ := ids(); len(left) == 0 {
				return applied, nil, "", nil
			}
			return notApplied, nil, "", nil
		},
	}
	if e.journal != nil {
		spec.begin = func() error {
			rows, _ := ids()
			recs := make([]journalRecord, len(rows))
			for n, i := range rows {
				recs[n] = startRecord(e.key(i, StepMove), e.outcome(i))
			}
			return e.journalWrite(recs...)
		}
	}
	res := e.runStep(ctx, spec)
	elapsed := time.Since(begin)

	rows, _ := ids() // still pending: their fate is res
	if res.state == stateOK || res.state == stateFailed {
		var recs []journalRecord
		e.mu.Lock()
		for _, i := range rows {
			recs = append(recs, doneRecord(e.key(i, StepMove), &res, e.rows[i].attempts, e.outcome(i)))
		}
		ok := result{state: stateOK, httpStatus: res.httpStatus, correlationID: res.correlationID}
		for _, i := range reconciled {
			recs = append(recs, doneRecord(e.key(i, StepMove), &ok, e.rows[i].attempts, e.outcome(i)))
		}
		e.mu.Unlock()
		if err := e.journalWrite(recs...); err != nil {
			e.setFatal(err)
			return err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, i := range order {
		st := &e.rows[i]
		st.elapsed += elapsed
		if st.final {
			continue
		}
		if slices.Contains(reconciled, i) {
			st.last.state = stateOK
			st.last.httpStatus, st.last.correlationID = res.httpStatus, res.correlationID
			e.finishRowLocked(i, e.outcome(i), "")
			continue
		}
		st.last = res
		switch res.state {
		case stateOK:
			e.finishRowLocked(i, e.outcome(i), "")
		case stateFailed:
			msg := res.msg
			if e.plan.Rows[i].Patch != nil {
				msg = "fields updated, move failed: " + msg
			}
			e.finishRowLocked(i, planner.StatusFailed, msg)
		}
	}
	if res.state == stateFatal {
		e.mu.Unlock()
		e.setFatal(res.fatal)
		e.mu.Lock()
		return res.fatal
	}
	return nil
}

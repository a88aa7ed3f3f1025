package executor

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/encimport/encimport/apiclient"
)

// moveBatch is the rows of one bulk move call. A row is pending until
// reading back settles it (its user found moved already, or gone); a repeat
// of the call carries the pending rows' users only. Safe for concurrent use:
// a read back settles rows in parallel.
type moveBatch struct {
	order []int // the rows, in the call's order; fixed once the batch is built

	mu    sync.Mutex
	ids   map[int]string // pending rows: their user ids
	moved []int          // rows whose user reading back found moved
}

// add puts row i, whose user is id, into the batch, pending.
func (b *moveBatch) add(i int, id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ids == nil {
		b.ids = map[int]string{}
	}
	b.order = append(b.order, i)
	b.ids[i] = id
}

// pending returns the rows still to move and their user ids, in order.
func (b *moveBatch) pending() (rows []int, ids []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, i := range b.order {
		if id, ok := b.ids[i]; ok {
			rows = append(rows, i)
			ids = append(ids, id)
		}
	}
	return rows, ids
}

// settle takes row i out of the pending rows; moved: its user was found in
// the target organization.
func (b *moveBatch) settle(i int, moved bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.ids, i)
	if moved {
		b.moved = append(b.moved, i)
	}
}

// wasMoved reports whether reading back found row i's user moved.
func (b *moveBatch) wasMoved(i int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Contains(b.moved, i)
}

// phase2 runs the plan's bulk moves, in parallel.
func (e *executor) phase2(ctx context.Context) {
	items := make([]int, len(e.plan.Moves))
	for k := range items {
		items[k] = k
	}
	_ = e.pool(ctx, items, e.runMove) // a fatal error is recorded by runMove
}

// batch collects the rows of move call k that are to be moved: the ones
// whose earlier step succeeded and whose move the journal does not record
// as done (those are finished from the journal). uncertain: the journal
// says an earlier run started the call and never saw it end.
func (e *executor) batch(k int) (b *moveBatch, uncertain bool) {
	mc := &e.plan.Moves[k]
	b = &moveBatch{}
	for j, i := range mc.Rows {
		if i < 0 || i >= len(e.plan.Rows) || j >= len(mc.UserIDs) || !e.led.readyToMove(i) {
			continue
		}
		js := e.journal.lookup(e.key(i, StepMove))
		if res, ok := fromJournal(js); ok {
			e.led.finishFromJournal(i, res, e.okStatus(i))
			continue
		}
		uncertain = uncertain || (js.started && !js.hasDone)
		b.add(i, mc.UserIDs[j])
	}
	return b, uncertain
}

// runMove makes move call k with the users whose earlier steps succeeded.
// Only a fatal error is returned; a row's failure goes into its report row.
func (e *executor) runMove(ctx context.Context, k int) error {
	mc := &e.plan.Moves[k]
	begin := time.Now()
	b, uncertain := e.batch(k)
	if rows, _ := b.pending(); len(rows) == 0 {
		return nil
	}
	spec := &stepSpec{
		kind:      StepMove,
		what:      fmt.Sprintf("move call %d (%s -> %s)", k+1, mc.SourceOrgID, mc.TargetOrgID),
		uncertain: uncertain,
		do: func(ctx context.Context) (*apiclient.Response, error) {
			_, ids := b.pending()
			return e.api.MoveUsers(ctx, mc.SourceOrgID, mc.TargetOrgID, ids)
		},
		attempt: func() {
			rows, _ := b.pending()
			for _, i := range rows {
				e.led.addAttempt(i)
			}
		},
		check: func(ctx context.Context) (verdict, *apiclient.Response, string, error) {
			return e.checkMoved(ctx, b, mc.TargetOrgID)
		},
	}
	if e.journal != nil {
		spec.begin = func() error {
			rows, _ := b.pending()
			recs := make([]journalRecord, len(rows))
			for n, i := range rows {
				recs[n] = startRecord(e.key(i, StepMove), e.okStatus(i))
			}
			return e.journalWrite(recs...)
		}
	}
	res := e.runStep(ctx, spec)
	elapsed := time.Since(begin)

	if res.outcome.settled() {
		rows, _ := b.pending() // still pending: their fate is res
		var recs []journalRecord
		for _, i := range rows {
			recs = append(recs, doneRecord(e.key(i, StepMove), &res, e.led.attempts(i), e.okStatus(i)))
		}
		ok := result{outcome: outcomeOK, httpStatus: res.httpStatus, correlationID: res.correlationID}
		for _, i := range b.order {
			if b.wasMoved(i) {
				recs = append(recs, doneRecord(e.key(i, StepMove), &ok, e.led.attempts(i), e.okStatus(i)))
			}
		}
		if err := e.journalWrite(recs...); err != nil {
			return e.stop(err)
		}
	}
	for _, i := range b.order {
		e.led.moveDone(i, res, elapsed, b.wasMoved(i), e.okStatus(i))
	}
	if res.outcome == outcomeFatal {
		return e.stop(res.fatal)
	}
	return nil
}

// checkMoved reads back the users of b's pending rows, in parallel, and
// settles each found in the target organization (moved) or gone (the row
// fails). applied: none is left to move.
func (e *executor) checkMoved(ctx context.Context, b *moveBatch, targetOrgID string) (verdict, *apiclient.Response, string, error) {
	rows, ids := b.pending()
	g := new(errgroup.Group)
	g.SetLimit(e.opts.Concurrency)
	for n, i := range rows {
		g.Go(func() error {
			e.led.addAttempt(i)
			u, resp, err := e.getUser(ctx, ids[n])
			switch {
			case apiclient.IsNotFound(err):
				e.led.gone(i, resp, fmt.Sprintf("user %s no longer exists on the server; not moved", ids[n]))
				b.settle(i, false)
			case err != nil:
				return err
			case u.Organization != nil && u.Organization.EntityID == targetOrgID:
				e.led.reconciled(i)
				b.settle(i, true)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return notApplied, nil, "", err
	}
	if left, _ := b.pending(); len(left) == 0 {
		return applied, nil, "", nil
	}
	return notApplied, nil, "", nil
}

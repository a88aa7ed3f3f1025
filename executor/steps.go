package executor

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/plan"
)

// phase1 runs every create and patch.
func (e *executor) phase1(ctx context.Context) error {
	var items []int
	for i := range e.plan.Rows {
		r := &e.plan.Rows[i]
		if e.led.hasWork(i) && (r.Create != nil || r.Patch != nil) {
			items = append(items, i)
		}
	}
	return e.pool(ctx, items, e.runRow)
}

// runRow makes row i's create or patch; a row without a move is then done.
// Only a fatal error is returned; a row's failure goes into its report row.
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
			spec.begin = func() error { return e.journalWrite(startRecord(k, e.okStatus(i))) }
		}
		res = e.runStep(ctx, spec)
	}
	attempts := e.led.firstStepDone(i, res, time.Since(begin))
	if !done && res.outcome.settled() {
		if err := e.journalWrite(doneRecord(k, &res, attempts, e.okStatus(i))); err != nil {
			return e.stop(err)
		}
	}
	switch res.outcome {
	case outcomeOK:
		if r.Move == nil {
			e.led.finish(i, e.okStatus(i), "")
		}
	case outcomeFailed:
		msg := res.msg
		if r.Move != nil {
			msg += "; move not attempted"
		}
		e.led.finish(i, plan.StatusFailed, msg)
	case outcomeFatal:
		return e.stop(res.fatal)
	}
	return nil
}

func (e *executor) addAttempt(i int) func() {
	return func() { e.led.addAttempt(i) }
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
		check: func(ctx context.Context) (verdict, *apiclient.Response, string, error) {
			e.led.addAttempt(i)
			got, resp, err := e.getUser(ctx, r.ID)
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
func differs(want *encompass.User, orgID string, got *encompass.User) []string {
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
		body[encompass.FieldPassword] = marshalPassword(r.Password)
	}
	return &stepSpec{
		kind:    StepPatch,
		what:    fmt.Sprintf("row %d (%s)", r.Row, r.ID),
		do:      func(ctx context.Context) (*apiclient.Response, error) { return e.api.PatchUser(ctx, r.ID, body) },
		attempt: e.addAttempt(i),
		// A patch is idempotent: reading back only makes sure the user is
		// still there before the patch is sent again.
		check: func(ctx context.Context) (verdict, *apiclient.Response, string, error) {
			e.led.addAttempt(i)
			_, resp, err := e.getUser(ctx, r.ID)
			if apiclient.IsNotFound(err) {
				return mismatch, resp, fmt.Sprintf("user %s no longer exists on the server; nothing was changed", r.ID), nil
			}
			return notApplied, resp, "", err
		},
	}
}

// marshalPassword is the JSON form of a password for a patch body.
func marshalPassword(pw string) json.RawMessage {
	b, _ := json.Marshal(pw) // a string always marshals
	return b
}

package executor

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/plan"
)

// msgExisted is the report message of a create answered 409 whose user,
// read back, is what the row asks.
const msgExisted = "the user already exists as this row asks (the create was answered 409: another run or someone else created it); nothing was changed"

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
	if done && js.done.outcome == plan.StatusUnchanged {
		res.existed = true // an earlier run found the user there already
	}
	if !done {
		spec.uncertain = js.started && !js.hasDone
		if e.journal != nil {
			spec.begin = func() error { return e.journalWrite(startRecord(k, e.okStatus(i))) }
		}
		res = e.runStep(ctx, spec)
	}
	attempts := e.led.firstStepDone(i, res, time.Since(begin))
	okStatus := e.okStatus(i)
	if res.existed {
		okStatus = plan.StatusUnchanged
	}
	if !done && res.outcome.settled() {
		if err := e.journalWrite(doneRecord(k, &res, attempts, okStatus)); err != nil {
			return e.stop(err)
		}
	}
	switch res.outcome {
	case outcomeOK:
		switch {
		case res.existed && !done:
			e.led.finish(i, okStatus, msgExisted)
		case r.Move == nil:
			e.led.finish(i, okStatus, "")
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
	u := r.Create.User() // built now, a copy: the plan is not changed
	if r.NeedsPassword {
		u.Password = r.Password
	}
	orgID := r.Create.OrgID
	want := u
	want.Password = ""
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
			if diff := differs(&want, orgID, got); len(diff) > 0 {
				return mismatch, resp, fmt.Sprintf("user %s exists with different data (%s); it was not created by this row: check it in Encompass, and use update or upsert to change it", r.ID, strings.Join(diff, "; ")), nil
			}
			return applied, resp, "", nil
		},
	}
}

// differs lists, as "field: server X vs row Y", the fields the create
// sets in which the server's user differs from the one to create: the id,
// the organization, every value the row gives (a boolean the server leaves
// out counts as its default; emails ignore case), the personas and groups
// (by id), the licenses the row selects and the consumer connect site.
// What the row leaves empty is not compared: the server fills it in.
func differs(want *encompass.User, orgID string, got *encompass.User) []string {
	if got == nil {
		return []string{"id: none on the server"}
	}
	var d []string
	add := func(field, server, row string) {
		d = append(d, fmt.Sprintf("%s: server %s vs row %s", field, server, row))
	}
	if !strings.EqualFold(want.ID, got.ID) {
		add("id", strconv.Quote(got.ID), strconv.Quote(want.ID))
	}
	if orgID != "" && (got.Organization == nil || got.Organization.EntityID != orgID) {
		server := "none"
		if got.Organization != nil {
			server = "id " + strconv.Quote(got.Organization.EntityID)
		}
		add("organization", server, "id "+strconv.Quote(orgID))
	}
	for _, f := range encompass.UserFields() {
		switch {
		case f.Name == encompass.FieldPassword:
		case f.IsBool():
			if w := f.GetBool(want); w != nil {
				if g := f.GetBool(got); *w != (g == nil && f.Default || g != nil && *g) {
					add(f.Name, strconv.FormatBool(!*w), strconv.FormatBool(*w))
				}
			}
		default:
			w, g := f.Get(want), f.Get(got)
			if w != "" && w != g && !(f.Name == encompass.FieldEmail && strings.EqualFold(w, g)) {
				add(f.Name, strconv.Quote(g), strconv.Quote(w))
			}
		}
	}
	if len(want.Personas) > 0 && !sameRefs(want.Personas, got.Personas) {
		add(encompass.FieldPersonas, refList(got.Personas), refList(want.Personas))
	}
	if len(want.Groups) > 0 && !sameRefs(want.Groups, got.Groups) {
		add(encompass.FieldGroups, refList(got.Groups), refList(want.Groups))
	}
	if on, missing := selectedStates(got.Licenses), false; len(want.Licenses) > 0 {
		for _, l := range want.Licenses {
			missing = missing || l.Selected && !slices.Contains(on, strings.ToUpper(l.State))
		}
		if missing {
			var rowOn []string
			for _, l := range want.Licenses {
				if l.Selected {
					rowOn = append(rowOn, strings.ToUpper(l.State))
				}
			}
			add(encompass.FieldLicenses, strconv.Quote(strings.Join(on, ";")), strconv.Quote(strings.Join(rowOn, ";")))
		}
	}
	if want.CCSite != nil && want.CCSite.SiteID != "" && (got.CCSite == nil || got.CCSite.SiteID != want.CCSite.SiteID) {
		server := `""`
		if got.CCSite != nil {
			server = strconv.Quote(got.CCSite.SiteID)
		}
		add("ccSite siteId", server, strconv.Quote(want.CCSite.SiteID))
	}
	return d
}

// sameRefs reports whether a and b name the same entities, by id.
func sameRefs(a, b []encompass.EntityRef) bool {
	ids := func(rs []encompass.EntityRef) []string {
		out := make([]string, 0, len(rs))
		for _, r := range rs {
			out = append(out, r.EntityID)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(ids(a), ids(b))
}

// refList shows references by name (id when they have none), sorted.
func refList(rs []encompass.EntityRef) string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, cmp.Or(r.EntityName, r.EntityID))
	}
	slices.Sort(out)
	return strconv.Quote(strings.Join(out, ";"))
}

// selectedStates lists the selected license states, upper case, sorted.
func selectedStates(ls []encompass.License) []string {
	var out []string
	for _, l := range ls {
		if l.Selected {
			out = append(out, strings.ToUpper(l.State))
		}
	}
	slices.Sort(out)
	return out
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

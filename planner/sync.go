package planner

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

// syncListed is how many users a refusal names before "and N more".
const syncListed = 10

// The reasons sync leaves an enabled user of the scope alone.
const (
	reasonCaller     = "the calling account"
	reasonSuperAdmin = "a super administrator"
	reasonAPIUser    = "an API user (apiUser)"
	reasonProtected  = "protected (--protect or --protect-file)"
)

// sync makes the file the source of truth for the scope of opts.Sync
// (--sync): it adds a disable row (sheet plan.SheetNotInFile) for every
// enabled user of the scope that no row names, leaves alone the caller, the
// super administrators, the API users and the protected ids, warns on the
// file's rows whose user is disabled on the server and that do not enable
// it, and refuses (Plan.Sync.Refused) a plan over the deletion threshold, a
// file without data rows and a file naming fewer than half the users of
// the scope it manages. p.Rows are the file's rows, one per record.
func (b *builder) sync(p *plan.Plan, recs []*importer.Record) {
	so := b.opts.Sync
	if so == nil {
		return
	}
	s := &plan.Sync{}
	p.Sync = s
	refuse := func(format string, args ...any) { s.Refused = fmt.Sprintf(format, args...) + "; nothing was changed" }
	limit, err := plan.ParseMaxDisable(so.MaxDisable)
	if err != nil {
		refuse("%v", err)
		return
	}

	// The scope: organizations and everything below them.
	var scopes []*orgNode
	for _, cell := range so.Scopes {
		n, msg := b.orgs.resolve(cell)
		if msg != "" {
			refuse("--sync %q: %s", importer.Clip(cell), msg)
			return
		}
		if b.callerOrg != nil && !n.within(b.callerOrg) {
			refuse("--sync %q: %s is outside your organization %s, and you see only the users there and below; sync %s or an organization below it",
				importer.Clip(cell), n.label(), b.callerLabel(), b.callerLabel())
			return
		}
		if !slices.Contains(scopes, n) {
			scopes = append(scopes, n)
			s.Scopes = append(s.Scopes, b.note(n))
		}
	}
	if len(scopes) == 0 {
		refuse("--sync names no organization")
		return
	}
	inScope := func(u *encompass.User) *orgNode {
		cur := b.currentOrg(u)
		if cur == nil {
			return nil
		}
		for _, n := range scopes {
			if cur.within(n) {
				return cur
			}
		}
		return nil
	}

	inFile := make(map[string]bool, len(recs))
	for _, rec := range recs {
		if id := rec.Get(importer.ColID); id != "" {
			inFile[strings.ToLower(id)] = true
		}
	}
	protected := make(map[string]bool, len(so.Protect))
	var unknown []string // protected ids of no user: a typo would leave the one meant unprotected
	for _, id := range so.Protect {
		id = strings.TrimSpace(id)
		protected[strings.ToLower(id)] = true
		if id != "" && b.w.Users[strings.ToLower(id)] == nil && !slices.Contains(unknown, id) {
			unknown = append(unknown, id)
		}
	}

	ids := make([]string, 0, len(b.w.Users))
	for k := range b.w.Users {
		ids = append(ids, k)
	}
	slices.Sort(ids)
	var leavers []plan.Row
	for _, key := range ids {
		u := b.w.Users[key]
		cur := inScope(u)
		if cur == nil || !boolValue(u.AccountEnabled, true) {
			continue
		}
		s.Enabled++
		reason := b.leaveAlone(u, protected)
		switch {
		case reason != "":
			if !inFile[key] {
				s.LeftAlone = append(s.LeftAlone, plan.LeftAlone{ID: u.ID, Name: fullName(u), OrgID: b.note(cur), Reason: reason})
			}
			continue
		case inFile[key]:
			s.Managed++
			s.InFile++
			continue
		}
		s.Managed++
		row := plan.Row{Sheet: plan.SheetNotInFile, ID: u.ID, Action: encompass.ActionDisable, Status: plan.StatusPlanned,
			Outcome: plan.StatusDisabled, NotInFile: &plan.NotInFile{Name: fullName(u), OrgID: b.note(cur)},
			Person: &plan.Person{FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, OrgPath: cur.path},
			Patch: &plan.Patch{Body: map[string]json.RawMessage{encompass.FieldAccountEnabled: mustJSON(false)},
				Changes: []plan.Change{{Field: encompass.FieldAccountEnabled, Before: "true", After: "false"}}}}
		if !b.canWrite {
			row.Status, row.Outcome, row.Patch = plan.StatusInvalid, "", nil
			row.Problems = plan.Problems{{Sheet: row.Sheet, Column: importer.ColID.String(), Message: fmt.Sprintf(
				"the calling user %q may not manage users (it needs the Administrator or Super Administrator persona, or the Organizations/User persona); run the sync as an administrator", b.w.Caller.ID)}}
		}
		leavers = append(leavers, row)
	}
	s.Disable = len(leavers)
	s.MaxDisable, s.MaxDisableRule = limit.Limit(s.Enabled)
	s.Refused = refusal(s, recs, leavers)
	if len(unknown) > 0 {
		s.Refused = fmt.Sprintf("--protect or --protect-file names %s, which %s no user the calling user can see (a typo would leave the user meant unprotected); nothing was changed. "+
			"Correct the id%s or remove %s; 'encimport export' lists the users with their ids",
			quotedList(unknown), plural(len(unknown), "matches", "match"), plural(len(unknown), "", "s"), plural(len(unknown), "it", "them"))
	}
	p.Rows = append(p.Rows, leavers...)
	b.warnDisabled(p, recs)
}

// leaveAlone says why sync must never disable u ("" when it may).
func (b *builder) leaveAlone(u *encompass.User, protected map[string]bool) string {
	switch {
	case strings.EqualFold(u.ID, b.w.Caller.ID):
		return reasonCaller
	case b.isSuperAdmin(u):
		return reasonSuperAdmin
	case boolValue(u.APIUser, false):
		return reasonAPIUser
	case protected[strings.ToLower(u.ID)]:
		return reasonProtected
	}
	return ""
}

// refusal says why a sync plan must not run, "" when it may: a file without
// data rows, a file naming fewer than half the users sync manages in the
// scope (a truncated export), or more users to disable than the threshold.
func refusal(s *plan.Sync, recs []*importer.Record, leavers []plan.Row) string {
	n := len(leavers)
	who := leaverNames(leavers)
	switch {
	case len(recs) == 0:
		return fmt.Sprintf("the file has no data rows, so --sync would disable every one of the %d %s it manages in scope (threshold %d)%s; nothing was changed. "+
			"Check the HR export: an empty feed is never taken as everyone leaving, whatever --max-disable says", s.Managed, plural(s.Managed, "user", "users"), s.MaxDisable, who)
	case s.Managed > 0 && s.InFile*2 < s.Managed:
		return fmt.Sprintf("the file names only %d of the %d enabled users in scope that sync manages (fewer than half: a truncated export?), so --sync would disable %d (threshold %d)%s; nothing was changed. "+
			"Check the HR export (--max-disable does not lift this); review with 'encimport plan' and the same flags; if that many people really left, "+
			"disable them with rows of action disable (as samples/offboarding.csv does) and apply that file, or narrow --sync",
			s.InFile, s.Managed, n, s.MaxDisable, who)
	case n > s.MaxDisable:
		return fmt.Sprintf("--sync would disable %d %s not in the file, more than the threshold of %d (%s)%s; nothing was changed. "+
			"Review them with 'encimport plan' and the same flags; if they really left, run again with --max-disable %d (or a percentage of the %d enabled users in scope)",
			n, plural(n, "user", "users"), s.MaxDisable, s.MaxDisableRule, who, n, s.Enabled)
	}
	return ""
}

// leaverNames is ": id (name), ... and N more" for a refusal.
func leaverNames(rows []plan.Row) string {
	if len(rows) == 0 {
		return ""
	}
	var names []string
	for i := range rows[:min(len(rows), syncListed)] {
		r := &rows[i]
		if r.NotInFile != nil && r.NotInFile.Name != "" {
			names = append(names, fmt.Sprintf("%s (%s)", r.ID, r.NotInFile.Name))
		} else {
			names = append(names, r.ID)
		}
	}
	out := ": " + strings.Join(names, ", ")
	if more := len(rows) - len(names); more > 0 {
		out += fmt.Sprintf(" and %d more", more)
	}
	return out
}

// warnDisabled warns on the file's rows whose user is disabled on the
// server and that do not say to enable it (accountEnabled true, action
// enable): sync never re-enables a user on its own.
func (b *builder) warnDisabled(p *plan.Plan, recs []*importer.Record) {
	for i, rec := range recs {
		r := &p.Rows[i]
		if r.Status == plan.StatusInvalid || r.Action == encompass.ActionDisable || r.Action == encompass.ActionEnable || r.ID == "" {
			continue
		}
		u := b.w.Users[strings.ToLower(r.ID)]
		if u == nil || boolValue(u.AccountEnabled, true) {
			continue
		}
		if _, ok := rec.Bool(importer.ColAccountEnabled); ok {
			continue // the row says what it wants: true re-enables, false agrees
		}
		w := problem(rec, importer.ColAccountEnabled, fmt.Sprintf("the user %q is disabled on the server and this row does not enable it; to re-enable it set accountEnabled to true or use the action enable", u.ID))
		w.Severity = importer.SeverityWarning
		r.Problems = appendProblem(r.Problems, w)
	}
}

func fullName(u *encompass.User) string {
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// recheckNotInFile holds the rows --sync added to a reviewed plan against
// those of a fresh one, by user id: a disable the reviewer saw is kept; a
// user the reviewed plan did not disable (it was enabled or came into the
// scope since) is refused on its row; a reviewed disable with no fresh row
// (the user is disabled, gone or out of scope now) is unchanged.
func recheckNotInFile(reviewed *plan.Plan, rv, fresh []plan.Row) []plan.Row {
	seen := make(map[string]*plan.Row, len(rv))
	for i := range rv {
		seen[strings.ToLower(rv[i].ID)] = &rv[i]
	}
	out := make([]plan.Row, 0, max(len(rv), len(fresh)))
	for _, fr := range fresh {
		key := strings.ToLower(fr.ID)
		r := seen[key]
		delete(seen, key)
		switch {
		case r != nil && r.Status == plan.StatusPlanned && fr.Status == plan.StatusPlanned && reviewedSteps(r, &fr):
			out = append(out, fr)
		case r != nil && r.Status != plan.StatusPlanned:
			out = append(out, *r)
		default:
			bad := fr
			bad.Status, bad.Outcome, bad.Patch = plan.StatusInvalid, "", nil
			bad.Problems = append(slices.Clone(fr.Problems), importer.Problem{Sheet: fr.Sheet, Column: importer.ColID.String(),
				Message: fmt.Sprintf("the server changed since the plan was reviewed: a plan made now would %s, the reviewed plan did not; run plan again and review it", reviewed.Describe(&fr))})
			out = append(out, bad)
		}
	}
	for i := range rv {
		if r := seen[strings.ToLower(rv[i].ID)]; r != nil {
			u := *r
			u.Status, u.Outcome, u.Patch = plan.StatusUnchanged, "", nil
			out = append(out, u)
		}
	}
	return out
}

// quotedList is "a", "b" and "c" for a message.
func quotedList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = strconv.Quote(id)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

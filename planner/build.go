package planner

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

// DefaultMoveBatchSize is the most users one bulk-move call carries when
// Options.MoveBatchSize is not set.
const DefaultMoveBatchSize = 100

// maskedPassword stands for a password wherever a plan shows one.
const maskedPassword = "********"

func normalizeOptions(opts plan.Options) plan.Options {
	if opts.MoveBatchSize <= 0 {
		opts.MoveBatchSize = DefaultMoveBatchSize
	}
	if opts.DefaultAction == "" {
		opts.DefaultAction = encompass.ActionUpsert
	}
	opts.DefaultAction = encompass.Action(strings.ToLower(string(opts.DefaultAction)))
	return opts
}

// Build decides, for every record, what apply will do against the server
// state w. It is pure (no I/O, records are not modified): it applies the
// offline checks itself (with the company defaults of opts), resolves
// organizations and personas, diffs each row against its user, checks what
// the server would refuse for the caller, and batches the moves. A row with
// any problem is invalid and has no steps.
func Build(recs []*importer.Record, w *World, in plan.Input, opts plan.Options) *plan.Plan {
	return buildPlan(recs, w, in, opts, false)
}

// BuildReleasing is Build setting recs[i] to nil once row i is planned (at
// the end with --sync, which reads them again), so that the records (the
// file's cells) can be freed while the plan grows: at the cap of 250,000
// rows the records and the plan are not both whole in memory. For a caller
// that needs the records no more.
func BuildReleasing(recs []*importer.Record, w *World, in plan.Input, opts plan.Options) *plan.Plan {
	return buildPlan(recs, w, in, opts, true)
}

func buildPlan(recs []*importer.Record, w *World, in plan.Input, opts plan.Options, release bool) *plan.Plan {
	if w == nil {
		w = &World{}
	}
	opts = normalizeOptions(opts)
	b := newBuilder(w, opts)
	p := &plan.Plan{Version: plan.Version, Input: in, Options: opts, Caller: w.Caller.ID, Reads: w.Reads,
		Rows: make([]plan.Row, 0, len(recs))}
	dups := duplicates(recs)
	// --sync reads the records again after the rows: they are let go at
	// the end then.
	early := release && opts.Sync == nil
	for i, rec := range recs {
		p.Rows = append(p.Rows, b.row(rec, dups[i]))
		if early {
			recs[i] = nil
		}
	}
	b.sync(p, recs) // --sync: the rows not in the file, after the file's
	if release {
		clear(recs)
	}
	p.Moves = batchMoves(p.Rows, opts.MoveBatchSize)
	if len(b.paths) > 0 {
		p.OrgPaths = b.paths
	}
	return p
}

type builder struct {
	w         *World
	opts      plan.Options
	orgs      *orgIndex
	personas  *personaIndex
	folders   *folderIndex
	groups    *groupIndex
	callerOrg *orgNode
	canWrite  bool   // the caller may manage users (encompass.CanManageUsers)
	why       string // what grants that right, or what is missing
	paths     map[string]string
	// activeSuper counts the enabled super administrators the rows planned
	// so far leave; -1 when the users read are not the whole instance.
	activeSuper int
}

func newBuilder(w *World, opts plan.Options) *builder {
	b := &builder{w: w, opts: opts, orgs: newOrgIndex(w.Root), personas: newPersonaIndex(w.Personas),
		folders: newFolderIndex(w.LoanFolders), groups: newGroupIndex(w.Users), paths: map[string]string{}}
	b.callerOrg = b.orgs.root
	if o := w.Caller.Organization; o != nil {
		if n, ok := b.orgs.byID[o.EntityID]; ok {
			b.callerOrg = n
		}
	}
	b.canWrite, b.why = encompass.CanManageUsers(&w.Caller, b.personas.name)
	b.activeSuper = b.countActiveSuperAdmins()
	return b
}

func (b *builder) isSuperAdmin(u *encompass.User) bool {
	return encompass.IsSuperAdministrator(u, b.personas.name)
}

// note records an organization's path for Plan.OrgPaths and returns its id.
func (b *builder) note(n *orgNode) string {
	b.paths[n.org.ID] = n.path
	return n.org.ID
}

// scoped reports whether the caller sits below the root: it then sees (and
// may change) only the users of its own organization and below.
func (b *builder) scoped() bool { return b.callerOrg != nil && b.callerOrg != b.orgs.root }

func (b *builder) callerLabel() string {
	if b.callerOrg == nil {
		return "?"
	}
	return b.callerOrg.label()
}

// row plans one record.
func (b *builder) row(rec *importer.Record, dup *importer.Record) plan.Row {
	act := rowAction(rec, b.opts.DefaultAction)
	id := rec.Get(importer.ColID)
	// The row outlives the record: its strings are copied, not cut from
	// the record's cells (which would keep every cell of the row alive).
	row := plan.Row{Sheet: rec.Sheet, Row: rec.Row, ID: strings.Clone(id), Action: act,
		Password: strings.Clone(rec.Get(importer.ColPassword))}
	probs := append([]importer.Problem(nil), rec.Problems...)
	add := func(c importer.Column, msg string) { probs = appendProblem(probs, problem(rec, c, msg)) }

	var existing *encompass.User
	if id != "" {
		existing = b.w.User(id)
	}
	creates := act == encompass.ActionCreate || (act == encompass.ActionUpsert && existing == nil)
	offAct := act
	if creates {
		offAct = encompass.ActionCreate
	}
	for _, p := range offlineProblems(rec, offAct, dup, b.opts, true) {
		probs = appendProblem(probs, p)
	}

	// Resolve references.
	// Every action but move takes the row's other cells, disable and enable
	// included (a leaver's comment, a move to a "Terminated" organization).
	usesOrg := act.Known()
	var target, source *orgNode
	if cell := rec.Get(importer.ColOrgID); cell != "" && usesOrg {
		n, msg := b.orgs.resolve(cell)
		if msg != "" {
			add(importer.ColOrgID, msg)
		}
		target = n
	}
	if cell := rec.Get(importer.ColSourceOrgID); cell != "" && usesOrg {
		n, msg := b.orgs.resolve(cell)
		if msg != "" {
			add(importer.ColSourceOrgID, msg)
		}
		source = n
	}
	personas, ok := b.resolvePersonas(rec)
	if !ok {
		add(importer.ColPersonas, b.unknownPersonas(rec))
	}
	groups := b.resolveGroups(rec, add)
	folder := rec.Get(importer.ColWorkingFolder)
	if folder != "" && !rec.IsClear(importer.ColWorkingFolder) {
		f, msg := b.folders.resolve(folder)
		if msg != "" {
			add(importer.ColWorkingFolder, msg)
		}
		folder = f
	}
	if existing != nil {
		for _, m := range b.unreadEntities(rec, existing) {
			add(m.col, m.msg)
		}
	}

	var create *plan.Create
	var patch *plan.Patch
	var move *plan.MoveRef
	takesSuper := false // a planned row takes an enabled super administrator out of use
	switch {
	case act == encompass.ActionCreate && existing != nil:
		// Re-running a create file must be safe: a user that already is
		// what the row asks for is unchanged; one that differs is a problem.
		d := b.diff(rec, existing, personas, groups, folder)
		var what []string // the differences, as an update would list them
		if d != nil {
			for _, c := range d.Changes {
				if c.Field == encompass.FieldPassword {
					what = append(what, "the password (--reset-passwords)")
					continue
				}
				what = append(what, c.Field+" "+c.Before+" on the server, "+c.After+" in the row")
			}
		}
		if cur := b.currentOrg(existing); target != nil && target != cur {
			now := "an organization this plan does not know"
			if cur != nil {
				now = cur.label()
			}
			what = append(what, "organization "+now+" on the server, "+target.label()+" in the row")
		}
		if len(what) > 0 {
			add(importer.ColID, fmt.Sprintf("the user %q already exists%s and differs from this row (%s); use update or upsert to change it",
				existing.ID, b.where(existing), strings.Join(what, "; ")))
		}
	case creates:
		create = b.create(rec, target, personas, groups, folder)
		row.NeedsPassword = rec.Get(importer.ColPassword) != ""
		if act == encompass.ActionUpsert && b.scoped() {
			w := problem(rec, importer.ColID, fmt.Sprintf("no user %q is in your organization %s or below (the only users you can see), so this row creates it; if it exists in another organization the server refuses the create: ask an administrator of that organization", id, b.callerLabel()))
			w.Severity = importer.SeverityWarning
			probs = appendProblem(probs, w)
		}
		if target != nil && b.callerOrg != nil && !target.within(b.callerOrg) {
			add(importer.ColOrgID, fmt.Sprintf("%s is outside your organization %s; you may create users only there or below", target.label(), b.callerLabel()))
		}
	case existing == nil:
		switch {
		case !act.Known() || id == "":
		case act == encompass.ActionDisable && !b.scoped():
			// Offboarding is idempotent: the account the row wants gone is gone.
			w := problem(rec, importer.ColID, fmt.Sprintf("no user %q exists on the server: nothing to disable", id))
			w.Severity = importer.SeverityWarning
			probs = appendProblem(probs, w)
		case b.scoped():
			add(importer.ColID, fmt.Sprintf("no user %q is in your organization %s or below (the only users you can see); to change a user elsewhere ask an administrator of its organization, to add one use create or upsert", id, b.callerLabel()))
		default:
			add(importer.ColID, fmt.Sprintf("no user %q exists on the server; use create or upsert to add it", id))
		}
	default:
		cur := b.currentOrg(existing)
		switch act {
		case encompass.ActionUpsert, encompass.ActionUpdate, encompass.ActionDisable, encompass.ActionEnable:
			patch = b.diff(rec, existing, personas, groups, folder)
			if act == encompass.ActionDisable || act == encompass.ActionEnable {
				patch = withAccountEnabled(patch, existing, act == encompass.ActionEnable)
			}
			if patch != nil && b.opts.ResetPasswords && rec.Get(importer.ColPassword) != "" {
				row.NeedsPassword = true
			}
			for _, v := range b.newViolations(rec, existing, patch) {
				add(columnOf(v.Field), v.Message)
			}
		}
		// A user already where the row wants it needs no move, wherever the
		// row says it came from: the import can be run again.
		if source != nil && cur != nil && source != cur && !(target != nil && target == cur) {
			add(importer.ColSourceOrgID, fmt.Sprintf("the user %q is in %s, not in %s; empty the cell or correct it", existing.ID, cur.label(), source.label()))
		}
		if target != nil && cur != target {
			src := ""
			if cur != nil {
				src = b.note(cur)
			} else if existing.Organization != nil {
				src = existing.Organization.EntityID
			}
			move = &plan.MoveRef{SourceOrgID: src, TargetOrgID: b.note(target)}
			if b.callerOrg != nil && !target.within(b.callerOrg) {
				add(importer.ColOrgID, fmt.Sprintf("%s is outside your organization %s; you may move users only there or below", target.label(), b.callerLabel()))
			}
			if b.isSuperAdmin(existing) && cur != nil && cur == b.orgs.root {
				add(importer.ColOrgID, fmt.Sprintf("the user %q is a super administrator and cannot be moved out of the root organization %s; remove the orgId", existing.ID, cur.label()))
			}
		}
		takesSuper = b.protect(act, existing, patch, move, add)
		if (patch != nil || move != nil) && cur != nil && b.callerOrg != nil && !cur.within(b.callerOrg) {
			add(importer.ColID, fmt.Sprintf("the user %q is in %s, outside your organization %s; ask an administrator of that organization", existing.ID, cur.label(), b.callerLabel()))
		}
	}
	if (create != nil || patch != nil || move != nil) && !b.canWrite {
		add(importer.NumColumns, fmt.Sprintf("the calling user %q may not manage users (it needs the Administrator or Super Administrator persona, or the Organizations/User persona); run the import as an administrator", b.w.Caller.ID))
	}

	row.Problems = probs
	var cur *orgNode
	if existing != nil {
		cur = b.currentOrg(existing)
	}
	who := person(rec, existing, cur)
	switch {
	case plan.Problems(probs).HasErrors():
		row.Status = plan.StatusInvalid
		row.NeedsPassword = false
	case create == nil && patch == nil && move == nil:
		row.Status = plan.StatusUnchanged
		row.NeedsPassword = false
	default:
		row.Status = plan.StatusPlanned
		row.Create, row.Patch, row.Move = create, patch, move
		if takesSuper {
			b.activeSuper--
		}
		_, switches := patchBody(patch)[encompass.FieldAccountEnabled]
		switch {
		case create != nil:
			row.Outcome = plan.StatusCreated
		case act == encompass.ActionDisable && switches:
			row.Outcome = plan.StatusDisabled
		case act == encompass.ActionEnable && switches:
			row.Outcome = plan.StatusEnabled
		case patch != nil:
			row.Outcome = plan.StatusUpdated
		default:
			row.Outcome = plan.StatusMoved
		}
	}
	if who != row.Who() {
		row.Person = &who
	}
	return row
}

// withAccountEnabled adds to p (nil: no change yet) the switch of a disable
// (want false) or enable (want true) row, first among its changes, unless
// the user already is so or the row's accountEnabled cell asks it already.
func withAccountEnabled(p *plan.Patch, existing *encompass.User, want bool) *plan.Patch {
	if boolValue(existing.AccountEnabled, true) == want {
		return p
	}
	if p == nil {
		p = &plan.Patch{Body: map[string]json.RawMessage{}}
	}
	if _, ok := p.Body[encompass.FieldAccountEnabled]; ok {
		return p
	}
	p.Body[encompass.FieldAccountEnabled] = mustJSON(want)
	c := plan.Change{Field: encompass.FieldAccountEnabled, Before: strconv.FormatBool(!want), After: strconv.FormatBool(want)}
	p.Changes = append([]plan.Change{c}, p.Changes...)
	return p
}

// patchBody is p's body, nil for no patch.
func patchBody(p *plan.Patch) map[string]json.RawMessage {
	if p == nil {
		return nil
	}
	return p.Body
}

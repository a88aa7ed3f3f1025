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
	if w == nil {
		w = &World{}
	}
	opts = normalizeOptions(opts)
	b := newBuilder(w, opts)
	p := &plan.Plan{Version: plan.Version, Input: in, Options: opts, Caller: w.Caller.ID, Reads: w.Reads,
		Rows: make([]plan.Row, 0, len(recs))}
	dups := duplicates(recs)
	for i, rec := range recs {
		p.Rows = append(p.Rows, b.row(rec, dups[i]))
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
	row := plan.Row{Sheet: rec.Sheet, Row: rec.Row, ID: id, Action: act, Password: rec.Get(importer.ColPassword)}
	probs := append([]importer.Problem(nil), rec.Problems...)
	add := func(c importer.Column, msg string) { probs = appendProblem(probs, problem(rec, c, msg)) }

	var existing *encompass.User
	if id != "" {
		existing = b.w.Users[strings.ToLower(id)]
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
	usesOrg := act == encompass.ActionCreate || act == encompass.ActionUpsert || act == encompass.ActionUpdate || act == encompass.ActionMove
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
	switch {
	case act == encompass.ActionCreate && existing != nil:
		// Re-running a create file must be safe: a user that already is
		// what the row asks for is unchanged; one that differs is a problem.
		if d := b.diff(rec, existing, personas, groups, folder); d != nil || (target != nil && target != b.currentOrg(existing)) {
			add(importer.ColID, fmt.Sprintf("the user %q already exists%s and differs from this row; use update or upsert to change it", existing.ID, b.where(existing)))
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
		case b.scoped():
			add(importer.ColID, fmt.Sprintf("no user %q is in your organization %s or below (the only users you can see); to change a user elsewhere ask an administrator of its organization, to add one use create or upsert", id, b.callerLabel()))
		default:
			add(importer.ColID, fmt.Sprintf("no user %q exists on the server; use create or upsert to add it", id))
		}
	default:
		cur := b.currentOrg(existing)
		switch act {
		case encompass.ActionUpsert, encompass.ActionUpdate:
			patch = b.diff(rec, existing, personas, groups, folder)
			if patch != nil && b.opts.ResetPasswords && rec.Get(importer.ColPassword) != "" {
				row.NeedsPassword = true
			}
			for _, v := range b.newViolations(rec, existing, patch) {
				add(columnOf(v.Field), v.Message)
			}
		case encompass.ActionDisable, encompass.ActionEnable:
			want := act == encompass.ActionEnable
			if boolValue(existing.AccountEnabled, true) != want {
				patch = &plan.Patch{Body: map[string]json.RawMessage{encompass.FieldAccountEnabled: mustJSON(want)},
					Changes: []plan.Change{{Field: encompass.FieldAccountEnabled, Before: strconv.FormatBool(!want), After: strconv.FormatBool(want)}}}
			}
		}
		// A user already where the row wants it needs no move, wherever the
		// row says it came from: the import can be run again.
		if source != nil && cur != nil && source != cur && !(target != nil && target == cur) {
			add(importer.ColSourceOrgID, fmt.Sprintf("the user %q is in %s, not in %s; empty the cell or correct it", existing.ID, cur.label(), source.label()))
		}
		if target != nil && cur != target && act != encompass.ActionDisable && act != encompass.ActionEnable {
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
			if strings.EqualFold(existing.ID, b.w.Caller.ID) {
				add(importer.ColOrgID, "you cannot move your own user; let another administrator move it")
			}
			if b.isSuperAdmin(existing) && cur != nil && cur == b.orgs.root {
				add(importer.ColOrgID, fmt.Sprintf("the user %q is a super administrator and cannot be moved out of the root organization %s; remove the orgId", existing.ID, cur.label()))
			}
		}
		if (patch != nil || move != nil) && cur != nil && b.callerOrg != nil && !cur.within(b.callerOrg) {
			add(importer.ColID, fmt.Sprintf("the user %q is in %s, outside your organization %s; ask an administrator of that organization", existing.ID, cur.label(), b.callerLabel()))
		}
	}
	if (create != nil || patch != nil || move != nil) && !b.canWrite {
		add(importer.NumColumns, fmt.Sprintf("the calling user %q may not manage users (it needs the Administrator or Super Administrator persona, or the Organizations/User persona); run the import as an administrator", b.w.Caller.ID))
	}

	row.Problems = probs
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
		switch {
		case create != nil:
			row.Outcome = plan.StatusCreated
		case act == encompass.ActionDisable:
			row.Outcome = plan.StatusDisabled
		case act == encompass.ActionEnable:
			row.Outcome = plan.StatusEnabled
		case patch != nil:
			row.Outcome = plan.StatusUpdated
		default:
			row.Outcome = plan.StatusMoved
		}
	}
	return row
}

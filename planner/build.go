package planner

import (
	"cmp"
	"encoding/json"
	"fmt"
	"sort"
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

// OfflinePlan is the plan of `validate`: every row is invalid (with all its
// offline problems) or planned, with no server diff and no steps. The
// Outcome of a planned row is what its action would report when it changes
// something (empty for upsert, which depends on the server).
func OfflinePlan(recs []*importer.Record, in plan.Input, opts plan.Options) *plan.Plan {
	opts = normalizeOptions(opts)
	p := &plan.Plan{Version: plan.Version, Input: in, Options: opts, Rows: make([]plan.Row, 0, len(recs))}
	c := NewChecker(opts)
	for _, rec := range recs {
		p.Rows = append(p.Rows, c.Row(rec))
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
		if target != nil && b.callerOrg != nil && !target.within(b.callerOrg) {
			add(importer.ColOrgID, fmt.Sprintf("%s is outside your organization %s; you may create users only there or below", target.label(), b.callerLabel()))
		}
	case existing == nil:
		if act.Known() && id != "" {
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

func (b *builder) currentOrg(u *encompass.User) *orgNode {
	if u.Organization == nil {
		return nil
	}
	return b.orgs.byID[u.Organization.EntityID]
}

func (b *builder) where(u *encompass.User) string {
	if n := b.currentOrg(u); n != nil {
		return " in " + n.label()
	}
	return ""
}

// resolvePersonas maps the personas cell to references; ok is false when a
// name or id is unknown.
func (b *builder) resolvePersonas(rec *importer.Record) ([]encompass.EntityRef, bool) {
	ok := true
	var refs []encompass.EntityRef
	seen := map[string]bool{}
	for _, item := range rec.List(importer.ColPersonas) {
		p, found := b.personas.find(item)
		if !found {
			ok = false
			continue
		}
		if seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		refs = append(refs, encompass.EntityRef{EntityID: p.ID, EntityType: encompass.EntityTypePersona, EntityName: p.Name})
	}
	return refs, ok
}

func (b *builder) unknownPersonas(rec *importer.Record) string {
	var unknown []string
	for _, item := range rec.List(importer.ColPersonas) {
		if _, found := b.personas.find(item); !found {
			unknown = append(unknown, strconv.Quote(item))
		}
	}
	noun := "persona"
	if len(unknown) > 1 {
		noun = "personas"
	}
	return fmt.Sprintf("unknown %s %s; the personas are: %s", noun, strings.Join(unknown, ", "), strings.Join(b.personas.names, ", "))
}

// resolveGroups maps the groups cell to references that all carry an id
// (a group is never sent without one); an unknown name is a problem.
func (b *builder) resolveGroups(rec *importer.Record, add func(importer.Column, string)) []encompass.EntityRef {
	var refs []encompass.EntityRef
	seen := map[string]bool{}
	for _, g := range rec.List(importer.ColGroups) {
		ref, msg := b.groups.resolve(g)
		if msg != "" {
			add(importer.ColGroups, msg)
			continue
		}
		if seen[ref.EntityID] {
			continue
		}
		seen[ref.EntityID] = true
		refs = append(refs, ref)
	}
	return refs
}

type colMsg struct {
	col importer.Column
	msg string
}

// unreadEntities names the lists the row sets (or merges into) that the
// server's read of the user did not carry: a change computed from a summary
// read would delete what it did not see, so the row is a problem instead.
func (b *builder) unreadEntities(rec *importer.Record, u *encompass.User) []colMsg {
	var out []colMsg
	for _, wire := range u.Missing() {
		var col importer.Column
		switch wire {
		case encompass.FieldPersonas:
			col = importer.ColPersonas
		case encompass.FieldGroups:
			col = importer.ColGroups
		case encompass.FieldLicenses:
			col = importer.ColLicenses
		default:
			continue
		}
		if len(rec.List(col)) == 0 {
			continue
		}
		out = append(out, colMsg{col, fmt.Sprintf("the server returned the user %q without its %s (a summary read), so the change cannot be computed safely; run again, and if it persists report it", u.ID, wire)})
	}
	return out
}

// sameGroups reports whether the user's groups are exactly want, by id.
func sameGroups(have, want []encompass.EntityRef) bool {
	if len(have) != len(want) {
		return false
	}
	for _, w := range want {
		found := false
		for _, h := range have {
			if h.EntityID == w.EntityID {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// refLabels lists references by id, or by name when they have none.
func refLabels(rs []encompass.EntityRef) string {
	ls := make([]string, len(rs))
	for i, r := range rs {
		ls[i] = cmp.Or(r.EntityID, r.EntityName)
	}
	sort.Strings(ls)
	return strconv.Quote(strings.Join(ls, ";"))
}

// create builds the POST body: the row's values, "<clear>" cells omitted,
// never a password.
func (b *builder) create(rec *importer.Record, target *orgNode, personas, groups []encompass.EntityRef, folder string) *plan.Create {
	u := recordUser(rec)
	u.Password = ""
	if folder != "" {
		u.WorkingFolder = folder
	}
	u.Personas = personas
	u.Groups = groups
	c := &plan.Create{User: *u}
	if target != nil {
		c.OrgID = b.note(target)
	}
	return c
}

// diff returns the patch that makes existing match the row's non-empty
// cells, or nil when nothing differs.
func (b *builder) diff(rec *importer.Record, existing *encompass.User, personas, groups []encompass.EntityRef, folder string) *plan.Patch {
	p := &plan.Patch{Body: map[string]json.RawMessage{}}
	change := func(field string, body any, before, after string) {
		if body != nil {
			p.Body[field] = mustJSON(body)
		}
		p.Changes = append(p.Changes, plan.Change{Field: field, Before: before, After: after})
	}
	for _, s := range scalars {
		if s.IsBool() {
			v, ok := rec.Bool(s.col)
			if cur := boolValue(s.GetBool(existing), s.Default); ok && v != cur {
				change(s.Name, v, strconv.FormatBool(cur), strconv.FormatBool(v))
			}
			continue
		}
		cur := s.Get(existing)
		if rec.IsClear(s.col) {
			if cur != "" && s.Clearable {
				p.Body[s.Name] = json.RawMessage("null")
				p.Changes = append(p.Changes, plan.Change{Field: s.Name, Before: strconv.Quote(cur), After: "null"})
			}
			continue
		}
		v := rec.Get(s.col)
		if s.col == importer.ColWorkingFolder && folder != "" {
			v = folder // the server's spelling
		}
		if v != "" && v != cur {
			change(s.Name, v, quoteOrEmpty(cur), strconv.Quote(v))
		}
	}
	if len(personas) > 0 {
		want := personas
		if b.opts.MergePersonas {
			want = unionRefs(existing.Personas, personas, encompass.EntityTypePersona, b.personas)
		}
		if !sameIDs(existing.Personas, want) {
			change(encompass.FieldPersonas, want, b.refNames(existing.Personas), b.refNames(want))
		}
	}
	if len(groups) > 0 && !sameGroups(existing.Groups, groups) {
		change(encompass.FieldGroups, groups, refLabels(existing.Groups), refLabels(groups))
	}
	if states := rec.List(importer.ColLicenses); len(states) > 0 {
		b.licenses(existing, states, change)
	}
	if site := rec.Get(importer.ColCCSiteID); site != "" && (existing.CCSite == nil || existing.CCSite.SiteID != site) {
		before := `""`
		if existing.CCSite != nil {
			before = strconv.Quote(existing.CCSite.SiteID)
		}
		change(encompass.FieldCCSite, encompass.CCSite{SiteID: site}, "siteId "+before, "siteId "+strconv.Quote(site))
	}
	if b.opts.ResetPasswords && rec.Get(importer.ColPassword) != "" {
		p.Changes = append(p.Changes, plan.Change{Field: encompass.FieldPassword, Before: maskedPassword, After: maskedPassword})
	}
	if len(p.Changes) == 0 {
		return nil
	}
	return p
}

// licenses switches the row's states on and, with ExactLicenses, every
// other selected state off; only the entries that change are sent.
func (b *builder) licenses(existing *encompass.User, states []string, change func(string, any, string, string)) {
	on := map[string]bool{}
	var before []string
	for _, l := range existing.Licenses {
		if l.Selected {
			on[strings.ToUpper(l.State)] = true
			before = append(before, strings.ToUpper(l.State))
		}
	}
	want := map[string]bool{}
	var body []encompass.License
	for _, st := range states {
		st = strings.ToUpper(st)
		if want[st] {
			continue
		}
		want[st] = true
		if !on[st] {
			body = append(body, encompass.License{State: st, Selected: true})
		}
	}
	if b.opts.ExactLicenses {
		for _, st := range before {
			if !want[st] {
				body = append(body, encompass.License{State: st, Selected: false})
			}
		}
	}
	if len(body) == 0 {
		return
	}
	after := map[string]bool{}
	for st := range on {
		after[st] = true
	}
	for _, l := range body {
		after[l.State] = l.Selected
	}
	change(encompass.FieldLicenses, body, stateList(on), stateList(after))
}

func stateList(m map[string]bool) string {
	var ss []string
	for s, on := range m {
		if on {
			ss = append(ss, s)
		}
	}
	sort.Strings(ss)
	return strconv.Quote(strings.Join(ss, ";"))
}

// newViolations checks the user as it would be after the patch and returns
// the violations the patch introduces (not those the server's user already has).
func (b *builder) newViolations(rec *importer.Record, existing *encompass.User, p *plan.Patch) []encompass.Violation {
	if p == nil {
		return nil
	}
	after := *existing
	after.Password = ""
	if b.opts.ResetPasswords {
		after.Password = rec.Get(importer.ColPassword)
	}
	for _, s := range scalars {
		raw, ok := p.Body[s.Name]
		if !ok {
			continue
		}
		if s.IsBool() {
			var v bool
			_ = json.Unmarshal(raw, &v)
			s.SetBool(&after, &v)
			continue
		}
		var v *string
		_ = json.Unmarshal(raw, &v)
		if v == nil {
			s.Set(&after, "")
		} else {
			s.Set(&after, *v)
		}
	}
	d := ruleDefaults(b.opts, false)
	old := map[string]bool{}
	base := *existing
	base.Password = ""
	for _, v := range encompass.CheckUser(&base, false, "", d) {
		old[v.Field+" "+v.Code] = true
	}
	var out []encompass.Violation
	for _, v := range encompass.CheckUser(&after, false, "", d) {
		if !old[v.Field+" "+v.Code] {
			out = append(out, v)
		}
	}
	return out
}

func mustJSON(v any) json.RawMessage {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("planner: marshal %T: %v", v, err)) // only plain data is marshalled
	}
	return data
}

func quoteOrEmpty(s string) string { return strconv.Quote(s) }

func sameIDs(a, b []encompass.EntityRef) bool {
	as, bs := map[string]bool{}, map[string]bool{}
	for _, r := range a {
		as[r.EntityID] = true
	}
	for _, r := range b {
		bs[r.EntityID] = true
	}
	if len(as) != len(bs) {
		return false
	}
	for id := range as {
		if !bs[id] {
			return false
		}
	}
	return true
}

func unionRefs(cur, add []encompass.EntityRef, typ string, ix *personaIndex) []encompass.EntityRef {
	seen := map[string]bool{}
	var out []encompass.EntityRef
	for _, list := range [][]encompass.EntityRef{cur, add} {
		for _, r := range list {
			if seen[r.EntityID] {
				continue
			}
			seen[r.EntityID] = true
			out = append(out, encompass.EntityRef{EntityID: r.EntityID, EntityType: typ, EntityName: ix.name(r)})
		}
	}
	return out
}

func (b *builder) refNames(rs []encompass.EntityRef) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = b.personas.name(r)
	}
	sort.Strings(names)
	return strconv.Quote(strings.Join(names, ";"))
}

package sandbox

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
)

const maxBody = 8 << 20

// Paging of the users list (start counts from 0).
const (
	userListDefaultLimit = 1000
	userListMaxLimit     = 1000
)

// readOnlyOnPatch are fields a PATCH may not carry, with the reason.
var readOnlyOnPatch = map[string]string{
	"fullName":                       "fullName is computed from the name fields; remove it",
	"userIndicators":                 "userIndicators are computed by Encompass; remove them",
	encompass.FieldOrganization:      "the organization changes only through PATCH /encompass/v3/users?action=move",
	encompass.FieldAPIUser:           "apiUser can be set only when the user is created",
	encompass.FieldCompensationPlans: "compensation plans cannot be changed by this call; use V3 Manage Internal User Compensation Plans",
	"orgHierarchy":                   "orgHierarchy is read-only",
	"lastLogin":                      "lastLogin is read-only",
	"createdDate":                    "createdDate is read-only",
	"lastModifiedDate":               "lastModifiedDate is read-only",
	"createdBy":                      "createdBy is read-only",
	"lastModifiedBy":                 "lastModifiedBy is read-only",
}

// readOnlyOnCreate are fields a create may not carry.
var readOnlyOnCreate = map[string]string{
	"fullName":                       readOnlyOnPatch["fullName"],
	"userIndicators":                 readOnlyOnPatch["userIndicators"],
	encompass.FieldCompensationPlans: readOnlyOnPatch[encompass.FieldCompensationPlans],
}

// decodeObject reads a JSON object body as raw fields.
func decodeObject(r *http.Request) ([]byte, map[string]json.RawMessage, *apiError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return nil, nil, errf(http.StatusBadRequest, encompass.CodeBadRequest, "could not read the body: "+err.Error())
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, nil, errf(http.StatusBadRequest, encompass.CodeBadRequest, fmt.Sprintf("the body is not a JSON object: %v", err))
	}
	acceptUserBody(raw)
	if body, err = json.Marshal(raw); err != nil {
		return nil, nil, errf(http.StatusBadRequest, encompass.CodeBadRequest, "the body is not valid JSON: "+err.Error())
	}
	return body, raw, nil
}

func isNull(m json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(m), []byte("null")) }

// --- access rights -------------------------------------------------------

// rights returns the caller's record and whether it may manage users.
// Callers hold s.mu.
func (s *Server) rights(caller string) (*encompass.User, *apiError) {
	u := s.users[strings.ToLower(caller)]
	if u == nil {
		return nil, errf(http.StatusUnauthorized, encompass.CodeUnauthorized, "the token's user no longer exists; log in again")
	}
	if ok, _ := encompass.CanManageUsers(u, s.personaName); ok || strings.EqualFold(u.ID, BuiltinAdminID) {
		return u, nil
	}
	return nil, errf(http.StatusForbidden, encompass.CodeForbidden, fmt.Sprintf("user %s is neither an administrator nor holds the %q persona, so it cannot manage users", u.ID, encompass.PersonaOrganizationsUser))
}

// within reports whether org is ancestor or below it. Callers hold s.mu.
func (s *Server) within(org, ancestor string) bool {
	for n := s.orgs[org]; n != nil; n = s.orgs[n.parent] {
		if n.id == ancestor {
			return true
		}
	}
	return false
}

func (s *Server) reach(caller *encompass.User, org, what string) *apiError {
	if s.within(org, caller.Organization.EntityID) {
		return nil
	}
	return errf(http.StatusForbidden, encompass.CodeForbidden, fmt.Sprintf("user %s (organization %s) may manage only its own organization and those below it; %s is in organization %s (%s)",
		caller.ID, caller.Organization.EntityName, what, org, s.orgs[org].name))
}

// personaName is the name of a persona reference in the world (by id).
// Callers hold s.mu.
func (s *Server) personaName(r encompass.EntityRef) string { return s.personas[r.EntityID].Name }

// isSuperAdmin reports whether u is a super administrator: the built-in
// administrator, or by indicator or persona. Callers hold s.mu.
func (s *Server) isSuperAdmin(u *encompass.User) bool {
	return strings.EqualFold(u.ID, BuiltinAdminID) || encompass.IsSuperAdministrator(u, s.personaName)
}

// --- normalisation -------------------------------------------------------

// resolveRefs checks persona and group references (by id, or by name when
// no id is given) and fills ids. Callers hold s.mu.
func (s *Server) resolveRefs(u *encompass.User) *apiError {
	personas := make(map[string]string, len(s.world.Personas)) // lower-case name -> id
	for _, p := range s.world.Personas {
		personas[strings.ToLower(p.Name)] = p.ID
	}
	groups := make(map[string]string, len(s.world.Groups))
	for _, g := range s.world.Groups {
		groups[strings.ToLower(g.Name)] = g.ID
	}
	bad := resolve("persona", u.Personas, func(id string) bool { _, ok := s.personas[id]; return ok }, personas)
	bad = append(bad, resolve("group", u.Groups, func(id string) bool { _, ok := s.groups[id]; return ok }, groups)...)
	if len(bad) > 0 {
		return errf(http.StatusBadRequest, encompass.CodeUnknownReference, "unknown "+strings.Join(bad, ", ")+"; give existing persona and group ids or names (GET "+apiclient.PathPersonas+" lists the personas)")
	}
	return nil
}

// groupIDs refuses group references without an entityId: groups are sent
// by id (no endpoint lists them, so a name cannot be checked by the caller).
func groupIDs(gs []encompass.EntityRef) *apiError {
	for i, g := range gs {
		if strings.TrimSpace(g.EntityID) == "" {
			return errf(http.StatusBadRequest, encompass.CodeRequired, fmt.Sprintf("groups[%d] (%q): entityId is required; send every group by its id", i, g.EntityName))
		}
	}
	return nil
}

// resolve fills the id of each reference given by name only, and names the
// references that match nothing.
func resolve(kind string, refs []encompass.EntityRef, known func(id string) bool, byName map[string]string) []string {
	var bad []string
	for i, r := range refs {
		if known(r.EntityID) {
			continue
		}
		if id, ok := byName[strings.ToLower(r.EntityName)]; ok && r.EntityID == "" {
			refs[i].EntityID = id
			continue
		}
		bad = append(bad, fmt.Sprintf("%s %q", kind, cmp.Or(r.EntityID, r.EntityName)))
	}
	return bad
}

// normalise fills the computed and defaulted fields of a stored user.
// Callers hold s.mu.
func (s *Server) normalise(u *encompass.User) {
	org := s.orgs[u.Organization.EntityID]
	u.Organization = &encompass.EntityRef{EntityID: org.id, EntityType: encompass.EntityTypeOrganization, EntityName: org.name}
	seen := map[string]bool{}
	ps := u.Personas[:0:0]
	for _, p := range u.Personas {
		if !seen[p.EntityID] {
			seen[p.EntityID] = true
			ps = append(ps, encompass.EntityRef{EntityID: p.EntityID, EntityType: encompass.EntityTypePersona, EntityName: s.personas[p.EntityID].Name})
		}
	}
	u.Personas = ps
	clear(seen)
	gs := u.Groups[:0:0]
	for _, g := range u.Groups {
		if !seen[g.EntityID] {
			seen[g.EntityID] = true
			gs = append(gs, encompass.EntityRef{EntityID: g.EntityID, EntityType: encompass.EntityTypeGroup, EntityName: s.groups[g.EntityID].Name})
		}
	}
	u.Groups = gs
	u.Licenses = mergeLicenses(fullLicenses(u.Licenses), u.Licenses)
	u.FullName = strings.Join(slices.DeleteFunc([]string{u.FirstName, u.MiddleName, u.LastName, u.Suffix}, func(s string) bool { return s == "" }), " ")
	for _, f := range []**bool{&u.AccountEnabled, &u.LoginEnabled} {
		if *f == nil {
			*f = ptr(true)
		}
	}
	for _, f := range []**bool{&u.APIUser, &u.AllowImpersonation, &u.IsSSOOnly, &u.RequirePasswordChange} {
		if *f == nil {
			*f = ptr(false)
		}
	}
	if u.PeerLoanAccess == "" {
		u.PeerLoanAccess = encompass.LoanAccessDisabled
	}
	if u.SubordinateLoanAccess == "" {
		u.SubordinateLoanAccess = encompass.LoanAccessReadOnly
	}
	u.UserIndicators = nil // computed below from the personas, never from what was stored
	super := s.isSuperAdmin(u)
	_, adm := encompass.HeldPersona(u, s.personaName, encompass.PersonaAdministrator)
	var ind []string
	root := org.parent == ""
	if root {
		ind = append(ind, encompass.IndicatorTopLevelUser)
		if super || adm {
			ind = append(ind, encompass.IndicatorTopLevelAdministator)
		}
	}
	if adm {
		ind = append(ind, encompass.IndicatorAdministrator)
	}
	if super {
		ind = append(ind, encompass.IndicatorSuperAdministrator)
	}
	u.UserIndicators = ind
}

// fullLicenses returns the fixed list with every state unselected, or the
// stored list when it already is complete.
func fullLicenses(have []encompass.License) []encompass.License {
	if len(have) == len(encompass.LicenseStates) {
		return have
	}
	out := make([]encompass.License, len(encompass.LicenseStates))
	for i, st := range encompass.LicenseStates {
		out[i] = encompass.License{State: st}
	}
	return out
}

// mergeLicenses switches the entries of list named in changes.
func mergeLicenses(list, changes []encompass.License) []encompass.License {
	out := slices.Clone(list)
	for _, c := range changes {
		for i := range out {
			if strings.EqualFold(out[i].State, c.State) {
				out[i].Selected = c.Selected
				if c.License != "" {
					out[i].License = c.License
				}
				if c.ExpirationDate != "" {
					out[i].ExpirationDate = c.ExpirationDate
				}
			}
		}
	}
	return out
}

func cloneUser(u *encompass.User) *encompass.User {
	c := *u
	c.Personas = slices.Clone(u.Personas)
	c.Groups = slices.Clone(u.Groups)
	c.Licenses = slices.Clone(u.Licenses)
	c.UserIndicators = slices.Clone(u.UserIndicators)
	if u.Organization != nil {
		o := *u.Organization
		c.Organization = &o
	}
	if u.CCSite != nil {
		cc := *u.CCSite
		if cc.UseParentInformation != nil {
			cc.UseParentInformation = ptr(*cc.UseParentInformation)
		}
		c.CCSite = &cc
	}
	for _, f := range []**bool{&c.APIUser, &c.AllowImpersonation, &c.IsSSOOnly, &c.IsSSODisconnected, &c.RequirePasswordChange, &c.AccountEnabled, &c.LoginEnabled} {
		if *f != nil {
			*f = ptr(**f)
		}
	}
	return &c
}

// publicUser is a stored user without its password (Server.User, Server.Users;
// answers go through userOut in dialect.go).
func publicUser(u *encompass.User) *encompass.User {
	c := cloneUser(u)
	c.Password = ""
	return c
}

// --- handlers ------------------------------------------------------------

// handleUsers serves /encompass/v3/users: POST create, PATCH move, GET list.
func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) {
	var e *apiError
	switch r.Method {
	case http.MethodPost:
		e = s.createUser(w, r)
	case http.MethodPatch:
		e = s.moveUsers(w, r)
	case http.MethodGet:
		s.bump(func(st *Stats) { st.Lists++ })
		e = s.listUsers(w, r)
	default:
		e = errf(http.StatusMethodNotAllowed, encompass.CodeBadRequest, "use POST (create), PATCH ?action=move or GET (list)")
	}
	if e != nil {
		s.fail(w, e)
	}
}

// handleUser serves /encompass/v3/users/{id}: GET and PATCH.
func (s *Server) handleUser(w http.ResponseWriter, r *http.Request) {
	var e *apiError
	switch r.Method {
	case http.MethodGet:
		s.bump(func(st *Stats) { st.Gets++ })
		e = s.getUser(w, r)
	case http.MethodPatch:
		e = s.patchUser(w, r)
	default:
		e = errf(http.StatusMethodNotAllowed, encompass.CodeBadRequest, "use GET or PATCH on a user")
	}
	if e != nil {
		s.fail(w, e)
	}
}

func checkView(v string, allowed ...string) *apiError {
	if v == "" {
		return nil
	}
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return nil
		}
	}
	return errf(http.StatusBadRequest, encompass.CodeBadRequest, fmt.Sprintf("view %q is not allowed; use one of %s", v, strings.Join(allowed, ", ")))
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) *apiError {
	q := r.URL.Query()
	view := q.Get("view")
	if e := checkView(view, "entity", "id"); e != nil {
		return e
	}
	body, raw, e := decodeObject(r)
	if e != nil {
		return e
	}
	for k := range raw {
		if why, ro := readOnlyOnCreate[k]; ro {
			return errf(http.StatusBadRequest, encompass.CodeReadOnlyField, k+": "+why)
		}
		if !knownCreateField(k) {
			return errf(http.StatusBadRequest, encompass.CodeBadRequest, fmt.Sprintf("unknown field %q in the user body; remove it", k))
		}
	}
	var u encompass.User
	if err := json.Unmarshal(body, &u); err != nil {
		return errf(http.StatusBadRequest, encompass.CodeBadRequest, "the user body has a value of the wrong type: "+err.Error())
	}
	sentFolder := u.WorkingFolder
	orgID := q.Get("orgId")
	if orgID == "" && u.Organization != nil {
		orgID = u.Organization.EntityID
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	caller, e := s.rights(callerID(r))
	if e != nil {
		return e
	}
	d := s.world.Defaults
	if vs := encompass.CheckUser(&u, true, orgID, d); len(vs) > 0 {
		return violationsError(vs)
	}
	if orgID == "" {
		orgID = d.OrgID
	}
	if len(u.Personas) == 0 {
		u.Personas = []encompass.EntityRef{{EntityID: d.PersonaID}}
	}
	if u.WorkingFolder == "" {
		u.WorkingFolder = d.WorkingFolder
	}
	if s.orgs[orgID] == nil {
		return errf(http.StatusBadRequest, encompass.CodeUnknownReference, fmt.Sprintf("organization %q does not exist; GET %s/root?view=hierarchy lists them", orgID, apiclient.PathOrganizations))
	}
	if e := groupIDs(u.Groups); e != nil {
		return e
	}
	if e := s.resolveRefs(&u); e != nil {
		return e
	}
	if sentFolder != "" { // the company default is the server's own setting, not checked
		name, e := s.workingFolder(sentFolder)
		if e != nil {
			return e
		}
		u.WorkingFolder = name
	}
	if e := s.reach(caller, orgID, "the new user"); e != nil {
		return e
	}
	key := strings.ToLower(u.ID)
	if old := s.users[key]; old != nil {
		s.bump(func(st *Stats) { st.Conflicts409++ })
		return errf(http.StatusConflict, encompass.CodeConflict, fmt.Sprintf("user id %q already exists (as %q; ids ignore case); update it instead", u.ID, old.ID))
	}
	u.Organization = &encompass.EntityRef{EntityID: orgID}
	u.UserIndicators, u.FullName = nil, ""
	s.normalise(&u)
	s.users[key] = &u
	s.persistLocked()
	s.bump(func(st *Stats) { st.Creates++ })

	w.Header().Set("Location", apiclient.PathUsers+"/"+u.ID)
	if strings.EqualFold(view, "entity") {
		writeJSON(w, http.StatusCreated, s.userOut(&u, allEntities))
	} else {
		w.WriteHeader(http.StatusCreated)
	}
	return nil
}

func knownCreateField(k string) bool {
	if _, ok := encompass.LookupUserField(k); ok {
		return true
	}
	switch k {
	case "id", encompass.FieldPersonas, encompass.FieldGroups, encompass.FieldLicenses, encompass.FieldCCSite,
		encompass.FieldOrganization:
		return true
	}
	return false
}

func (s *Server) patchUser(w http.ResponseWriter, r *http.Request) *apiError {
	id := r.PathValue("id")
	_, raw, e := decodeObject(r)
	if e != nil {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	caller, e := s.rights(callerID(r))
	if e != nil {
		return e
	}
	if strings.EqualFold(id, "me") {
		id = caller.ID
	}
	cur := s.users[strings.ToLower(id)]
	if cur == nil {
		return errf(http.StatusNotFound, encompass.CodeNotFound, fmt.Sprintf("user %q does not exist", id))
	}
	if e := s.reach(caller, cur.Organization.EntityID, "user "+cur.ID); e != nil {
		return e
	}
	m := cloneUser(cur)
	m.Password = "" // the merged user carries a password only when the patch sends one
	wrongType := func(k string, err error) *apiError {
		return errf(http.StatusBadRequest, encompass.CodeBadRequest, fmt.Sprintf("%s: wrong type of value: %v", k, err))
	}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		v := raw[k]
		if why, ro := readOnlyOnPatch[k]; ro {
			return errf(http.StatusBadRequest, encompass.CodeReadOnlyField, k+": "+why)
		}
		if f, ok := encompass.LookupUserField(k); ok && f.Patchable {
			switch {
			case !f.IsBool() && isNull(v):
				f.Set(m, "")
			case !f.IsBool():
				if err := json.Unmarshal(v, f.Str(m)); err != nil {
					return wrongType(k, err)
				}
			case isNull(v):
				return errf(http.StatusBadRequest, encompass.CodeBadRequest, k+": null clears only text fields; send true or false")
			default:
				var b bool
				if err := json.Unmarshal(v, &b); err != nil {
					return wrongType(k, err)
				}
				f.SetBool(m, &b)
			}
			continue
		}
		switch k {
		case "id":
			var got string
			if err := json.Unmarshal(v, &got); err != nil {
				return wrongType(k, err)
			}
			if !strings.EqualFold(got, cur.ID) {
				return errf(http.StatusBadRequest, encompass.CodeReadOnlyField, fmt.Sprintf("id: the body names %q but the path names %q; a user id cannot be changed", got, cur.ID))
			}
		case encompass.FieldPersonas:
			var ps []encompass.EntityRef
			if !isNull(v) {
				if err := json.Unmarshal(v, &ps); err != nil {
					return wrongType(k, err)
				}
			}
			if len(ps) == 0 {
				return errf(http.StatusBadRequest, encompass.CodeEmptyPersonas, "personas: at least one persona is required; the list replaces the user's personas, so send the full set")
			}
			m.Personas = ps
		case encompass.FieldGroups:
			var gs []encompass.EntityRef
			if !isNull(v) {
				if err := json.Unmarshal(v, &gs); err != nil {
					return wrongType(k, err)
				}
			}
			if e := groupIDs(gs); e != nil {
				return e
			}
			m.Groups = gs
		case encompass.FieldLicenses:
			var ls []encompass.License
			if err := json.Unmarshal(v, &ls); err != nil {
				return wrongType(k, err)
			}
			for _, l := range ls {
				if !encompass.IsLicenseState(strings.ToUpper(l.State)) {
					return errf(http.StatusBadRequest, encompass.CodeEnumeration, fmt.Sprintf("licenses: %q is not a state or territory code; the list is fixed, use two letters such as CA", l.State))
				}
			}
			m.Licenses = mergeLicenses(m.Licenses, ls)
		case encompass.FieldCCSite:
			var cc *encompass.CCSite
			if err := json.Unmarshal(v, &cc); err != nil {
				return wrongType(k, err)
			}
			m.CCSite = cc
		default:
			return errf(http.StatusBadRequest, encompass.CodeBadRequest, fmt.Sprintf("unknown field %q in the user body; remove it", k))
		}
	}
	if e := s.resolveRefs(m); e != nil {
		return e
	}
	if v, sent := raw[encompass.FieldWorkingFolder]; sent && !isNull(v) && m.WorkingFolder != "" {
		name, e := s.workingFolder(m.WorkingFolder)
		if e != nil {
			return e
		}
		m.WorkingFolder = name
	}
	d := s.world.Defaults
	vs := encompass.CheckUser(m, false, "", d)
	for _, f := range []struct{ name, v string }{
		{encompass.FieldFirstName, m.FirstName}, {encompass.FieldLastName, m.LastName}, {encompass.FieldEmail, m.Email},
	} {
		if strings.TrimSpace(f.v) == "" {
			vs = append(vs, encompass.Violation{Field: f.name, Code: encompass.CodeRequired, Message: "required; it cannot be cleared"})
		}
	}
	if m.WorkingFolder == "" && d.WorkingFolder == "" {
		vs = append(vs, encompass.Violation{Field: encompass.FieldWorkingFolder, Code: encompass.CodeRequired, Message: "required (no company default working folder); it cannot be cleared"})
	}
	if len(vs) > 0 {
		return violationsError(vs)
	}
	if m.WorkingFolder == "" {
		m.WorkingFolder = d.WorkingFolder
	}
	if m.Password == "" {
		m.Password = cur.Password
	}
	s.normalise(m)
	*cur = *m
	s.persistLocked()
	s.bump(func(st *Stats) { st.Patches++ })
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) moveUsers(w http.ResponseWriter, r *http.Request) *apiError {
	q := r.URL.Query()
	if a := q.Get("action"); !strings.EqualFold(a, apiclient.MoveAction) {
		return errf(http.StatusBadRequest, encompass.CodeBadRequest, fmt.Sprintf("action %q is not supported; the only action is move", a))
	}
	src, dst := q.Get("sourceOrgId"), q.Get("targetOrgId")
	if src == "" || dst == "" {
		return errf(http.StatusBadRequest, encompass.CodeRequired, "sourceOrgId and targetOrgId are required for action=move")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return errf(http.StatusBadRequest, encompass.CodeBadRequest, "could not read the body: "+err.Error())
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return errf(http.StatusBadRequest, encompass.CodeBadRequest, fmt.Sprintf("the move body must be a JSON array of {\"id\":…}: %v", err))
	}
	if len(items) == 0 {
		return errf(http.StatusBadRequest, encompass.CodeMoveBody, "the move body names no user; send [{\"id\":\"…\"}]")
	}
	ids := make([]string, 0, len(items))
	for i, it := range items {
		for k := range it {
			if k != "id" {
				return errf(http.StatusBadRequest, encompass.CodeMoveBody, fmt.Sprintf("item %d carries %q; a move item may contain only \"id\"", i+1, k))
			}
		}
		var id string
		if err := json.Unmarshal(idText(it["id"]), &id); err != nil || id == "" {
			return errf(http.StatusBadRequest, encompass.CodeMoveBody, fmt.Sprintf("item %d has no user id; send {\"id\":\"…\"}", i+1))
		}
		ids = append(ids, id)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	caller, e := s.rights(callerID(r))
	if e != nil {
		return e
	}
	for _, o := range []struct{ name, id string }{{"sourceOrgId", src}, {"targetOrgId", dst}} {
		if s.orgs[o.id] == nil {
			return errf(http.StatusNotFound, encompass.CodeNotFound, fmt.Sprintf("%s %q: no such organization", o.name, o.id))
		}
	}
	if e := s.reach(caller, src, "the source organization"); e != nil {
		return e
	}
	if e := s.reach(caller, dst, "the target organization"); e != nil {
		return e
	}
	users := make([]*encompass.User, 0, len(ids))
	for _, id := range ids {
		u := s.users[strings.ToLower(id)]
		switch {
		case u == nil:
			return errf(http.StatusBadRequest, encompass.CodeMoveSource, fmt.Sprintf("user %q does not exist; nobody was moved", id))
		case u.Organization.EntityID != src:
			return errf(http.StatusBadRequest, encompass.CodeMoveSource, fmt.Sprintf("user %s is in organization %s (%s), not in sourceOrgId %s; nobody was moved", u.ID, u.Organization.EntityID, u.Organization.EntityName, src))
		case strings.EqualFold(u.ID, caller.ID):
			return errf(http.StatusBadRequest, encompass.CodeMoveSelf, fmt.Sprintf("user %s cannot move its own account; nobody was moved", u.ID))
		case s.isSuperAdmin(u) && s.orgs[src].parent == "" && dst != src:
			return errf(http.StatusBadRequest, encompass.CodeMoveSuperAdmin, fmt.Sprintf("user %s is a super administrator and cannot be moved out of the root organization; nobody was moved", u.ID))
		}
		users = append(users, u)
	}
	for _, u := range users {
		u.Organization = &encompass.EntityRef{EntityID: dst}
		s.normalise(u)
	}
	s.persistLocked()
	s.bump(func(st *Stats) { st.Moves++ })
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) *apiError {
	q := r.URL.Query()
	if e := checkView(q.Get("view"), "Summary", "Detail", "Full"); e != nil {
		return e
	}
	id := r.PathValue("id")
	if strings.EqualFold(id, "me") {
		id = callerID(r)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.users[strings.ToLower(id)]
	if u == nil {
		return errf(http.StatusNotFound, encompass.CodeNotFound, fmt.Sprintf("user %q does not exist", id))
	}
	s.writeRead(w, s.userOut(u, s.readEntities(q)))
	return nil
}

// listUsers serves GET /encompass/v3/users?orgId=&isRecursive=&start=&limit=
// (start counts from 0). Vendor: summaries unless entities=all, 204 for an
// empty page; legacy: full users, [] for an empty page.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) *apiError {
	q := r.URL.Query()
	start, e := intParam(q, "start", 0, 0, 1<<31-1)
	if e != nil {
		return e
	}
	limit, e := intParam(q, "limit", userListDefaultLimit, 1, userListMaxLimit)
	if e != nil {
		return e
	}
	recursive := false
	if v := q.Get("isRecursive"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errf(http.StatusBadRequest, encompass.CodeBadRequest, fmt.Sprintf("isRecursive=%q: give true or false", v))
		}
		recursive = b
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	org := q.Get("orgId")
	if org == "" {
		org, recursive = s.world.Organizations.ID, true
	}
	if s.orgs[org] == nil {
		return errf(http.StatusNotFound, encompass.CodeNotFound, fmt.Sprintf("organization %q does not exist", org))
	}
	var all []*encompass.User
	for _, u := range s.sortedUsers() {
		uo := u.Organization.EntityID
		if uo == org || (recursive && s.within(uo, org)) {
			all = append(all, u)
		}
	}
	w.Header().Set(apiclient.HeaderTotalCount, strconv.Itoa(len(all)))
	if start >= len(all) && s.vendor {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	with := s.readEntities(q)
	out := []wireUser{}
	for i := start; i < len(all) && len(out) < limit; i++ {
		out = append(out, s.userOut(all[i], with))
	}
	s.writeRead(w, out)
	return nil
}

package sandbox

import (
	"bytes"
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
	s.sorted = nil
	s.persistLocked(&u)
	s.bump(func(st *Stats) { st.Creates++ })

	w.Header().Set("Location", apiclient.PathUsers+"/"+u.ID)
	if strings.EqualFold(view, "entity") {
		writeJSON(w, http.StatusCreated, s.userOut(&u, allEntities))
	} else {
		w.WriteHeader(http.StatusCreated)
	}
	return nil
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
	s.persistLocked(cur)
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
	s.persistLocked(users...)
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

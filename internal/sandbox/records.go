package sandbox

// The stored users: the fields a body may carry, access rights, reference
// resolution, normalisation and copies. The rights themselves are package
// encompass's (CanManageUsers, IsSuperAdministrator), the same rules the
// planner applies; the changeable fields are its field table.

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
)

// --- the fields a body may carry ------------------------------------------

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

// knownCreateField reports whether a create body may carry k.
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

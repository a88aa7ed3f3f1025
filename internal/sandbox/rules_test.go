package sandbox

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
)

const (
	createPath = apiclient.PathUsers + "?orgId=" + OrgDenverBranch
	movePath   = apiclient.PathUsers + "?action=move&sourceOrgId=" + OrgDenverBranch + "&targetOrgId=" + OrgPhoenixBranch
)

func userPath(id string) string { return apiclient.PathUsers + "/" + id }

type ruleCase struct {
	name     string
	world    func(w *World) // optional change to the default world
	caller   string         // default "admin"
	method   string
	path     string
	body     any
	status   int
	code     string                                  // errorCode expected when status >= 400
	check    func(t *testing.T, s *Server, b []byte) // optional, after the call
	headerOK func(h http.Header) bool
}

func long(n int) string { return strings.Repeat("a", n) }

// TestRules runs one case per documented rule against the sandbox over HTTP.
func TestRules(t *testing.T) {
	withDefaults := func(w *World) {
		w.Defaults = encompass.Defaults{OrgID: OrgBostonBranch, PersonaID: PersonaIDUnderwriter, WorkingFolder: "Default Folder"}
	}
	userIs := func(id string, f func(u encompass.User) bool) func(*testing.T, *Server, []byte) {
		return func(t *testing.T, s *Server, _ []byte) {
			t.Helper()
			u, ok := s.User(id)
			if !ok {
				t.Fatalf("user %s does not exist", id)
			}
			if !f(u) {
				t.Errorf("user %s is not as expected: %+v", id, u)
			}
		}
	}
	absent := func(id string) func(*testing.T, *Server, []byte) {
		return func(t *testing.T, s *Server, _ []byte) {
			if _, ok := s.User(id); ok {
				t.Errorf("user %s exists; the call should not have applied", id)
			}
		}
	}
	inOrg := func(org string, ids ...string) func(*testing.T, *Server, []byte) {
		return func(t *testing.T, s *Server, _ []byte) {
			for _, id := range ids {
				u, _ := s.User(id)
				if u.Organization == nil || u.Organization.EntityID != org {
					t.Errorf("user %s is in %+v, want org %s", id, u.Organization, org)
				}
			}
		}
	}
	selected := func(u encompass.User, st string) bool {
		for _, l := range u.Licenses {
			if l.State == st {
				return l.Selected
			}
		}
		return false
	}
	personaIDs := func(u encompass.User) []string {
		var ids []string
		for _, p := range u.Personas {
			ids = append(ids, p.EntityID)
		}
		return ids
	}

	cases := []ruleCase{
		// create: success and what the server computes
		{name: "create valid", method: "POST", path: createPath + "&view=entity", body: newUser(nil), status: 201,
			headerOK: func(h http.Header) bool { return h.Get("Location") == apiclient.PathUsers+"/nora.new" },
			check: userIs("nora.new", func(u encompass.User) bool {
				return u.FullName == "Nora Newman" && u.Password == "" && u.Organization.EntityName == "Denver Branch" &&
					u.Personas[0].EntityName == "Loan Officer" && *u.AccountEnabled && *u.LoginEnabled &&
					len(u.Licenses) == len(encompass.LicenseStates) && len(u.UserIndicators) == 0
			})},
		{name: "create view=id has no body", method: "POST", path: createPath + "&view=id", body: newUser(nil), status: 201,
			check: func(t *testing.T, _ *Server, b []byte) {
				if len(b) != 0 {
					t.Errorf("body %q, want none", b)
				}
			}},
		{name: "create returns no password", method: "POST", path: createPath + "&view=entity", body: newUser(nil), status: 201,
			check: func(t *testing.T, _ *Server, b []byte) {
				if strings.Contains(string(b), "Secret123!") || strings.Contains(string(b), `"password"`) {
					t.Errorf("answer shows the password: %s", b)
				}
			}},
		{name: "create super admin in root gets indicators", method: "POST", path: apiclient.PathUsers + "?orgId=0",
			body: newUser(map[string]any{"personas": []map[string]string{{"entityId": PersonaIDSuperAdministrator}}}), status: 201,
			check: userIs("nora.new", func(u encompass.User) bool {
				return slices.Equal(u.UserIndicators, []string{"TopLevelUser", "TopLevelAdministrator", "SuperAdministrator"})
			})},
		// id rules
		{name: "id required", method: "POST", path: createPath, body: newUser(map[string]any{"id": del}), status: 400, code: encompass.CodeRequired},
		{name: "id too long", method: "POST", path: createPath, body: newUser(map[string]any{"id": long(17)}), status: 400, code: encompass.CodeInvalidID},
		{name: "id 16 chars ok", method: "POST", path: createPath, body: newUser(map[string]any{"id": long(16)}), status: 201},
		{name: "id leading period", method: "POST", path: createPath, body: newUser(map[string]any{"id": ".nora"}), status: 400, code: encompass.CodeInvalidID},
		// required fields
		{name: "firstName required", method: "POST", path: createPath, body: newUser(map[string]any{"firstName": del}), status: 400, code: encompass.CodeRequired},
		{name: "lastName required", method: "POST", path: createPath, body: newUser(map[string]any{"lastName": del}), status: 400, code: encompass.CodeRequired},
		{name: "email required", method: "POST", path: createPath, body: newUser(map[string]any{"email": del}), status: 400, code: encompass.CodeRequired},
		{name: "orgId required", method: "POST", path: apiclient.PathUsers, body: newUser(nil), status: 400, code: encompass.CodeRequired, check: absent("nora.new")},
		{name: "personas required", method: "POST", path: createPath, body: newUser(map[string]any{"personas": del}), status: 400, code: encompass.CodeRequired},
		{name: "workingFolder required", method: "POST", path: createPath, body: newUser(map[string]any{"workingFolder": del}), status: 400, code: encompass.CodeRequired},
		{name: "password required", method: "POST", path: createPath, body: newUser(map[string]any{"password": del}), status: 400, code: encompass.CodeRequired},
		// company defaults
		{name: "defaults make orgId personas workingFolder optional", world: withDefaults, method: "POST", path: apiclient.PathUsers,
			body: newUser(map[string]any{"personas": del, "workingFolder": del}), status: 201,
			check: userIs("nora.new", func(u encompass.User) bool {
				return u.Organization.EntityID == OrgBostonBranch && slices.Equal(personaIDs(u), []string{PersonaIDUnderwriter}) && u.WorkingFolder == "Default Folder"
			})},
		{name: "defaults do not replace given values", world: withDefaults, method: "POST", path: createPath, body: newUser(nil), status: 201,
			check: userIs("nora.new", func(u encompass.User) bool {
				return u.Organization.EntityID == OrgDenverBranch && slices.Equal(personaIDs(u), []string{PersonaIDLoanOfficer}) && u.WorkingFolder == "My Pipeline"
			})},
		// lengths
		{name: "firstName too long", method: "POST", path: createPath, body: newUser(map[string]any{"firstName": long(65)}), status: 400, code: encompass.CodeTooLong},
		{name: "firstName 64 ok", method: "POST", path: createPath, body: newUser(map[string]any{"firstName": long(64)}), status: 201},
		{name: "middleName too long", method: "POST", path: createPath, body: newUser(map[string]any{"middleName": long(65)}), status: 400, code: encompass.CodeTooLong},
		{name: "lastName too long", method: "POST", path: createPath, body: newUser(map[string]any{"lastName": long(65)}), status: 400, code: encompass.CodeTooLong},
		{name: "suffix too long", method: "POST", path: createPath, body: newUser(map[string]any{"suffix": long(65)}), status: 400, code: encompass.CodeTooLong},
		{name: "title too long", method: "POST", path: createPath, body: newUser(map[string]any{"title": long(65)}), status: 400, code: encompass.CodeTooLong},
		{name: "email too long", method: "POST", path: createPath, body: newUser(map[string]any{"email": long(53) + "@example.com"}), status: 400, code: encompass.CodeTooLong},
		{name: "password too long", method: "POST", path: createPath, body: newUser(map[string]any{"password": long(51)}), status: 400, code: encompass.CodeTooLong},
		{name: "oAuthClientId too long", method: "POST", path: createPath, body: newUser(map[string]any{"apiUser": true, "oAuthClientId": long(101)}), status: 400, code: encompass.CodeTooLong},
		// formats
		{name: "email format", method: "POST", path: createPath, body: newUser(map[string]any{"email": "nora.example.com"}), status: 400, code: encompass.CodeFormat},
		{name: "phone format", method: "POST", path: createPath, body: newUser(map[string]any{"phone": "3035550100"}), status: 400, code: encompass.CodeFormat},
		{name: "phone with extension ok", method: "POST", path: createPath, body: newUser(map[string]any{"phone": "303-555-0100 1234"}), status: 201},
		{name: "cellPhone format", method: "POST", path: createPath, body: newUser(map[string]any{"cellPhone": "(720) 555-0100"}), status: 400, code: encompass.CodeFormat},
		{name: "fax format", method: "POST", path: createPath, body: newUser(map[string]any{"fax": "303.555.0100"}), status: 400, code: encompass.CodeFormat},
		{name: "nmlsExpirationDate format", method: "POST", path: createPath, body: newUser(map[string]any{"nmlsExpirationDate": "12/31/2027"}), status: 400, code: encompass.CodeFormat},
		{name: "license expirationDate format", method: "POST", path: createPath,
			body: newUser(map[string]any{"licenses": []map[string]any{{"state": "CO", "selected": true, "expirationDate": "2027-13-01"}}}), status: 400, code: encompass.CodeFormat},
		{name: "name with line break", method: "POST", path: createPath, body: newUser(map[string]any{"lastName": "New\nman"}), status: 400, code: encompass.CodeFormat},
		// combinations
		{name: "isSsoOnly with password", method: "POST", path: createPath, body: newUser(map[string]any{"isSsoOnly": true}), status: 400, code: encompass.CodeCombination},
		{name: "isSsoOnly without password ok", method: "POST", path: createPath, body: newUser(map[string]any{"isSsoOnly": true, "password": del}), status: 201},
		{name: "apiUser without password ok", method: "POST", path: createPath, body: newUser(map[string]any{"apiUser": true, "oAuthClientId": "c1", "password": del}), status: 201,
			check: userIs("nora.new", func(u encompass.User) bool { return *u.APIUser && u.OAuthClientID == "c1" })},
		{name: "apiUser needs oAuthClientId", method: "POST", path: createPath, body: newUser(map[string]any{"apiUser": true}), status: 400, code: encompass.CodeRequired},
		{name: "allowImpersonation needs apiUser", method: "POST", path: createPath, body: newUser(map[string]any{"allowImpersonation": true}), status: 400, code: encompass.CodeCombination},
		{name: "allowImpersonation with apiUser ok", method: "POST", path: createPath, body: newUser(map[string]any{"allowImpersonation": true, "apiUser": true, "oAuthClientId": "c1"}), status: 201},
		// enumerations
		{name: "peerLoanAccess enumeration", method: "POST", path: createPath, body: newUser(map[string]any{"peerLoanAccess": "Full"}), status: 400, code: encompass.CodeEnumeration},
		{name: "subordinateLoanAccess enumeration", method: "POST", path: createPath, body: newUser(map[string]any{"subordinateLoanAccess": "Disabled"}), status: 400, code: encompass.CodeEnumeration},
		{name: "loan access values ok", method: "POST", path: createPath, body: newUser(map[string]any{"peerLoanAccess": "ReadWrite", "subordinateLoanAccess": "ReadWrite"}), status: 201},
		{name: "license state enumeration", method: "POST", path: createPath, body: newUser(map[string]any{"licenses": []map[string]any{{"state": "XX", "selected": true}}}), status: 400, code: encompass.CodeEnumeration},
		{name: "create licenses switched on", method: "POST", path: createPath, body: newUser(map[string]any{"licenses": []map[string]any{{"state": "CO", "selected": true}}}), status: 201,
			check: userIs("nora.new", func(u encompass.User) bool {
				return selected(u, "CO") && !selected(u, "CA") && len(u.Licenses) == len(encompass.LicenseStates)
			})},
		// references
		{name: "unknown persona", method: "POST", path: createPath, body: newUser(map[string]any{"personas": []map[string]string{{"entityId": "99"}}}), status: 400, code: encompass.CodeUnknownReference},
		{name: "persona by name", method: "POST", path: createPath, body: newUser(map[string]any{"personas": []map[string]string{{"entityName": "underwriter"}}}), status: 201,
			check: userIs("nora.new", func(u encompass.User) bool { return slices.Equal(personaIDs(u), []string{PersonaIDUnderwriter}) })},
		{name: "unknown group", method: "POST", path: createPath, body: newUser(map[string]any{"groups": []map[string]string{{"entityId": "77"}}}), status: 400, code: encompass.CodeUnknownReference},
		{name: "unknown org", method: "POST", path: apiclient.PathUsers + "?orgId=42", body: newUser(nil), status: 400, code: encompass.CodeUnknownReference},
		// body shape
		{name: "409 existing id ignoring case", method: "POST", path: createPath, body: newUser(map[string]any{"id": "LO.Denver"}), status: 409, code: encompass.CodeConflict},
		{name: "malformed JSON", method: "POST", path: createPath, body: `{"id":`, status: 400, code: encompass.CodeBadRequest},
		{name: "unknown field on create", method: "POST", path: createPath, body: newUser(map[string]any{"nickname": "N"}), status: 400, code: encompass.CodeBadRequest},
		{name: "wrong type on create", method: "POST", path: createPath, body: newUser(map[string]any{"firstName": 7}), status: 400, code: encompass.CodeBadRequest},
		{name: "fullName read-only on create", method: "POST", path: createPath, body: newUser(map[string]any{"fullName": "X"}), status: 400, code: encompass.CodeReadOnlyField},
		{name: "compensationPlans refused on create", method: "POST", path: createPath, body: newUser(map[string]any{"compensationPlans": map[string]any{}}), status: 400, code: encompass.CodeReadOnlyField},
		{name: "bad view", method: "POST", path: createPath + "&view=full", body: newUser(nil), status: 400, code: encompass.CodeBadRequest},
		// access on create
		{name: "lo.denver cannot create", caller: "lo.denver", method: "POST", path: createPath, body: newUser(nil), status: 403, code: encompass.CodeForbidden, check: absent("nora.new")},
		{name: "westadmin creates in Denver", caller: "westadmin", method: "POST", path: createPath, body: newUser(nil), status: 201},
		{name: "westadmin cannot create in Boston", caller: "westadmin", method: "POST", path: apiclient.PathUsers + "?orgId=" + OrgBostonBranch, body: newUser(nil), status: 403, code: encompass.CodeForbidden},
		{name: "org-user persona creates in its subtree", caller: "orgadmin.east", method: "POST", path: apiclient.PathUsers + "?orgId=" + OrgBostonBranch, body: newUser(nil), status: 201},
		{name: "org-user persona cannot create outside", caller: "orgadmin.east", method: "POST", path: createPath, body: newUser(nil), status: 403, code: encompass.CodeForbidden},

		// PATCH semantics
		{name: "patch only sent fields", method: "PATCH", path: userPath("lo.dmiller"), body: map[string]any{"title": "Team Lead"}, status: 204,
			check: userIs("lo.dmiller", func(u encompass.User) bool {
				return u.Title == "Team Lead" && u.Phone == "303-555-0131 12" && u.FirstName == "Derek" && selected(u, "WY")
			})},
		{name: "patch path id ignores case", method: "PATCH", path: userPath("LO.DMILLER"), body: map[string]any{"id": "lo.dmiller", "comments": "x"}, status: 204,
			check: userIs("lo.dmiller", func(u encompass.User) bool { return u.Comments == "x" })},
		{name: "patch null clears a string", method: "PATCH", path: userPath("lo.dmiller"), body: `{"phone":null}`, status: 204,
			check: userIs("lo.dmiller", func(u encompass.User) bool { return u.Phone == "" && u.NMLSOriginatorID == "100302" })},
		{name: "patch null cannot clear a required field", method: "PATCH", path: userPath("lo.dmiller"), body: `{"firstName":null}`, status: 400, code: encompass.CodeRequired,
			check: userIs("lo.dmiller", func(u encompass.User) bool { return u.FirstName == "Derek" })},
		{name: "patch personas replace the set", method: "PATCH", path: userPath("lo.jrossi"), body: map[string]any{"personas": []map[string]string{{"entityId": PersonaIDUnderwriter}}}, status: 204,
			check: userIs("lo.jrossi", func(u encompass.User) bool { return slices.Equal(personaIDs(u), []string{PersonaIDUnderwriter}) })},
		{name: "patch empty personas refused", method: "PATCH", path: userPath("lo.jrossi"), body: `{"personas":[]}`, status: 400, code: encompass.CodeEmptyPersonas,
			check: userIs("lo.jrossi", func(u encompass.User) bool { return len(u.Personas) == 2 })},
		{name: "patch unknown persona", method: "PATCH", path: userPath("lo.jrossi"), body: map[string]any{"personas": []map[string]string{{"entityId": "99"}}}, status: 400, code: encompass.CodeUnknownReference},
		{name: "patch body must be an object", method: "PATCH", path: userPath("lo.dmiller"),
			body: []any{}, status: 400, code: encompass.CodeBadRequest},
		{name: "patch licenses switch on and off", method: "PATCH", path: userPath("lo.dmiller"),
			body: map[string]any{"licenses": []map[string]any{{"state": "CA", "selected": true}, {"state": "WY", "selected": false}}}, status: 204,
			check: userIs("lo.dmiller", func(u encompass.User) bool {
				return selected(u, "CA") && selected(u, "CO") && !selected(u, "WY") && len(u.Licenses) == len(encompass.LicenseStates)
			})},
		{name: "patch license unknown state", method: "PATCH", path: userPath("lo.dmiller"), body: map[string]any{"licenses": []map[string]any{{"state": "ZZ", "selected": true}}}, status: 400, code: encompass.CodeEnumeration},
		{name: "patch compensationPlans refused", method: "PATCH", path: userPath("lo.dmiller"), body: `{"compensationPlans":{}}`, status: 400, code: encompass.CodeReadOnlyField},
		{name: "patch fullName read-only", method: "PATCH", path: userPath("lo.dmiller"), body: `{"fullName":"D M"}`, status: 400, code: encompass.CodeReadOnlyField},
		{name: "patch userIndicators read-only", method: "PATCH", path: userPath("lo.dmiller"), body: `{"userIndicators":[]}`, status: 400, code: encompass.CodeReadOnlyField},
		{name: "patch id differing from path", method: "PATCH", path: userPath("lo.dmiller"), body: `{"id":"lo.other"}`, status: 400, code: encompass.CodeReadOnlyField},
		{name: "patch organization refused", method: "PATCH", path: userPath("lo.dmiller"), body: `{"organization":{"entityId":"4"}}`, status: 400, code: encompass.CodeReadOnlyField,
			check: inOrg(OrgDenverBranch, "lo.dmiller")},
		{name: "patch apiUser is create-only", method: "PATCH", path: userPath("lo.dmiller"), body: `{"apiUser":true}`, status: 400, code: encompass.CodeReadOnlyField},
		{name: "patch unknown field", method: "PATCH", path: userPath("lo.dmiller"), body: `{"nickname":"D"}`, status: 400, code: encompass.CodeBadRequest},
		{name: "patch bad email", method: "PATCH", path: userPath("lo.dmiller"), body: `{"email":"derek"}`, status: 400, code: encompass.CodeFormat},
		{name: "patch isSsoOnly with password", method: "PATCH", path: userPath("lo.dmiller"), body: `{"isSsoOnly":true,"password":"x"}`, status: 400, code: encompass.CodeCombination},
		{name: "patch isSsoOnly alone ok", method: "PATCH", path: userPath("lo.dmiller"), body: `{"isSsoOnly":true}`, status: 204},
		{name: "patch disable", method: "PATCH", path: userPath("lo.dmiller"), body: `{"accountEnabled":false}`, status: 204,
			check: userIs("lo.dmiller", func(u encompass.User) bool { return !*u.AccountEnabled && *u.LoginEnabled })},
		{name: "patch unknown user", method: "PATCH", path: userPath("nobody"), body: `{"title":"x"}`, status: 404, code: encompass.CodeNotFound},
		{name: "patch malformed JSON", method: "PATCH", path: userPath("lo.dmiller"), body: `{"title":`, status: 400, code: encompass.CodeBadRequest},
		// access on PATCH
		{name: "lo.denver cannot patch", caller: "lo.denver", method: "PATCH", path: userPath("lo.dmiller"), body: `{"title":"x"}`, status: 403, code: encompass.CodeForbidden},
		{name: "lo.denver cannot patch itself", caller: "lo.denver", method: "PATCH", path: userPath("me"), body: `{"title":"x"}`, status: 403, code: encompass.CodeForbidden},
		{name: "westadmin patches Denver", caller: "westadmin", method: "PATCH", path: userPath("lo.dmiller"), body: `{"title":"x"}`, status: 204},
		{name: "westadmin cannot patch Boston", caller: "westadmin", method: "PATCH", path: userPath("lo.boston"), body: `{"title":"x"}`, status: 403, code: encompass.CodeForbidden,
			check: userIs("lo.boston", func(u encompass.User) bool { return u.Title == "Branch Manager" })},
		{name: "westadmin cannot patch its parent org", caller: "westadmin", method: "PATCH", path: userPath("retail.mgr"), body: `{"title":"x"}`, status: 403, code: encompass.CodeForbidden},
		{name: "org-user persona patches its subtree", caller: "orgadmin.east", method: "PATCH", path: userPath("lo.boston"), body: `{"title":"x"}`, status: 204},
		{name: "org-user persona cannot patch outside", caller: "orgadmin.east", method: "PATCH", path: userPath("lo.denver"), body: `{"title":"x"}`, status: 403, code: encompass.CodeForbidden},

		// move
		{name: "move two users", method: "PATCH", path: movePath, body: `[{"id":"lo.dmiller"},{"id":"LO.JCHEN"}]`, status: 204,
			check: func(t *testing.T, s *Server, b []byte) {
				inOrg(OrgPhoenixBranch, "lo.dmiller", "lo.jchen")(t, s, b)
				if u, _ := s.User("lo.jchen"); u.Organization.EntityName != "Phoenix Branch" {
					t.Errorf("moved user's organization name %q", u.Organization.EntityName)
				}
			}},
		{name: "move item with another field", method: "PATCH", path: movePath, body: `[{"id":"lo.dmiller","firstName":"D"}]`, status: 400, code: encompass.CodeMoveBody,
			check: inOrg(OrgDenverBranch, "lo.dmiller")},
		{name: "move item without id", method: "PATCH", path: movePath, body: `[{}]`, status: 400, code: encompass.CodeMoveBody},
		{name: "move empty body", method: "PATCH", path: movePath, body: `[]`, status: 400, code: encompass.CodeMoveBody},
		{name: "move body not an array", method: "PATCH", path: movePath, body: `{"id":"lo.dmiller"}`, status: 400, code: encompass.CodeBadRequest},
		{name: "move wrong source", method: "PATCH", path: movePath, body: `[{"id":"lo.boston"}]`, status: 400, code: encompass.CodeMoveSource, check: inOrg(OrgBostonBranch, "lo.boston")},
		{name: "move self", caller: "westadmin", method: "PATCH", path: apiclient.PathUsers + "?action=move&sourceOrgId=2&targetOrgId=3", body: `[{"id":"westadmin"}]`, status: 400, code: encompass.CodeMoveSelf,
			check: inOrg(OrgWestRegion, "westadmin")},
		{name: "move super admin out of root", method: "PATCH", path: apiclient.PathUsers + "?action=move&sourceOrgId=0&targetOrgId=1", body: `[{"id":"it.admin"}]`, status: 400, code: encompass.CodeMoveSuperAdmin,
			check: inOrg(OrgAdministration, "it.admin")},
		{name: "move plain user out of root ok", method: "PATCH", path: apiclient.PathUsers + "?action=move&sourceOrgId=0&targetOrgId=1", body: `[{"id":"ops.analyst"}]`, status: 204,
			check: inOrg(OrgRetail, "ops.analyst")},
		{name: "move all or nothing: unknown user", method: "PATCH", path: movePath, body: `[{"id":"lo.dmiller"},{"id":"nobody"}]`, status: 400, code: encompass.CodeMoveSource,
			check: inOrg(OrgDenverBranch, "lo.dmiller")},
		{name: "move all or nothing: one in another org", method: "PATCH", path: movePath, body: `[{"id":"lo.dmiller"},{"id":"lo.jchen"},{"id":"lo.boston"}]`, status: 400, code: encompass.CodeMoveSource,
			check: func(t *testing.T, s *Server, b []byte) {
				inOrg(OrgDenverBranch, "lo.dmiller", "lo.jchen")(t, s, b)
				inOrg(OrgBostonBranch, "lo.boston")(t, s, b)
			}},
		{name: "move other action", method: "PATCH", path: apiclient.PathUsers + "?action=copy&sourceOrgId=3&targetOrgId=4", body: `[{"id":"lo.dmiller"}]`, status: 400, code: encompass.CodeBadRequest},
		{name: "move without target", method: "PATCH", path: apiclient.PathUsers + "?action=move&sourceOrgId=3", body: `[{"id":"lo.dmiller"}]`, status: 400, code: encompass.CodeRequired},
		{name: "move unknown target org", method: "PATCH", path: apiclient.PathUsers + "?action=move&sourceOrgId=3&targetOrgId=42", body: `[{"id":"lo.dmiller"}]`, status: 404, code: encompass.CodeNotFound},
		{name: "lo.denver cannot move", caller: "lo.denver", method: "PATCH", path: movePath, body: `[{"id":"lo.dmiller"}]`, status: 403, code: encompass.CodeForbidden},
		{name: "westadmin cannot move into Boston", caller: "westadmin", method: "PATCH", path: apiclient.PathUsers + "?action=move&sourceOrgId=3&targetOrgId=6", body: `[{"id":"lo.dmiller"}]`, status: 403, code: encompass.CodeForbidden,
			check: inOrg(OrgDenverBranch, "lo.dmiller")},
		{name: "westadmin moves within its region", caller: "westadmin", method: "PATCH", path: movePath, body: `[{"id":"lo.dmiller"}]`, status: 204, check: inOrg(OrgPhoenixBranch, "lo.dmiller")},
		{name: "org-user persona moves within East", caller: "orgadmin.east", method: "PATCH", path: apiclient.PathUsers + "?action=move&sourceOrgId=6&targetOrgId=5", body: `[{"id":"lo.boston"}]`, status: 204,
			check: inOrg(OrgEastRegion, "lo.boston")},

		// reads
		{name: "get user", caller: "lo.denver", method: "GET", path: userPath("LO.BOSTON") + "?view=Full&entities=all", status: 200,
			check: func(t *testing.T, _ *Server, b []byte) {
				if !strings.Contains(string(b), `"id":"lo.boston"`) || strings.Contains(string(b), "password") {
					t.Errorf("body %s", b)
				}
			}},
		{name: "get me", caller: "lo.denver", method: "GET", path: userPath("me"), status: 200,
			check: func(t *testing.T, _ *Server, b []byte) {
				if !strings.Contains(string(b), `"id":"lo.denver"`) {
					t.Errorf("body %s", b)
				}
			}},
		{name: "get unknown user", method: "GET", path: userPath("nobody"), status: 404, code: encompass.CodeNotFound},
		{name: "get bad view", method: "GET", path: userPath("admin") + "?view=Everything", status: 400, code: encompass.CodeBadRequest},
		{name: "get unknown org", method: "GET", path: apiclient.PathOrganizations + "/42", status: 404, code: encompass.CodeNotFound},
		{name: "unknown endpoint", method: "GET", path: "/encompass/v3/loans", status: 404, code: encompass.CodeNotFound},
		{name: "method not allowed", method: "DELETE", path: userPath("lo.dmiller"), status: 405, code: encompass.CodeBadRequest},
	}
	// one case per forbidden id character
	for _, c := range encompass.IDForbiddenChars {
		cases = append(cases, ruleCase{name: "id contains " + string(c), method: "POST", path: createPath,
			body: newUser(map[string]any{"id": "a" + string(c) + "b"}), status: 400, code: encompass.CodeInvalidID})
	}

	for _, dialect := range Dialects {
		for _, tc := range cases {
			t.Run(dialect+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				runRuleCase(t, dialect, tc)
			})
		}
	}
}

// runRuleCase runs one rule case against a fresh sandbox of the dialect.
func runRuleCase(t *testing.T, dialect string, tc ruleCase) {
	w := DefaultWorld()
	if tc.world != nil {
		tc.world(w)
	}
	rs := start(t, Options{World: w, Dialect: dialect})
	caller := tc.caller
	if caller == "" {
		caller = "admin"
	}
	resp, body := call(t, rs.URL, login(t, rs.URL, caller), tc.method, tc.path, tc.body)
	if resp.StatusCode != tc.status {
		t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tc.status, body)
	}
	if tc.status >= 400 {
		if got := errorCode(t, body); got != tc.code {
			t.Errorf("errorCode %q, want %q; body %s", got, tc.code, body)
		}
	}
	if resp.Header.Get(apiclient.HeaderCorrelationID) == "" {
		t.Errorf("no %s header", apiclient.HeaderCorrelationID)
	}
	if tc.headerOK != nil && !tc.headerOK(resp.Header) {
		t.Errorf("headers not as expected: %v", resp.Header)
	}
	if tc.check != nil {
		tc.check(t, rs.Server, body)
	}
}

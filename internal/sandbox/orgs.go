package sandbox

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/internal/rules"
)

// orgID resolves the {id} path value ("root" names the root). Callers hold s.mu.
func (s *Server) orgID(r *http.Request) (string, *apiError) {
	id := r.PathValue("id")
	if strings.EqualFold(id, "root") {
		id = s.world.Organizations.ID
	}
	if s.orgs[id] == nil {
		return "", errf(http.StatusNotFound, rules.CodeNotFound, fmt.Sprintf("organization %q does not exist", id))
	}
	return id, nil
}

// org builds the API view of one organization, with nested children when deep.
func (s *Server) org(id string, deep bool) apiclient.Organization {
	n := s.orgs[id]
	o := apiclient.Organization{ID: n.id, Name: n.name}
	if p := s.orgs[n.parent]; p != nil {
		o.ParentOrg = &apiclient.EntityRef{EntityID: p.id, EntityType: apiclient.EntityTypeOrganization, EntityName: p.name}
	}
	if deep {
		for _, c := range n.children {
			o.Children = append(o.Children, s.org(c, true))
		}
	}
	return o
}

// handleOrg serves GET /encompass/v1/organizations/{orgId|root}[?view=hierarchy].
func (s *Server) handleOrg(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, rules.CodeBadRequest, "use GET")
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, e := s.orgID(r)
	if e != nil {
		e.write(w)
		return
	}
	writeJSON(w, http.StatusOK, s.org(id, strings.EqualFold(r.URL.Query().Get("view"), "hierarchy")))
}

// handleOrgChildren serves GET /encompass/v1/organizations/{orgId}/children[?recursive=true]:
// a flat list, each with parentOrg, depth first.
func (s *Server) handleOrgChildren(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, rules.CodeBadRequest, "use GET")
		return
	}
	recursive := false
	if v := r.URL.Query().Get("recursive"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, rules.CodeBadRequest, fmt.Sprintf("recursive=%q: give true or false", v))
			return
		}
		recursive = b
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, e := s.orgID(r)
	if e != nil {
		e.write(w)
		return
	}
	out := []apiclient.Organization{}
	var walk func(id string)
	walk = func(id string) {
		for _, c := range s.orgs[id].children {
			out = append(out, s.org(c, false))
			if recursive {
				walk(c)
			}
		}
	}
	walk(id)
	writeJSON(w, http.StatusOK, out)
}

// handlePersonas serves GET /encompass/v1/settings/personas.
func (s *Server) handlePersonas(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, rules.CodeBadRequest, "use GET")
		return
	}
	s.mu.RLock()
	out := append([]apiclient.Persona{}, s.world.Personas...)
	s.mu.RUnlock()
	writeJSON(w, http.StatusOK, out)
}

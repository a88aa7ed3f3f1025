package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/encimport/encimport/encompass"
)

// Paths the sandbox serves beyond those apiclient names today.
const (
	PathLoanFolders     = "/encompass/v3/loanFolders"
	PathLoanFoldersV1   = "/encompass/v1/loanFolders"
	PathTokenIntrospect = "/oauth2/v1/token/introspection"
	PathTokenRevoke     = "/oauth2/v1/token/revocation"
)

// Paging of the flat organization list (start counts from 1).
const (
	orgListDefaultLimit = 1000
	orgListMaxLimit     = 10000
)

// orgID resolves the {id} path value ("root" names the root). Callers hold s.mu.
func (s *Server) orgID(r *http.Request) (string, *apiError) {
	id := r.PathValue("id")
	if strings.EqualFold(id, "root") {
		id = s.world.Organizations.ID
	}
	if s.orgs[id] == nil {
		return "", errf(http.StatusNotFound, encompass.CodeNotFound, fmt.Sprintf("organization %q does not exist", id))
	}
	return id, nil
}

// intParam reads a whole-number query parameter within lo..hi.
func intParam(q url.Values, name string, def, lo, hi int) (int, *apiError) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, errf(http.StatusBadRequest, encompass.CodeBadRequest, fmt.Sprintf("%s=%q: give a whole number from %d to %d", name, v, lo, hi))
	}
	return n, nil
}

// handleOrg serves GET /encompass/v1/organizations/{orgId|root}[?view=hierarchy].
func (s *Server) handleOrg(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		s.writeError(w, http.StatusMethodNotAllowed, encompass.CodeBadRequest, "use GET")
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, e := s.orgID(r)
	if e != nil {
		s.fail(w, e)
		return
	}
	s.writeRead(w, s.orgOut(id, strings.EqualFold(r.URL.Query().Get("view"), "hierarchy")))
}

// handleOrgList serves GET /encompass/v1/organizations?start=&limit=&parentId=:
// the flat list of every organization in tree order (depth first), each with
// parentOrg; start counts from 1 (both dialects).
func (s *Server) handleOrgList(w http.ResponseWriter, r *http.Request) {
	if e := s.orgList(w, r); e != nil {
		s.fail(w, e)
	}
}

func (s *Server) orgList(w http.ResponseWriter, r *http.Request) *apiError {
	if r.Method != http.MethodGet {
		return errf(http.StatusMethodNotAllowed, encompass.CodeBadRequest, "use GET")
	}
	q := r.URL.Query()
	start, e := intParam(q, "start", 1, 1, 1<<31-1)
	if e != nil {
		return e
	}
	limit, e := intParam(q, "limit", orgListDefaultLimit, 1, orgListMaxLimit)
	if e != nil {
		return e
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	parent := q.Get("parentId")
	if parent != "" && s.orgs[parent] == nil {
		return errf(http.StatusNotFound, encompass.CodeNotFound, fmt.Sprintf("parentId %q: no such organization", parent))
	}
	var all []string
	var walk func(id string)
	walk = func(id string) {
		if parent == "" || s.orgs[id].parent == parent {
			all = append(all, id)
		}
		for _, c := range s.orgs[id].children {
			walk(c)
		}
	}
	walk(s.world.Organizations.ID)
	out := []wireOrg{}
	for i := start - 1; i < len(all) && len(out) < limit; i++ {
		out = append(out, s.orgOut(all[i], false))
	}
	s.writeRead(w, out)
	return nil
}

// handleOrgChildren serves GET /encompass/v1/organizations/{orgId}/children[?recursive=true]:
// a flat list, each with parentOrg, depth first.
func (s *Server) handleOrgChildren(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		s.writeError(w, http.StatusMethodNotAllowed, encompass.CodeBadRequest, "use GET")
		return
	}
	recursive := false
	if v := r.URL.Query().Get("recursive"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			s.writeError(w, http.StatusBadRequest, encompass.CodeBadRequest, fmt.Sprintf("recursive=%q: give true or false", v))
			return
		}
		recursive = b
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, e := s.orgID(r)
	if e != nil {
		s.fail(w, e)
		return
	}
	out := []wireOrg{}
	var walk func(id string)
	walk = func(id string) {
		for _, c := range s.orgs[id].children {
			out = append(out, s.orgOut(c, false))
			if recursive {
				walk(c)
			}
		}
	}
	walk(id)
	s.writeRead(w, out)
}

// handlePersonas serves GET /encompass/v1/settings/personas.
func (s *Server) handlePersonas(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		s.writeError(w, http.StatusMethodNotAllowed, encompass.CodeBadRequest, "use GET")
		return
	}
	s.mu.RLock()
	out := append([]encompass.Persona{}, s.world.Personas...)
	s.mu.RUnlock()
	s.writeRead(w, out)
}

// handleLoanFolders serves GET /encompass/v3/loanFolders ({folderName, displayName,
// folderType, ...}) and GET /encompass/v1/loanFolders ({name, folderType}).
func (s *Server) handleLoanFolders(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		s.writeError(w, http.StatusMethodNotAllowed, encompass.CodeBadRequest, "use GET")
		return
	}
	s.mu.RLock()
	fs := append([]LoanFolder{}, s.world.LoanFolders...)
	s.mu.RUnlock()
	if r.URL.Path == PathLoanFoldersV1 {
		s.writeRead(w, foldersV1(fs))
		return
	}
	s.writeRead(w, foldersV3(fs))
}

// workingFolder matches name (ignoring case) to a Regular or Archive loan
// folder and returns the server's spelling. Callers hold s.mu.
func (s *Server) workingFolder(name string) (string, *apiError) {
	var names []string
	for _, f := range s.world.LoanFolders {
		if f.Type != FolderRegular && f.Type != FolderArchive {
			continue
		}
		if strings.EqualFold(strings.TrimSpace(name), f.Name) {
			return f.Name, nil
		}
		names = append(names, f.Name)
	}
	return "", errf(http.StatusBadRequest, encompass.CodeUnknownReference, fmt.Sprintf("workingFolder %q is not a loan folder a user can work in; use one of: %s (GET %s lists them)",
		name, strings.Join(names, ", "), PathLoanFolders))
}

// --- loan folders (both dialects) ----------------------------------------

// Loan folder types.
const (
	FolderRegular = "Regular"
	FolderArchive = "Archive"
	FolderTrash   = "Trash"
)

// LoanFolder is a loan folder of the world.
type LoanFolder struct {
	Name string `json:"name"`
	Type string `json:"folderType"` // Regular, Archive or Trash
}

// DefaultLoanFolders are the default world's folders (and those of a world
// or state file that names none).
func DefaultLoanFolders() []LoanFolder {
	return []LoanFolder{
		{Name: "My Pipeline", Type: FolderRegular},
		{Name: "Prospects", Type: FolderRegular},
		{Name: "Completed Loans", Type: FolderArchive},
		{Name: "(Trash)", Type: FolderTrash},
	}
}

// wireFolderV3 is an item of GET /encompass/v3/loanFolders.
type wireFolderV3 struct {
	FolderName                string   `json:"folderName"`
	DisplayName               string   `json:"displayName"`
	FolderType                string   `json:"folderType"`
	ActionsAllowed            []string `json:"actionsAllowed"`
	IsArchiveFolder           bool     `json:"isArchiveFolder"`
	IncludeDuplicateLoanCheck bool     `json:"includeDuplicateLoanCheck"`
}

// wireFolderV1 is an item of GET /encompass/v1/loanFolders.
type wireFolderV1 struct {
	Name       string `json:"name"`
	FolderType string `json:"folderType"`
}

func foldersV3(fs []LoanFolder) []wireFolderV3 {
	out := make([]wireFolderV3, 0, len(fs))
	for _, f := range fs {
		actions := []string{}
		switch f.Type {
		case FolderRegular:
			actions = []string{"DuplicateFrom", "DuplicateInto", "Import", "Originate"}
		case FolderArchive:
			actions = []string{"DuplicateFrom"}
		}
		out = append(out, wireFolderV3{FolderName: f.Name, DisplayName: f.Name, FolderType: f.Type, ActionsAllowed: actions,
			IsArchiveFolder: f.Type == FolderArchive, IncludeDuplicateLoanCheck: f.Type != FolderTrash})
	}
	return out
}

func foldersV1(fs []LoanFolder) []wireFolderV1 {
	out := make([]wireFolderV1, 0, len(fs))
	for _, f := range fs {
		out = append(out, wireFolderV1{Name: f.Name, FolderType: f.Type})
	}
	return out
}

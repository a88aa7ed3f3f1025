package apiclient

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/encimport/encimport/encompass"
)

// orgTree is a fake organization tree: id -> parent id ("" for the root).
var orgTree = map[string]string{"0": "", "3": "0", "12": "3", "13": "3", "20": "0"}
var orgNames = map[string]string{"0": "Administration", "3": "Retail", "12": "Denver Branch", "13": "Boulder Branch", "20": "Wholesale"}

func orgChildren(id string) []string {
	var out []string
	for c, p := range orgTree {
		if p == id {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// vendorHierarchy answers /{id}?view=hierarchy with one level of references
// (organizations and one user per organization), ids as numbers.
func vendorHierarchy(id string) any {
	var kids []map[string]any
	for _, c := range orgChildren(id) {
		kids = append(kids, map[string]any{"entityId": atoi(c), "entityType": "Organization", "entityName": orgNames[c],
			"entityUri": "/encompass/v1/organizations/" + c, "parentOrgId": atoi(id), "orgId": atoi(c)})
	}
	kids = append(kids, map[string]any{"entityId": "user" + id, "entityType": "User", "entityName": "A User", "parentOrgId": atoi(id), "orgId": atoi(id)})
	o := map[string]any{"id": atoi(id), "name": orgNames[id], "children": kids}
	if p := orgTree[id]; p != "" {
		o["parentOrg"] = map[string]any{"entityId": atoi(p), "entityType": "Organization"}
	}
	return o
}

// legacyHierarchy answers with the whole nested tree, string ids.
func legacyHierarchy(id string) encompass.Organization {
	o := encompass.Organization{ID: id, Name: orgNames[id]}
	if p := orgTree[id]; p != "" {
		o.ParentOrg = &encompass.EntityRef{EntityID: p}
	}
	for _, c := range orgChildren(id) {
		o.Children = append(o.Children, legacyHierarchy(c))
	}
	return o
}

func TestOrganizations(t *testing.T) {
	tests := []struct {
		name      string
		handle    func(w http.ResponseWriter, r *http.Request)
		wantCalls int
		wantPaths []string
		wantErr   int // status of the expected *Error; 0: success
	}{
		{"flat list", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != PathOrganizations {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			var out []map[string]any
			for _, id := range []string{"0", "3", "12", "13", "20"} {
				o := map[string]any{"id": atoi(id), "name": orgNames[id]}
				if p := orgTree[id]; p != "" {
					o["parentOrg"] = map[string]any{"entityId": atoi(p), "entityType": "Organization", "entityName": orgNames[p]}
				}
				out = append(out, o)
			}
			_ = json.NewEncoder(w).Encode(out)
		}, 1, []string{PathOrganizations + "?limit=1000&start=1"}, 0},
		{"flat list 404: vendor hierarchy of references", func(w http.ResponseWriter, r *http.Request) {
			id := strings.TrimPrefix(r.URL.Path, PathOrganizations+"/")
			if r.URL.Path == PathOrganizations || r.URL.Query().Get("view") != "hierarchy" {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			if id == "root" {
				id = "0"
			}
			_ = json.NewEncoder(w).Encode(vendorHierarchy(id))
		}, 6, []string{
			PathOrganizations + "?limit=1000&start=1", PathOrganizations + "/root?view=hierarchy",
			PathOrganizations + "/20?view=hierarchy", PathOrganizations + "/3?view=hierarchy",
			PathOrganizations + "/12?view=hierarchy", PathOrganizations + "/13?view=hierarchy",
		}, 0},
		{"flat list 404: legacy nested hierarchy", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != PathOrganizations+"/root" {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			_ = json.NewEncoder(w).Encode(legacyHierarchy("0"))
		}, 2, []string{PathOrganizations + "?limit=1000&start=1", PathOrganizations + "/root?view=hierarchy"}, 0},
		{"flat list refused: no fallback", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusForbidden)
		}, 1, []string{PathOrganizations + "?limit=1000&start=1"}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) { tt.handle(w, r) })
			c, _ := newTestClient(t, f)
			orgs, calls, err := c.Organizations(ctxT(t))
			var got []string
			for _, r := range f.requests() {
				got = append(got, r.Path+"?"+r.RawQuery)
			}
			if calls != len(got) || calls != tt.wantCalls {
				t.Errorf("calls = %d, server saw %d, want %d", calls, len(got), tt.wantCalls)
			}
			// The walk's order among siblings follows the server; compare as sets after the first two.
			if len(got) != len(tt.wantPaths) || !slices.Equal(got[:min(2, len(got))], tt.wantPaths[:min(2, len(tt.wantPaths))]) ||
				!slices.Equal(sorted(got), sorted(tt.wantPaths)) {
				t.Errorf("requests %v\nwant       %v", got, tt.wantPaths)
			}
			if tt.wantErr != 0 {
				if !IsStatus(err, tt.wantErr) {
					t.Fatalf("err = %v, want status %d", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			parents := map[string]string{}
			for _, o := range orgs {
				if _, dup := parents[o.ID]; dup {
					t.Errorf("organization %s listed twice", o.ID)
				}
				p := ""
				if o.ParentOrg != nil {
					p = o.ParentOrg.EntityID
				}
				parents[o.ID] = p
				if o.Name != orgNames[o.ID] || len(o.Children) != 0 || o.IsUser() {
					t.Errorf("organization %+v: want its name, no children, not a user", o)
				}
			}
			if fmt.Sprint(parents) != fmt.Sprint(orgTree) {
				t.Errorf("id -> parent = %v, want %v", parents, orgTree)
			}
		})
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestOrganizationsFlatPaging(t *testing.T) {
	tests := []struct {
		name        string
		total       int
		noContent   bool
		ignoreStart bool
		wantStarts  []int
	}{
		{"one short page", 5, false, false, []int{1}},
		{"two pages", OrgListPageSize + 5, false, false, []int{1, 1 + OrgListPageSize}},
		{"exact page then empty", OrgListPageSize, false, false, []int{1, 1 + OrgListPageSize}},
		{"exact page then 204", OrgListPageSize, true, false, []int{1, 1 + OrgListPageSize}},
		{"server ignores start", OrgListPageSize, false, true, []int{1, 1 + OrgListPageSize}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				start, _ := strconv.Atoi(r.URL.Query().Get("start"))
				limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
				if tt.ignoreStart {
					start = 1
				}
				if tt.noContent && start > tt.total {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				page := []encompass.Organization{}
				for i := start; i <= tt.total && i < start+limit; i++ {
					page = append(page, encompass.Organization{ID: strconv.Itoa(i - 1), Name: "o" + strconv.Itoa(i-1)})
				}
				_ = json.NewEncoder(w).Encode(page)
			})
			c, _ := newTestClient(t, f)
			orgs, calls, err := c.Organizations(ctxT(t))
			if err != nil || len(orgs) != tt.total {
				t.Fatalf("Organizations = %d orgs, %v; want %d", len(orgs), err, tt.total)
			}
			var starts []int
			for _, r := range f.requests() {
				q, _ := url.ParseQuery(r.RawQuery)
				n, _ := strconv.Atoi(q.Get("start"))
				starts = append(starts, n)
			}
			if !slices.Equal(starts, tt.wantStarts) || calls != len(starts) {
				t.Errorf("starts = %v (calls %d), want %v", starts, calls, tt.wantStarts)
			}
		})
	}
}

func TestLoanFolders(t *testing.T) {
	tests := []struct {
		name      string
		v3, v1    string // testdata file, "" for 404
		want      []encompass.LoanFolder
		wantPaths []string
		wantErr   bool
	}{
		{"v3", "loanfolders_v3.json", "", []encompass.LoanFolder{
			{Name: "My Pipeline", DisplayName: "My Pipeline", FolderType: encompass.FolderTypeRegular}, {Name: "Completed Loans", DisplayName: "Completed Loans", FolderType: encompass.FolderTypeArchive},
			{Name: "(Trash)", DisplayName: "Trash", FolderType: encompass.FolderTypeTrash}, {Name: "Old Archive", DisplayName: "", FolderType: encompass.FolderTypeArchive},
		}, []string{PathLoanFolders}, false},
		{"v3 404 falls back to v1", "", "loanfolders_v1.json",
			[]encompass.LoanFolder{{Name: "(Archive)", DisplayName: "", FolderType: encompass.FolderTypeArchive}, {Name: "Prospects", DisplayName: "", FolderType: encompass.FolderTypeRegular}},
			[]string{PathLoanFolders, PathLoanFoldersV1}, false},
		{"both 404", "", "", nil, []string{PathLoanFolders, PathLoanFoldersV1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				file := map[string]string{PathLoanFolders: tt.v3, PathLoanFoldersV1: tt.v1}[r.URL.Path]
				if file == "" {
					w.WriteHeader(http.StatusNotFound)
					return
				}
				_, _ = w.Write(readTestdata(t, file))
			})
			c, _ := newTestClient(t, f)
			got, _, err := c.LoanFolders(ctxT(t))
			if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
				t.Errorf("LoanFolders = %+v, %v; want %+v (wantErr %v)", got, err, tt.want, tt.wantErr)
			}
			var paths []string
			for _, r := range f.requests() {
				paths = append(paths, r.Path)
			}
			if !slices.Equal(paths, tt.wantPaths) {
				t.Errorf("paths %v, want %v", paths, tt.wantPaths)
			}
		})
	}
}

func TestIsResponseTooLarge(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"gateway message", &Error{StatusCode: 400, Details: "Response exceeds maximum size (6 MB)"}, true},
		{"other case in summary", &Error{StatusCode: 400, Summary: "response EXCEEDS maximum size"}, true},
		{"wrapped", fmt.Errorf("listing: %w", &Error{StatusCode: 400, Details: "Response exceeds maximum size (6 MB)"}), true},
		{"other 400", &Error{StatusCode: 400, Details: "start must be at least 1"}, false},
		{"not a 400", &Error{StatusCode: 413, Details: "Response exceeds maximum size (6 MB)"}, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		if got := IsResponseTooLarge(tt.err); got != tt.want {
			t.Errorf("%s: IsResponseTooLarge = %v, want %v", tt.name, got, tt.want)
		}
	}
}

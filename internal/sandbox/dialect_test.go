package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
)

// shapeCase is one read whose JSON shape differs (or must not) by dialect.
type shapeCase struct {
	name   string
	setup  string // optional PATCH body for lo.denver before the read
	path   string
	status map[string]int                                  // by dialect; missing = 200
	check  func(t *testing.T, dialect string, body []byte) // per dialect
}

// keys reports which of names are present in m.
func keys(m map[string]any, names ...string) []string {
	var out []string
	for _, n := range names {
		if _, ok := m[n]; ok {
			out = append(out, n)
		}
	}
	return out
}

var entityKeys = []string{"personas", "groups", "licenses"}

func TestDialectShapes(t *testing.T) {
	full := func(t *testing.T, u map[string]any) {
		t.Helper()
		if got := keys(u, entityKeys...); !slices.Equal(got, entityKeys) {
			t.Errorf("user %v has %v, want every entity list", u["id"], got)
		}
		if g, ok := u["groups"].([]any); !ok || len(g) == 0 || g[0].(map[string]any)["entityName"] != "All Users" {
			t.Errorf("groups %#v, want the user's groups with their names, All Users first", u["groups"])
		}
	}
	summaryInVendor := func(t *testing.T, dialect string, u map[string]any) {
		t.Helper()
		if dialect == DialectLegacy {
			full(t, u)
			return
		}
		if got := keys(u, entityKeys...); len(got) != 0 {
			t.Errorf("vendor summary of %v carries %v; the keys must be absent", u["id"], got)
		}
	}
	cases := []shapeCase{
		{name: "get user without entities", path: userPath("lo.denver"), check: func(t *testing.T, d string, b []byte) {
			u := jsonObject(t, b)
			summaryInVendor(t, d, u)
			if wireIDText(t, d, u["organization"].(map[string]any)["entityId"]) != OrgDenverBranch || u["firstName"] != "Dana" || u["workingFolder"] != "My Pipeline" {
				t.Errorf("user %v", u)
			}
		}},
		{name: "get user entities=all", path: userPath("lo.denver") + "?entities=all", check: func(t *testing.T, d string, b []byte) {
			u := jsonObject(t, b)
			full(t, u)
			if ps := u["personas"].([]any); len(ps) != 1 || ps[0].(map[string]any)["entityId"] != PersonaIDLoanOfficer {
				t.Errorf("personas %v (persona ids stay strings)", ps)
			}
			if ls := u["licenses"].([]any); len(ls) != len(encompass.LicenseStates) {
				t.Errorf("%d licenses", len(ls))
			}
		}},
		{name: "dates and loan access as each contract spells them", path: userPath("lo.denver") + "?entities=all", check: func(t *testing.T, d string, b []byte) {
			u := jsonObject(t, b)
			date, peer, sub := u["nmlsExpirationDate"], u["peerLoanAccess"], u["subordinateLoanAccess"]
			want := []any{"2027-12-31T00:00:00Z", "Disabled", "ReadOnly"}
			if d == DialectLegacy {
				want = []any{"2027-12-31", "disabled", "readOnly"}
			}
			if got := []any{date, peer, sub}; !slices.Equal(got, want) {
				t.Errorf("date, peer and subordinate access %v, want %v", got, want)
			}
		}},
		{name: "get user entities=ALL any case", path: userPath("lo.denver") + "?entities=ALL", check: func(t *testing.T, d string, b []byte) {
			full(t, jsonObject(t, b))
		}},
		{name: "get user view and entities: only the overlap", path: userPath("lo.denver") + "?view=Full&entities=all", check: func(t *testing.T, d string, b []byte) {
			summaryInVendor(t, d, jsonObject(t, b))
		}},
		{name: "get user entities=personas", path: userPath("lo.denver") + "?entities=personas", check: func(t *testing.T, d string, b []byte) {
			want := entityKeys
			if d == DialectVendor {
				want = []string{"personas"}
			}
			if got := keys(jsonObject(t, b), entityKeys...); !slices.Equal(got, want) {
				t.Errorf("keys %v, want %v", got, want)
			}
		}},
		{name: "list without entities", path: apiclient.PathUsers + "?orgId=3&limit=3", check: func(t *testing.T, d string, b []byte) {
			us := jsonArray(t, b)
			if len(us) != 3 {
				t.Fatalf("%d users", len(us))
			}
			for _, u := range us {
				summaryInVendor(t, d, u)
			}
		}},
		{name: "list entities=all", path: apiclient.PathUsers + "?orgId=6&entities=all", check: func(t *testing.T, d string, b []byte) {
			for _, u := range jsonArray(t, b) {
				full(t, u)
			}
		}},
		{name: "list past the end", path: apiclient.PathUsers + "?orgId=0&isRecursive=true&start=" + strconv.Itoa(len(DefaultWorld().Users)),
			status: map[string]int{DialectVendor: 204}, check: func(t *testing.T, d string, b []byte) {
				if d == DialectVendor && len(b) != 0 {
					t.Errorf("204 with a body %q", b)
				}
				if d == DialectLegacy && string(b) != "[]" {
					t.Errorf("legacy past the end: %s, want []", b)
				}
			}},
		{name: "list of an org without users", path: apiclient.PathUsers + "?orgId=1&isRecursive=false&start=2",
			status: map[string]int{DialectVendor: 204}},
		{name: "ccSite object in, dialect's shape out", setup: `{"ccSite":{"siteId":"s1","url":"https://cc.example.com","useParentInformation":false}}`,
			path: userPath("lo.denver"), check: checkCCSite},
		{name: "ccSite array in, dialect's shape out", setup: `{"ccSite":[{"siteId":"s1","url":"https://cc.example.com","useParentInformation":false}]}`,
			path: userPath("lo.denver"), check: checkCCSite},
		{name: "organization", path: apiclient.PathOrganizations + "/3", check: func(t *testing.T, d string, b []byte) {
			o := jsonObject(t, b)
			p := o["parentOrg"].(map[string]any)
			if wireIDText(t, d, o["id"]) != "3" || wireIDText(t, d, p["entityId"]) != "2" || p["entityType"] != "Organization" || o["children"] != nil {
				t.Errorf("Denver %v", o)
			}
		}},
		{name: "root hierarchy", path: apiclient.PathOrganizations + "/root?view=hierarchy", check: func(t *testing.T, d string, b []byte) {
			o := jsonObject(t, b)
			if wireIDText(t, d, o["id"]) != "0" || o["parentOrg"] != nil {
				t.Errorf("root %v", o)
			}
			var got []string
			for _, k := range o["children"].([]any) {
				c := k.(map[string]any)
				if d == DialectLegacy {
					if _, nested := c["children"]; c["name"] == "Retail" && !nested {
						t.Errorf("legacy Retail has no nested children: %v", c)
					}
					got = append(got, "Organization:"+wireIDText(t, d, c["id"]))
					continue
				}
				if _, nested := c["children"]; nested {
					t.Errorf("vendor child %v is nested; want a reference", c)
				}
				id := c["entityId"]
				if c["entityType"] == "Organization" {
					id = wireIDText(t, d, id)
					if wireIDText(t, d, c["parentOrgId"]) != "0" || wireIDText(t, d, c["orgId"]) != id {
						t.Errorf("reference %v", c)
					}
				} else if _, isText := id.(string); !isText || wireIDText(t, d, c["orgId"]) != "0" {
					t.Errorf("user reference %v", c)
				}
				got = append(got, c["entityType"].(string)+":"+id.(string))
			}
			want := map[string][]string{
				DialectLegacy: {"Organization:1", "Organization:7"},
				DialectVendor: {"Organization:1", "Organization:7", "User:admin", "User:api.partner", "User:it.admin", "User:ops.analyst"},
			}[d]
			if !slices.Equal(got, want) {
				t.Errorf("children %v, want %v", got, want)
			}
		}},
		{name: "flat organization list from 1", path: apiclient.PathOrganizations + "?start=1&limit=3", check: func(t *testing.T, d string, b []byte) {
			var got []string
			for _, o := range jsonArray(t, b) {
				p := "-"
				if ref, ok := o["parentOrg"].(map[string]any); ok {
					p = wireIDText(t, d, ref["entityId"])
				}
				got = append(got, o["name"].(string)+"<"+p)
			}
			if !slices.Equal(got, []string{"Administration<-", "Retail<0", "West Region<1"}) {
				t.Errorf("first page %v", got)
			}
		}},
		{name: "flat organization list, default limit", path: apiclient.PathOrganizations, check: func(t *testing.T, d string, b []byte) {
			if n := len(jsonArray(t, b)); n != 8 {
				t.Errorf("%d organizations, want 8", n)
			}
		}},
		{name: "flat organization list, second page", path: apiclient.PathOrganizations + "?start=7&limit=5", check: func(t *testing.T, d string, b []byte) {
			if os := jsonArray(t, b); len(os) != 2 || os[1]["name"] != "Wholesale" {
				t.Errorf("page %v", os)
			}
		}},
		{name: "flat organization list past the end", path: apiclient.PathOrganizations + "?start=9", check: func(t *testing.T, d string, b []byte) {
			if string(b) != "[]" {
				t.Errorf("%s, want []", b)
			}
		}},
		{name: "flat organization list by parent", path: apiclient.PathOrganizations + "?parentId=1&view=summary", check: func(t *testing.T, d string, b []byte) {
			if os := jsonArray(t, b); len(os) != 2 || os[0]["name"] != "West Region" || os[1]["name"] != "East Region" {
				t.Errorf("children of Retail %v", os)
			}
		}},
		{name: "flat organization list refuses start=0", path: apiclient.PathOrganizations + "?start=0", status: map[string]int{DialectVendor: 400, DialectLegacy: 400}},
		{name: "flat organization list limit over 10000", path: apiclient.PathOrganizations + "?limit=10001", status: map[string]int{DialectVendor: 400, DialectLegacy: 400}},
		{name: "flat organization list limit 10000", path: apiclient.PathOrganizations + "?limit=10000"},
		{name: "nested errors", path: apiclient.PathUsers + "?limit=0", status: map[string]int{DialectVendor: 400, DialectLegacy: 400}},
	}
	for _, d := range Dialects {
		for _, tc := range cases {
			t.Run(d+"/"+tc.name, func(t *testing.T) {
				rs := start(t, Options{Dialect: d})
				tok := login(t, rs.URL, "admin")
				if tc.setup != "" {
					if resp, b := call(t, rs.URL, tok, "PATCH", userPath("lo.denver"), tc.setup); resp.StatusCode != 204 {
						t.Fatalf("setup: %d %s", resp.StatusCode, b)
					}
				}
				resp, b := call(t, rs.URL, tok, "GET", tc.path, nil)
				want := 200
				if s, ok := tc.status[d]; ok {
					want = s
				}
				if resp.StatusCode != want {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, want, b)
				}
				if tc.check != nil {
					tc.check(t, d, b)
				}
			})
		}
	}
}

func checkCCSite(t *testing.T, d string, b []byte) {
	t.Helper()
	cc := jsonObject(t, b)["ccSite"]
	if d == DialectVendor {
		arr, ok := cc.([]any)
		if !ok || len(arr) != 1 || arr[0].(map[string]any)["siteId"] != "s1" || arr[0].(map[string]any)["useParentInformation"] != false {
			t.Errorf("vendor ccSite %#v, want an array of one site", cc)
		}
		return
	}
	obj, ok := cc.(map[string]any)
	if !ok || obj["siteId"] != "s1" || obj["url"] != "https://cc.example.com" {
		t.Errorf("legacy ccSite %#v, want an object", cc)
	}
}

func TestErrorNesting(t *testing.T) {
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) {
			rs := start(t, Options{Dialect: d})
			tok := login(t, rs.URL, "admin")
			resp, b := call(t, rs.URL, tok, "POST", createPath, newUser(map[string]any{"email": "bad", "phone": "1"}))
			if resp.StatusCode != 400 {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			e := jsonObject(t, b)
			name, other := "error", "errors"
			if d == DialectLegacy {
				name, other = other, name
			}
			nested, _ := e[name].([]any)
			if len(nested) != 2 || e["errorCode"] != encompass.CodeFormat || e["summary"] != "Bad Request" {
				t.Errorf("error body %s: want 2 nested errors under %q", b, name)
			}
			if _, ok := e[other]; ok {
				t.Errorf("error body %s also has %q", b, other)
			}
		})
	}
}

// TestRequestsAcceptNumbersAndArrays: both dialects read ids given as JSON
// numbers and ccSite given as an object or an array.
func TestRequestsAcceptNumbersAndArrays(t *testing.T) {
	cases := []struct {
		name, method, path, body string
		status                   int
		check                    func(t *testing.T, s *Server)
	}{
		{"create with numeric persona, group and organization ids", "POST", apiclient.PathUsers,
			`{"id":"nora.new","firstName":"Nora","lastName":"Newman","email":"nora@example.com","password":"Secret123!","workingFolder":"My Pipeline",
			  "organization":{"entityId":3},"personas":[{"entityId":3}],"groups":[{"entityId":2}],"ccSite":[{"siteId":7,"url":"https://cc.example.com"}]}`, 201,
			func(t *testing.T, s *Server) {
				u, _ := s.User("nora.new")
				if u.Organization.EntityID != OrgDenverBranch || u.Personas[0].EntityName != "Loan Officer" || u.Groups[0].EntityName != "Denver Team" ||
					u.CCSite == nil || u.CCSite.SiteID != "7" {
					t.Errorf("user %+v", u)
				}
			}},
		{"create with a numeric user id", "POST", createPath,
			`{"id":12345,"firstName":"Nora","lastName":"Newman","email":"nora@example.com","password":"Secret123!","workingFolder":"My Pipeline","personas":[{"entityId":"3"}]}`, 201,
			func(t *testing.T, s *Server) {
				if _, ok := s.User("12345"); !ok {
					t.Error("user 12345 not created")
				}
			}},
		{"patch numeric personas and ccSite array", "PATCH", userPath("lo.jrossi"), `{"personas":[{"entityId":5}],"ccSite":[{"siteId":"x"}]}`, 204,
			func(t *testing.T, s *Server) {
				u, _ := s.User("lo.jrossi")
				if len(u.Personas) != 1 || u.Personas[0].EntityID != PersonaIDUnderwriter || u.CCSite.SiteID != "x" {
					t.Errorf("user %+v", u)
				}
			}},
		{"patch ccSite object", "PATCH", userPath("lo.jrossi"), `{"ccSite":{"siteId":"y"}}`, 204,
			func(t *testing.T, s *Server) {
				if u, _ := s.User("lo.jrossi"); u.CCSite.SiteID != "y" {
					t.Errorf("ccSite %+v", u.CCSite)
				}
			}},
		{"patch empty ccSite array clears it", "PATCH", userPath("lo.jrossi"), `{"ccSite":[]}`, 204,
			func(t *testing.T, s *Server) {
				if u, _ := s.User("lo.jrossi"); u.CCSite != nil {
					t.Errorf("ccSite %+v", u.CCSite)
				}
			}},
		{"patch persona id of the wrong type", "PATCH", userPath("lo.jrossi"), `{"personas":[{"entityId":true}]}`, 400, nil},
		{"move with a numeric user id", "PATCH", movePath, `[{"id":"lo.dmiller"},{"id":100}]`, 400, nil}, // 100 is read as user "100": unknown
	}
	for _, d := range Dialects {
		for _, tc := range cases {
			t.Run(d+"/"+tc.name, func(t *testing.T) {
				rs := start(t, Options{Dialect: d})
				resp, b := call(t, rs.URL, login(t, rs.URL, "admin"), tc.method, tc.path, tc.body)
				if resp.StatusCode != tc.status {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, b)
				}
				if tc.status == 400 && tc.name == "move with a numeric user id" && errorCode(t, b) != encompass.CodeMoveSource {
					t.Errorf("numeric move id not read as an id: %s", b)
				}
				if tc.check != nil {
					tc.check(t, rs.Server)
				}
			})
		}
	}
}

func TestLoanFolders(t *testing.T) {
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) {
			rs := start(t, Options{Dialect: d})
			tok := login(t, rs.URL, "lo.denver")
			resp, b := call(t, rs.URL, tok, "GET", PathLoanFolders, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			var got []string
			for _, f := range jsonArray(t, b) {
				got = append(got, f["folderName"].(string)+"|"+f["displayName"].(string)+"|"+f["folderType"].(string))
				if _, ok := f["isArchiveFolder"].(bool); !ok {
					t.Errorf("folder %v without isArchiveFolder", f)
				}
			}
			if !slices.Equal(got, []string{"My Pipeline|My Pipeline|Regular", "Prospects|Prospects|Regular", "Completed Loans|Completed Loans|Archive", "(Trash)|(Trash)|Trash"}) {
				t.Errorf("v3 folders %v", got)
			}
			resp, b = call(t, rs.URL, tok, "GET", PathLoanFoldersV1, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			v1 := jsonArray(t, b)
			if len(v1) != 4 || v1[2]["name"] != "Completed Loans" || v1[2]["folderType"] != "Archive" || v1[0]["folderName"] != nil {
				t.Errorf("v1 folders %v", v1)
			}
			if resp, _ := call(t, rs.URL, tok, "POST", PathLoanFolders, `{}`); resp.StatusCode != 405 {
				t.Errorf("POST loan folders: %d", resp.StatusCode)
			}
		})
	}
}

func TestWorkingFolderChecked(t *testing.T) {
	listed := "My Pipeline, Prospects, Completed Loans"
	folderIs := func(id, want string) func(t *testing.T, s *Server) {
		return func(t *testing.T, s *Server) {
			if u, _ := s.User(id); u.WorkingFolder != want {
				t.Errorf("%s workingFolder %q, want %q", id, u.WorkingFolder, want)
			}
		}
	}
	cases := []struct {
		name, method, path string
		body               any
		status             int
		check              func(t *testing.T, s *Server)
	}{
		{"create: folder matched ignoring case, stored as the server spells it", "POST", createPath, newUser(map[string]any{"workingFolder": "prospects"}), 201, folderIs("nora.new", "Prospects")},
		{"create: archive folder", "POST", createPath, newUser(map[string]any{"workingFolder": "Completed Loans"}), 201, folderIs("nora.new", "Completed Loans")},
		{"create: unknown folder", "POST", createPath, newUser(map[string]any{"workingFolder": "West Pipeline"}), 400, nil},
		{"create: trash is no working folder", "POST", createPath, newUser(map[string]any{"workingFolder": "(Trash)"}), 400, nil},
		{"patch: folder matched ignoring case", "PATCH", userPath("lo.dmiller"), `{"workingFolder":"COMPLETED LOANS"}`, 204, folderIs("lo.dmiller", "Completed Loans")},
		{"patch: unknown folder", "PATCH", userPath("lo.dmiller"), `{"workingFolder":"Nowhere"}`, 400, folderIs("lo.dmiller", "My Pipeline")},
		{"patch: other fields leave an old folder alone", "PATCH", userPath("lo.dmiller"), `{"title":"x"}`, 204, folderIs("lo.dmiller", "My Pipeline")},
	}
	for _, d := range Dialects {
		for _, tc := range cases {
			t.Run(d+"/"+tc.name, func(t *testing.T) {
				rs := start(t, Options{Dialect: d})
				resp, b := call(t, rs.URL, login(t, rs.URL, "admin"), tc.method, tc.path, tc.body)
				if resp.StatusCode != tc.status {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, b)
				}
				if tc.status == 400 {
					e := jsonObject(t, b)
					if e["errorCode"] != encompass.CodeUnknownReference || !strings.Contains(e["details"].(string), listed+" (GET") {
						t.Errorf("error %s: want %s listing %q", b, encompass.CodeUnknownReference, listed)
					}
				}
				if tc.check != nil {
					tc.check(t, rs.Server)
				}
			})
		}
	}
}

func TestLoanFoldersInTheWorld(t *testing.T) {
	dir := t.TempDir()
	// an old state file (no loanFolders) gets the default folders, and keeps them
	old := filepath.Join(dir, "old.json")
	w := DefaultWorld()
	w.LoanFolders = nil
	b, _ := json.Marshal(w)
	if strings.Contains(string(b), "loanFolders") {
		t.Fatal("test setup: the old world still names folders")
	}
	if err := os.WriteFile(old, b, 0o600); err != nil {
		t.Fatal(err)
	}
	rs := start(t, Options{StatePath: old})
	tok := login(t, rs.URL, "admin")
	if resp, b := call(t, rs.URL, tok, "PATCH", userPath("lo.dmiller"), `{"workingFolder":"prospects"}`); resp.StatusCode != 204 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	saved, err := loadWorld(old)
	if err != nil || !reflect.DeepEqual(saved.LoanFolders, DefaultLoanFolders()) {
		t.Errorf("state file folders %+v (%v), want the defaults", saved.LoanFolders, err)
	}

	// a world's own folders are served, kept, and their types normalised
	custom := DefaultWorld()
	custom.LoanFolders = []LoanFolder{{Name: "My Pipeline", Type: "regular"}, {Name: "Retail Leads", Type: "REGULAR"}, {Name: "Old", Type: "archive"}}
	path := filepath.Join(dir, "custom.json")
	rs2 := start(t, Options{World: custom, StatePath: path})
	resp, body := call(t, rs2.URL, login(t, rs2.URL, "admin"), "GET", PathLoanFoldersV1, nil)
	if resp.StatusCode != 200 || string(body) != `[{"name":"My Pipeline","folderType":"Regular"},{"name":"Retail Leads","folderType":"Regular"},{"name":"Old","folderType":"Archive"}]` {
		t.Errorf("custom folders: %d %s", resp.StatusCode, body)
	}
	if saved, _ := loadWorld(path); len(saved.LoanFolders) != 3 || saved.LoanFolders[1].Name != "Retail Leads" {
		t.Errorf("state file folders %+v", saved.LoanFolders)
	}

	for _, bad := range [][]LoanFolder{{{Name: "A", Type: "Shared"}}, {{Name: "", Type: "Regular"}}, {{Name: "A", Type: "Regular"}, {Name: "a", Type: "Archive"}}} {
		w := DefaultWorld()
		w.LoanFolders = bad
		if _, err := New(Options{World: w}); err == nil || !strings.Contains(err.Error(), "loan folder") {
			t.Errorf("folders %+v: err %v", bad, err)
		}
	}
}

func TestGroupNeedsEntityID(t *testing.T) {
	cases := []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"create group by id", "POST", createPath, newUser(map[string]any{"groups": []map[string]any{{"entityId": "2"}}}), 201, ""},
		{"create group by name only", "POST", createPath, newUser(map[string]any{"groups": []map[string]any{{"entityName": "Denver Team"}}}), 400, encompass.CodeRequired},
		{"create group with an empty id", "POST", createPath, newUser(map[string]any{"groups": []map[string]any{{"entityId": "", "entityName": "Denver Team"}}}), 400, encompass.CodeRequired},
		{"patch group by id", "PATCH", userPath("lo.dmiller"), `{"groups":[{"entityId":"1"},{"entityId":3}]}`, 204, ""},
		{"patch group by name only", "PATCH", userPath("lo.dmiller"), `{"groups":[{"entityId":"1"},{"entityName":"Underwriting"}]}`, 400, encompass.CodeRequired},
		{"patch groups emptied", "PATCH", userPath("lo.dmiller"), `{"groups":[]}`, 204, ""},
	}
	for _, d := range Dialects {
		for _, tc := range cases {
			t.Run(d+"/"+tc.name, func(t *testing.T) {
				rs := start(t, Options{Dialect: d})
				resp, b := call(t, rs.URL, login(t, rs.URL, "admin"), tc.method, tc.path, tc.body)
				if resp.StatusCode != tc.status {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, b)
				}
				if tc.code != "" && errorCode(t, b) != tc.code {
					t.Errorf("errorCode of %s, want %s", b, tc.code)
				}
			})
		}
	}
}

func TestTokenScopeIntrospectionRevocation(t *testing.T) {
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) {
			rs := start(t, Options{Dialect: d})
			grant := func(scope string) (*http.Response, []byte) {
				f := url.Values{"grant_type": {"password"}, "username": {"westadmin@encompass:" + DefaultInstanceID}, "password": {DefaultPassword}}
				if scope != "" {
					f.Set("scope", scope)
				}
				return tokenCall(t, rs.URL, f, true)
			}
			if resp, b := grant("lp"); resp.StatusCode != 200 {
				t.Errorf("scope=lp: %d %s", resp.StatusCode, b)
			}
			if resp, b := grant("admin"); resp.StatusCode != 400 || !strings.Contains(string(b), "invalid_scope") {
				t.Errorf("scope=admin: %d %s, want 400 invalid_scope", resp.StatusCode, b)
			}
			tok := login(t, rs.URL, "westadmin")
			cc, _ := tokenCall(t, rs.URL, url.Values{"grant_type": {"client_credentials"}, "instance_id": {DefaultInstanceID}, "scope": {"lp"}}, true)
			if cc.StatusCode != 200 {
				t.Fatalf("client credentials with scope=lp: %d", cc.StatusCode)
			}

			oauth := func(path string, form url.Values, basic bool) (*http.Response, []byte) {
				req, _ := http.NewRequest("POST", rs.URL+path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if basic {
					req.SetBasicAuth(DefaultClientID, DefaultClientSecret)
				}
				return send(t, req)
			}
			introspect := func(token string) map[string]any {
				t.Helper()
				resp, b := oauth(PathTokenIntrospect, url.Values{"token": {token}}, true)
				if resp.StatusCode != 200 {
					t.Fatalf("introspection: %d %s", resp.StatusCode, b)
				}
				return jsonObject(t, b)
			}
			info := introspect(tok)
			if info["active"] != true || info["user_name"] != "westadmin" || info["encompass_instance_id"] != DefaultInstanceID ||
				info["encompass_client_id"] != DefaultClientID || info["identity_type"] == nil {
				t.Errorf("introspection %v", info)
			}
			if exp, ok := info["exp"].(float64); !ok || exp < 1e9 {
				t.Errorf("exp %#v, want a Unix time", info["exp"])
			}
			if info := introspect("no-such-token"); len(info) != 1 || info["active"] != false {
				t.Errorf("unknown token: %v, want only active false", info)
			}
			if resp, _ := oauth(PathTokenIntrospect, url.Values{"token": {tok}}, false); resp.StatusCode != 401 {
				t.Errorf("introspection without the client: %d, want 401", resp.StatusCode)
			}
			if resp, _ := oauth(PathTokenIntrospect, url.Values{"token": {tok}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}, false); resp.StatusCode != 200 {
				t.Errorf("introspection, client in the form: %d", resp.StatusCode)
			}
			if resp, _ := oauth(PathTokenRevoke, url.Values{}, true); resp.StatusCode != 400 {
				t.Errorf("revocation without token: %d, want 400", resp.StatusCode)
			}

			if resp, _ := call(t, rs.URL, tok, "GET", userPath("me"), nil); resp.StatusCode != 200 {
				t.Fatalf("before revocation: %d", resp.StatusCode)
			}
			if resp, b := oauth(PathTokenRevoke, url.Values{"token": {tok}}, true); resp.StatusCode != 200 {
				t.Fatalf("revocation: %d %s", resp.StatusCode, b)
			}
			if resp, _ := call(t, rs.URL, tok, "GET", userPath("me"), nil); resp.StatusCode != 401 {
				t.Errorf("revoked token: %d, want 401", resp.StatusCode)
			}
			if info := introspect(tok); info["active"] != false {
				t.Errorf("revoked token introspects as %v", info)
			}
			if resp, _ := oauth(PathTokenRevoke, url.Values{"token": {tok}}, true); resp.StatusCode != 200 {
				t.Errorf("revoking again: %d, want 200", resp.StatusCode)
			}
			st := rs.Server.Stats()
			if st.TokenRequests != 4 || st.Introspections != 5 || st.Revocations != 3 {
				t.Errorf("stats: %d token, %d introspection, %d revocation requests", st.TokenRequests, st.Introspections, st.Revocations)
			}
		})
	}
}

func TestResponseSizeCap(t *testing.T) {
	if got := sizeMessage(DefaultMaxResponseBytes); got != "Response exceeds maximum size (6 MB)" {
		t.Errorf("default message %q", got)
	}
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) {
			rs := start(t, Options{Dialect: d, MaxResponseBytes: 16 << 10})
			tok := login(t, rs.URL, "admin")
			all := apiclient.PathUsers + "?orgId=0&isRecursive=true&entities=all"
			for _, tc := range []struct {
				path   string
				status int
			}{
				{all + "&limit=1000", 400},
				{all + "&limit=8", 400},
				{all + "&limit=4", 200},
				{all + "&limit=4&start=4", 200},
				{userPath("lo.denver") + "?entities=all", 200},
				{apiclient.PathOrganizations, 200},
			} {
				resp, b := call(t, rs.URL, tok, "GET", tc.path, nil)
				if resp.StatusCode != tc.status {
					t.Errorf("%s: %d, want %d (%d bytes)", tc.path, resp.StatusCode, tc.status, len(b))
					continue
				}
				if tc.status == 400 {
					e := jsonObject(t, b)
					if len(e) != 1 || e["message"] != "Response exceeds maximum size (0.0156 MB)" {
						t.Errorf("%s: body %s", tc.path, b)
					}
				}
				if tc.status == 200 && len(b) > 16<<10 {
					t.Errorf("%s: %d bytes answered", tc.path, len(b))
				}
			}
		})
	}
	// the default cap lets the default world's whole list through
	rs := start(t, Options{})
	if resp, b := call(t, rs.URL, login(t, rs.URL, "admin"), "GET", apiclient.PathUsers+"?entities=all", nil); resp.StatusCode != 200 {
		t.Errorf("default cap: %d %s", resp.StatusCode, b)
	}
}

func TestDialectOption(t *testing.T) {
	for in, want := range map[string]string{"": DialectVendor, "vendor": DialectVendor, "legacy": DialectLegacy, "Legacy": DialectLegacy} {
		s, err := New(Options{Dialect: in})
		if err != nil || s.dialect() != want {
			t.Errorf("Dialect %q: %v, %v; want %s", in, s, err, want)
		}
	}
	if _, err := New(Options{Dialect: "v1"}); err == nil || !strings.Contains(err.Error(), "vendor or legacy") {
		t.Errorf("unknown dialect: %v", err)
	}
	if Dialects[0] != DialectVendor || len(Dialects) != 2 {
		t.Errorf("Dialects %v: the default comes first", Dialects)
	}
}

// TestWireUserCoversUser keeps wireUser in step with encompass.User: every
// field the client knows is sent, except the password.
func TestWireUserCoversUser(t *testing.T) {
	names := func(typ reflect.Type) map[string]bool {
		m := map[string]bool{}
		for i := range typ.NumField() {
			f := typ.Field(i)
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
				m[name] = true
			}
		}
		return m
	}
	wire := names(reflect.TypeFor[wireUser]())
	for name := range names(reflect.TypeFor[encompass.User]()) {
		if !wire[name] && name != encompass.FieldPassword {
			t.Errorf("encompass.User field %q is missing from wireUser (dialect.go)", name)
		}
	}
	if wire[encompass.FieldPassword] {
		t.Error("wireUser carries a password")
	}
}

package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
)

func TestTokenGrants(t *testing.T) {
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) { testTokenGrants(t, d) })
	}
}

func testTokenGrants(t *testing.T, dialect string) {
	rs := start(t, Options{Dialect: dialect})
	user := func(id, pwd string) url.Values {
		return url.Values{"grant_type": {"password"}, "username": {id + "@encompass:" + DefaultInstanceID}, "password": {pwd}}
	}
	withClient := func(v url.Values, id, secret string) url.Values {
		v.Set("client_id", id)
		v.Set("client_secret", secret)
		return v
	}
	cases := []struct {
		name    string
		form    url.Values
		basic   bool
		status  int
		oauth   string // OAuth error code on failure
		actorID string // who GET /users/me says the token is
	}{
		{"password grant, client via Basic", user("lo.denver", DefaultPassword), true, 200, "", "lo.denver"},
		{"password grant, user id ignores case", user("LO.Denver", DefaultPassword), true, 200, "", "lo.denver"},
		{"password grant, client in form", withClient(user("westadmin", DefaultPassword), DefaultClientID, DefaultClientSecret), false, 200, "", "westadmin"},
		{"client credentials act as the client's user", url.Values{"grant_type": {"client_credentials"}, "instance_id": {DefaultInstanceID}}, true, 200, "", "admin"},
		{"wrong password", user("lo.denver", "nope"), true, 401, "invalid_grant", ""},
		{"unknown user", user("nobody", DefaultPassword), true, 401, "invalid_grant", ""},
		{"disabled user", user("lo.former", DefaultPassword), true, 401, "invalid_grant", ""},
		{"wrong instance", url.Values{"grant_type": {"password"}, "username": {"admin@encompass:BE99999999"}, "password": {DefaultPassword}}, true, 401, "invalid_grant", ""},
		{"username without instance", url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {DefaultPassword}}, true, 401, "invalid_grant", ""},
		{"client credentials wrong instance", url.Values{"grant_type": {"client_credentials"}, "instance_id": {"BE0"}}, true, 401, "invalid_grant", ""},
		{"wrong client secret", withClient(user("admin", DefaultPassword), DefaultClientID, "guess"), false, 401, "invalid_client", ""},
		{"no client", user("admin", DefaultPassword), false, 401, "invalid_client", ""},
		{"unsupported grant", url.Values{"grant_type": {"authorization_code"}}, true, 400, "unsupported_grant_type", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := tokenCall(t, rs.URL, tc.form, tc.basic)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if resp.Header.Get(apiclient.HeaderCorrelationID) == "" {
				t.Error("no correlation id on the token answer")
			}
			if tc.status != 200 {
				var oe oauthError
				if err := json.Unmarshal(body, &oe); err != nil || oe.Error != tc.oauth {
					t.Errorf("OAuth error %q, want %q (%s)", oe.Error, tc.oauth, body)
				}
				if strings.Contains(string(body), DefaultPassword) || strings.Contains(string(body), DefaultClientSecret) {
					t.Errorf("error answer shows a secret: %s", body)
				}
				return
			}
			var tr apiclient.TokenResponse
			if err := json.Unmarshal(body, &tr); err != nil {
				t.Fatal(err)
			}
			wantExpires := 1800 // legacy; the vendor's answer has no expires_in
			if rs.Server.dialect() == DialectVendor {
				wantExpires = 0
			}
			if tr.TokenType != "Bearer" || tr.ExpiresIn != wantExpires || len(tr.AccessToken) < 32 {
				t.Errorf("token answer %+v", tr)
			}
			resp, body = call(t, rs.URL, tr.AccessToken, "GET", userPath("me"), nil)
			if resp.StatusCode != 200 || jsonObject(t, body)["id"] != tc.actorID {
				t.Errorf("GET me: %d %s, want user %s", resp.StatusCode, body, tc.actorID)
			}
		})
	}
	if n := rs.Server.Stats().TokenRequests; n != int64(len(cases)) {
		t.Errorf("TokenRequests %d, want %d", n, len(cases))
	}
}

func TestUnauthorized(t *testing.T) {
	rs := start(t, Options{})
	for _, tc := range []struct{ name, auth string }{
		{"no header", ""}, {"unknown token", "Bearer abc"}, {"wrong scheme", "Basic abc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", rs.URL+apiclient.PathPersonas, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, body := send(t, req)
			if resp.StatusCode != 401 || errorCode(t, body) != encompass.CodeUnauthorized {
				t.Errorf("%d %s, want 401 %s", resp.StatusCode, body, encompass.CodeUnauthorized)
			}
		})
	}
}

func TestTokenExpiry(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)}
	s, err := New(Options{TokenTTL: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	s.now = clock.Now
	rs := struct{ URL string }{startHandler(t, s)}

	get := func(tok string) int {
		resp, _ := call(t, rs.URL, tok, "GET", userPath("me"), nil)
		return resp.StatusCode
	}
	t.Run("idle past TTL expires", func(t *testing.T) {
		tok := login(t, rs.URL, "admin")
		clock.Advance(29 * time.Minute)
		if got := get(tok); got != 200 {
			t.Fatalf("after 29m: %d", got)
		}
		clock.Advance(29 * time.Minute) // 58m after issue, but used at 29m: still alive
		if got := get(tok); got != 200 {
			t.Fatalf("use extends the token: %d", got)
		}
		clock.Advance(30 * time.Minute)
		if got := get(tok); got != 401 {
			t.Fatalf("idle 30m: %d, want 401", got)
		}
	})
	t.Run("use extends at most 24h after issue", func(t *testing.T) {
		tok := login(t, rs.URL, "admin")
		for elapsed := time.Duration(0); elapsed < 23*time.Hour+40*time.Minute; elapsed += 20 * time.Minute {
			clock.Advance(20 * time.Minute)
			if got := get(tok); got != 200 {
				t.Fatalf("at %v: %d", elapsed+20*time.Minute, got)
			}
		}
		clock.Advance(20 * time.Minute) // 24h after issue
		if got := get(tok); got != 401 {
			t.Fatalf("24h after issue: %d, want 401", got)
		}
	})
}

func startHandler(t *testing.T, h http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestConcurrencyLimit(t *testing.T) {
	rs := start(t, Options{ConcurrencyLimit: 5})
	tok := login(t, rs.URL, "admin")

	resp, _ := call(t, rs.URL, tok, "GET", apiclient.PathPersonas, nil)
	if resp.Header.Get(apiclient.HeaderConcurrencyLimit) != "5" || resp.Header.Get(apiclient.HeaderConcurrencyRemaining) != "4" {
		t.Errorf("idle headers: limit %q remaining %q, want 5 and 4", resp.Header.Get(apiclient.HeaderConcurrencyLimit), resp.Header.Get(apiclient.HeaderConcurrencyRemaining))
	}

	release := rs.Server.Hold(3)
	resp, _ = call(t, rs.URL, tok, "GET", apiclient.PathPersonas, nil)
	if resp.StatusCode != 200 || resp.Header.Get(apiclient.HeaderConcurrencyRemaining) != "1" {
		t.Errorf("with 3 held: %d remaining %q, want 200 and 1", resp.StatusCode, resp.Header.Get(apiclient.HeaderConcurrencyRemaining))
	}
	release2 := rs.Server.Hold(2)
	resp, body := call(t, rs.URL, tok, "POST", createPath, newUser(nil))
	if resp.StatusCode != 429 {
		t.Fatalf("at the limit: %d %s, want 429", resp.StatusCode, body)
	}
	var g apiclient.GatewayErrorBody
	if err := json.Unmarshal(body, &g); err != nil || g.Code != apiclient.GatewayConcurrencyErrorCode || !strings.Contains(g.Message, "concurrency limit") {
		t.Errorf("429 body %s", body)
	}
	for h, want := range map[string]string{apiclient.HeaderConcurrencyLimit: "5", apiclient.HeaderConcurrencyRemaining: "0", apiclient.HeaderRetryAfter: "1"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("429 header %s = %q, want %q", h, got, want)
		}
	}
	if resp.Header.Get(apiclient.HeaderCorrelationID) == "" {
		t.Error("429 without correlation id")
	}
	if _, ok := rs.Server.User("nora.new"); ok {
		t.Error("a refused call was applied")
	}
	// the token endpoint takes no slot
	login(t, rs.URL, "westadmin")
	release2()
	release2() // idempotent
	release()
	resp, _ = call(t, rs.URL, tok, "POST", createPath, newUser(nil))
	if resp.StatusCode != 201 {
		t.Errorf("after release: %d", resp.StatusCode)
	}
	st := rs.Server.Stats()
	if st.TooMany429 != 1 || st.ByStatus[429] != 1 || st.Creates != 1 || st.MaxInFlight != 5 {
		t.Errorf("stats %+v", st)
	}
}

func TestConcurrentCallsShareTheLimit(t *testing.T) {
	rs := start(t, Options{ConcurrencyLimit: 4, Latency: 30 * time.Millisecond})
	tok := login(t, rs.URL, "admin")
	var wg sync.WaitGroup
	codes := make(chan int, 16)
	for range 16 {
		wg.Go(func() {
			resp, _ := call(t, rs.URL, tok, "GET", userPath("lo.denver"), nil)
			codes <- resp.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	n := map[int]int{}
	for c := range codes {
		n[c]++
	}
	if n[200]+n[429] != 16 || n[200] < 4 {
		t.Errorf("answers %v: every call is 200 or 429, and at least the limit succeed", n)
	}
	if st := rs.Server.Stats(); st.MaxInFlight > 4 || st.TooMany429 != int64(n[429]) {
		t.Errorf("stats %+v, answers %v", st, n)
	}
}

func TestCorrelationIDOnEveryResponse(t *testing.T) {
	rs := start(t, Options{})
	tok := login(t, rs.URL, "admin")
	release := func() {}
	seen := map[string]bool{}
	for _, tc := range []struct {
		name, method, path, tok string
		hold                    bool
		status                  int
	}{
		{"ok", "GET", apiclient.PathPersonas, tok, false, 200},
		{"401", "GET", apiclient.PathPersonas, "", false, 401},
		{"404", "GET", userPath("nobody"), tok, false, 404},
		{"400", "PATCH", userPath("lo.denver"), tok, false, 400},
		{"token", "POST", apiclient.PathToken, "", false, 401},
		{"429", "GET", apiclient.PathPersonas, tok, true, 429},
	} {
		if tc.hold {
			release = rs.Server.Hold(DefaultConcurrency)
		}
		resp, _ := call(t, rs.URL, tc.tok, tc.method, tc.path, "{")
		id := resp.Header.Get(apiclient.HeaderCorrelationID)
		if resp.StatusCode != tc.status || len(id) != 36 || seen[id] {
			t.Errorf("%s: status %d (want %d), correlation id %q (must be a new uuid)", tc.name, resp.StatusCode, tc.status, id)
		}
		seen[id] = true
	}
	release()
}

func TestFailRateAppliesNothing(t *testing.T) {
	rs := start(t, Options{FailRate: 1, Seed: 3})
	tok := login(t, rs.URL, "admin")
	for i := range 10 {
		body := newUser(map[string]any{"id": fmt.Sprintf("fail%d", i)})
		resp, b := call(t, rs.URL, tok, "POST", createPath, body)
		if resp.StatusCode != 500 && resp.StatusCode != 503 {
			t.Fatalf("status %d, want 500 or 503", resp.StatusCode)
		}
		want := map[int]string{500: encompass.CodeServerError, 503: encompass.CodeUnavailable}[resp.StatusCode]
		if got := errorCode(t, b); got != want {
			t.Errorf("errorCode %q, want %q", got, want)
		}
		if _, ok := rs.Server.User(fmt.Sprintf("fail%d", i)); ok {
			t.Errorf("fail%d was created by a failed call", i)
		}
	}
	st := rs.Server.Stats()
	if st.Faults5xx != 10 || st.ByStatus[500]+st.ByStatus[503] != 10 || st.Creates != 0 {
		t.Errorf("stats %+v", st)
	}
	rs.Server.SetFaults(0, 0)
	if resp, _ := call(t, rs.URL, tok, "POST", createPath, newUser(nil)); resp.StatusCode != 201 {
		t.Errorf("after SetFaults(0,0): %d", resp.StatusCode)
	}
}

func TestDropAfterCommit(t *testing.T) {
	rs := start(t, Options{DropAfterCommitRate: 1})
	tok := login(t, rs.URL, "admin")
	body, _ := json.Marshal(newUser(nil))
	req, _ := http.NewRequest("POST", rs.URL+createPath, strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := testClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("the client got an answer (%d); want a closed connection", resp.StatusCode)
	}
	// reads are never dropped: GET shows the write was applied
	r2, b := call(t, rs.URL, tok, "GET", userPath("nora.new"), nil)
	if r2.StatusCode != 200 {
		t.Fatalf("GET after drop: %d %s; the create should have been applied", r2.StatusCode, b)
	}
	// a refused write is answered, not dropped
	r3, b := call(t, rs.URL, tok, "POST", createPath, newUser(nil))
	if r3.StatusCode != 409 {
		t.Errorf("refused write: %d %s, want 409", r3.StatusCode, b)
	}
	if st := rs.Server.Stats(); st.Drops != 1 || st.Creates != 1 || st.Conflicts409 != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestStatePersistsAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	rs, err := Start(Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the default world was not written: %v", err)
	}
	tok := login(t, rs.URL, "admin")
	for _, c := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"POST", createPath, newUser(nil), 201},
		{"PATCH", userPath("lo.dmiller"), `{"title":"Team Lead","phone":null}`, 204},
		{"PATCH", movePath, `[{"id":"lo.jchen"}]`, 204},
	} {
		if resp, b := call(t, rs.URL, tok, c.method, c.path, c.body); resp.StatusCode != c.status {
			t.Fatalf("%s %s: %d %s", c.method, c.path, resp.StatusCode, b)
		}
	}
	before := rs.Server.Users()
	rs.Close()

	rs2 := start(t, Options{StatePath: path, World: &World{InstanceID: "ignored"}})
	after := rs2.Server.Users()
	if len(after) != len(before) {
		t.Fatalf("%d users after restart, want %d", len(after), len(before))
	}
	u, _ := rs2.Server.User("lo.dmiller")
	j, _ := rs2.Server.User("lo.jchen")
	if u.Title != "Team Lead" || u.Phone != "" || j.Organization.EntityID != OrgPhoenixBranch {
		t.Errorf("changes lost: %+v %+v", u, j)
	}
	// the new user's password survived (it can log in) and is never shown
	resp, _ := tokenCall(t, rs2.URL, url.Values{"grant_type": {"password"}, "username": {"nora.new@encompass:" + DefaultInstanceID}, "password": {"Secret123!"}}, true)
	if resp.StatusCode != 200 {
		t.Errorf("created user cannot log in after restart: %d", resp.StatusCode)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temp files left beside the state: %v", entries)
	}
}

func TestStateConcurrentWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	rs := start(t, Options{StatePath: path})
	tok := login(t, rs.URL, "admin")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			resp, b := call(t, rs.URL, tok, "POST", createPath, newUser(map[string]any{"id": fmt.Sprintf("c%02d", i)}))
			if resp.StatusCode != 201 {
				t.Errorf("create c%02d: %d %s", i, resp.StatusCode, b)
			}
		})
	}
	wg.Wait()
	w, err := loadWorld(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Users) != len(defaultUsers)+20 {
		t.Errorf("state holds %d users, want %d", len(w.Users), len(defaultUsers)+20)
	}
}

func TestStateFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{StatePath: bad}); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("corrupt state: err %v, want one naming %s", err, bad)
	}
	broken := filepath.Join(dir, "broken.json")
	w := DefaultWorld()
	w.Users[0].Organization.EntityID = "99"
	b, _ := json.Marshal(w)
	_ = os.WriteFile(broken, b, 0o600)
	if _, err := New(Options{StatePath: broken}); err == nil || !strings.Contains(err.Error(), "admin") {
		t.Errorf("world with a bad org: err %v, want one naming user admin", err)
	}
}

func TestListPaging(t *testing.T) {
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) { testListPaging(t, d) })
	}
}

func testListPaging(t *testing.T, dialect string) {
	rs := start(t, Options{Dialect: dialect})
	tok := login(t, rs.URL, "lo.denver")
	var all []string
	for start := 0; ; start += 7 {
		resp, b := call(t, rs.URL, tok, "GET", apiclient.PathUsers+"?orgId=0&isRecursive=true&start="+strconv.Itoa(start)+"&limit=7", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		if got := resp.Header.Get("X-Total-Count"); got != strconv.Itoa(len(defaultUsers)) {
			t.Errorf("X-Total-Count %q, want %d", got, len(defaultUsers))
		}
		page := jsonArray(t, b)
		if len(page) > 7 {
			t.Fatalf("page of %d", len(page))
		}
		for _, u := range page {
			if _, ok := u["password"]; ok {
				t.Fatalf("list shows %s's password", u["id"])
			}
			all = append(all, u["id"].(string))
		}
		if len(page) < 7 {
			break
		}
	}
	var want []string
	for _, u := range rs.Server.Users() {
		want = append(want, u.ID)
	}
	if !slices.Equal(all, want) || !slices.IsSorted(all) {
		t.Errorf("paged ids %v\nwant %v", all, want)
	}

	ids := func(q string) []string {
		resp, b := call(t, rs.URL, tok, "GET", apiclient.PathUsers+q, nil)
		if resp.StatusCode == 204 && dialect == DialectVendor && len(b) == 0 {
			return nil
		}
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", q, resp.StatusCode, b)
		}
		var out []string
		for _, u := range jsonArray(t, b) {
			out = append(out, u["id"].(string))
		}
		return out
	}
	if got := ids("?orgId=6"); !slices.Equal(got, []string{"lo.boston", "lo.jrossi", "lo.mobrien", "lo.spatel", "lp.boston", "uw.boston"}) {
		t.Errorf("Boston, not recursive: %v", got)
	}
	if got := ids("?orgId=5&isRecursive=false"); !slices.Equal(got, []string{"lo.east", "orgadmin.east"}) {
		t.Errorf("East, not recursive: %v", got)
	}
	if got := ids("?orgId=5&isRecursive=true"); len(got) != 8 {
		t.Errorf("East recursive: %v", got)
	}
	if got := ids("?orgId=0&start=1000"); len(got) != 0 {
		t.Errorf("past the end: %v", got)
	}
	for _, q := range []string{"?limit=1001", "?limit=0", "?start=-1", "?isRecursive=maybe"} {
		if resp, b := call(t, rs.URL, tok, "GET", apiclient.PathUsers+q, nil); resp.StatusCode != 400 || errorCode(t, b) != encompass.CodeBadRequest {
			t.Errorf("%s: %d %s, want 400", q, resp.StatusCode, b)
		}
	}
	if resp, _ := call(t, rs.URL, tok, "GET", apiclient.PathUsers+"?orgId=42", nil); resp.StatusCode != 404 {
		t.Errorf("unknown org: %d", resp.StatusCode)
	}
}

func TestOrganizationsAndPersonas(t *testing.T) {
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) { testOrganizationsAndPersonas(t, d) })
	}
}

func testOrganizationsAndPersonas(t *testing.T, dialect string) {
	rs := start(t, Options{Dialect: dialect})
	tok := login(t, rs.URL, "lo.denver")
	get := func(path string) []byte {
		t.Helper()
		resp, b := call(t, rs.URL, tok, "GET", path, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		return b
	}
	// the tree, walked as a client of the dialect would: legacy nests it,
	// vendor lists one level of references, fetched one by one
	var names []string
	var walk func(o map[string]any, path string)
	walk = func(o map[string]any, path string) {
		id := wireIDText(t, dialect, o["id"])
		names = append(names, path+o["name"].(string)+"#"+id)
		kids, _ := o["children"].([]any)
		for _, k := range kids {
			c := k.(map[string]any)
			if dialect == DialectLegacy {
				walk(c, path+o["name"].(string)+"/")
				continue
			}
			if c["entityType"] == "User" {
				continue
			}
			cid := wireIDText(t, dialect, c["entityId"])
			walk(jsonObject(t, get(apiclient.PathOrganizations+"/"+cid+"?view=hierarchy")), path+o["name"].(string)+"/")
		}
	}
	walk(jsonObject(t, get(apiclient.PathOrganizations+"/root?view=hierarchy")), "")
	want := []string{"Administration#0", "Administration/Retail#1", "Administration/Retail/West Region#2",
		"Administration/Retail/West Region/Denver Branch#3", "Administration/Retail/West Region/Phoenix Branch#4",
		"Administration/Retail/East Region#5", "Administration/Retail/East Region/Boston Branch#6", "Administration/Wholesale#7"}
	if !slices.Equal(names, want) {
		t.Errorf("hierarchy %v\nwant %v", names, want)
	}

	var got []string
	for _, o := range jsonArray(t, get(apiclient.PathOrganizations+"/1/children?recursive=true")) {
		got = append(got, wireIDText(t, dialect, o["id"])+"<"+wireIDText(t, dialect, o["parentOrg"].(map[string]any)["entityId"]))
	}
	if !slices.Equal(got, []string{"2<1", "3<2", "4<2", "5<1", "6<5"}) {
		t.Errorf("children of Retail: %v", got)
	}
	if flat := jsonArray(t, get(apiclient.PathOrganizations+"/1/children")); len(flat) != 2 {
		t.Errorf("direct children of Retail: %+v", flat)
	}
	one := jsonObject(t, get(apiclient.PathOrganizations+"/3"))
	if one["name"] != "Denver Branch" || one["parentOrg"].(map[string]any)["entityName"] != "West Region" || one["children"] != nil {
		t.Errorf("Denver: %+v", one)
	}

	var ps []encompass.Persona
	if err := json.Unmarshal(get(apiclient.PathPersonas), &ps); err != nil {
		t.Fatal(err)
	}
	if len(ps) != 6 || ps[0] != (encompass.Persona{ID: "1", Name: encompass.PersonaSuperAdministrator}) || ps[5].Name != encompass.PersonaOrganizationsUser {
		t.Errorf("personas %+v", ps)
	}
}

func TestDefaultWorld(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.Users()); n < 33 {
		t.Errorf("%d users; the default world promises about 33", n)
	}
	admin, _ := s.User("ADMIN")
	if !slices.Contains(admin.UserIndicators, encompass.IndicatorSuperAdministrator) || admin.Password != "" {
		t.Errorf("admin %+v", admin)
	}
	wa, _ := s.User("westadmin")
	if !slices.Equal(wa.UserIndicators, []string{encompass.IndicatorAdministrator}) {
		t.Errorf("westadmin indicators %v", wa.UserIndicators)
	}
	if d := s.defaults(); d != (encompass.Defaults{}) {
		t.Errorf("default world has company defaults %+v", d)
	}
	// DefaultWorld returns a fresh copy each time
	w := DefaultWorld()
	w.Users[0].FirstName = "Changed"
	if DefaultWorld().Users[0].FirstName == "Changed" {
		t.Error("DefaultWorld shares state between calls")
	}
}

// TestREADMEUserTable keeps the documented user table in step with DefaultWorld.
func TestREADMEUserTable(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := New(Options{})
	var b strings.Builder
	b.WriteString("| id | name | org | personas |\n|---|---|---|---|\n")
	for _, u := range s.Users() {
		var ps []string
		for _, p := range u.Personas {
			ps = append(ps, p.EntityName)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s (%s) | %s |\n", u.ID, u.FullName, u.Organization.EntityName, u.Organization.EntityID, strings.Join(ps, ", "))
	}
	if !strings.Contains(string(readme), b.String()) {
		t.Errorf("README.md does not contain the current user table; replace it with:\n%s", b.String())
	}
}

// TestStateLog: changes are appended to the state file's log, replayed on
// load (a torn last line ignored, a damaged middle line refused) and folded
// into a new snapshot on restart and on Flush.
func TestStateLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	rs, err := Start(Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	tok := login(t, rs.URL, "admin")
	snapshot, _ := os.ReadFile(path)
	for i := range 3 {
		if resp, b := call(t, rs.URL, tok, "POST", createPath, newUser(map[string]any{"id": fmt.Sprintf("log%d", i)})); resp.StatusCode != 201 {
			t.Fatalf("create: %d %s", resp.StatusCode, b)
		}
	}
	if now, _ := os.ReadFile(path); string(now) != string(snapshot) {
		t.Error("a create rewrote the whole state file")
	}
	logged, err := os.ReadFile(logPath(path))
	if err != nil || strings.Count(string(logged), "\n") != 3 {
		t.Fatalf("log: %v, %d lines", err, strings.Count(string(logged), "\n"))
	}
	w, err := loadWorld(path) // as after a kill: no Flush
	if err != nil || len(w.Users) != len(defaultUsers)+3 {
		t.Fatalf("replayed world: %v, %d users", err, len(w.Users))
	}
	// A kill in mid-write leaves a torn last line: ignored.
	if err := os.WriteFile(logPath(path), append(logged, []byte(`{"user":{"id":"torn`)...), 0o600); err != nil {
		t.Fatal(err)
	}
	if w, err := loadWorld(path); err != nil || len(w.Users) != len(defaultUsers)+3 {
		t.Errorf("torn last line: %v, %d users", err, len(w.Users))
	}
	// Damage followed by good lines is refused, naming the line.
	damaged := "{\"user\":\n" + string(logged)
	if err := os.WriteFile(logPath(path), []byte(damaged), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadWorld(path); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("damaged log: err = %v", err)
	}
	if err := os.WriteFile(logPath(path), logged, 0o600); err != nil {
		t.Fatal(err)
	}
	rs.Close() // Flush: one snapshot, no log
	if _, err := os.Stat(logPath(path)); !os.IsNotExist(err) {
		t.Errorf("the log outlived Flush: %v", err)
	}
	rs2 := start(t, Options{StatePath: path})
	if _, ok := rs2.Server.User("log2"); !ok {
		t.Error("a logged create was lost across the restart")
	}
}

func TestStateFileMustBeRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "world.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, p := range []string{fifo, dir, "/dev/zero"} {
		done := make(chan error, 1)
		go func() { _, err := New(Options{StatePath: p}); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), p+" is a") {
				t.Errorf("%s: err = %v, want a refusal naming it", p, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: New hung", p)
		}
	}
}

package apiclient

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/encimport/encimport/encompass"
)

func TestNewURLScheme(t *testing.T) {
	tests := []struct {
		url    string
		wantOK bool
	}{
		{"https://api.elliemae.com", true},
		{"https://api.elliemae.com/", true},
		{"http://127.0.0.1:8080", true},
		{"http://127.9.9.9:8080", true},
		{"http://[::1]:8080", true},
		{"http://localhost:8080", true},
		{"http://LOCALHOST", true},
		{"http://api.elliemae.com", false},
		{"http://10.0.0.1:8080", false},
		{"http://localhost.evil.example", false},
		{"http://127.0.0.1.nip.io", false},
		{"ftp://127.0.0.1", false},
		{"api.elliemae.com", false},
		{"https://", false},
		{"https://user:pw@api.elliemae.com", false},
		{"https://api.elliemae.com?x=1", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			c, err := New(tt.url)
			if tt.wantOK && err != nil {
				t.Fatalf("New(%q) = %v, want ok", tt.url, err)
			}
			if !tt.wantOK && err == nil {
				t.Fatalf("New(%q) succeeded, want an error", tt.url)
			}
			if err == nil && strings.HasSuffix(c.BaseURL(), "/") {
				t.Errorf("BaseURL %q keeps a trailing slash", c.BaseURL())
			}
			if err != nil && strings.Contains(err.Error(), ":pw@") {
				t.Errorf("error leaks URL password: %v", err)
			}
		})
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		opt  Option
	}{
		{"nil http client", withHTTPClient(nil)},
		{"zero max body", withMaxErrorBody(0)},
		{"zero page size", WithPageSize(0)},
		{"zero attempts", WithRetry(0, time.Millisecond, time.Second)},
		{"max below base", WithRetry(3, time.Second, time.Millisecond)},
		{"nil token source", withTokenSource(nil)},
		{"user login without password", WithUserLogin("BE1", "u", "", "cid", "sec")},
		{"client credentials without secret", WithClientCredentials("BE1", "cid", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New("https://api.elliemae.com", tt.opt); err == nil {
				t.Fatal("New succeeded, want an option error")
			}
		})
	}
}

func TestNewRequest(t *testing.T) {
	c, err := New("https://api.example.com/prefix/", withUserAgent("encimport-test"))
	if err != nil {
		t.Fatal(err)
	}
	req, err := c.NewRequest(ctxT(t), http.MethodPatch, userPath("a b/c"), url.Values{"x": {"1"}}, map[string]string{"firstName": "Ann"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := req.URL.String(), "https://api.example.com/prefix/encompass/v3/users/a%20b%2Fc?x=1"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	for h, want := range map[string]string{"Content-Type": "application/json", "Accept": "application/json", "User-Agent": "encimport-test"} {
		if got := req.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if req.GetBody == nil {
		t.Fatal("GetBody is nil: body cannot be replayed after a 401")
	}
	if _, err := c.NewRequest(ctxT(t), http.MethodGet, "no-slash", nil, nil); err == nil {
		t.Error("NewRequest accepted a path without a leading slash")
	}
}

func TestDoReauth(t *testing.T) {
	tests := []struct {
		name          string
		acceptToken   func(auth string) bool
		wantStatus    int // 0: success
		wantCalls     int
		wantTokenReqs int64
		wantReauths   int64
	}{
		{"401 then fresh token succeeds", func(a string) bool { return a == "Bearer tok2" }, 0, 2, 2, 1},
		{"401 twice is returned, no loop", func(string) bool { return false }, 401, 2, 2, 1},
		{"valid token needs no reauth", func(string) bool { return true }, 0, 1, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				if !tt.acceptToken(r.Header.Get("Authorization")) {
					w.WriteHeader(http.StatusUnauthorized)
					_, _ = w.Write([]byte(`{"summary":"Unauthorized","details":"token expired","errorCode":"EBS-901"}`))
					return
				}
				w.WriteHeader(http.StatusCreated)
			})
			var observed atomic.Int64
			c, ts := newTestClient(t, f, WithObserver(func(*Response) { observed.Add(1) }))
			resp, err := c.CreateUser(ctxT(t), "12", &encompass.User{ID: "ann", FirstName: "Ann"})
			reqs := f.requests()
			if len(reqs) != tt.wantCalls {
				t.Fatalf("server saw %d calls, want %d", len(reqs), tt.wantCalls)
			}
			for i, r := range reqs {
				if r.Body != reqs[0].Body || !strings.Contains(r.Body, `"id":"ann"`) {
					t.Errorf("call %d body = %q, want the replayed create body", i, r.Body)
				}
			}
			if tt.wantStatus == 0 {
				if err != nil || resp.StatusCode != http.StatusCreated {
					t.Fatalf("CreateUser = %v, %v; want 201", resp, err)
				}
			} else if !IsStatus(err, tt.wantStatus) {
				t.Fatalf("CreateUser error = %v, want status %d", err, tt.wantStatus)
			}
			st := c.counters()
			if ts.n.Load() != tt.wantTokenReqs || st.TokenRequests != tt.wantTokenReqs {
				t.Errorf("token requests = %d (stats %d), want %d", ts.n.Load(), st.TokenRequests, tt.wantTokenReqs)
			}
			if st.Reauths != tt.wantReauths || st.Calls != int64(tt.wantCalls) {
				t.Errorf("stats = %+v, want Reauths %d Calls %d", st, tt.wantReauths, tt.wantCalls)
			}
			if observed.Load() != int64(tt.wantCalls) {
				t.Errorf("observer saw %d responses, want %d", observed.Load(), tt.wantCalls)
			}
		})
	}
}

func TestTokenCachedAndSharedAcrossGoroutines(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		_, _ = w.Write([]byte(`{"id":"x"}`))
	})
	c, ts := newTestClient(t, f)
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			if _, _, err := c.GetUser(ctxT(t), "x"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := ts.n.Load(); n != 1 {
		t.Errorf("token fetched %d times for 40 concurrent calls, want 1 (token without expiry lives %v)", n, DefaultTokenLifetime)
	}
}

func TestConcurrent401sRefreshOnce(t *testing.T) {
	// Every request with tok1 is refused; tok2 and later are accepted.
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.Header.Get("Authorization") == "Bearer tok1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"id":"x"}`))
	})
	c, ts := newTestClient(t, f)
	// Prime the cache with tok1 so that all goroutines start with it.
	if _, err := c.tokens.token(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			if _, err := c.PatchUser(ctxT(t), "x", map[string]string{"title": "t"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := ts.n.Load(); n != 2 {
		t.Errorf("token fetched %d times, want 2 (one initial, one refresh shared by all goroutines that saw the 401)", n)
	}
}

func TestMoveUsersBodyAndQuery(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) { w.WriteHeader(http.StatusNoContent) })
	c, _ := newTestClient(t, f)
	if _, err := c.MoveUsers(ctxT(t), "3", "7", []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	r := f.requests()[0]
	if r.Method != http.MethodPatch || r.Path != PathUsers {
		t.Errorf("request = %s %s, want PATCH %s", r.Method, r.Path, PathUsers)
	}
	if r.Body != `[{"id":"a"},{"id":"b"}]` {
		t.Errorf("body = %s, want exactly [{\"id\":\"a\"},{\"id\":\"b\"}]", r.Body)
	}
	q, _ := url.ParseQuery(r.RawQuery)
	want := url.Values{"action": {"move"}, "sourceOrgId": {"3"}, "targetOrgId": {"7"}}
	if q.Encode() != want.Encode() {
		t.Errorf("query = %s, want %s", q.Encode(), want.Encode())
	}
	if r.Auth != "Bearer tok1" {
		t.Errorf("Authorization = %q, want Bearer tok1", r.Auth)
	}
}

func TestCreateAndPatchRequests(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) { w.WriteHeader(http.StatusCreated) })
	c, _ := newTestClient(t, f)
	ctx := ctxT(t)
	if _, err := c.CreateUser(ctx, "12", &encompass.User{ID: "ann", FirstName: "Ann"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUser(ctx, "", &encompass.User{ID: "bob"}); err != nil {
		t.Fatal(err)
	}
	patch := map[string]json.RawMessage{encompass.FieldTitle: json.RawMessage(`null`), encompass.FieldFirstName: json.RawMessage(`"Ann"`)}
	if _, err := c.PatchUser(ctx, "ann", patch); err != nil {
		t.Fatal(err)
	}
	want := []recorded{
		{Method: "POST", Path: "/encompass/v3/users", RawQuery: "orgId=12&view=id", Body: `{"id":"ann","firstName":"Ann"}`},
		{Method: "POST", Path: "/encompass/v3/users", RawQuery: "view=id", Body: `{"id":"bob"}`},
		{Method: "PATCH", Path: "/encompass/v3/users/ann", RawQuery: "", Body: `{"firstName":"Ann","title":null}`},
	}
	got := f.requests()
	if len(got) != len(want) {
		t.Fatalf("got %d requests, want %d", len(got), len(want))
	}
	for i := range want {
		got[i].Auth = ""
		if got[i] != want[i] {
			t.Errorf("request %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// pagedUsers is a fake users list: total users, served by start/limit.
type pagedUsers struct {
	total     int
	maxLimit  int  // the server shortens pages to this many (0: no cap)
	oneBased  bool // start=0 is refused with a 400; user i is at start i+1
	noContent bool // 204 past the end instead of []
	sizeCap   int  // a limit above this answers the 6 MB 400 (0: none)
	totalHdr  bool
	shortAt   int  // a page asked from this start (> 0) holds one user fewer
	capAt     int  // a page asked from this start (> 0) with a limit above 1 meets the size cap
	repeat    bool // every page is the first (a server ignoring start)
	claim     int  // with totalHdr: the total the header claims (0: total)
}

func (p pagedUsers) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	start, _ := strconv.Atoi(q.Get("start"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	if p.oneBased {
		if start < 1 {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"summary":"Bad Request","details":"start must be at least 1"}`))
			return
		}
		start--
	}
	if p.sizeCap != 0 && limit > p.sizeCap {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(sizeCapBody)
		return
	}
	if p.capAt > 0 && start == p.capAt && limit > 1 {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(sizeCapBody)
		return
	}
	if p.maxLimit > 0 {
		limit = min(limit, p.maxLimit)
	}
	if p.shortAt > 0 && start == p.shortAt {
		limit--
	}
	if p.repeat {
		start = 0
	}
	if p.totalHdr {
		w.Header().Set(HeaderTotalCount, strconv.Itoa(cmp.Or(p.claim, p.total)))
	}
	if p.noContent && start >= p.total {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	page := []encompass.User{}
	for i := start; i < p.total && i < start+limit; i++ {
		page = append(page, encompass.User{ID: "u" + strconv.Itoa(i)})
	}
	_ = json.NewEncoder(w).Encode(page)
}

var sizeCapBody = []byte(`{"message":"Response exceeds maximum size (6 MB)"}`)

func TestListUsersPaging(t *testing.T) {
	type req struct{ start, limit int }
	tests := []struct {
		name      string
		srv       pagedUsers
		pageSize  int    // 0: default
		org       string // "" lists from the root
		wantReqs  []req
		wantSizes []int // sizes passed to fn
		wantErr   bool
	}{
		{"default page size, short last page, then the empty page", pagedUsers{total: 600}, 0, "",
			[]req{{0, 250}, {250, 250}, {500, 250}, {600, 250}}, []int{250, 250, 100}, false},
		{"exact multiple ends on empty page", pagedUsers{total: 4}, 2, "",
			[]req{{0, 2}, {2, 2}, {4, 2}}, []int{2, 2}, false},
		{"total count saves the final call", pagedUsers{total: 4, totalHdr: true}, 2, "",
			[]req{{0, 2}, {2, 2}}, []int{2, 2}, false},
		{"total count with a short last page", pagedUsers{total: 5, totalHdr: true}, 2, "",
			[]req{{0, 2}, {2, 2}, {4, 2}}, []int{2, 2, 1}, false},
		{"empty instance", pagedUsers{total: 0}, 0, "", []req{{0, 250}}, nil, false},
		{"204 past the end", pagedUsers{total: 3, noContent: true}, 2, "",
			[]req{{0, 2}, {2, 2}, {3, 2}}, []int{2, 1}, false},
		{"204 for an empty instance", pagedUsers{total: 0, noContent: true}, 0, "", []req{{0, 250}}, nil, false},
		// The server shortens every page: start advances by what was received,
		// so no user is skipped and the short page does not end the walk.
		{"server shortens pages", pagedUsers{total: 7, maxLimit: 3}, 5, "",
			[]req{{0, 5}, {3, 5}, {6, 5}, {7, 5}}, []int{3, 3, 1}, false},
		{"server counts from 1", pagedUsers{total: 3, oneBased: true}, 2, "",
			[]req{{0, 2}, {1, 2}, {3, 2}, {4, 2}}, []int{2, 1}, false},
		{"size cap halves the limit and asks the same start", pagedUsers{total: 5, sizeCap: 2}, 8, "",
			[]req{{0, 8}, {0, 4}, {0, 2}, {2, 2}, {4, 2}, {5, 2}}, []int{2, 2, 1}, false},
		{"size cap even for one user", pagedUsers{total: 5, sizeCap: -1}, 2, "",
			[]req{{0, 2}, {0, 1}}, nil, true},
		{"an organization and below", pagedUsers{total: 1}, 0, "12", []req{{0, 250}, {1, 250}}, []int{1}, false},
		// With a total, the pages after the first are asked together.
		{"total: the rest together", pagedUsers{total: 9, totalHdr: true}, 2, "",
			[]req{{0, 2}, {2, 2}, {4, 2}, {6, 2}, {8, 2}}, []int{1, 2, 2, 2, 2}, false},
		{"total: a short page goes on from where it ended", pagedUsers{total: 9, totalHdr: true, shortAt: 4}, 2, "",
			[]req{{0, 2}, {2, 2}, {4, 2}, {5, 1}, {6, 2}, {8, 2}}, []int{1, 1, 1, 2, 2, 2}, false},
		{"total: the size cap halves that page only", pagedUsers{total: 9, totalHdr: true, capAt: 4}, 2, "",
			[]req{{0, 2}, {2, 2}, {4, 1}, {4, 2}, {5, 1}, {6, 2}, {8, 2}}, []int{1, 1, 1, 2, 2, 2}, false},
		{"total: a short first page walks one at a time", pagedUsers{total: 7, totalHdr: true, maxLimit: 3}, 5, "",
			[]req{{0, 5}, {3, 5}, {6, 5}}, []int{1, 3, 3}, false},
		{"total: the list ends before the total", pagedUsers{total: 5, totalHdr: true, claim: 9}, 2, "",
			[]req{{0, 2}, {2, 2}, {4, 2}, {5, 1}, {6, 2}, {8, 2}}, []int{1, 2, 2}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) { tt.srv.serve(w, r) })
			var opts []Option
			if tt.pageSize > 0 {
				opts = append(opts, WithPageSize(tt.pageSize))
			}
			c, _ := newTestClient(t, f, opts...)
			var sizes []int
			seen := map[string]bool{}
			var mu sync.Mutex // pages after the first may come together
			pages, err := c.ListUsers(ctxT(t), tt.org, func(p []encompass.User) error {
				mu.Lock()
				defer mu.Unlock()
				sizes = append(sizes, len(p))
				for _, u := range p {
					if seen[u.ID] {
						t.Errorf("user %s listed twice", u.ID)
					}
					seen[u.ID] = true
				}
				return nil
			})
			if (err != nil) != tt.wantErr {
				t.Fatalf("ListUsers err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr {
				if !IsResponseTooLarge(err) {
					t.Errorf("err = %v, want the size-cap error wrapped", err)
				}
			} else if len(seen) != tt.srv.total {
				t.Errorf("saw %d distinct users, want %d", len(seen), tt.srv.total)
			}
			// Pages asked together arrive in any order.
			slices.Sort(sizes)
			slices.Sort(tt.wantSizes)
			if !slices.Equal(sizes, tt.wantSizes) {
				t.Errorf("page sizes = %v, want %v", sizes, tt.wantSizes)
			}
			org := cmp.Or(tt.org, encompass.RootOrgID)
			reqs := f.requests()
			var got []req
			for _, r := range reqs {
				q, _ := url.ParseQuery(r.RawQuery)
				start, _ := strconv.Atoi(q.Get("start"))
				limit, _ := strconv.Atoi(q.Get("limit"))
				got = append(got, req{start, limit})
				if r.Method != http.MethodGet || r.Path != PathUsers || q.Get("entities") != "all" || q.Has("view") ||
					q.Get("orgId") != org || q.Get("isRecursive") != "true" || len(q) != 5 {
					t.Errorf("request %s %s?%s: want GET %s with entities=all, orgId=%s, isRecursive, start, limit and no view", r.Method, r.Path, r.RawQuery, PathUsers, org)
				}
			}
			byStart := func(a, b req) int { return cmp.Or(a.start-b.start, b.limit-a.limit) }
			slices.SortStableFunc(got, byStart)
			slices.SortStableFunc(tt.wantReqs, byStart)
			if !slices.Equal(got, tt.wantReqs) {
				t.Errorf("requests (start, limit) = %v, want %v", got, tt.wantReqs)
			}
			if !tt.wantErr && pages != len(sizes)+1 && !tt.srv.totalHdr {
				t.Errorf("pages = %d, want %d (the pages received, the final empty one included)", pages, len(sizes)+1)
			}
		})
	}
}

func TestGetUserAsksForAllEntities(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		_, _ = w.Write(readTestdata(t, "user_v3_numeric_ids.json"))
	})
	c, _ := newTestClient(t, f)
	u, _, err := c.GetUser(ctxT(t), "jdoe")
	if err != nil || u.ID != "jdoe" || u.Organization.EntityID != "12" {
		t.Fatalf("GetUser = %+v, %v", u, err)
	}
	if r := f.requests()[0]; r.Path != PathUsers+"/jdoe" || r.RawQuery != "entities=all" {
		t.Errorf("request %s?%s, want %s/jdoe?entities=all", r.Path, r.RawQuery, PathUsers)
	}
}

func TestListUsersStopsOnCallbackError(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		_, _ = w.Write([]byte(`[{"id":"a"},{"id":"b"}]`))
	})
	c, _ := newTestClient(t, f, WithPageSize(2))
	stop := errors.New("stop")
	pages, err := c.ListUsers(ctxT(t), "", func([]encompass.User) error { return stop })
	if !errors.Is(err, stop) || pages != 1 || len(f.requests()) != 1 {
		t.Errorf("ListUsers = %d, %v after %d requests; want 1, stop, 1", pages, err, len(f.requests()))
	}
}

func TestReadsRetryWritesDoNot(t *testing.T) {
	tests := []struct {
		name      string
		call      func(c *Client) error
		failures  int // 503s before success
		wantCalls int
		wantErr   bool
	}{
		{"GetUser retries 503 then succeeds", func(c *Client) error {
			u, _, err := c.GetUser(ctxT(t), "me")
			if err == nil && u.ID != "me" {
				return errors.New("wrong user " + u.ID)
			}
			return err
		}, 2, 3, false},
		{"GetUser gives up after max attempts", func(c *Client) error { _, _, err := c.GetUser(ctxT(t), "me"); return err }, 100, 5, true},
		{"Organizations retries", func(c *Client) error { _, _, err := c.Organizations(ctxT(t)); return err }, 1, 2, false},
		{"LoanFolders retries", func(c *Client) error { _, _, err := c.LoanFolders(ctxT(t)); return err }, 1, 2, false},
		{"Personas retries", func(c *Client) error { _, _, err := c.Personas(ctxT(t)); return err }, 1, 2, false},
		{"ListUsers retries a page", func(c *Client) error {
			_, err := c.ListUsers(ctxT(t), "", func([]encompass.User) error { return nil })
			return err
		}, 1, 2, false},
		{"CreateUser is not retried", func(c *Client) error { _, err := c.CreateUser(ctxT(t), "", &encompass.User{ID: "a"}); return err }, 1, 1, true},
		{"PatchUser is not retried", func(c *Client) error { _, err := c.PatchUser(ctxT(t), "a", map[string]string{}); return err }, 1, 1, true},
		{"MoveUsers is not retried", func(c *Client) error { _, err := c.MoveUsers(ctxT(t), "1", "2", []string{"a"}); return err }, 1, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int64
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				if int(n.Add(1)) <= tt.failures {
					w.WriteHeader(http.StatusServiceUnavailable)
					_, _ = w.Write([]byte(`{"summary":"Service Unavailable","errorCode":"EBS-503"}`))
					return
				}
				switch {
				case strings.HasPrefix(r.URL.Path, PathUsers+"/"):
					_, _ = w.Write([]byte(`{"id":"me"}`))
				case r.Method == http.MethodGet && r.URL.Path == PathUsers:
					_, _ = w.Write([]byte(`[]`))
				case r.URL.Path == PathOrganizations:
					_, _ = w.Write([]byte(`[{"id":0,"name":"Administration"}]`))
				default:
					_, _ = w.Write([]byte(`[]`))
				}
			})
			c, _ := newTestClient(t, f)
			err := tt.call(c)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr && !IsStatus(err, http.StatusServiceUnavailable) {
				t.Errorf("err = %v, want a 503 *Error", err)
			}
			if got := len(f.requests()); got != tt.wantCalls {
				t.Errorf("server saw %d calls, want %d", got, tt.wantCalls)
			}
			if st := c.counters(); st.Retries != int64(tt.wantCalls-1) {
				t.Errorf("Stats.Retries = %d, want %d", st.Retries, tt.wantCalls-1)
			}
		})
	}
}

func TestReadsDecode(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		switch r.URL.Path {
		case PathPersonas:
			_, _ = w.Write([]byte(`[{"id":"1","name":"Super Administrator"},{"id":7,"name":"Loan Officer"}]`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"summary":"Not Found","details":"user nobody not found","errorCode":"EBS-904"}`))
		}
	})
	c, _ := newTestClient(t, f)
	ctx := ctxT(t)
	ps, _, err := c.Personas(ctx)
	if err != nil || len(ps) != 2 || ps[1].Name != "Loan Officer" || ps[1].ID != "7" {
		t.Errorf("Personas = %+v, %v", ps, err)
	}
	u, resp, err := c.GetUser(ctx, "nobody")
	if !IsNotFound(err) || u != nil || resp == nil || resp.StatusCode != 404 {
		t.Errorf("GetUser(nobody) = %v, %v, %v; want a 404", u, resp, err)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("server saw %d calls, want 2 (404 is not retried)", n)
	}
}

// expiringTokens hands out tokens that expire ttl after issue.
type expiringTokens struct {
	ttl time.Duration
	n   atomic.Int64
}

func (s *expiringTokens) Token() (*oauth2.Token, error) {
	n := s.n.Add(1)
	return &oauth2.Token{AccessToken: "exp" + strconv.FormatInt(n, 10), Expiry: time.Now().Add(s.ttl)}, nil
}

func TestTokenRefreshedWhenExpired(t *testing.T) {
	tests := []struct {
		name string
		ttl  time.Duration
		want int64 // token fetches for 3 calls
	}{
		{"long-lived token reused", time.Hour, 1},
		// A short-lived token is kept for nine tenths of its life (x/oauth2's
		// fixed 10 s margin would have fetched one per call).
		{"short-lived token reused", 2 * time.Second, 1},
		{"expired token is replaced", -time.Minute, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) { _, _ = w.Write([]byte(`[]`)) })
			src := &expiringTokens{ttl: tt.ttl}
			c, err := New(f.URL, withTokenSource(src))
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if _, _, err := c.Personas(ctxT(t)); err != nil {
					t.Fatal(err)
				}
			}
			if got := src.n.Load(); got != tt.want {
				t.Errorf("token fetched %d times, want %d", got, tt.want)
			}
		})
	}
}

func TestErrorsNeverEchoTheSentPassword(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(ErrorBody{Summary: "Bad Request", Details: "refused body " + string(body), ErrorCode: "EBS-400",
			Errors: []ErrorBody{{Details: "password Tr0ub4dor&3 is too weak"}}})
	})
	c, _ := newTestClient(t, f)
	_, err := c.CreateUser(ctxT(t), "3", &encompass.User{ID: "jdoe", Password: "Tr0ub4dor&3"})
	var ae *Error
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "Tr0ub4dor") || strings.Contains(ae.Details, "Tr0ub4dor") || strings.Contains(ae.Errors[0].Details, "Tr0ub4dor") {
		t.Fatalf("the password is in the error: %v / %+v", err, ae.Errors)
	}
	if !strings.Contains(ae.Details, "[redacted]") {
		t.Errorf("details %q", ae.Details)
	}
	_, err = c.PatchUser(ctxT(t), "jdoe", map[string]string{"password": "Tr0ub4dor&3"})
	if err == nil || strings.Contains(err.Error(), "Tr0ub4dor") {
		t.Fatalf("patch error %v", err)
	}
}

func TestWithoutRetryMakesOneAttempt(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	c, _ := newTestClient(t, f)
	if _, _, err := c.GetUser(WithoutRetry(ctxT(t)), "jdoe"); !IsStatus(err, http.StatusServiceUnavailable) {
		t.Fatalf("err = %v", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

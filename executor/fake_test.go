package executor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/plan"
)

// fault scripts one answer of the fake API.
type fault struct {
	status     int           // answer with this error status (0: normal behaviour)
	retryAfter time.Duration // with status
	code       string        // error code with status
	details    string        // error details with status
	drop       bool          // apply, then answer nothing (connection dropped)
	lost       bool          // do not apply, answer nothing (connection refused)
	stale      bool          // GET: answer 404 although the user exists
	apply      bool          // with status: apply first (a 5xx after commit)
	other      *encompass.User
	// other: a different user appears under this id just before the call.
}

// fakeAPI is an in-memory Encompass with scripted faults, keyed
// "create:ID", "patch:ID", "get:ID", "move:TARGET".
type fakeAPI struct {
	mu      sync.Mutex
	users   map[string]*encompass.User // by lower-case id
	script  map[string][]fault
	calls   []string
	created map[string]int // successful creates per id
	moves   [][]string     // ids of every applied move call
	pw      []string       // passwords received on create/patch

	// hook, when set, runs at the start of every write call (outside mu).
	hook func(ctx context.Context, call string) error
	seq  int
}

func newFake(users ...encompass.User) *fakeAPI {
	f := &fakeAPI{users: map[string]*encompass.User{}, script: map[string][]fault{}, created: map[string]int{}}
	for _, u := range users {
		u := u
		f.users[strings.ToLower(u.ID)] = &u
	}
	return f
}

func (f *fakeAPI) on(key string, fs ...fault) *fakeAPI {
	f.script[key] = append(f.script[key], fs...)
	return f
}

// next pops the scripted fault for key and logs the call. Callers hold mu.
func (f *fakeAPI) next(key string) fault {
	f.calls = append(f.calls, key)
	q := f.script[key]
	if len(q) == 0 {
		return fault{}
	}
	f.script[key] = q[1:]
	return q[0]
}

func (f *fakeAPI) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeAPI) resp(status int) *apiclient.Response {
	f.seq++
	return &apiclient.Response{Response: &http.Response{StatusCode: status, Header: http.Header{}},
		CorrelationID: fmt.Sprintf("corr-%d", f.seq), ConcurrencyLimit: -1, ConcurrencyRemaining: -1,
		RateLimit: -1, RateRemaining: -1}
}

func (f *fakeAPI) errResp(method, path string, ft fault, status int, code, summary, details string) (*apiclient.Response, error) {
	r := f.resp(status)
	r.RetryAfter = ft.retryAfter
	return r, &apiclient.Error{StatusCode: status, Method: method, Path: path, Summary: summary,
		Details: details, ErrorCode: code, CorrelationID: r.CorrelationID, RetryAfter: ft.retryAfter}
}

func scriptedErr(f *fakeAPI, method, path string, ft fault) (*apiclient.Response, error) {
	summary := http.StatusText(ft.status)
	details := ft.details
	if details == "" {
		details = "scripted " + summary
	}
	return f.errResp(method, path, ft, ft.status, ft.code, summary, details)
}

func dropped(method, path string) error {
	return &url.Error{Op: method, URL: "http://127.0.0.1:1" + path, Err: io.ErrUnexpectedEOF}
}

func (f *fakeAPI) runHook(ctx context.Context, call string) error {
	if f.hook != nil {
		return f.hook(ctx, call)
	}
	return nil
}

func (f *fakeAPI) CreateUser(ctx context.Context, orgID string, u *encompass.User) (*apiclient.Response, error) {
	key := "create:" + u.ID
	if err := f.runHook(ctx, key); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ft := f.next(key)
	f.pw = append(f.pw, u.Password)
	path := apiclient.PathUsers
	if ft.other != nil {
		o := *ft.other
		f.users[strings.ToLower(o.ID)] = &o
	}
	if ft.lost {
		return nil, dropped("Post", path)
	}
	if ft.status != 0 && !ft.apply {
		return scriptedErr(f, "POST", path, ft)
	}
	if _, ok := f.users[strings.ToLower(u.ID)]; ok {
		return f.errResp("POST", path, ft, http.StatusConflict, "EBS-909", "Conflict", "user id "+u.ID+" already exists")
	}
	nu := *u
	nu.Password = ""
	nu.Organization = &encompass.EntityRef{EntityID: orgID}
	f.users[strings.ToLower(u.ID)] = &nu
	f.created[strings.ToLower(u.ID)]++
	if ft.status != 0 {
		return scriptedErr(f, "POST", path, ft)
	}
	if ft.drop {
		return nil, dropped("Post", path)
	}
	return f.resp(http.StatusCreated), nil
}

func (f *fakeAPI) PatchUser(ctx context.Context, id string, body any) (*apiclient.Response, error) {
	key := "patch:" + id
	if err := f.runHook(ctx, key); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ft := f.next(key)
	path := apiclient.PathUsers + "/" + id
	if m, ok := body.(map[string]json.RawMessage); ok {
		if pw, ok := m[encompass.FieldPassword]; ok {
			f.pw = append(f.pw, string(pw))
		}
	}
	if ft.lost {
		return nil, dropped("Patch", path)
	}
	if ft.status != 0 && !ft.apply {
		return scriptedErr(f, "PATCH", path, ft)
	}
	if _, ok := f.users[strings.ToLower(id)]; !ok {
		return f.errResp("PATCH", path, ft, http.StatusNotFound, "EBS-904", "Not Found", "user "+id+" not found")
	}
	if ft.status != 0 {
		return scriptedErr(f, "PATCH", path, ft)
	}
	if ft.drop {
		return nil, dropped("Patch", path)
	}
	return f.resp(http.StatusNoContent), nil
}

func (f *fakeAPI) MoveUsers(ctx context.Context, src, dst string, ids []string) (*apiclient.Response, error) {
	key := "move:" + dst
	if err := f.runHook(ctx, key); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ft := f.next(key)
	f.calls[len(f.calls)-1] = key + "=" + strings.Join(ids, ",")
	path := apiclient.PathUsers
	if ft.lost {
		return nil, dropped("Patch", path)
	}
	if ft.status != 0 && !ft.apply {
		return scriptedErr(f, "PATCH", path, ft)
	}
	for _, id := range ids {
		u, ok := f.users[strings.ToLower(id)]
		if !ok || u.Organization == nil || u.Organization.EntityID != src {
			return f.errResp("PATCH", path, ft, http.StatusBadRequest, "EBS-410", "Bad Request", "user "+id+" is not in organization "+src)
		}
	}
	for _, id := range ids {
		f.users[strings.ToLower(id)].Organization = &encompass.EntityRef{EntityID: dst}
	}
	f.moves = append(f.moves, slices.Clone(ids))
	if ft.status != 0 {
		return scriptedErr(f, "PATCH", path, ft)
	}
	if ft.drop {
		return nil, dropped("Patch", path)
	}
	return f.resp(http.StatusNoContent), nil
}

func (f *fakeAPI) GetUser(ctx context.Context, id string) (*encompass.User, *apiclient.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft := f.next("get:" + id)
	path := apiclient.PathUsers + "/" + id
	if ft.status != 0 {
		r, err := scriptedErr(f, "GET", path, ft)
		return nil, r, err
	}
	u, ok := f.users[strings.ToLower(id)]
	if !ok || ft.stale {
		r, err := f.errResp("GET", path, ft, http.StatusNotFound, "EBS-904", "Not Found", "user "+id+" not found")
		return nil, r, err
	}
	c := *u
	return &c, f.resp(http.StatusOK), nil
}

// plan helpers

func createRow(sheetRow int, id, org string) plan.Row {
	return plan.Row{Sheet: "People", Row: sheetRow, ID: id, Action: "create", Status: plan.StatusPlanned,
		Outcome: plan.StatusCreated,
		Create: plan.NewCreate(org, &encompass.User{ID: id, FirstName: "First " + id,
			LastName: "Last", Email: id + "@example.com"})}
}

func patchRow(sheetRow int, id string, outcome plan.Status) plan.Row {
	return plan.Row{Sheet: "People", Row: sheetRow, ID: id, Action: "update", Status: plan.StatusPlanned,
		Outcome: outcome,
		Patch:   &plan.Patch{Body: map[string]json.RawMessage{encompass.FieldTitle: json.RawMessage(`"Manager"`)}}}
}

func existing(id, org string) encompass.User {
	return encompass.User{ID: id, FirstName: "First " + id, LastName: "Last", Email: id + "@example.com",
		Organization: &encompass.EntityRef{EntityID: org}}
}

// addMove appends a move of rows to dst, as the planner groups them.
func addMove(p *plan.Plan, src, dst string, rows ...int) {
	mc := plan.Move{SourceOrgID: src, TargetOrgID: dst}
	for _, i := range rows {
		mc.UserIDs = append(mc.UserIDs, p.Rows[i].ID)
		mc.Rows = append(mc.Rows, i)
		p.Rows[i].Move = &plan.MoveRef{Call: len(p.Moves), SourceOrgID: src, TargetOrgID: dst}
	}
	p.Moves = append(p.Moves, mc)
}

// sleeps records the waits the executor asks for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}

// planWithCreates is a plan of n creates.
func planWithCreates(n int) *plan.Plan {
	p := &plan.Plan{}
	for i := range n {
		p.Rows = append(p.Rows, createRow(i+2, fmt.Sprintf("c%03d", i), "5"))
	}
	return p
}

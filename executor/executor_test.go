package executor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/encimport/encimport/internal/syncbuf"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/report"
)

func quickOpts(s *sleeps) Options {
	return Options{Concurrency: 4, MaxAttempts: 6, BaseDelay: time.Millisecond, MaxDelay: 8 * time.Millisecond, Sleep: s.sleep}
}

// TestCreateRetries covers the retry engine on a single create row.
func TestCreateRetries(t *testing.T) {
	tests := []struct {
		name        string
		script      []fault
		get         []fault
		exists      *encompass.User
		maxAttempts int
		wantStatus  plan.Status
		wantCalls   []string
		wantHTTP    int
		wantCode    string
		wantMsg     string // substring
		wantCreated int    // successful creates on the server
	}{
		{name: "success", wantStatus: "created", wantCalls: []string{"create:jdoe"}, wantHTTP: 201, wantCreated: 1},
		{name: "429 twice then success", script: []fault{{status: 429}, {status: 429}},
			wantStatus: "created", wantCalls: []string{"create:jdoe", "create:jdoe", "create:jdoe"}, wantHTTP: 201, wantCreated: 1},
		{name: "503 then success reads back first", script: []fault{{status: 503}},
			wantStatus: "created", wantCalls: []string{"create:jdoe", "get:jdoe", "create:jdoe"}, wantHTTP: 201, wantCreated: 1},
		{name: "400 is final", script: []fault{{status: 400, code: "EBS-404", details: "phone: use ###-###-####"}},
			wantStatus: "failed", wantCalls: []string{"create:jdoe"}, wantHTTP: 400, wantCode: "EBS-404",
			wantMsg: "Bad Request: phone: use ###-###-####"},
		// A 409 is never a failure by itself: the user is read back.
		{name: "409 on the first attempt, the user matches: unchanged", exists: ptrUser(existing("jdoe", "5")),
			wantStatus: "unchanged", wantCalls: []string{"create:jdoe", "get:jdoe"}, wantHTTP: 200,
			wantMsg: "the user already exists as this row asks (the create was answered 409: another run or someone else created it)"},
		{name: "409 after a 429, the user matches: unchanged", exists: ptrUser(existing("jdoe", "5")), script: []fault{{status: 429}},
			wantStatus: "unchanged", wantCalls: []string{"create:jdoe", "create:jdoe", "get:jdoe"}, wantHTTP: 200, wantMsg: "answered 409"},
		{name: "409 on the first attempt, the user differs: failed, differences named",
			exists:     &encompass.User{ID: "jdoe", FirstName: "Janet", LastName: "Last", Email: "JDOE@example.com", Organization: &encompass.EntityRef{EntityID: "7"}},
			wantStatus: "failed", wantCalls: []string{"create:jdoe", "get:jdoe"}, wantHTTP: 409, wantCode: "EBS-909",
			wantMsg: `the create was answered 409 (the user already exists; someone else created it): user jdoe exists with different data (organization: server id "7" vs row id "5"; firstName: server "Janet" vs row "First jdoe")`},
		{name: "409, read back finds no user: created again, 409 again, then found", exists: ptrUser(existing("jdoe", "5")), get: []fault{{stale: true}},
			wantStatus: "unchanged", wantCalls: []string{"create:jdoe", "get:jdoe", "create:jdoe", "get:jdoe"}, wantHTTP: 200, wantMsg: "answered 409"},
		{name: "dropped after commit: read back finds it", script: []fault{{drop: true}},
			wantStatus: "created", wantCalls: []string{"create:jdoe", "get:jdoe"}, wantHTTP: 200, wantCreated: 1,
			wantMsg: "answer was lost"},
		{name: "lost before commit: read back, create again", script: []fault{{lost: true}},
			wantStatus: "created", wantCalls: []string{"create:jdoe", "get:jdoe", "create:jdoe"}, wantHTTP: 201, wantCreated: 1},
		{name: "409 on a retry after a drop: reconciled", script: []fault{{drop: true}}, get: []fault{{stale: true}},
			wantStatus: "created", wantCalls: []string{"create:jdoe", "get:jdoe", "create:jdoe", "get:jdoe"}, wantHTTP: 200, wantCreated: 1},
		{name: "500 after commit: read back finds it", script: []fault{{status: 500, apply: true}},
			wantStatus: "created", wantCalls: []string{"create:jdoe", "get:jdoe"}, wantHTTP: 200, wantCreated: 1},
		{name: "someone else's user appears: exists with different data",
			script:     []fault{{lost: true, other: &encompass.User{ID: "jdoe", FirstName: "Jane", LastName: "Other", Email: "x@example.com", Organization: &encompass.EntityRef{EntityID: "5"}}}},
			wantStatus: "failed", wantCalls: []string{"create:jdoe", "get:jdoe"}, wantHTTP: 200,
			wantMsg: `exists with different data (firstName: server "Jane" vs row "First jdoe"; lastName: server "Other" vs row "Last"; email: server "x@example.com" vs row "jdoe@example.com")`},
		{name: "503 until attempts run out", maxAttempts: 3, script: []fault{{status: 503}, {status: 503}, {status: 503}},
			wantStatus: "failed", wantCalls: []string{"create:jdoe", "get:jdoe", "create:jdoe", "get:jdoe", "create:jdoe", "get:jdoe"},
			wantHTTP: 503, wantMsg: "Service Unavailable: scripted"},
		{name: "429s have their own budget: no read back", maxAttempts: 2, script: []fault{{status: 429}, {status: 429}, {status: 429}, {status: 429}, {status: 429}, {status: 429}, {status: 429}, {status: 429}},
			wantStatus: "failed", wantCalls: []string{"create:jdoe", "create:jdoe", "create:jdoe", "create:jdoe", "create:jdoe", "create:jdoe", "create:jdoe", "create:jdoe"}, wantHTTP: 429},
		{name: "two 429s within a budget of two attempts still succeed", maxAttempts: 2, script: []fault{{status: 429}, {status: 429}},
			wantStatus: "created", wantCalls: []string{"create:jdoe", "create:jdoe", "create:jdoe"}, wantHTTP: 201, wantCreated: 1},
		{name: "read back meets a 503: read again, finds it", script: []fault{{drop: true}}, get: []fault{{status: 503}},
			wantStatus: "created", wantCalls: []string{"create:jdoe", "get:jdoe", "get:jdoe"}, wantHTTP: 200, wantCreated: 1,
			wantMsg: "answer was lost"},
		{name: "read back fails: row failed, says to check", script: []fault{{drop: true}}, get: []fault{{status: 403, details: "no access"}},
			wantStatus: "failed", wantCalls: []string{"create:jdoe", "get:jdoe"}, wantHTTP: 403, wantCreated: 1,
			wantMsg: "could not check whether the create took effect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var users []encompass.User
			if tt.exists != nil {
				users = append(users, *tt.exists)
			}
			f := newFake(users...).on("create:jdoe", tt.script...).on("get:jdoe", tt.get...)
			p := &plan.Plan{Rows: []plan.Row{createRow(2, "jdoe", "5")}}
			var s sleeps
			opts := quickOpts(&s)
			if tt.maxAttempts > 0 {
				opts.MaxAttempts = tt.maxAttempts
			}
			res, err := Run(context.Background(), f, p, opts)
			if err != nil {
				t.Fatal(err)
			}
			got := res.Rows[0]
			if got.Status != tt.wantStatus {
				t.Errorf("status %q (%s), want %q", got.Status, got.Message, tt.wantStatus)
			}
			if calls := f.Calls(); !slices.Equal(calls, tt.wantCalls) {
				t.Errorf("calls %v, want %v", calls, tt.wantCalls)
			}
			if got.Attempts != len(tt.wantCalls) {
				t.Errorf("attempts %d, want %d", got.Attempts, len(tt.wantCalls))
			}
			if got.HTTPStatus != tt.wantHTTP {
				t.Errorf("http_status %d, want %d", got.HTTPStatus, tt.wantHTTP)
			}
			if got.ErrorCode != tt.wantCode {
				t.Errorf("error_code %q, want %q", got.ErrorCode, tt.wantCode)
			}
			if !strings.Contains(got.Message, tt.wantMsg) {
				t.Errorf("message %q, want it to contain %q", got.Message, tt.wantMsg)
			}
			if got.CorrelationID == "" {
				t.Error("no correlation id")
			}
			if n := f.created["jdoe"]; n != tt.wantCreated {
				t.Errorf("user created %d times on the server, want %d", n, tt.wantCreated)
			}
			if res.Stats.Calls != len(tt.wantCalls) {
				t.Errorf("stats.Calls %d, want %d", res.Stats.Calls, len(tt.wantCalls))
			}
		})
	}
}

func ptrUser(u encompass.User) *encompass.User { return &u }

func TestRetryAfterHonoured(t *testing.T) {
	f := newFake().on("create:jdoe", fault{status: 429, retryAfter: 7 * time.Second}, fault{status: 503}, fault{status: 503, retryAfter: 2 * time.Second})
	p := &plan.Plan{Rows: []plan.Row{createRow(2, "jdoe", "5")}}
	var s sleeps
	opts := quickOpts(&s)
	opts.BaseDelay, opts.MaxDelay = 100*time.Millisecond, 400*time.Millisecond
	res, err := Run(context.Background(), f, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows[0].Status != "created" {
		t.Fatalf("status %s: %s", res.Rows[0].Status, res.Rows[0].Message)
	}
	waits := s.all()
	if len(waits) != 3 {
		t.Fatalf("waits %v, want 3", waits)
	}
	if waits[0] != 7*time.Second || waits[2] != 2*time.Second {
		t.Errorf("waits %v: Retry-After (7s, 2s) not honoured", waits)
	}
	// Without Retry-After: full-jitter backoff for the second retry, at most base*2.
	if waits[1] < 0 || waits[1] > 200*time.Millisecond {
		t.Errorf("backoff %v outside [0, 200ms]", waits[1])
	}
	if res.Stats.Retries != 3 || res.Stats.TooMany429 != 1 {
		t.Errorf("stats %+v, want 3 retries and one 429", res.Stats)
	}
}

func TestBackoffGrows(t *testing.T) {
	f := newFake().on("patch:u1", fault{status: 429}, fault{status: 429}, fault{status: 429}, fault{status: 429}, fault{status: 429})
	p := &plan.Plan{Rows: []plan.Row{patchRow(2, "u1", "updated")}}
	f.users["u1"] = ptrUser(existing("u1", "5"))
	var s sleeps
	opts := quickOpts(&s)
	opts.BaseDelay, opts.MaxDelay = 100*time.Millisecond, 300*time.Millisecond
	if _, err := Run(context.Background(), f, p, opts); err != nil {
		t.Fatal(err)
	}
	caps := []time.Duration{100, 200, 300, 300, 300}
	waits := s.all()
	if len(waits) != len(caps) {
		t.Fatalf("waits %v", waits)
	}
	for i, w := range waits {
		if w < 0 || w > caps[i]*time.Millisecond {
			t.Errorf("wait %d = %v, want within [0, %v]", i+1, w, caps[i]*time.Millisecond)
		}
	}
}

func TestPatchAndFatal(t *testing.T) {
	tests := []struct {
		name       string
		script     []fault
		missing    bool
		wantStatus plan.Status
		wantCalls  []string
		wantMsg    string
		wantErr    bool
	}{
		{name: "ok", wantStatus: "disabled", wantCalls: []string{"patch:u1"}},
		{name: "502 reads back and patches again", script: []fault{{status: 502}}, wantStatus: "disabled",
			wantCalls: []string{"patch:u1", "get:u1", "patch:u1"}},
		{name: "dropped patch is checked and sent again", script: []fault{{drop: true}}, wantStatus: "disabled",
			wantCalls: []string{"patch:u1", "get:u1", "patch:u1"}},
		{name: "404 final", missing: true, wantStatus: "failed", wantCalls: []string{"patch:u1"}, wantMsg: "Not Found: user u1 not found"},
		{name: "401 after re-auth is fatal", script: []fault{{status: 401}}, wantStatus: "skipped",
			wantCalls: []string{"patch:u1"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake().on("patch:u1", tt.script...)
			if !tt.missing {
				f.users["u1"] = ptrUser(existing("u1", "5"))
			}
			p := &plan.Plan{Rows: []plan.Row{patchRow(2, "u1", "disabled")}}
			var s sleeps
			res, err := Run(context.Background(), f, p, quickOpts(&s))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			got := res.Rows[0]
			if got.Status != tt.wantStatus || !strings.Contains(got.Message, tt.wantMsg) {
				t.Errorf("row %+v, want status %s and message with %q", got, tt.wantStatus, tt.wantMsg)
			}
			if calls := f.Calls(); !slices.Equal(calls, tt.wantCalls) {
				t.Errorf("calls %v, want %v", calls, tt.wantCalls)
			}
		})
	}
}

func TestFatalAuthStopsRun(t *testing.T) {
	var rows []plan.Row
	for i := range 20 {
		rows = append(rows, createRow(i+2, fmt.Sprintf("u%02d", i), "5"))
	}
	f := newFake()
	f.hook = func(ctx context.Context, call string) error {
		if call == "create:u03" {
			return fmt.Errorf("token: %w", apiclient.ErrAuth)
		}
		return nil
	}
	p := &plan.Plan{Rows: rows}
	var s sleeps
	opts := quickOpts(&s)
	opts.Concurrency = 1
	res, err := Run(context.Background(), f, p, opts)
	if !errors.Is(err, apiclient.ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
	if len(res.Rows) != 20 {
		t.Fatalf("%d rows, want every row", len(res.Rows))
	}
	for i, r := range res.Rows {
		want := plan.Status("created")
		if i >= 3 {
			want = "skipped"
		}
		if r.Status != want {
			t.Errorf("row %d: %s (%s), want %s", r.Row, r.Status, r.Message, want)
		}
		if i > 3 && !strings.Contains(r.Message, "fatal error") {
			t.Errorf("row %d message %q, want it to name the fatal error", r.Row, r.Message)
		}
	}
	if res.Interrupted {
		t.Error("a fatal error is not an interrupt")
	}
}

func TestPassthroughAndOutcomes(t *testing.T) {
	p := &plan.Plan{Rows: []plan.Row{
		{Sheet: "People", Row: 2, ID: "bad", Action: "create", Status: plan.StatusInvalid, Problems: []importer.Problem{
			{File: "people.xlsx", Sheet: "People", Row: 2, Column: "email", Message: "not an address; write it as name@example.com"},
			{Sheet: "People", Row: 2, Column: "phone", Message: "use ###-###-####"}}},
		{Sheet: "People", Row: 3, ID: "same", Action: "upsert", Status: plan.StatusUnchanged},
		patchRow(4, "u1", "enabled"),
		createRow(5, "newbie", "5"),
	}}
	f := newFake(existing("u1", "5"))
	var s sleeps
	var progress [][2]int
	opts := quickOpts(&s)
	opts.Progress = func(done, total int) { progress = append(progress, [2]int{done, total}) }
	res, err := Run(context.Background(), f, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []report.Row{
		{Sheet: "People", Row: 2, ID: "bad", Action: "create", Status: "invalid",
			Message: "email: not an address; write it as name@example.com; phone: use ###-###-####"},
		{Sheet: "People", Row: 3, ID: "same", Action: "upsert", Status: "unchanged"},
		{Sheet: "People", Row: 4, ID: "u1", Action: "update", Status: "enabled", HTTPStatus: 204, Attempts: 1,
			Review: report.Review{Steps: "enable"}},
		{Sheet: "People", Row: 5, ID: "newbie", Action: "create", Status: "created", HTTPStatus: 201, Attempts: 1,
			// The names of the user a row creates (plan.Row.Who).
			Review: report.Review{FirstName: "First newbie", LastName: "Last", Email: "newbie@example.com",
				NewOrganization: "organization 5", Steps: "create"}},
	}
	for i := range want {
		got := res.Rows[i]
		got.CorrelationID, got.DurationMS = "", 0
		if got != want[i] {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got, want[i])
		}
	}
	if len(progress) == 0 || progress[len(progress)-1] != [2]int{2, 2} {
		t.Errorf("progress %v, want it to end at 2/2", progress)
	}
	if res.Stats.ByStatus["invalid"] != 1 || res.Stats.ByStatus["created"] != 1 {
		t.Errorf("ByStatus %v", res.Stats.ByStatus)
	}
}

func TestMoves(t *testing.T) {
	// Rows 0-2 patch then move 5 -> 9 (one call); row 3 move only 5 -> 7;
	// row 4 patch+move 5 -> 8 alone in its call.
	build := func() *plan.Plan {
		p := &plan.Plan{Rows: []plan.Row{
			patchRow(2, "a", "moved"), patchRow(3, "b", "moved"), patchRow(4, "c", "moved"),
			{Sheet: "People", Row: 5, ID: "d", Action: "move", Status: plan.StatusPlanned, Outcome: "moved"},
			patchRow(6, "e", "moved"),
		}}
		addMove(p, "5", "9", 0, 1, 2)
		addMove(p, "5", "7", 3)
		addMove(p, "5", "8", 4)
		return p
	}
	users := []encompass.User{existing("a", "5"), existing("b", "5"), existing("c", "5"), existing("d", "5"), existing("e", "5")}
	tests := []struct {
		name       string
		setup      func(f *fakeAPI)
		wantStatus []plan.Status
		wantMoves  []string // move calls made, sorted
		wantMsg    map[int]string
	}{
		{name: "grouped", wantStatus: []plan.Status{"moved", "moved", "moved", "moved", "moved"},
			wantMoves: []string{"move:7=d", "move:8=e", "move:9=a,b,c"}},
		{name: "a failed patch leaves its user out of the move",
			setup: func(f *fakeAPI) {
				f.on("patch:b", fault{status: 400, details: "bad title"}).on("patch:e", fault{status: 403, details: "no access"})
			},
			wantStatus: []plan.Status{"moved", "failed", "moved", "moved", "failed"},
			wantMoves:  []string{"move:7=d", "move:9=a,c"},
			wantMsg:    map[int]string{1: "Bad Request: bad title; move not attempted", 4: "Forbidden: no access; move not attempted"}},
		{name: "dropped move is read back, not repeated",
			setup:      func(f *fakeAPI) { f.on("move:9", fault{drop: true}) },
			wantStatus: []plan.Status{"moved", "moved", "moved", "moved", "moved"},
			wantMoves:  []string{"move:7=d", "move:8=e", "move:9=a,b,c"}},
		{name: "503 move is read back and repeated",
			setup:      func(f *fakeAPI) { f.on("move:9", fault{status: 503}) },
			wantStatus: []plan.Status{"moved", "moved", "moved", "moved", "moved"},
			wantMoves:  []string{"move:7=d", "move:8=e", "move:9=a,b,c", "move:9=a,b,c"}},
		{name: "move refused fails its rows only",
			setup: func(f *fakeAPI) {
				f.on("move:7", fault{status: 400, code: "EBS-412", details: "cannot move a super administrator"})
			},
			wantStatus: []plan.Status{"moved", "moved", "moved", "failed", "moved"},
			wantMoves:  []string{"move:7=d", "move:8=e", "move:9=a,b,c"},
			wantMsg:    map[int]string{3: "Bad Request: cannot move a super administrator"}},
		{name: "failed move after a patch says the fields changed",
			setup:      func(f *fakeAPI) { f.on("move:8", fault{status: 400, details: "nope"}) },
			wantStatus: []plan.Status{"moved", "moved", "moved", "moved", "failed"},
			wantMoves:  []string{"move:7=d", "move:8=e", "move:9=a,b,c"},
			wantMsg:    map[int]string{4: "fields updated, move failed: Bad Request: nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(users...)
			if tt.setup != nil {
				tt.setup(f)
			}
			var s sleeps
			res, err := Run(context.Background(), f, build(), quickOpts(&s))
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range tt.wantStatus {
				if got := res.Rows[i]; got.Status != want {
					t.Errorf("row %d (%s): %s (%s), want %s", got.Row, got.ID, got.Status, got.Message, want)
				}
			}
			for i, m := range tt.wantMsg {
				if !strings.Contains(res.Rows[i].Message, m) {
					t.Errorf("row %d message %q, want %q", res.Rows[i].Row, res.Rows[i].Message, m)
				}
			}
			var moves []string
			for _, c := range f.Calls() {
				if strings.HasPrefix(c, "move:") {
					moves = append(moves, c)
				}
			}
			slices.Sort(moves)
			if !slices.Equal(moves, tt.wantMoves) {
				t.Errorf("move calls %v, want %v", moves, tt.wantMoves)
			}
			if len(f.moves) > 0 {
				applied := map[string]int{}
				for _, m := range f.moves {
					for _, id := range m {
						applied[id]++
					}
				}
				for id, n := range applied {
					if n > 1 {
						t.Errorf("user %s moved %d times", id, n)
					}
				}
			}
		})
	}
}

func TestInterruptLetsInFlightFinish(t *testing.T) {
	var rows []plan.Row
	for i := range 10 {
		rows = append(rows, createRow(i+2, fmt.Sprintf("u%02d", i), "5"))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan string, 10)
	release := make(chan struct{})
	f := newFake()
	f.hook = func(callCtx context.Context, call string) error {
		started <- call
		select {
		case <-release:
			return nil
		case <-callCtx.Done():
			return callCtx.Err() // would mean the in-flight call was cut off
		}
	}
	go func() {
		<-started
		<-started
		cancel()
		time.Sleep(20 * time.Millisecond) // the calls in flight outlive the cancel
		close(release)
	}()
	var s sleeps
	opts := quickOpts(&s)
	opts.Concurrency = 2
	res, err := Run(ctx, f, &plan.Plan{Rows: rows}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted {
		t.Error("Interrupted not set")
	}
	created, skipped := 0, 0
	for _, r := range res.Rows {
		switch r.Status {
		case "created":
			created++
		case "skipped":
			skipped++
			if r.Message != MsgInterrupted || r.Attempts != 0 {
				t.Errorf("row %d: %+v", r.Row, r)
			}
		default:
			t.Errorf("row %d: unexpected %s (%s)", r.Row, r.Status, r.Message)
		}
	}
	if created != 2 || skipped != 8 {
		t.Errorf("created %d, skipped %d; want the 2 calls in flight to finish and 8 skipped", created, skipped)
	}
	if n := len(f.Calls()); n != 2 {
		t.Errorf("%d calls, want 2 (nothing dispatched after the interrupt)", n)
	}
}

func TestInterruptGraceBound(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := newFake()
	f.hook = func(callCtx context.Context, call string) error {
		cancel()
		<-callCtx.Done() // hangs until the grace bound ends it
		return callCtx.Err()
	}
	var s sleeps
	opts := quickOpts(&s)
	opts.Grace = 20 * time.Millisecond
	res, err := Run(ctx, f, &plan.Plan{Rows: []plan.Row{createRow(2, "slow", "5")}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Rows[0]
	if r.Status != plan.StatusUnknown || !strings.Contains(r.Message, "may or may not have taken effect") || !res.Interrupted {
		t.Errorf("row %+v interrupted=%v", r, res.Interrupted)
	}
}

// TestSecondInterruptEndsTheGrace: the interrupt logs what the run waits
// for; the stop-now context (a second Ctrl-C) cuts the calls in flight off
// long before the grace, and their rows are unknown, never skipped.
func TestSecondInterruptEndsTheGrace(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	now, stopNow := context.WithCancel(context.Background())
	defer stopNow()
	started := make(chan struct{}, 3)
	f := newFake()
	f.hook = func(callCtx context.Context, call string) error {
		started <- struct{}{}
		<-callCtx.Done() // a server that never answers
		return callCtx.Err()
	}
	var logs syncbuf.Buffer
	var s sleeps
	opts := quickOpts(&s)
	opts.Concurrency, opts.Grace = 3, time.Minute
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	go func() {
		for range 3 {
			<-started
		}
		cancel()
		time.Sleep(50 * time.Millisecond)
		stopNow()
	}()
	rows := []plan.Row{createRow(2, "a", "5"), createRow(3, "b", "5"), createRow(4, "c", "5"), createRow(5, "d", "5")}
	start := time.Now()
	res, err := Run(WithStopNow(ctx, now), f, &plan.Plan{Rows: rows}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the run took %v: the second interrupt did not end the grace", d)
	}
	got := map[plan.Status]int{}
	for _, r := range res.Rows {
		got[r.Status]++
		if r.Status == plan.StatusUnknown && !strings.Contains(r.Message, "rerun") {
			t.Errorf("row %d: %q", r.Row, r.Message)
		}
	}
	if got[plan.StatusUnknown] != 3 || got[plan.StatusSkipped] != 1 || !res.Interrupted {
		t.Errorf("statuses %v interrupted=%v; want the 3 sent unknown, the one never sent skipped", got, res.Interrupted)
	}
	if l := logs.String(); !strings.Contains(l, "waiting up to 1m0s for 3 calls in flight") || !strings.Contains(l, "Ctrl-C") {
		t.Errorf("no line says what the run waits for:\n%s", l)
	}
}

func TestInterruptDuringBackoffSettlesUncertainWrite(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFake().on("create:jdoe", fault{drop: true}).on("get:jdoe", fault{stale: true})
	// drop, read back (stale 404), then a 429 whose wait is interrupted.
	f.on("create:jdoe", fault{status: 429})
	var s sleeps
	opts := quickOpts(&s)
	opts.Sleep = func(ctx context.Context, d time.Duration) error {
		cancel()
		return context.Canceled
	}
	res, err := Run(ctx, f, &plan.Plan{Rows: []plan.Row{createRow(2, "jdoe", "5")}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	// The 429 is not uncertain: the row is skipped without another call.
	if r := res.Rows[0]; r.Status != "skipped" {
		t.Errorf("row %+v", r)
	}
	f2 := newFake().on("create:jdoe", fault{drop: true})
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	opts.Sleep = func(ctx context.Context, d time.Duration) error { cancel2(); return context.Canceled }
	f2.on("get:jdoe", fault{status: 503}) // the read back after the drop fails ...
	res, err = Run(ctx2, f2, &plan.Plan{Rows: []plan.Row{createRow(2, "jdoe", "5")}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	// ... and the interrupt comes before it can be read again: unknown.
	if r := res.Rows[0]; r.Status != plan.StatusUnknown || !strings.Contains(r.Message, "may or may not have taken effect") {
		t.Errorf("row %+v", r)
	}
}

func TestNoSecretInReportOrLogs(t *testing.T) {
	const pw = "Hunter2!x"
	row := createRow(2, "jdoe", "5")
	row.NeedsPassword, row.Password = true, pw
	prow := patchRow(3, "u1", "updated")
	prow.NeedsPassword, prow.Password = true, pw
	f := newFake(existing("u1", "5")).
		on("create:jdoe", fault{status: 400, code: "EBS-403", details: "password: use at most 50 characters"}).
		on("patch:u1", fault{status: 503}, fault{status: 400, details: "password: does not meet the policy"})
	var logs bytes.Buffer
	var s sleeps
	opts := quickOpts(&s)
	opts.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	dir := t.TempDir()
	j, err := OpenJournal(dir, "abcdef0123456789")
	if err != nil {
		t.Fatal(err)
	}
	opts.Journal = j
	res, err := Run(context.Background(), f, &plan.Plan{Rows: []plan.Row{row, prow}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	if !slices.Contains(f.pw, pw) || !slices.Contains(f.pw, `"`+pw+`"`) {
		t.Fatalf("the password was not sent on create and patch: %q", f.pw)
	}
	if res.Rows[0].Status != "failed" || res.Rows[1].Status != "failed" {
		t.Fatalf("rows %+v", res.Rows)
	}
	journal, _ := os.ReadFile(j.Path())
	check := func(what string, b []byte) {
		t.Helper()
		if bytes.Contains(b, []byte(pw)) || bytes.Contains(b, []byte("Hunter2")) {
			t.Errorf("%s leaks the password:\n%s", what, b)
		}
	}
	check("log", logs.Bytes())
	check("journal", journal)
	for _, ext := range []string{".csv", ".xlsx", ".jsonl"} {
		path := filepath.Join(dir, "r"+ext)
		if err := report.Write(path, res.Rows); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		check(ext+" report", b)
	}
	if logs.Len() == 0 {
		t.Error("nothing logged: the log check proves nothing")
	}
}

func TestLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	unlock, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(dir); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("second Lock: %v, want ErrLocked naming the directory", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock2, err := Lock(dir)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	_ = unlock2()
}

func TestStatusOfHelpers(t *testing.T) {
	if !isFatal(fmt.Errorf("x: %w", apiclient.ErrAuth)) || !isFatal(&apiclient.Error{StatusCode: http.StatusUnauthorized}) || isFatal(&apiclient.Error{StatusCode: 403}) {
		t.Error("isFatal")
	}
}

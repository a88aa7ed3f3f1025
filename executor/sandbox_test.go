package executor_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/executor"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/planner"
)

// rec builds a normalised record from column/value pairs.
func rec(row int, kv ...string) *importer.Record {
	r := &importer.Record{Sheet: "People", Row: row}
	for i := 0; i+1 < len(kv); i += 2 {
		found := false
		for _, c := range importer.Columns() {
			if c.String() == kv[i] {
				r.Set(c, kv[i+1])
				found = true
			}
		}
		if !found {
			panic("unknown column " + kv[i])
		}
	}
	return r
}

func newRec(row int, id string) *importer.Record {
	return rec(row, "action", "upsert", "id", id, "firstName", "Bulk", "lastName", fmt.Sprintf("User %d", row),
		"email", id+"@example.com", "password", "Welcome-123", "workingFolder", "My Pipeline",
		"personas", "Loan Officer", "orgId", "Denver Branch")
}

type env struct {
	sb *sandbox.Running
	c  *apiclient.Client
}

// forEachDialect runs f against the sandbox in each of its wire dialects, so
// a wrong guess about the vendor's shapes fails a test.
func forEachDialect(t *testing.T, f func(t *testing.T, dialect string)) {
	for _, d := range sandbox.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			f(t, d)
		})
	}
}

func startSandbox(t *testing.T, opts sandbox.Options, concurrency int) *env {
	t.Helper()
	sb, err := sandbox.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return connect(t, sb, concurrency)
}

// connect makes a client for sb, pacing concurrency calls in flight.
func connect(t *testing.T, sb *sandbox.Running, concurrency int) *env {
	t.Helper()
	c, err := apiclient.New(sb.URL,
		sandbox.Login(sandbox.BuiltinAdminID),
		apiclient.WithRetry(8, 20*time.Millisecond, 200*time.Millisecond),
		apiclient.WithConcurrency(concurrency))
	if err != nil {
		t.Fatal(err)
	}
	return &env{sb: sb, c: c}
}

// plan fetches the world and plans recs, passwords filled in.
func (e *env) plan(t *testing.T, ctx context.Context, recs func() []*importer.Record) *plan.Plan {
	t.Helper()
	w, err := planner.Fetch(ctx, e.c)
	if err != nil {
		t.Fatal(err)
	}
	p := planner.Build(recs(), w, plan.Input{Path: "people.csv"}, plan.Options{DefaultAction: encompass.ActionUpsert})
	return p
}

func (e *env) run(t *testing.T, ctx context.Context, p *plan.Plan, concurrency int) *executor.Result {
	t.Helper()
	res, err := executor.Run(ctx, e.c, p, executor.Options{Concurrency: concurrency, BaseDelay: 10 * time.Millisecond,
		MaxDelay: 200 * time.Millisecond, MaxAttempts: 8})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSandboxEveryAction(t *testing.T) { forEachDialect(t, testSandboxEveryAction) }

func testSandboxEveryAction(t *testing.T, dialect string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e := startSandbox(t, sandbox.Options{Dialect: dialect}, 8)
	recs := func() []*importer.Record {
		return []*importer.Record{
			newRec(2, "itest.new"),
			rec(3, "action", "update", "id", "lo.denver", "title", "Branch Manager"),
			rec(4, "action", "move", "id", "lo.jchen", "orgId", "Boston Branch"),
			rec(5, "action", "move", "id", "lo.rortiz", "orgId", "Boston Branch"),
			rec(6, "action", "disable", "id", "lp.denver"),
			rec(7, "action", "enable", "id", "lo.former"),
			rec(8, "action", "upsert", "id", "uw.denver", "title", "Chief Underwriter", "orgId", "Phoenix Branch"),
		}
	}
	p := e.plan(t, ctx, recs)
	want := []plan.Status{"created", "updated", "moved", "moved", "disabled", "enabled"}
	res := e.run(t, ctx, p, 8)
	for i, w := range want {
		if r := res.Rows[i]; r.Status != w || r.CorrelationID == "" || r.Attempts < 1 {
			t.Errorf("row %d (%s): %+v, want %s", r.Row, r.ID, r, w)
		}
	}
	if r := res.Rows[6]; r.Status != p.Rows[6].Outcome || r.Status == "failed" {
		t.Errorf("upsert row: %+v, plan outcome %s", r, p.Rows[6].Outcome)
	}
	if len(p.Moves) == 0 || len(p.Moves[0].UserIDs) < 2 {
		t.Errorf("moves %+v: the two moves to Boston should share a call", p.Moves)
	}
	if st := e.sb.Server.Stats(); st.Moves != int64(len(p.Moves)) {
		t.Errorf("server applied %d move calls, want %d", st.Moves, len(p.Moves))
	}
	if u, ok := e.sb.Server.User("lo.jchen"); !ok || u.Organization.EntityID != sandbox.OrgBostonBranch {
		t.Errorf("lo.jchen not in Boston: %+v", u.Organization)
	}
	if u, ok := e.sb.Server.User("uw.denver"); !ok || u.Organization.EntityID != sandbox.OrgPhoenixBranch || u.Title != "Chief Underwriter" {
		t.Errorf("uw.denver: org %+v title %q", u.Organization, u.Title)
	}
	if _, ok := e.sb.Server.User("itest.new"); !ok {
		t.Error("itest.new not created")
	}

	// The same rows again: nothing to do, no write call.
	before := e.sb.Server.Stats()
	p2 := e.plan(t, ctx, recs)
	res2 := e.run(t, ctx, p2, 8)
	for _, r := range res2.Rows {
		if r.Status != "unchanged" {
			t.Errorf("second run row %d (%s): %s %s, want unchanged", r.Row, r.ID, r.Status, r.Message)
		}
	}
	after := e.sb.Server.Stats()
	if after.Creates != before.Creates || after.Patches != before.Patches || after.Moves != before.Moves || res2.Stats.Calls != 0 {
		t.Errorf("second run wrote: before %+v after %+v, calls %d", before, after, res2.Stats.Calls)
	}
}

func TestSandboxFaultsNeverDuplicate(t *testing.T) {
	forEachDialect(t, testSandboxFaultsNeverDuplicate)
}

func testSandboxFaultsNeverDuplicate(t *testing.T, dialect string) {
	if testing.Short() {
		t.Skip("200 rows against a faulty sandbox")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	const n = 200
	e := startSandbox(t, sandbox.Options{Dialect: dialect, Seed: 7}, 16)
	recs := func() []*importer.Record {
		rs := make([]*importer.Record, n)
		for i := range rs {
			rs[i] = newRec(i+2, fmt.Sprintf("bulk.%03d", i))
		}
		return rs
	}
	p := e.plan(t, ctx, recs) // plan without faults: the faults are for the writes
	e.sb.Server.SetFaults(0.1, 0.05)
	e.sb.Server.ResetStats()
	res := e.run(t, ctx, p, 16)
	for _, r := range res.Rows {
		if r.Status != "created" {
			t.Errorf("row %d (%s): %s %s", r.Row, r.ID, r.Status, r.Message)
		}
		if _, ok := e.sb.Server.User(r.ID); !ok {
			t.Errorf("%s missing on the server", r.ID)
		}
	}
	st := e.sb.Server.Stats()
	if st.Creates != n {
		t.Errorf("server applied %d creates for %d users: a user was created twice or not at all", st.Creates, n)
	}
	if st.Drops == 0 || st.Faults5xx == 0 {
		t.Errorf("no faults injected (%+v): the test proves nothing", st)
	}
	if res.Stats.Reconciles == 0 {
		t.Errorf("no read back after %d drops", st.Drops)
	}
	t.Logf("server %+v; run %+v", st, res.Stats)
}

func TestSandbox429Storm(t *testing.T) { forEachDialect(t, testSandbox429Storm) }

func testSandbox429Storm(t *testing.T, dialect string) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	const n = 60
	e := startSandbox(t, sandbox.Options{Dialect: dialect, ConcurrencyLimit: 4, Latency: 5 * time.Millisecond}, 16)
	recs := func() []*importer.Record {
		rs := make([]*importer.Record, n)
		for i := range rs {
			rs[i] = newRec(i+2, fmt.Sprintf("storm.%03d", i))
		}
		return rs
	}
	p := e.plan(t, ctx, recs)
	e = connect(t, e.sb, 16) // a limiter that has not learnt the cap from planning
	e.sb.Server.ResetStats()
	res := e.run(t, ctx, p, 16)
	for _, r := range res.Rows {
		if r.Status != "created" {
			t.Errorf("row %d (%s): %s %s", r.Row, r.ID, r.Status, r.Message)
		}
	}
	st := e.sb.Server.Stats()
	if st.Creates != n {
		t.Errorf("%d creates applied, want %d", st.Creates, n)
	}
	// Adapting to the cap keeps the run off 429s: far fewer than one per row.
	if st.TooMany429 == 0 {
		t.Error("no 429 at all: the storm did not happen, the test proves nothing")
	}
	if st.TooMany429 >= n/2 {
		t.Errorf("%d 429s for %d rows: the run lives on 429s instead of metering itself", st.TooMany429, n)
	}
	if l := e.c.ConcurrencyLimit(); l > 4 {
		t.Errorf("limiter at %d, above the server's cap of 4", l)
	}
	t.Logf("server 429s %d, max in flight %d, limiter %d, run %+v", st.TooMany429, st.MaxInFlight, e.c.ConcurrencyLimit(), res.Stats)
}

// TestSandboxWaitsHoldNoSlot: the executor's waits between attempts (after
// a write's 5xx or 429, before reading back again) hold no slot of the
// client's pacer: with one worker, nothing is in flight while it waits.
func TestSandboxWaitsHoldNoSlot(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e := startSandbox(t, sandbox.Options{FailRate: 0.3, DropAfterCommitRate: 0.2, Seed: 5}, 1)
	p := e.plan(t, ctx, func() []*importer.Record {
		rs := make([]*importer.Record, 20)
		for i := range rs {
			rs[i] = newRec(i+2, fmt.Sprintf("wait.%02d", i))
		}
		return rs
	})
	var waits, held atomic.Int64
	res, err := executor.Run(ctx, e.c, p, executor.Options{Concurrency: 1, MaxAttempts: 8,
		Sleep: func(context.Context, time.Duration) error {
			waits.Add(1)
			if e.c.InFlight() != 0 {
				held.Add(1)
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Rows {
		if r.Status != "created" {
			t.Errorf("row %d (%s): %s %s", r.Row, r.ID, r.Status, r.Message)
		}
	}
	if waits.Load() == 0 || res.Stats.Reconciles == 0 {
		t.Fatalf("%d waits, %d reads back: the faults did not happen, the test proves nothing", waits.Load(), res.Stats.Reconciles)
	}
	if n := held.Load(); n != 0 {
		t.Errorf("%d of %d waits held a slot", n, waits.Load())
	}
}

// TestSandboxInterruptSendsNoWaitingCall: a write waiting for the client's
// slot when the run is interrupted is not sent (it would begin after the
// interrupt); the one in flight finishes.
func TestSandboxInterruptSendsNoWaitingCall(t *testing.T) {
	e := startSandbox(t, sandbox.Options{Latency: 300 * time.Millisecond}, 1)
	p := e.plan(t, context.Background(), func() []*importer.Record {
		return []*importer.Record{newRec(2, "intr.a"), newRec(3, "intr.b"), newRec(4, "intr.c")}
	})
	e.sb.Server.ResetStats()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	res, err := executor.Run(ctx, e.c, p, executor.Options{Concurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted {
		t.Error("not interrupted")
	}
	if st := e.sb.Server.Stats(); st.Creates != 1 {
		t.Errorf("%d creates applied, want only the one in flight at the interrupt", st.Creates)
	}
	status := map[plan.Status]int{}
	for _, r := range res.Rows {
		status[r.Status]++
	}
	if status["created"] != 1 || status["skipped"] != 2 {
		t.Errorf("statuses %v, want 1 created and 2 skipped", status)
	}
}

// TestSandboxOverlappingRuns: two runs of overlapping files. The first
// creates ovl.same (as the second's row asks) and ovl.other (with another
// title) after the second was planned: the second's creates are answered
// 409 and read back: the matching user is unchanged, the other failed with
// its difference named. A disable row with a comment and an organization in
// the same run applies all three.
func TestSandboxOverlappingRuns(t *testing.T) { forEachDialect(t, testSandboxOverlappingRuns) }

func testSandboxOverlappingRuns(t *testing.T, dialect string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e := startSandbox(t, sandbox.Options{Dialect: dialect}, 4)
	other := func() *importer.Record {
		r := newRec(3, "ovl.other")
		r.Set(importer.ColTitle, "Loan Officer")
		return r
	}
	recs := func() []*importer.Record {
		return []*importer.Record{
			newRec(2, "ovl.same"),
			other(),
			rec(4, "action", "disable", "id", "lo.rortiz", "comments", "Left 2025-06-30", "orgId", "Wholesale"),
		}
	}
	late := e.plan(t, ctx, recs) // planned before the other run created the users

	first := e.plan(t, ctx, func() []*importer.Record {
		r := other()
		r.Set(importer.ColTitle, "Senior Loan Officer")
		return []*importer.Record{newRec(2, "ovl.same"), r}
	})
	if res := e.run(t, ctx, first, 4); res.Rows[0].Status != plan.StatusCreated || res.Rows[1].Status != plan.StatusCreated {
		t.Fatalf("first run: %+v", res.Rows)
	}
	before := e.sb.Server.Stats()

	res := e.run(t, ctx, late, 4)
	if r := res.Rows[0]; r.Status != plan.StatusUnchanged || !contains(r.Message, "answered 409", "someone else created it") {
		t.Errorf("matching user: %s %q", r.Status, r.Message)
	}
	if r := res.Rows[1]; r.Status != plan.StatusFailed || r.HTTPStatus != 409 ||
		!contains(r.Message, "answered 409", `title: server "Senior Loan Officer" vs row "Loan Officer"`) {
		t.Errorf("differing user: %s %d %q", r.Status, r.HTTPStatus, r.Message)
	}
	if r := res.Rows[2]; r.Status != plan.StatusDisabled {
		t.Errorf("disable row: %s %q", r.Status, r.Message)
	}
	after := e.sb.Server.Stats()
	if n := after.Creates - before.Creates; n != 0 {
		t.Errorf("%d users created by the second run", n)
	}
	if n := after.Conflicts409 - before.Conflicts409; n != 2 {
		t.Errorf("%d 409s, want 2", n)
	}
	if u, _ := e.sb.Server.User("ovl.other"); u.Title != "Senior Loan Officer" {
		t.Errorf("the other run's user was changed: title %q", u.Title)
	}
	u, _ := e.sb.Server.User("lo.rortiz")
	if u.AccountEnabled == nil || *u.AccountEnabled || u.Comments != "Left 2025-06-30" || u.Organization.EntityID != sandbox.OrgWholesale {
		t.Errorf("lo.rortiz: enabled %v comments %q org %+v", u.AccountEnabled, u.Comments, u.Organization)
	}
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

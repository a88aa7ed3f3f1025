package bench

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/executor"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/planner"
)

// API configures the sandbox and the executor of the API scenarios.
type API struct {
	Latency     time.Duration // sandbox latency per call (50ms in make bench)
	Limit       int           // sandbox concurrency limit (30, the Encompass default)
	Concurrency int           // executor concurrency (30)
}

// Bound is the most calls per second any client can make when hold of the
// Limit slots are taken by someone else: (Limit-hold)/Latency.
func (a API) Bound(hold int) float64 {
	if a.Latency <= 0 {
		return 0
	}
	return float64(a.Limit-hold) / a.Latency.Seconds()
}

// env is one sandbox with a real apiclient talking to it over loopback.
type env struct {
	run     *sandbox.Running
	client  *apiclient.Client
	writes  atomic.Int64 // write replies the client saw (any status)
	tooMany atomic.Int64 // 429 replies the client saw
}

// start runs a sandbox and a client for it, pacing Concurrency calls in
// flight when paced (as `encimport apply` does).
func (a API) start(world *sandbox.World, paced bool) (*env, error) {
	run, err := sandbox.Start(sandbox.Options{World: world, Latency: a.Latency, ConcurrencyLimit: a.Limit})
	if err != nil {
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	e := &env{run: run}
	observe := func(r *apiclient.Response) {
		if r == nil || r.Response == nil {
			return
		}
		if r.Request != nil && (r.Request.Method == http.MethodPost || r.Request.Method == http.MethodPatch) {
			e.writes.Add(1)
		}
		if r.StatusCode == http.StatusTooManyRequests {
			e.tooMany.Add(1)
		}
	}
	opts := []apiclient.Option{
		apiclient.WithClientCredentials(sandbox.DefaultInstanceID, sandbox.DefaultClientID, sandbox.DefaultClientSecret),
		apiclient.WithObserver(observe),
	}
	if paced {
		opts = append(opts, apiclient.WithConcurrency(a.Concurrency))
	}
	e.client, err = apiclient.New(run.URL, opts...)
	if err != nil {
		run.Close()
		return nil, err
	}
	return e, nil
}

func (e *env) close() { e.run.Close() }

// plan fetches the server state and builds the plan for recs with the real
// planner; a row the planner finds invalid is a bug of the generator.
func (e *env) plan(ctx context.Context, recs []*importer.Record) (*plan.Plan, error) {
	w, err := planner.Fetch(ctx, e.client)
	if err != nil {
		return nil, fmt.Errorf("planning reads: %w", err)
	}
	p := planner.Build(recs, w, plan.Input{Path: "bench", SHA256: "bench"},
		plan.Options{DefaultAction: encompass.ActionUpsert, MoveBatchSize: 100})
	for _, r := range p.Rows {
		if r.Status == plan.StatusInvalid {
			msg := "no problem listed"
			if len(r.Problems) > 0 {
				msg = r.Problems[0].Error()
			}
			return nil, fmt.Errorf("bench input row %d (%s) is invalid: %s", r.Row, r.ID, msg)
		}
	}
	return p, nil
}

// ApplyResult is one run of the executor against the sandbox.
type ApplyResult struct {
	Rows         int
	Done         int            // rows that reached their planned outcome
	Failed       int            // rows failed or skipped
	FirstFailure string         // the first failed row's message, if any
	WriteCalls   int64          // writes the sandbox applied during execution
	ClientWrites int64          // write replies the client saw (429s included)
	TooMany429   int64          // 429s the sandbox answered during execution
	MaxInFlight  int64          // most calls (and held slots) in flight at once
	Elapsed      time.Duration  // executor.Run, wall clock
	Reads        plan.ReadStats // planning reads, as the planner counted them
	ServerReads  int64          // planning requests the sandbox saw (token calls excluded)
	PlanCalls    int            // write calls in the plan (creates + patches + move calls)
	MoveCalls    int            // move calls in the plan
	AvgLimit     float64        // the adaptive limiter's bound on calls in flight, averaged over the run
}

// CallsPerSecond is the applied write calls per second of execution.
func (r ApplyResult) CallsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.WriteCalls) / r.Elapsed.Seconds()
}

// apply plans recs against e, then runs the plan through the executor, the
// client pacing its calls, exactly as `encimport apply` wires them.
func (a API) apply(ctx context.Context, world *sandbox.World, recs []*importer.Record, hold int) (ApplyResult, error) {
	e, err := a.start(world, true)
	if err != nil {
		return ApplyResult{}, err
	}
	defer e.close()

	srv := e.run.Server
	srv.ResetStats()
	p, err := e.plan(ctx, recs)
	if err != nil {
		return ApplyResult{}, err
	}
	st := srv.Stats()
	res := ApplyResult{Rows: len(p.Rows), Reads: p.Reads, ServerReads: st.Requests - st.TokenRequests, MoveCalls: len(p.Moves)}
	for _, r := range p.Rows {
		if r.Create != nil || r.Patch != nil {
			res.PlanCalls++
		}
	}
	res.PlanCalls += len(p.Moves)

	if hold > 0 {
		release := srv.Hold(hold)
		defer release()
	}
	srv.ResetStats()
	e.writes.Store(0)
	// Sample the limiter's bound every millisecond: its average says how
	// much of the free cap the executor allowed itself.
	stopSample, sampled := make(chan struct{}), make(chan float64)
	go func() {
		tk := time.NewTicker(time.Millisecond)
		defer tk.Stop()
		samples, sum := 0, 0
		for {
			select {
			case <-stopSample:
				sampled <- float64(sum) / float64(max(samples, 1))
				return
			case <-tk.C:
				samples++
				sum += e.client.ConcurrencyLimit()
			}
		}
	}()
	start := time.Now()
	out, err := executor.Run(ctx, e.client, p, executor.Options{Concurrency: a.Concurrency})
	res.Elapsed = time.Since(start)
	close(stopSample)
	res.AvgLimit = <-sampled
	if err != nil {
		return res, fmt.Errorf("executor: %w", err)
	}
	st = srv.Stats()
	res.WriteCalls = st.Creates + st.Patches + st.Moves
	res.TooMany429 = st.TooMany429
	res.MaxInFlight = st.MaxInFlight
	res.ClientWrites = e.writes.Load()
	for _, r := range out.Rows {
		switch r.Status {
		case plan.StatusFailed, plan.StatusSkipped, plan.StatusInvalid, plan.StatusPlanned:
			res.Failed++
			if res.FirstFailure == "" {
				res.FirstFailure = fmt.Sprintf("row %d (%s): %s %s", r.Row, r.ID, r.Status, r.Message)
			}
		default:
			res.Done++
		}
	}
	return res, nil
}

// createRecords are n valid creates of new users in Denver Branch.
func createRecords(prefix string, n int) []*importer.Record {
	recs := make([]*importer.Record, n)
	for i := range recs {
		recs[i] = Record("bench", i, PersonRow(prefix, i, sandbox.OrgDenverBranch))
	}
	return recs
}

// Creates applies n creates of new users against a default-world sandbox
// while hold of its slots are taken by another client (Server.Hold).
func (a API) Creates(ctx context.Context, n, hold int) (ApplyResult, error) {
	return a.apply(ctx, nil, createRecords("c", n), hold)
}

// MovePairs are the (source, target) organizations of the move scenario,
// all below the root so that no rule forbids the moves.
var MovePairs = [][2]string{
	{sandbox.OrgDenverBranch, sandbox.OrgPhoenixBranch},
	{sandbox.OrgPhoenixBranch, sandbox.OrgBostonBranch},
	{sandbox.OrgBostonBranch, sandbox.OrgDenverBranch},
	{sandbox.OrgWholesale, sandbox.OrgRetail},
	{sandbox.OrgRetail, sandbox.OrgWholesale},
	{sandbox.OrgWestRegion, sandbox.OrgEastRegion},
	{sandbox.OrgEastRegion, sandbox.OrgWestRegion},
}

// SplitMoves divides total users over len(MovePairs) pairs unevenly (so the
// per-pair rounding of the lower bound matters): shares 25, 20, 17, 14, 11,
// 8 and 5 percent, the remainder to the first pair.
func SplitMoves(total int) []int {
	shares := []int{25, 20, 17, 14, 11, 8, 5}
	counts := make([]int, len(shares))
	sum := 0
	for k, s := range shares {
		counts[k] = total * s / 100
		sum += counts[k]
	}
	counts[0] += total - sum
	return counts
}

// MoveLowerBound is the fewest bulk-move calls the API allows for counts
// users per pair: the sum over pairs of ceil(n/batch).
func MoveLowerBound(counts []int, batch int) int {
	calls := 0
	for _, n := range counts {
		calls += (n + batch - 1) / batch
	}
	return calls
}

// benchUser is a seeded user of the generated worlds.
func benchUser(id, org string, i int) encompass.User {
	t := true
	return encompass.User{
		ID: id, FirstName: firstNames[i%len(firstNames)], LastName: lastNames[(i/7)%len(lastNames)],
		Email: id + "@example.com", Password: sandbox.DefaultPassword, Title: "Loan Officer",
		WorkingFolder: "My Pipeline", Organization: &encompass.EntityRef{EntityID: org},
		Personas:       []encompass.EntityRef{{EntityID: sandbox.PersonaIDLoanOfficer}},
		AccountEnabled: &t, LoginEnabled: &t,
	}
}

// moveWorld is the default world plus counts[k] users in MovePairs[k]'s
// source, and the rows moving each of them to the pair's target.
func moveWorld(prefix string, counts []int) (*sandbox.World, []*importer.Record) {
	w := sandbox.DefaultWorld()
	var recs []*importer.Record
	i := 0
	for k, n := range counts {
		for range n {
			id := prefix + strconv.Itoa(100000+i)
			w.Users = append(w.Users, benchUser(id, MovePairs[k][0], i))
			r := &importer.Record{Sheet: "bench", Row: i + 2}
			r.Set(importer.ColAction, string(encompass.ActionMove))
			r.Set(importer.ColID, id)
			r.Set(importer.ColOrgID, MovePairs[k][1])
			recs = append(recs, r)
			i++
		}
	}
	return w, recs
}

// Moves applies the moves of SplitMoves-style counts (users per pair of
// MovePairs) through the planner and executor.
func (a API) Moves(ctx context.Context, counts []int) (ApplyResult, error) {
	w, recs := moveWorld("m", counts)
	return a.apply(ctx, w, recs, 0)
}

// PlanResult is one planning run.
type PlanResult struct {
	Rows        int
	Users       int            // users on the server
	Reads       plan.ReadStats // as the planner counted them
	ServerReads int64          // API requests the sandbox saw (token calls excluded)
	LowerBound  int            // ceil(users/page) + 1 org + 1 persona + 1 me
	Elapsed     time.Duration
}

// Planning builds the plan of n upserts of existing users (every fourth with
// a new title) against a server holding those n users plus the default
// world, counting the read calls.
func (a API) Planning(ctx context.Context, n int) (PlanResult, error) {
	w := sandbox.DefaultWorld()
	recs := make([]*importer.Record, n)
	for i := range recs {
		id := "p" + strconv.Itoa(100000+i)
		u := benchUser(id, sandbox.OrgDenverBranch, i)
		w.Users = append(w.Users, u)
		r := &importer.Record{Sheet: "bench", Row: i + 2}
		r.Set(importer.ColAction, string(encompass.ActionUpsert))
		r.Set(importer.ColID, id)
		r.Set(importer.ColFirstName, u.FirstName)
		r.Set(importer.ColLastName, u.LastName)
		r.Set(importer.ColEmail, u.Email)
		r.Set(importer.ColOrgID, sandbox.OrgDenverBranch)
		if i%4 == 0 {
			r.Set(importer.ColTitle, "Senior Loan Officer")
		}
		recs[i] = r
	}
	users := len(w.Users)
	e, err := a.start(w, false)
	if err != nil {
		return PlanResult{}, err
	}
	defer e.close()
	e.run.Server.ResetStats()
	start := time.Now()
	p, err := e.plan(ctx, recs)
	if err != nil {
		return PlanResult{}, err
	}
	st := e.run.Server.Stats()
	page := apiclient.DefaultListPageSize
	return PlanResult{
		Rows: len(p.Rows), Users: users, Reads: p.Reads, ServerReads: st.Requests - st.TokenRequests,
		LowerBound: (users+page-1)/page + 4, Elapsed: time.Since(start),
	}, nil
}

// NaiveResult is a run of the naive client: one goroutine, one call at a
// time, no grouping.
type NaiveResult struct {
	Rows    int
	Calls   int
	Failed  int
	Elapsed time.Duration
}

// CallsPerSecond is the naive client's call rate.
func (r NaiveResult) CallsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Calls) / r.Elapsed.Seconds()
}

// NaiveCreates creates n users one call at a time (the same bodies the
// planner would send).
func (a API) NaiveCreates(ctx context.Context, n int) (NaiveResult, error) {
	e, err := a.start(nil, false)
	if err != nil {
		return NaiveResult{}, err
	}
	defer e.close()
	p, err := e.plan(ctx, createRecords("n", n))
	if err != nil {
		return NaiveResult{}, err
	}
	res := NaiveResult{Rows: n}
	start := time.Now()
	for _, r := range p.Rows {
		if r.Create == nil {
			continue
		}
		u := r.Create.User
		u.Password = r.Password
		res.Calls++
		if _, err := e.client.CreateUser(ctx, r.Create.OrgID, &u); err != nil {
			res.Failed++
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// NaiveMoves moves the users of counts one user per call.
func (a API) NaiveMoves(ctx context.Context, counts []int) (NaiveResult, error) {
	w, recs := moveWorld("n", counts)
	e, err := a.start(w, false)
	if err != nil {
		return NaiveResult{}, err
	}
	defer e.close()
	res := NaiveResult{Rows: len(recs)}
	// Warm the token outside the timing, as the planning reads do for encimport.
	if _, _, err := e.client.GetUser(ctx, "me"); err != nil {
		return res, err
	}
	start := time.Now()
	i := 0
	for k, n := range counts {
		for range n {
			res.Calls++
			if _, err := e.client.MoveUsers(ctx, MovePairs[k][0], MovePairs[k][1], []string{recs[i].Get(importer.ColID)}); err != nil {
				res.Failed++
			}
			i++
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// RawCreates is the reference for line 2: n creates by Limit goroutines
// calling apiclient directly (no planner, no executor), the best this
// machine, sandbox and client reach together.
func (a API) RawCreates(ctx context.Context, n int) (NaiveResult, error) {
	e, err := a.start(nil, false)
	if err != nil {
		return NaiveResult{}, err
	}
	defer e.close()
	p, err := e.plan(ctx, createRecords("r", n))
	if err != nil {
		return NaiveResult{}, err
	}
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range a.Limit {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(p.Rows) {
					return
				}
				r := p.Rows[i]
				u := r.Create.User
				u.Password = r.Password
				if _, err := e.client.CreateUser(ctx, r.Create.OrgID, &u); err != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return NaiveResult{Rows: n, Calls: n, Failed: int(failed.Load()), Elapsed: time.Since(start)}, nil
}

package bench

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/executor"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/job"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
)

// API configures the sandbox and the executor of the API scenarios.
type API struct {
	Latency     time.Duration // sandbox latency per call (50ms in make bench)
	Limit       int           // sandbox concurrency limit (30, the Encompass default)
	Concurrency int           // executor concurrency (30)

	input     string        // a file to read instead of the records given
	stateDir  string        // with a journal in this directory ("": none)
	syncDelay time.Duration // added to each sync of that journal
}

// Bound is the most calls per second any client can make when hold of the
// Limit slots are taken by someone else: (Limit-hold)/Latency.
func (a API) Bound(hold int) float64 {
	if a.Latency <= 0 {
		return 0
	}
	return float64(a.Limit-hold) / a.Latency.Seconds()
}

// serve starts a sandbox for one scenario: world (nil: the default world)
// with the API's latency and concurrency limit.
func (a API) serve(world *sandbox.World) (*sandbox.Running, error) {
	run, err := sandbox.Start(sandbox.Options{World: world, Latency: a.Latency, ConcurrencyLimit: a.Limit})
	if err != nil {
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	return run, nil
}

// config is the job's run of recs against run: the client-credentials
// grant, upserts by default, no journal and no report file (the rows are
// counted from the result).
func (a API) config(run *sandbox.Running, recs []*importer.Record) job.Config {
	input := "bench"
	if a.input != "" {
		input, recs = a.input, nil
	}
	return job.Config{
		Target: job.Target{APIURL: run.URL, InstanceID: sandbox.DefaultInstanceID,
			ClientID: sandbox.DefaultClientID, ClientSecret: sandbox.DefaultClientSecret},
		Concurrency: a.Concurrency,
		Input:       input,
		Records:     recs,
		Planner:     plan.Options{DefaultAction: encompass.ActionUpsert, MoveBatchSize: 100},
		NoReport:    true,
		StateDir:    a.stateDir,

		JournalSyncDelay: a.syncDelay,
	}
}

// validPlan refuses a plan with a row the planner finds invalid: a bug of
// the generator.
func validPlan(p *plan.Plan) error {
	for _, r := range p.Rows {
		if r.Status == plan.StatusInvalid {
			msg := "no problem listed"
			if len(r.Problems) > 0 {
				msg = r.Problems[0].Error()
			}
			return fmt.Errorf("bench input row %d (%s) is invalid: %s", r.Row, r.ID, msg)
		}
	}
	return nil
}

// planFor is the job's plan of recs against run (job.Plan), for the naive
// and reference clients, which then make its calls themselves.
func (a API) planFor(ctx context.Context, run *sandbox.Running, recs []*importer.Record) (*plan.Plan, error) {
	res, err := job.Plan(ctx, a.config(run, recs), job.Env{Planned: func(p *plan.Plan, _ *job.Session) error { return validPlan(p) }})
	if err != nil {
		return nil, err
	}
	return res.Plan, nil
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

// apply runs recs through job.Apply, the wiring `encimport apply` uses,
// against a sandbox of world while hold of its slots are taken by another
// client. The clocks run from the plan made (job.Env.Planned) to the
// executor's return (job.Env.Executed).
func (a API) apply(ctx context.Context, world *sandbox.World, recs []*importer.Record, hold int, begin func()) (ApplyResult, error) {
	run, err := a.serve(world)
	if err != nil {
		return ApplyResult{}, err
	}
	defer run.Close()
	srv := run.Server
	srv.ResetStats()

	var (
		res     ApplyResult
		writes  atomic.Int64 // write replies the client saw during execution (any status)
		release = func() {}
		start   time.Time
		stop    func() float64 // ends the sampling of the limiter, returning its average
	)
	defer func() { release() }()
	env := job.Env{
		Observe: func(r *apiclient.Response) {
			if r != nil && r.Request != nil && (r.Request.Method == http.MethodPost || r.Request.Method == http.MethodPatch) {
				writes.Add(1)
			}
		},
		Planned: func(p *plan.Plan, s *job.Session) error {
			if err := validPlan(p); err != nil {
				return err
			}
			st := srv.Stats()
			res = ApplyResult{Rows: len(p.Rows), Reads: p.Reads, ServerReads: st.Requests - st.TokenRequests, MoveCalls: len(p.Moves)}
			for _, r := range p.Rows {
				if r.Create != nil || r.Patch != nil {
					res.PlanCalls++
				}
			}
			res.PlanCalls += len(p.Moves)
			if hold > 0 {
				release = srv.Hold(hold)
			}
			srv.ResetStats()
			writes.Store(0)
			stop = sample(s.ConcurrencyLimit)
			start = time.Now()
			return nil
		},
		Executed: func(*executor.Result) {
			res.Elapsed = time.Since(start)
			res.AvgLimit = stop()
			stop = nil
		},
	}
	if begin != nil {
		begin()
	}
	out, err := job.Apply(ctx, a.config(run, recs), env)
	if stop != nil {
		stop()
	}
	if err != nil {
		if out.Run != nil {
			return res, fmt.Errorf("executor: %w", err)
		}
		return res, err
	}
	st := srv.Stats()
	res.WriteCalls = st.Creates + st.Patches + st.Moves
	res.TooMany429 = st.TooMany429
	res.MaxInFlight = st.MaxInFlight
	res.ClientWrites = writes.Load()
	for _, r := range out.Run.Rows {
		switch r.Status {
		case plan.StatusFailed, plan.StatusUnknown, plan.StatusSkipped, plan.StatusInvalid, plan.StatusPlanned:
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

// sample reads limit every millisecond until the returned stop is called,
// which returns the average: how much of the free cap the executor allowed
// itself.
func sample(limit func() int) (stop func() float64) {
	done, avg := make(chan struct{}), make(chan float64)
	go func() {
		tk := time.NewTicker(time.Millisecond)
		defer tk.Stop()
		samples, sum := 0, 0
		for {
			select {
			case <-done:
				avg <- float64(sum) / float64(max(samples, 1))
				return
			case <-tk.C:
				samples++
				sum += limit()
			}
		}
	}()
	return func() float64 {
		close(done)
		return <-avg
	}
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
	return a.apply(ctx, nil, createRecords("c", n), hold, nil)
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
	return a.apply(ctx, w, recs, 0, nil)
}

// UserPages is how many pages ListUsers asks for users users with width
// pages at a time: the first (DefaultListPageSize users), then the rest
// together in pages of the first's size or larger, spreading the rest over
// one wave of width pages when that stays within MaxListPageSize (the
// sandbox's users are small, so the size budget does not bind). No page is
// asked twice and no empty page closes the list (the total ends it).
func UserPages(users, width int) int {
	first := apiclient.DefaultListPageSize
	if users <= first {
		return 1 // X-Total-Count ends the list: no empty page after a full one
	}
	rest := users - first
	per := max(first, min(apiclient.MaxListPageSize, (rest+width-1)/width))
	return 1 + (rest+per-1)/per
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
	run, err := a.serve(w)
	if err != nil {
		return PlanResult{}, err
	}
	defer run.Close()
	run.Server.ResetStats()
	var res PlanResult
	start := time.Now()
	// The clock stops, and the sandbox's count is taken, once the plan is
	// made (before the report and the token's revocation).
	_, err = job.Plan(ctx, a.config(run, recs), job.Env{Planned: func(p *plan.Plan, _ *job.Session) error {
		if err := validPlan(p); err != nil {
			return err
		}
		st := run.Server.Stats()
		res = PlanResult{
			Rows: len(p.Rows), Users: users, Reads: p.Reads, ServerReads: st.Requests - st.TokenRequests,
			LowerBound: UserPages(users, a.Concurrency) + 4, Elapsed: time.Since(start),
		}
		return nil
	}})
	if err != nil {
		return PlanResult{}, err
	}
	return res, nil
}

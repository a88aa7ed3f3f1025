package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/sandbox"
)

// naiveClient is a plain apiclient for run, its token already taken (as
// encimport takes its own while planning, before the clock starts).
func naiveClient(ctx context.Context, run *sandbox.Running) (*apiclient.Client, error) {
	c, err := apiclient.New(run.URL, apiclient.WithClientCredentials(sandbox.DefaultInstanceID, sandbox.DefaultClientID, sandbox.DefaultClientSecret))
	if err != nil {
		return nil, err
	}
	if _, _, err := c.GetUser(ctx, "me"); err != nil {
		return nil, err
	}
	return c, nil
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
	run, err := a.serve(nil)
	if err != nil {
		return NaiveResult{}, err
	}
	defer run.Close()
	p, err := a.planFor(ctx, run, createRecords("n", n))
	if err != nil {
		return NaiveResult{}, err
	}
	c, err := naiveClient(ctx, run)
	if err != nil {
		return NaiveResult{}, err
	}
	res := NaiveResult{Rows: n}
	start := time.Now()
	for _, r := range p.Rows {
		if r.Create == nil {
			continue
		}
		u := r.Create.User()
		u.Password = r.Password
		res.Calls++
		if _, err := c.CreateUser(ctx, r.Create.OrgID, &u); err != nil {
			res.Failed++
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// NaiveMoves moves the users of counts one user per call.
func (a API) NaiveMoves(ctx context.Context, counts []int) (NaiveResult, error) {
	w, recs := moveWorld("n", counts)
	run, err := a.serve(w)
	if err != nil {
		return NaiveResult{}, err
	}
	defer run.Close()
	res := NaiveResult{Rows: len(recs)}
	c, err := naiveClient(ctx, run)
	if err != nil {
		return res, err
	}
	start := time.Now()
	i := 0
	for k, n := range counts {
		for range n {
			res.Calls++
			if _, err := c.MoveUsers(ctx, MovePairs[k][0], MovePairs[k][1], []string{recs[i].Get(importer.ColID)}); err != nil {
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
	run, err := a.serve(nil)
	if err != nil {
		return NaiveResult{}, err
	}
	defer run.Close()
	p, err := a.planFor(ctx, run, createRecords("r", n))
	if err != nil {
		return NaiveResult{}, err
	}
	c, err := naiveClient(ctx, run)
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
				u := r.Create.User()
				u.Password = r.Password
				if _, err := c.CreateUser(ctx, r.Create.OrgID, &u); err != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return NaiveResult{Rows: n, Calls: n, Failed: int(failed.Load()), Elapsed: time.Since(start)}, nil
}

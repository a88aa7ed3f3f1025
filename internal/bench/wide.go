package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/job"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
)

// The scenarios of issue 18: planning against a large lender, a whole
// apply at the real service's latency, the write phase with a journal on a
// slow disk, and the peak memory of plan at the row cap.

// LenderPlanResult is one planning run against a lender of many users.
type LenderPlanResult struct {
	Users, Rows int
	Latency     time.Duration
	Elapsed     time.Duration // job.Plan from its start to the plan made
	Reads       plan.ReadStats
}

// LenderPlan plans rows upserts of existing users against a world of users
// users (the default world plus generated ones), as `encimport plan` does
// (job.Plan), at the API's latency, and times it to the plan made.
func (a API) LenderPlan(ctx context.Context, users, rows int) (LenderPlanResult, error) {
	w := sandbox.DefaultWorld()
	recs := make([]*importer.Record, 0, rows)
	for i := range users {
		id := "l" + strconv.Itoa(100000+i)
		u := benchUser(id, sandbox.OrgDenverBranch, i)
		w.Users = append(w.Users, u)
		if i < rows {
			r := &importer.Record{Sheet: "bench", Row: i + 2}
			r.Set(importer.ColAction, string(encompass.ActionUpsert))
			r.Set(importer.ColID, id)
			r.Set(importer.ColTitle, "Senior Loan Officer")
			recs = append(recs, r)
		}
	}
	res := LenderPlanResult{Users: len(w.Users), Rows: len(recs), Latency: a.Latency}
	run, err := a.serve(w)
	if err != nil {
		return res, err
	}
	defer run.Close()
	start := time.Now()
	_, err = job.Plan(ctx, a.config(run, recs), job.Env{Planned: func(p *plan.Plan, _ *job.Session) error {
		res.Elapsed, res.Reads = time.Since(start), p.Reads
		return validPlan(p)
	}})
	return res, err
}

// WholeApplyResult is one whole apply, timed from job.Apply's start to its
// return.
type WholeApplyResult struct {
	ApplyResult
	Whole time.Duration
}

// WholeApply applies n creates through job.Apply, timing the whole run
// (connect, planning reads, writes): what a person waits for.
func (a API) WholeApply(ctx context.Context, n int) (WholeApplyResult, error) {
	var res WholeApplyResult
	start := time.Now()
	ar, err := a.apply(ctx, nil, createRecords("wa", n), 0, func() { start = time.Now() })
	res.ApplyResult, res.Whole = ar, time.Since(start)
	return res, err
}

// JournalApplyResult is the write phase of creates with a journal.
type JournalApplyResult struct {
	ApplyResult
	SyncDelay time.Duration
	Without   ApplyResult // the same creates without a journal, run just after (the machine's share)
}

// JournalCreates applies n creates with a journal in a temporary state
// directory whose every sync is delayed by syncDelay (a slow disk).
func (a API) JournalCreates(ctx context.Context, n int, syncDelay time.Duration) (JournalApplyResult, error) {
	dir, err := os.MkdirTemp("", "encbench-journal")
	if err != nil {
		return JournalApplyResult{}, err
	}
	defer os.RemoveAll(dir)
	// A journal is keyed by the input file's digest: the rows are read
	// from a file (the write phase alone is timed).
	path, err := EnsureCSV(dir, n)
	if err != nil {
		return JournalApplyResult{}, err
	}
	a.input, a.stateDir, a.syncDelay = path, filepath.Join(dir, "state"), syncDelay
	ar, err := a.apply(ctx, nil, nil, 0, nil)
	if err != nil {
		return JournalApplyResult{}, err
	}
	res := JournalApplyResult{ApplyResult: ar, SyncDelay: syncDelay}
	a.input, a.stateDir, a.syncDelay = "", "", 0
	res.Without, err = a.Creates(ctx, n, 0)
	return res, err
}

// lenderLines are the lines of issue 18's scenarios.
func (r *Results) lenderLines(c Config) []Line {
	var ls []Line
	for k, x := range r.LenderPlans {
		base := r.LenderPlanBase
		decode := time.Duration(0)
		if base != nil {
			decode = base.Elapsed
		}
		bound := 2*x.Latency + decode
		what := fmt.Sprintf("planning against %d users at %v, %d rows", x.Users, x.Latency, x.Rows)
		why := fmt.Sprintf("2 × %v + decode %v", x.Latency, decode.Round(time.Millisecond))
		// The target is the real service's latency's (SlowLatency); the
		// others are shown for context.
		l := Info(fmt.Sprintf("7%c", 'a'+k), what, x.Elapsed.Seconds(), "s", bound.Seconds(), why)
		if x.Latency == c.SlowLatency {
			l = AtMost(fmt.Sprintf("7%c", 'a'+k), what, x.Elapsed.Seconds(), "s", bound.Seconds(), why, 1.5)
		}
		l.Note = fmt.Sprintf("%d reads (%d pages); decode = the same plan at 0 latency (reads, decoding, planning on this machine); the paging rules' critical path is 3 round trips (me, first page, the rest together)",
			x.Reads.Total(), x.Reads.UserPages)
		ls = append(ls, l)
	}
	if x := r.WholeApply; x != nil {
		lat := c.SlowLatency
		calls := float64(x.WriteCalls)
		reads := 2 * lat // me, then the first page with the organizations, personas and loan folders
		bound := reads.Seconds() + calls*lat.Seconds()/float64(c.API.Limit)
		// The figure is the time taken; the ratio is bound / time.
		l := Line{ID: "8", What: fmt.Sprintf("whole apply of %d creates at %v", x.Rows, lat), Figure: x.Whole.Seconds(), Unit: "s", Bound: bound,
			Why: fmt.Sprintf("reads 2 × %v + %d × %v / %d", lat, x.WriteCalls, lat, c.API.Limit), Target: ">= 0.95 (bound / time), 0 failed"}
		l.OK = bound/x.Whole.Seconds() >= 0.95 && x.Failed == 0
		l.Note = fmt.Sprintf("bound / time = %.3f; writes %v; %d failed; %d × 429; planning reads %d; max in flight %d",
			bound/x.Whole.Seconds(), x.Elapsed.Round(time.Millisecond), x.Failed, x.TooMany429, x.Reads.Total(), x.MaxInFlight)
		ls = append(ls, l)
	}
	if x := r.JournalApply; x != nil {
		l := applyLine("9", fmt.Sprintf("%d creates with the journal, sync +%v (slow disk), write calls/s", x.Rows, x.SyncDelay), x.ApplyResult, c.API.Bound(0),
			fmt.Sprintf("%d slots / %v", c.API.Limit, c.API.Latency), true)
		if w := x.Without; w.CallsPerSecond() > 0 {
			l.Note += fmt.Sprintf("; the same creates without a journal, just after: %.0f calls/s (with ÷ without = %.3f)",
				w.CallsPerSecond(), x.CallsPerSecond()/w.CallsPerSecond())
		}
		ls = append(ls, l)
	}
	if x := r.Memory; x != nil {
		perRow := float64(x.PeakRSS) / float64(max(x.Rows, 1))
		l := AtMost("10", fmt.Sprintf("peak memory of plan, %d rows × %d cols", x.Rows, len(WideColumns)), mb(x.PeakRSS), "MB", 400, "target", 1)
		l.Note = fmt.Sprintf("%s; %.1f s wall, %.1f s CPU; %d invalid rows; in-process sandbox",
			x.RSSFrom, x.Seconds, x.CPUSeconds, x.Invalid)
		ls = append(ls, l)
		l = AtMost("10b", "that peak per row", perRow/1024, "KB", 1.5, "target", 1)
		l.Note = "the rows held to diff with the server; create bodies are kept packed and built when sent"
		ls = append(ls, l)
	}
	if x := r.ApplyMemory; x != nil {
		perRow := float64(x.PeakRSS) / float64(max(x.Rows, 1))
		l := AtMost("10c", fmt.Sprintf("peak memory per row of apply, %d creates × %d cols", x.Rows, len(WideColumns)), perRow/1024, "KB", 1.5, "target", 1)
		l.OK = l.OK && x.Failed == 0
		l.Note = fmt.Sprintf("%.0f MB peak (%s); %d failed; %.1f s wall, %.1f s CPU; journal, run record and report written; sandbox in the parent process, no latency",
			mb(x.PeakRSS), x.RSSFrom, x.Failed, x.Seconds, x.CPUSeconds)
		ls = append(ls, l)
	}
	return ls
}

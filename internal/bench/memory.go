package bench

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/internal/job"
	"github.com/encimport/encimport/plan"
)

// PlanChildCommand is the hidden subcommand of cmd/encbench that runs
// MeasurePlan and prints its MemResult as JSON.
const PlanChildCommand = "__plan-child"

// MemResult is one whole-process memory measurement of `encimport plan`.
type MemResult struct {
	Rows       int     `json:"rows"`
	Invalid    int     `json:"invalid"`
	Seconds    float64 `json:"seconds"`
	PeakRSS    int64   `json:"peakRss"` // bytes, VmHWM of the measuring process
	RSSFrom    string  `json:"rssFrom"`
	ChildRSS   int64   `json:"childRss"` // the parent's getrusage view of the child
	CPUSeconds float64 `json:"cpuSeconds"`
}

// MeasurePlan runs job.Plan on the file at path against an in-process
// sandbox (its default world), as `encimport plan --sandbox` does, the
// report written beside a temporary copy, and returns this process's peak
// resident memory. Run it in a fresh process (RunPlanChild).
func MeasurePlan(ctx context.Context, path string) (MemResult, error) {
	dir, err := os.MkdirTemp("", "encbench-plan")
	if err != nil {
		return MemResult{}, err
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	cfg := job.Config{
		Target:      job.Target{Sandbox: true},
		Concurrency: 30,
		Input:       path,
		Planner:     plan.Options{DefaultAction: encompass.ActionUpsert, MoveBatchSize: 100},
		Report:      filepath.Join(dir, "report.csv"),
	}
	var res MemResult
	_, err = job.Plan(ctx, cfg, job.Env{Planned: func(p *plan.Plan, _ *job.Session) error {
		res.Rows = len(p.Rows)
		for _, r := range p.Rows {
			if r.Status == plan.StatusInvalid {
				res.Invalid++
			}
		}
		return nil
	}})
	if err != nil {
		return MemResult{}, err
	}
	res.Seconds = time.Since(start).Seconds()
	res.PeakRSS, res.RSSFrom = PeakRSS()
	res.CPUSeconds = cpuSeconds()
	return res, nil
}

// RunPlanChild measures the plan of path in a child process: exe
// PlanChildCommand path.
func RunPlanChild(ctx context.Context, exe, path string) (MemResult, error) {
	res, rss, err := runChild[MemResult](ctx, exe, PlanChildCommand, path, "planning")
	res.ChildRSS = rss
	return res, err
}

package bench

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/internal/job"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
)

// PlanChildCommand is the hidden subcommand of cmd/encbench that runs
// MeasurePlan and prints its MemResult as JSON.
const PlanChildCommand = "__plan-child"

// ApplyChildCommand is the hidden subcommand of cmd/encbench that runs
// MeasureApply and prints its MemResult as JSON.
const ApplyChildCommand = "__apply-child"

// MemResult is one whole-process memory measurement of `encimport plan`
// or `encimport apply`.
type MemResult struct {
	Rows       int     `json:"rows"`
	Invalid    int     `json:"invalid"`
	Failed     int     `json:"failed,omitempty"` // apply: rows not applied
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

// MeasureApply runs job.Apply on the file at path against the sandbox at
// url (in another process, so that its world is not counted), as
// `encimport apply --yes` does: a journal and a run record in a temporary
// state folder, the report written. It returns this process's peak
// resident memory. Run it in a fresh process (RunApplyChild).
func MeasureApply(ctx context.Context, path, url string) (MemResult, error) {
	dir, err := os.MkdirTemp("", "encbench-apply")
	if err != nil {
		return MemResult{}, err
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	cfg := job.Config{
		Target: job.Target{APIURL: url, InstanceID: sandbox.DefaultInstanceID,
			ClientID: sandbox.DefaultClientID, ClientSecret: sandbox.DefaultClientSecret},
		Concurrency: 30,
		Input:       path,
		Planner:     plan.Options{DefaultAction: encompass.ActionUpsert, MoveBatchSize: 100},
		Report:      filepath.Join(dir, "report.csv"),
		StateDir:    filepath.Join(dir, "state"),
	}
	out, err := job.Apply(ctx, cfg, job.Env{})
	if err != nil {
		return MemResult{}, err
	}
	res := MemResult{Rows: len(out.Run.Rows), Seconds: time.Since(start).Seconds()}
	for _, r := range out.Run.Rows {
		switch r.Status {
		case plan.StatusInvalid:
			res.Invalid++
		case plan.StatusCreated:
		default:
			res.Failed++
		}
	}
	res.PeakRSS, res.RSSFrom = PeakRSS()
	res.CPUSeconds = cpuSeconds()
	return res, nil
}

// RunApplyChild measures the apply of path in a child process, against a
// sandbox of this process (no latency, the concurrency limit of 30):
// exe ApplyChildCommand path url.
func RunApplyChild(ctx context.Context, exe, path string) (MemResult, error) {
	run, err := sandbox.Start(sandbox.Options{ConcurrencyLimit: 30})
	if err != nil {
		return MemResult{}, err
	}
	defer run.Close()
	res, rss, err := runChild[MemResult](ctx, exe, ApplyChildCommand, path, "applying", run.URL)
	res.ChildRSS = rss
	return res, err
}

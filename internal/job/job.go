package job

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/executor"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/report"
)

// PlanMaxRows bounds the data rows plan and apply take from one file: they
// hold every row in memory (at most about MemoryPerRow each) to diff it
// with the server.
// Validate streams and takes up to importer.DefaultMaxRows.
const PlanMaxRows = 250_000

// ErrInterrupted says the run was stopped (its context canceled); the
// report lists what was done and what was skipped.
var ErrInterrupted = errors.New("interrupted; the report lists what was done and what was skipped")

// Target says which Encompass a run talks to: an in-process sandbox, or a
// server and the credentials for it.
type Target struct {
	Sandbox      bool   // an in-process sandbox (its default world, or SandboxState's)
	SandboxState string // with Sandbox: load and persist the world in this file

	APIURL       string
	InstanceID   string
	ClientID     string
	ClientSecret string
	Username     string // with Password: the password grant; else client credentials
	Password     string

	Trace string // every exchange as JSON lines to this file, secrets removed ("": none)
}

// Config is one run's settings, resolved before it starts (the CLI from
// flags, environment and config file; the bench from its scenario). A run
// reads it and never changes it.
type Config struct {
	Target      Target
	Concurrency int     // calls in flight at most (0: executor.DefaultConcurrency)
	Rate        float64 // calls per second at most (0: no limit)
	// Timeout bounds each call, its answer read in full (0:
	// apiclient.DefaultTimeout).
	Timeout time.Duration
	// StateDir holds the lock and the journal of Apply. "": neither (the
	// bench, which measures the executor without a journal's fsyncs).
	StateDir string
	// JournalSyncDelay makes every sync of the journal this much slower (a
	// slow disk, for the bench and tests; 0 in real runs).
	JournalSyncDelay time.Duration

	// Input is the file to read. With PlanFile it may be "": the input the
	// reviewed plan names. With Records it only names the rows.
	Input string
	// PlanFile is a reviewed plan (plan -o) to hold against the server
	// instead of planning Input afresh; its sheet and options are used.
	PlanFile string
	// Records, when not nil, are the input's rows already read (the bench's
	// generated rows): nothing is read from Input.
	Records []*importer.Record
	Sheet   string // sheet to read ("": the first with an id column)
	// AllSheets reads every sheet with an id column (--all-sheets);
	// IncludeHidden reads the rows hidden in Excel too (--include-hidden).
	AllSheets, IncludeHidden bool
	Planner                  plan.Options

	// PlanOut is where Plan also saves the plan as JSON (plan -o; "":
	// nowhere). The input's path in it is relative to its folder when the
	// input is there or below.
	PlanOut string

	// Wait is how long Apply waits for a lock another run holds (--wait;
	// 0: it does not wait). LockDir holds the instance locks ("":
	// executor.DefaultLockDir).
	Wait    time.Duration
	LockDir string

	// Revert, when set, names a run of StateDir's records (an id, a unique
	// prefix or "last"): the plan is the way back from it (revert.go), and
	// Input, PlanFile, Records and the sheet options are not used.
	Revert string

	// Report is the per-row report file; "" names one beside the input
	// (report.DefaultPath) when it is written. NoReport writes none: the
	// rows are only returned.
	Report   string
	NoReport bool
	// HTML is the HTML page of the plan or run ("": none, unless Report is
	// named .html). Errors is the re-upload file of the invalid and failed
	// rows ("": <input>-errors-<time>.xlsx|csv beside the input, written
	// only when there are such rows). Neither is written with NoReport.
	HTML   string
	Errors string
	// SummaryJSON (--summary-json) and ProtectFile (--protect-file) are
	// written and read by the command, not the job: they are here so that
	// they are checked with the other files before the first call (an
	// output that is an input or another output, a folder that cannot be
	// written to).
	SummaryJSON string
	ProtectFile string
}

// Env is what a run reports to. The zero value is usable.
type Env struct {
	Log *slog.Logger // nil: nothing logged
	// Progress is told after each row with work finishes (Apply).
	Progress func(done, total int)
	// Observe sees every API reply (check reads the concurrency headers
	// there, the bench counts writes and 429s).
	Observe func(*apiclient.Response)
	// Planned is called with the plan once it is made, before it is
	// executed or written out; an error ends the run with that error. The
	// bench checks its rows and starts its clocks here.
	Planned func(p *plan.Plan, s *Session) error
	// Executed is called as soon as the executor returns, before the
	// report is written (the bench stops its clocks here).
	Executed func(*executor.Result)
}

func (e Env) log() *slog.Logger {
	if e.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Log
}

func (c Config) concurrency() int {
	if c.Concurrency < 1 {
		return executor.DefaultConcurrency
	}
	return c.Concurrency
}

// reportPath is the report file of a run of input: Report, or one beside
// the input named for the time now; "" with NoReport. A run computes it
// once, before it starts, and checks it can be written (checkOutputs).
func (c Config) reportPath(input string) string {
	switch {
	case c.NoReport:
		return ""
	case c.Report != "":
		return c.Report
	}
	return report.DefaultPath(input, time.Now())
}

// writeReport writes rows to path, the run's report file ("": none) and
// returns path.
func writeReport(path string, rows []report.Row) (string, error) {
	if path == "" {
		return "", nil
	}
	write := report.Write
	if report.IsHTML(path) {
		// No plan was made (interrupted while reading the server): the
		// rows alone, each with its status and message.
		write = func(path string, rows []report.Row) error { return report.WriteHTMLRows(path, "", rows) }
	}
	if err := write(path, rows); err != nil {
		return "", fmt.Errorf("writing the report: %w", err)
	}
	return path, nil
}

// Identity is the Encompass t names, as a plan records it and as the
// instance lock is keyed: the API URL and the instance id; for the
// in-process sandbox, "sandbox:" and its world's file (or "default world",
// a world of the run's own).
func (t Target) Identity() plan.Target {
	if t.Sandbox {
		w := "default world"
		if t.SandboxState != "" {
			w = absPath(t.SandboxState)
		}
		return plan.Target{APIURL: "sandbox:" + w, InstanceID: sandbox.DefaultInstanceID}
	}
	return plan.Target{APIURL: t.APIURL, InstanceID: t.InstanceID}
}

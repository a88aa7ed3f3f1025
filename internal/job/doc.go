// Package job is the one place that wires a run of encimport: validate,
// plan and apply, each a function of a resolved [Config] and an [Env] that
// returns what it did for the caller to render. The CLI (internal/cli) and
// the benchmarks (internal/bench) both call it; neither wires a run itself.
//
//	Validate: outputs checked → read and check row by row (planner.CheckFile) → report
//	Plan:     prepare → connect → fetch → rights → build (or a reviewed plan rechecked) → report, plan -o
//	Apply:    prepare → lock → connect → fetch → rights → build → run record → journal → run → report
//	Export:   connect → caller, organizations, personas → users page by page → file
//	Revert:   Plan or Apply with Config.Revert: prepare loads the run record → fetch → the way back
//
// prepare is everything before the first call: a reviewed plan loaded and
// held to the run's target, the outputs checked (outputs.go), the input read
// (no data rows stops here) and held to the reviewed plan's digest.
//
// Map of the package:
//   - job.go: [Config] (the run's settings, never changed by the run),
//     [Target] (which Encompass), [Env] (log, progress, observers and the
//     hooks the bench times with), [ErrInterrupted], the report's path;
//   - connect.go: [Connect], the one place a run's client is made (sandbox
//     or real Encompass, the trace file, the client's pacing) and [Session],
//     whose Close revokes the run's token;
//   - validate.go: [Validate], offline and streaming;
//   - plan.go: [Plan], and the planning Apply shares (prepare, read, fetch,
//     the caller's rights, build, the reviewed plan of apply --plan bound to
//     its target, caller and file, the report of an interrupted fetch);
//   - outputs.go: [OutputError], checkOutputs and sameFile: every file a
//     run writes checked before its first call;
//   - pages.go: [Pages], writeOutputs: the report, the HTML page and the
//     re-upload file of the rows to fix;
//   - apply.go: [Apply], the locks (the instance's, the state directory's),
//     the run record, the journal, the executor, the report;
//   - runs.go: the run record of an apply (package runrec: plan and
//     before-images written before the first write, report and counts at
//     the end), [Runs];
//   - revert.go: the plan of Config.Revert (planner.Revert), refused for
//     another instance than the run's;
//   - export.go: [Export], streamed, never over an existing file without
//     Force, never over a recorded run's input.
package job

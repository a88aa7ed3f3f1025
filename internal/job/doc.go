// Package job is the one place that wires a run of encimport: validate,
// plan and apply, each a function of a resolved [Config] and an [Env] that
// returns what it did for the caller to render. The CLI (internal/cli) and
// the benchmarks (internal/bench) both call it; neither wires a run itself.
//
//	Validate: read and check row by row (planner.CheckFile) → report
//	Plan:     connect → read → fetch → build (or a reviewed plan rechecked) → report
//	Apply:    lock → connect → read → fetch → build → journal → run → report
//
// Map of the package:
//   - job.go: [Config] (the run's settings, never changed by the run),
//     [Target] (which Encompass), [Env] (log, progress, observers and the
//     hooks the bench times with), [ErrInterrupted], the report's path;
//   - connect.go: [Connect], the one place a run's client is made (sandbox
//     or real Encompass, the trace file, the client's pacing) and [Session],
//     whose Close revokes the run's token;
//   - validate.go: [Validate], offline and streaming;
//   - plan.go: [Plan], and the planning Apply shares (read, fetch, build,
//     the reviewed plan of apply --plan, the report of an interrupted fetch);
//   - apply.go: [Apply], the lock, the journal, the executor, the report.
package job

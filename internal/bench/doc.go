// Package bench measures how close encimport runs to the limits Encompass
// sets, as driven by `make bench` (cmd/encbench) and, at tiny sizes, by this
// package's tests.
//
// Speed for this job is bounded by the API, not the CPU: at most
// ConcurrencyLimit calls may be in flight per lender, so with a latency of L
// a call no client can do better than ConcurrencyLimit/L calls per second,
// and no client needs fewer calls than the plan's lower bound (one call per
// create, ceil(n/100) bulk-move calls per (source, target) pair, one call per
// user-list page plus one for the organizations, personas and the caller).
//
// Map of the package:
//   - driver.go: Config, Run (every scenario in turn, into Results), the
//     targets and the machine's load average;
//   - explain.go: Method, how each line was measured, for BENCHMARKS.md;
//   - gen.go: deterministic input rows, and the xlsx/csv files generated once
//     into a cache directory (excelize StreamWriter for xlsx);
//   - read.go: reading and validating a file (planner.CheckFile, as
//     `encimport validate`) and the process's peak memory (VmHWM), run in a
//     child process by cmd/encbench so each measurement has its own heap;
//   - api.go: the scenarios against the in-process sandbox over loopback
//     HTTP, run by internal/job (job.Apply, job.Plan: the wiring `encimport
//     apply` and `plan` use, timed through job.Env's Planned and Executed
//     hooks);
//   - naive.go: the naive one-call-at-a-time client they are compared with,
//     and the reference of goroutines calling apiclient directly;
//   - table.go: Line (a figure, its bound, the ratio and the target) and the
//     text table / BENCHMARKS.md writers.
package bench

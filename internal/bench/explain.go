package bench

import (
	"fmt"
	"time"
)

// Method lists how each line was measured, for BENCHMARKS.md.
func Method(c Config) []string {
	return []string{
		"1: the input files (20 columns: " + joinCols() + ") are generated once into the cache directory " +
			"(xlsx with excelize's StreamWriter) and reused. Each file is then read and validated in a fresh child " +
			"process (this binary re-executed with a hidden subcommand) exactly as `encimport validate` does: " +
			"importer.ReadAll followed by planner.CheckOffline. Rows/s is rows over that wall time; peak memory is " +
			"the child's VmHWM from /proc/self/status at the end (the parent's getrusage view is shown as a cross-check).",
		fmt.Sprintf("2, 3: the in-process sandbox (sandbox.Start, latency %v, concurrency limit %d) over loopback HTTP, "+
			"the real apiclient (client-credentials token), planner.Fetch + planner.Build, and executor.Run with "+
			"concurrency %d and executor.NewAdaptive wired through apiclient.WithObserver, as `encimport apply` does. "+
			"The rate counts only the write calls the sandbox applied (Stats Creates+Patches+Moves, reset after planning) "+
			"over executor.Run's wall time; the planning reads are shown apart. 429s are the sandbox's Stats().TooMany429 "+
			"during execution. In 3, Server.Hold(%d) occupies slots for the whole run, as another client of the lender would.",
			c.API.Latency, c.API.Limit, c.API.Concurrency, c.Hold),
		"4: the sandbox world is the default world plus the users to move, spread unevenly over 7 (source, target) " +
			"pairs below the root; rows are `move` to the target org; the plan comes from the real planner and runs " +
			"through the executor; move calls are the sandbox's Stats().Moves, held against Σ ceil(n/100) over the pairs.",
		"5: a world holding the default users plus one user per planned row; rows are upserts of those users " +
			"(a quarter with a new title). Read calls are the plan's ReadStats, cross-checked with the requests the " +
			"sandbox saw (token calls excluded). The lower bound is ceil(users/1000) list pages + 1 organization tree + " +
			"1 persona list + 1 GET users/me.",
		"6: the naive client uses the same apiclient and sandbox settings but one goroutine, one call at a time, " +
			"one create per user and one move call per user, on a subset; the gain is shown as a ratio, measured in the same run.",
	}
}

func joinCols() string {
	s := ""
	for k, c := range FileColumns {
		if k > 0 {
			s += ", "
		}
		s += c.String()
	}
	return s
}

// Misses explains every missed target from the measurements (keyed by line
// ID); only the entries of lines that missed are printed.
func Misses(r *Results, c Config) map[string]string {
	m := map[string]string{}
	if x := r.XLSX; x != nil {
		m["1a"] = fmt.Sprintf("reading %d xlsx rows took %.2f s. excelize's streaming row reader (Rows/Columns) decodes the "+
			"sheet XML and the shared-strings table cell by cell; the remaining time is the reader's per-cell "+
			"normalisation and the offline checks. Closing it: profile `go test -bench ReadXLSX -cpuprofile` in importer/ "+
			"and avoid per-cell allocations (reuse the column slice, skip normalising empty cells).", x.Rows, x.Seconds)
		m["1b"] = fmt.Sprintf("the child peaked at %.0f MB. ReadAll holds every record (34 string headers each) for the "+
			"duplicate-id check; a streaming validate that keeps only the ids would bound memory by the id set.", mb(x.PeakRSS))
	}
	if x := r.CSV; x != nil {
		m["1c"] = fmt.Sprintf("reading %d csv rows took %.2f s. Most of it is encoding/csv plus one Record (34 strings) "+
			"allocated per row and held by ReadAll; a streaming validate (Next + offline checks, keeping only ids for the "+
			"duplicate check) would cut allocation and GC work.", x.Rows, x.Seconds)
	}
	for id, x := range map[string]*ApplyResult{"2": r.Creates, "3": r.Held} {
		if x == nil || x.WriteCalls == 0 {
			continue
		}
		hold := 0
		if id == "3" {
			hold = c.Hold
		}
		free := c.API.Limit - hold
		perCall := time.Duration(float64(x.Elapsed) * float64(free) / float64(x.WriteCalls))
		m[id] = fmt.Sprintf("with %d slots busy all the time a call would have to take %v; it took %v on average "+
			"(latency %v plus sandbox handling, JSON and loopback on a %d-CPU machine shared by client and server), "+
			"%d × 429, %d rows failed, at most %d calls in flight. ",
			free, c.API.Latency, perCall.Round(100*time.Microsecond), c.API.Latency, c.CPUs(), x.TooMany429, x.Failed, x.MaxInFlight)
	}
	return m
}

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
			"planner.CheckFile (importer.Open, then one goroutine reading rows with Reader.NextInto while another checks " +
			"each with a planner.Checker; records are not kept, the duplicate-id check keeps only the ids). " +
			"Rows/s is rows over that wall time; peak memory is " +
			"the child's VmHWM from /proc/self/status at the end (the parent's getrusage view is shown as a cross-check).",
		fmt.Sprintf("2, 3: the in-process sandbox (sandbox.Start, latency %v, concurrency limit %d) over loopback HTTP, "+
			"the real apiclient (client-credentials token) and job.Apply, the wiring `encimport apply` uses: planner.Fetch + "+
			"planner.Build, then executor.Run with concurrency %d, the client pacing every call with apiclient.WithConcurrency. "+
			"The rate counts only the write calls the sandbox applied (Stats Creates+Patches+Moves, reset after planning) "+
			"over executor.Run's wall time; the planning reads are shown apart. 429s are the sandbox's Stats().TooMany429 "+
			"during execution. In 3, Server.Hold(%d) occupies slots for the whole run, as another client of the lender would.",
			c.API.Latency, c.API.Limit, c.API.Concurrency, c.Hold),
		"4: the sandbox world is the default world plus the users to move, spread unevenly over 7 (source, target) " +
			"pairs below the root; rows are `move` to the target org; the plan comes from the real planner and runs " +
			"through the executor; move calls are the sandbox's Stats().Moves, held against Σ ceil(n/100) over the pairs.",
		"5: a world holding the default users plus one user per planned row; rows are upserts of those users " +
			"(a quarter with a new title). Read calls are the plan's ReadStats, cross-checked with the requests the " +
			"sandbox saw (token calls excluded). The bound is the calls of the paging plan, nothing asked twice: the first users page (250 users, well under the 6 MB cap with every license) and " +
			"the rest in one wave of as many pages as the concurrency, each of at least 250 and at most 1,000 users (bench.UserPages), + 1 organization list page + " +
			"1 persona list + 1 GET users/me + 1 loan folder list.",
		"6: the naive client uses the same apiclient and sandbox settings but one goroutine, one call at a time, " +
			"one create per user and one move call per user, on a subset; the gain is shown as a ratio, measured in the same run. " +
			"2r is a reference, not a product path: Limit goroutines calling apiclient.CreateUser directly on the same plan, " +
			"to separate what the machine, sandbox and client can do from what the executor does.",
		fmt.Sprintf("7: a world of the default users plus %d generated ones; %d rows upsert some of them; job.Plan (as `encimport plan`) is "+
			"timed from its start to the plan made, at 0 latency, at %v and at %v. The bound is 2 × latency + decode, decode being "+
			"the same plan at 0 latency on the same machine (the reads' CPU on both sides of loopback, decoding and planning). "+
			"The reads: GET users/me first (users are listed from the caller's organization), then the organizations, personas, "+
			"loan folders and the first users page together, then the remaining pages together, sized from X-Total-Count.",
			c.LenderUsers, c.LenderRows, c.API.Latency, c.SlowLatency),
		fmt.Sprintf("8: job.Apply of %d creates against a default-world sandbox at %v latency, timed from the call to its "+
			"return (token, planning reads, writes); the bound is the planning reads' 2 round trips plus N × latency / %d.",
			c.WholeCreates, c.SlowLatency, c.API.Limit),
		fmt.Sprintf("9: as 2, with a journal in a temporary state directory whose every sync is delayed %v "+
			"(executor.WithSyncDelay, a slow disk); the rows are read from a csv file (a journal is keyed by its digest).",
			c.SyncDelay),
		fmt.Sprintf("10: `encimport plan --sandbox` of a generated %d-row csv with every one of the 34 columns (creates), "+
			"run by job.Plan in a fresh child process, report written; peak memory is the child's VmHWM; 10b is that peak over the rows.", c.MemRows),
		fmt.Sprintf("10c: `encimport apply --yes` of the same file's first %d rows (creates) by job.Apply in a fresh child process "+
			"(journal, run record, report), against a sandbox in the parent process (its world is not counted) with no latency "+
			"and a concurrency limit of 30; the figure is the child's VmHWM over the rows.", c.ApplyMemRows),
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
// ID); only the entries of lines that missed are printed. The causes named
// here were found by profiling (go tool pprof on MeasureRead) and by
// sampling the executor's limiter during the runs.
func Misses(r *Results, c Config) map[string]string {
	m := map[string]string{}
	// A profile of the read+validate child (go tool pprof on MeasureRead):
	// one goroutine reads (the csv parser or the worksheet scanner, the
	// cells' normalisation, a Record per row: about half the CPU), another
	// checks each row (the duplicate-id map, the offline checks, an
	// encompass.User per row for them), side by side on the two CPUs, so
	// the wall time is the busier goroutine's. The CPU time of the same
	// code varies between runs on this machine by up to 1.7× (other work,
	// the VM's host); the quiet figures are the committed table's of
	// 2026-12-02 (0.98 s for 100,000 xlsx rows, 2.38 s for 1,000,000 csv).
	busy := func(cpu, quiet float64) string {
		s := fmt.Sprintf(" A quiet run of this machine took %.1f s CPU for it;", quiet)
		if cpu > 1.3*quiet {
			s += fmt.Sprintf(" this one took %.0f%% more, so other work on the machine (or the VM's host) slowed it: rerun make bench on a quiet machine.", 100*(cpu/quiet-1))
		} else {
			s += " the next steps are the reading goroutine's (cells that need no normalisation copied as they are) and the checking goroutine's (the checks reading the record's fields without building a User)."
		}
		return s
	}
	if x := r.XLSX; x != nil {
		m["1a"] = fmt.Sprintf("%d rows took %.2f s wall, %.2f s CPU: a reading goroutine (the importer's worksheet "+
			"scanner, normalisation, a Record per row) and a checking goroutine share the two CPUs.", x.Rows, x.Seconds, x.CPUSeconds) +
			busy(x.CPUSeconds, 1.0*float64(x.Rows)/100_000)
		m["1b"] = fmt.Sprintf("the child peaked at %.0f MB: rows are streamed and only the ids are kept for the "+
			"duplicate check, so the rest is the sheet's shared strings and the decoder's buffers.", mb(x.PeakRSS))
	}
	if x := r.CSV; x != nil {
		m["1c"] = fmt.Sprintf("%d rows took %.2f s wall, %.2f s CPU: a reading goroutine (encoding/csv, normalisation, "+
			"a Record per row: about half the CPU) and a checking goroutine (the duplicate-id map of %d ids, the offline "+
			"checks) share the two CPUs, so the wall time is the reading goroutine's.", x.Rows, x.Seconds, x.CPUSeconds, x.Rows) +
			busy(x.CPUSeconds, 2.4*float64(x.Rows)/1_000_000)
	}
	ref := ""
	if x := r.Raw; x != nil {
		ref = fmt.Sprintf(" For reference, %d goroutines calling apiclient directly (line 2r) reached %.0f calls/s "+
			"(%.3f of the bound) on the same machine, so the rest of the gap is the executor's.", c.API.Limit, x.CallsPerSecond(), x.CallsPerSecond()/c.API.Bound(0))
	}
	limiter := "apiclient/pacer.go (adaptive).observe estimates the slots it may use as ConcurrencyRemaining + " +
		"the calls of ours in flight when the call was sent (the Remaining header is a snapshot taken when the call " +
		"arrived at the server) and follows the best of its last 32 estimates; a 429 steps the bound down by one " +
		"and holds it there for a second. The planning reads take slots through the same pacer, so they are not " +
		"mistaken for another client's calls."
	if x := r.Creates; x != nil && x.WriteCalls > 0 {
		m["2"] = fmt.Sprintf("%s in %v is %.1f ms per call with %d slots busy all the time, against %v of latency. The client's "+
			"adaptive limiter allowed itself %.1f calls in flight on average (sampled every ms), not %d. %s%s",
			plural(x.WriteCalls, "write"), x.Elapsed.Round(time.Millisecond), float64(x.Elapsed.Microseconds())*float64(c.API.Limit)/float64(x.WriteCalls)/1000,
			c.API.Limit, c.API.Latency, x.AvgLimit, c.API.Limit, limiter, ref)
	}
	if x := r.Held; x != nil && x.WriteCalls > 0 {
		free := c.API.Limit - c.Hold
		m["3"] = fmt.Sprintf("with %d slots free the limiter averaged %.1f calls in flight and the run met %d × 429 (rows "+
			"were retried, 0 failed). The 429s come from the start (the limiter begins at %d while only %d slots are free) "+
			"and from each +1 probe past the free slots; every 429 carries Retry-After: 1, so that row waits a second. "+
			"Here the slots are taken after planning; in a real run the planning reads go through the same pacer, "+
			"so the bound starts from their headers. %s", free, x.AvgLimit, x.TooMany429, c.API.Concurrency, free, limiter)
	}
	return m
}

func plural(n int64, s string) string {
	if n == 1 {
		return "1 " + s
	}
	return fmt.Sprintf("%d %ss", n, s)
}

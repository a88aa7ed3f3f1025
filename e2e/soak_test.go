package e2e

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/encimport/encimport/internal/sandbox"
)

// soakRows is n rows: creates across four branches with the existing-user
// operations spread among them.
func soakRows(n int) []want {
	ops := existingOps()
	orgs := []string{"3", "4", "6", "7", "1"}
	ws := make([]want, 0, n)
	step := n / (len(ops) + 1)
	for i := 0; len(ws) < n; i++ {
		if k := len(ws) / step; len(ws)%step == step/2 && k < len(ops) {
			ws = append(ws, ops[k])
			continue
		}
		ws = append(ws, createRow("soak.", i, orgs[i%len(orgs)]))
	}
	return ws
}

// injectTooMany occupies every concurrency slot of srv for hold out of each
// period, as another client of the same lender would, so that calls meet
// 429s. It stops when stop is closed.
func injectTooMany(srv *sandbox.Server, slots int, period, hold time.Duration, stop <-chan struct{}, wg *sync.WaitGroup) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				release := srv.Hold(slots)
				time.Sleep(hold)
				release()
			}
		}
	}()
}

// TestFaultSoak drives `encimport apply` over 1,000 rows in each dialect against a sandbox
// answering 10% of calls 500/503, dropping 2% of writes after applying them
// and refusing calls with 429 about 5% of the time. Afterwards the server
// holds exactly the expected state, every user was created once, the report
// matches the server row by row, and a second run has nothing to do.
func TestFaultSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak: skipped with -short")
	}
	// One dialect after the other: two soaks side by side on two cores
	// stretch the injected 2 ms holds into long 429 storms.
	for _, d := range sandbox.Dialects {
		t.Run(d, func(t *testing.T) { testFaultSoak(t, d) })
	}
}

// soakRowsPerDialect keeps the two dialects' soaks within the time one soak
// of 2,000 rows took.
const soakRowsPerDialect = 1000

func testFaultSoak(t *testing.T, dialect string) {
	run, err := sandbox.Start(sandbox.Options{
		Dialect:             dialect,
		Latency:             2 * time.Millisecond,
		FailRate:            0.10,
		DropAfterCommitRate: 0.02,
		Seed:                20260607,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	srv := run.Server

	dir := t.TempDir()
	ws := soakRows(soakRowsPerDialect)
	input := writeCSV(t, dir, "people.csv", table(ws))
	rep := filepath.Join(dir, "report.csv")
	env := sandboxEnv(run.URL)

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	injectTooMany(srv, sandbox.DefaultConcurrency, 40*time.Millisecond, 2*time.Millisecond, stop, &wg)
	start := time.Now()
	res := runCLI(ctx, env, "apply", input, "--report", rep, "--state-dir", filepath.Join(dir, "state"),
		"--concurrency", "16", "--quiet")
	close(stop)
	wg.Wait()
	t.Logf("soak apply took %v", time.Since(start))
	if res.code != 0 {
		t.Errorf("apply: want exit 0, got %s", res)
	}
	st := srv.Stats()
	t.Logf("sandbox stats: requests %d creates %d patches %d moves %d gets %d 409 %d 429 %d 5xx %d drops %d tokens %d",
		st.Requests, st.Creates, st.Patches, st.Moves, st.Gets, st.Conflicts409, st.TooMany429, st.Faults5xx, st.Drops, st.TokenRequests)

	// The faults really happened, or this test proves nothing.
	if st.Faults5xx == 0 || st.Drops == 0 || st.TooMany429 == 0 {
		t.Errorf("faults not exercised: 5xx %d, drops %d, 429 %d", st.Faults5xx, st.Drops, st.TooMany429)
	}
	creates := 0
	for _, w := range ws {
		if w.status == "created" {
			creates++
		}
	}
	// Every applied create is counted; a second create of the same id would be
	// refused with 409, never applied — so equality proves exactly once.
	if st.Creates != int64(creates) {
		t.Errorf("sandbox applied %d creates, want exactly %d", st.Creates, creates)
	}

	checkServer(t, srv.Users(), defaultUserCount(), ws)
	checkReport(t, readReport(t, rep), ws, nil)

	// A second run (cron, the next night) has nothing to do: no write at all.
	srv.ResetStats()
	rep2 := filepath.Join(dir, "report2.csv")
	stop2 := make(chan struct{})
	injectTooMany(srv, sandbox.DefaultConcurrency, 40*time.Millisecond, 2*time.Millisecond, stop2, &wg)
	res = runCLI(ctx, env, "apply", input, "--report", rep2, "--state-dir", filepath.Join(dir, "state"), "--concurrency", "16", "--quiet")
	close(stop2)
	wg.Wait()
	if res.code != 0 {
		t.Errorf("second apply: want exit 0, got %s", res)
	}
	st = srv.Stats()
	if w := st.Creates + st.Patches + st.Moves; w != 0 {
		t.Errorf("second apply wrote %d times (creates %d, patches %d, moves %d), want none", w, st.Creates, st.Patches, st.Moves)
	}
	rows2 := readReport(t, rep2)
	if c := statusCounts(rows2); c["unchanged"] != len(ws) {
		t.Errorf("second apply report: want all %d rows unchanged, got %v", len(ws), c)
	}
	checkServer(t, srv.Users(), defaultUserCount(), ws)
}

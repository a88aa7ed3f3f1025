package executor_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/executor"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/sandbox"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/planner"
)

// TestTwoRunsShareTheCap measures two runs (each 100 creates, 8 workers,
// a journal each) sharing a sandbox whose cap is 3 calls in flight with
// 50 ms a call, against the floor (200 calls × 50 ms / 3) and against one
// run of 200 alone (issue 13 item 9). A measurement, about 70 s: set
// ENCIMPORT_MEASURE_SHARE=1 to run it.
//
// On 2 shared cores: one run alone 1.12–1.14× the floor; two runs
// 1.33–1.39× with 12 429s in all (mean of 8–12 pairs). Raising the limit
// during the calm after a 429 when a reply shows free slots gave 1.30×
// with 24–26 429s: a client cannot tell a departed client from one
// waiting out its Retry-After, so the calm stays.
func TestTwoRunsShareTheCap(t *testing.T) {
	if os.Getenv("ENCIMPORT_MEASURE_SHARE") == "" {
		t.Skip("a measurement: set ENCIMPORT_MEASURE_SHARE=1")
	}
	var one float64
	for range 4 {
		r, _ := measureRuns(t, 1, 200)
		one += r
	}
	t.Logf("one run of 200 alone: %.2fx the floor", one/4)
	var ratio float64
	var tooMany int
	const pairs = 12
	for range pairs {
		r, n := measureRuns(t, 2, 100)
		ratio += r
		tooMany += n
	}
	t.Logf("two runs of 100, mean of %d pairs: %.2fx the floor, %.1f 429s", pairs, ratio/pairs, float64(tooMany)/pairs)
}

// measureRuns runs clients runs of n creates at once against one sandbox
// and returns the elapsed time over the floor and the 429s they met.
func measureRuns(t *testing.T, clients, n int) (float64, int) {
	const capN, lat, workers = 3, 50 * time.Millisecond, 8
	sb, err := sandbox.Start(sandbox.Options{ConcurrencyLimit: capN, Latency: lat})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	start := time.Now()
	tooMany := make([]int, clients)
	for k := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := apiclient.New(sb.URL, sandbox.Login(sandbox.BuiltinAdminID), apiclient.WithConcurrency(workers))
			if err != nil {
				t.Error(err)
				return
			}
			w, err := planner.Fetch(ctx, c)
			if err != nil {
				t.Error(err)
				return
			}
			var recs []*importer.Record
			for i := range n {
				recs = append(recs, newRec(i+2, fmt.Sprintf("share%d.u%03d", k, i)))
			}
			p := planner.Build(recs, w, plan.Input{Path: "people.csv"}, plan.Options{DefaultAction: encompass.ActionUpsert})
			j, err := executor.OpenJournal(t.TempDir(), strings.Repeat(fmt.Sprint(k), 64))
			if err != nil {
				t.Error(err)
				return
			}
			defer j.Close()
			res, err := executor.Run(ctx, c, p, executor.Options{Concurrency: workers, Journal: j})
			if err != nil {
				t.Error(err)
				return
			}
			tooMany[k] = res.Stats.TooMany429
		}()
	}
	wg.Wait()
	el := time.Since(start)
	floor := time.Duration(clients*n) * lat / capN
	sum := 0
	for _, n := range tooMany {
		sum += n
	}
	t.Logf("%d run(s) of %d: %v, floor %v (%.2fx), 429s %v", clients, n, el.Round(time.Millisecond), floor.Round(time.Millisecond), float64(el)/float64(floor), tooMany)
	return float64(el) / float64(floor), sum
}

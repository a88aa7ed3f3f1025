package bench

import (
	"bytes"
	"context"
	"github.com/encimport/encimport/apiclient"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSplitMovesAndLowerBound(t *testing.T) {
	tests := []struct {
		total  int
		counts []int
		bound  int
	}{
		{5000, []int{1250, 1000, 850, 700, 550, 400, 250}, 13 + 10 + 9 + 7 + 6 + 4 + 3},
		{300, []int{75, 60, 51, 42, 33, 24, 15}, 7},
		{7, []int{5, 1, 1, 0, 0, 0, 0}, 3},
		{101, []int{26, 20, 17, 14, 11, 8, 5}, 7},
	}
	for _, tt := range tests {
		got := SplitMoves(tt.total)
		sum := 0
		for _, n := range got {
			sum += n
		}
		if sum != tt.total || !slices.Equal(got, tt.counts) {
			t.Errorf("SplitMoves(%d) = %v (sum %d), want %v", tt.total, got, sum, tt.counts)
		}
		if b := MoveLowerBound(got, 100); b != tt.bound {
			t.Errorf("MoveLowerBound(%v) = %d, want %d", got, b, tt.bound)
		}
	}
}

func TestLineTargets(t *testing.T) {
	tests := []struct {
		name string
		l    Line
		ok   bool
	}{
		{"rate above 0.9", AtLeast("2", "x", 560, "calls/s", 600, "b", 0.9), true},
		{"rate below 0.9", AtLeast("2", "x", 530, "calls/s", 600, "b", 0.9), false},
		{"memory under", AtMost("1b", "x", 120, "MB", 150, "t", 1), true},
		{"memory over", AtMost("1b", "x", 151, "MB", 150, "t", 1), false},
		{"calls exact", Exactly("4", "x", 53, "calls", 53, "b"), true},
		{"calls one more", Exactly("4", "x", 54, "calls", 53, "b"), false},
		{"no bound never passes AtLeast", AtLeast("x", "x", 1, "u", 0, "b", 0.9), false},
	}
	for _, tt := range tests {
		if tt.l.OK != tt.ok {
			t.Errorf("%s: OK = %v, want %v (ratio %.3f)", tt.name, tt.l.OK, tt.ok, tt.l.Ratio())
		}
	}
}

func TestPeakRSS(t *testing.T) {
	b, from := PeakRSS()
	if b < 1<<20 || from == "unavailable" {
		t.Fatalf("PeakRSS() = %d bytes from %s; want a real figure above 1 MB", b, from)
	}
}

// TestScenariosTiny runs every scenario of the driver at tiny sizes and
// checks the structural bounds, so `make test` catches a regression in the
// grouping of moves, the planning reads or the executor's failure handling.
// Rates are not asserted here: they belong to `make bench`.
func TestScenariosTiny(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := Config{
		API:      API{Latency: 5 * time.Millisecond, Limit: 30, Concurrency: 30},
		CacheDir: t.TempDir(),
		XLSXRows: 300, CSVRows: 2000,
		Creates: 200, Hold: 10,
		Moves:        730, // 7 pairs, several needing more than one call
		PlanRows:     1500,
		NaiveCreates: 20, NaiveMoves: 21, RawCreates: 60,
	}
	r, err := Run(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	for name, x := range map[string]*ReadResult{"xlsx": r.XLSX, "csv": r.CSV} {
		want := c.XLSXRows
		if name == "csv" {
			want = c.CSVRows
		}
		if x.Rows != want || x.Invalid != 0 || x.PeakRSS <= 0 {
			t.Errorf("%s read: %d rows (want %d), %d invalid (want 0), peak %d", name, x.Rows, want, x.Invalid, x.PeakRSS)
		}
	}
	for name, x := range map[string]*ApplyResult{"creates": r.Creates, "creates with held slots": r.Held} {
		if x.Failed != 0 || x.Done != c.Creates || x.WriteCalls != int64(c.Creates) {
			t.Errorf("%s: %d done, %d failed (%s), %d creates applied; want %d done, 0 failed, %d applied",
				name, x.Done, x.Failed, x.FirstFailure, x.WriteCalls, c.Creates, c.Creates)
		}
	}
	if r.Held.MaxInFlight > int64(c.API.Limit) {
		t.Errorf("max in flight %d above the limit %d", r.Held.MaxInFlight, c.API.Limit)
	}
	if m := r.Moves; m.Failed != 0 || m.WriteCalls != int64(r.MoveBound) || m.MoveCalls != r.MoveBound || r.MoveBound != 11 {
		t.Errorf("moves: %d failed (%s), %d move calls applied, %d planned; want 0 failed and the lower bound 11 (got bound %d)",
			m.Failed, m.FirstFailure, m.WriteCalls, m.MoveCalls, r.MoveBound)
	}
	wantPages := (r.Plan.Users + apiclient.DefaultListPageSize - 1) / apiclient.DefaultListPageSize
	if p := r.Plan; p.Reads.Total() != p.LowerBound || p.ServerReads != int64(p.LowerBound) || p.Reads.UserPages != wantPages {
		t.Errorf("planning: %d reads counted (%+v), sandbox saw %d; want the lower bound %d with %d pages",
			p.Reads.Total(), p.Reads, p.ServerReads, p.LowerBound, wantPages)
	}
	if n := r.NaiveCreate; n.Calls != c.NaiveCreates || n.Failed != 0 {
		t.Errorf("naive creates: %d calls, %d failed; want %d, 0", n.Calls, n.Failed, c.NaiveCreates)
	}
	if n := r.NaiveMove; n.Calls != c.NaiveMoves || n.Failed != 0 {
		t.Errorf("naive moves: %d calls, %d failed; want %d, 0", n.Calls, n.Failed, c.NaiveMoves)
	}
	if n := r.Raw; n.Calls != c.RawCreates || n.Failed != 0 {
		t.Errorf("reference creates: %d calls, %d failed; want %d, 0", n.Calls, n.Failed, c.RawCreates)
	}
	if s := r.SubsetMoves; s.WriteCalls != int64(r.SubsetMoveBound) || s.Failed != 0 {
		t.Errorf("encimport on the naive subset: %d move calls, %d failed; want %d, 0", s.WriteCalls, s.Failed, r.SubsetMoveBound)
	}

	lines := r.Lines(c)
	byID := map[string]Line{}
	for _, l := range lines {
		byID[l.ID] = l
	}
	for _, id := range []string{"1a", "1b", "1c", "1d", "2", "2r", "3", "4", "5", "6a", "6b", "6c"} {
		if _, ok := byID[id]; !ok {
			t.Errorf("line %s missing from the table", id)
		}
	}
	for _, id := range []string{"4", "5"} {
		if !byID[id].OK {
			t.Errorf("line %s misses its exact bound: %+v", id, byID[id])
		}
	}
	var md, table bytes.Buffer
	if err := WriteMarkdown(&md, Env{Command: "test"}, lines, Method(c), Misses(r, c)); err != nil {
		t.Fatal(err)
	}
	if err := WriteTable(&table, lines); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| 4 |", "Σ ceil(n/100)", "## How it was measured"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("BENCHMARKS.md lacks %q:\n%s", want, md.String())
		}
	}
	if !strings.Contains(table.String(), "calls/s") {
		t.Errorf("table lacks calls/s:\n%s", table.String())
	}
}

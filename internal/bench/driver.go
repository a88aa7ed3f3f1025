package bench

import (
	"context"
	"fmt"
	"github.com/encimport/encimport/apiclient"
	"io"
	"os"
	"strings"
	"time"
)

// Config sizes every scenario; zero sizes skip a scenario.
type Config struct {
	API          API
	CacheDir     string // where the generated xlsx/csv files are kept between runs
	Exe          string // binary re-executed with ReadChildCommand; "" measures in-process
	XLSXRows     int    // 1: read+validate xlsx (100,000)
	CSVRows      int    // 1: read+validate csv (1,000,000)
	Creates      int    // 2 and 3: creates (10,000)
	Hold         int    // 3: slots held by another client (10)
	Moves        int    // 4: users moved across len(MovePairs) pairs (5,000)
	PlanRows     int    // 5: upserts planned against as many existing users (10,000)
	NaiveCreates int    // 6: creates by the naive client (300)
	NaiveMoves   int    // 6: single-user moves by the naive client (300)
	RawCreates   int    // 2r: reference creates by Limit goroutines calling apiclient directly (3,000)

	LenderUsers    int           // 7: users of the lender planned against (20,000), at 0, API.Latency and SlowLatency
	LenderRows     int           // 7: rows of that plan (100)
	SlowLatency    time.Duration // 7 and 8: the real service's latency (300ms)
	WholeCreates   int           // 8: creates of the whole apply at SlowLatency (2,000)
	JournalCreates int           // 9: creates with a journal (3,000)
	SyncDelay      time.Duration // 9: added to each sync of that journal (2ms)
	MemRows        int           // 10: rows of the memory scenario (250,000 × 34 columns)
	ApplyMemRows   int           // 10c: rows of the apply memory scenario (250,000 × 34 columns; only with Exe)
	Log            io.Writer
}

// Results are the raw measurements behind the lines.
type Results struct {
	XLSX, CSV        *ReadResult
	Creates, Held    *ApplyResult
	Raw              *NaiveResult
	LoadBefore       string // /proc/loadavg when the run started
	LoadAfter        string // and when it ended
	Moves            *ApplyResult
	MoveBound        int
	Plan             *PlanResult
	NaiveCreate      *NaiveResult
	NaiveMove        *NaiveResult
	SubsetMoves      *ApplyResult // encimport on the naive client's move subset
	SubsetMoveBound  int
	MoveCounts       []int
	SubsetMoveCounts []int
	LenderPlanBase   *LenderPlanResult // at 0 latency: the decode term of 7's bound
	LenderPlans      []LenderPlanResult
	WholeApply       *WholeApplyResult
	JournalApply     *JournalApplyResult
	Memory           *MemResult
	ApplyMemory      *MemResult
}

// Targets of issue 6.
const (
	TargetXLSXRowsPerSec = 50000
	TargetXLSXPeakMB     = 150
	TargetCSVRowsPerSec  = 500000
	TargetRateRatio      = 0.9
)

func (c Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

// Run measures every scenario the config sizes and returns the raw results.
func Run(ctx context.Context, c Config) (*Results, error) {
	r := &Results{LoadBefore: LoadAvg()}
	defer func() { r.LoadAfter = LoadAvg() }()
	if c.XLSXRows > 0 {
		c.logf("generating/reusing %d-row xlsx in %s", c.XLSXRows, c.CacheDir)
		path, err := EnsureXLSX(c.CacheDir, c.XLSXRows)
		if err != nil {
			return nil, fmt.Errorf("generating the xlsx input: %w", err)
		}
		res, err := c.measure(ctx, path)
		if err != nil {
			return nil, err
		}
		r.XLSX = &res
		c.logf("  xlsx: %d rows in %.2fs, peak %d MB", res.Rows, res.Seconds, res.PeakRSS>>20)
	}
	if c.CSVRows > 0 {
		c.logf("generating/reusing %d-row csv in %s", c.CSVRows, c.CacheDir)
		path, err := EnsureCSV(c.CacheDir, c.CSVRows)
		if err != nil {
			return nil, fmt.Errorf("generating the csv input: %w", err)
		}
		res, err := c.measure(ctx, path)
		if err != nil {
			return nil, err
		}
		r.CSV = &res
		c.logf("  csv: %d rows in %.2fs, peak %d MB", res.Rows, res.Seconds, res.PeakRSS>>20)
	}
	if c.Creates > 0 {
		c.logf("applying %d creates (latency %v, limit %d, concurrency %d)", c.Creates, c.API.Latency, c.API.Limit, c.API.Concurrency)
		res, err := c.API.Creates(ctx, c.Creates, 0)
		if err != nil {
			return nil, fmt.Errorf("creates: %w", err)
		}
		r.Creates = &res
		c.logf("  %d write calls in %v = %.0f/s, %d × 429, %d failed", res.WriteCalls, res.Elapsed.Round(time.Millisecond), res.CallsPerSecond(), res.TooMany429, res.Failed)
		if c.Hold > 0 {
			c.logf("applying %d creates while another client holds %d slots", c.Creates, c.Hold)
			res, err := c.API.Creates(ctx, c.Creates, c.Hold)
			if err != nil {
				return nil, fmt.Errorf("creates with held slots: %w", err)
			}
			r.Held = &res
			c.logf("  %d write calls in %v = %.0f/s, %d × 429, %d failed", res.WriteCalls, res.Elapsed.Round(time.Millisecond), res.CallsPerSecond(), res.TooMany429, res.Failed)
		}
	}
	if c.RawCreates > 0 {
		c.logf("reference: %d creates by %d goroutines calling apiclient directly", c.RawCreates, c.API.Limit)
		res, err := c.API.RawCreates(ctx, c.RawCreates)
		if err != nil {
			return nil, fmt.Errorf("reference creates: %w", err)
		}
		r.Raw = &res
		c.logf("  %d calls in %v = %.0f/s, %d failed", res.Calls, res.Elapsed.Round(time.Millisecond), res.CallsPerSecond(), res.Failed)
	}
	if c.Moves > 0 {
		r.MoveCounts = SplitMoves(c.Moves)
		r.MoveBound = MoveLowerBound(r.MoveCounts, 100)
		c.logf("moving %d users across %d pairs %v", c.Moves, len(r.MoveCounts), r.MoveCounts)
		res, err := c.API.Moves(ctx, r.MoveCounts)
		if err != nil {
			return nil, fmt.Errorf("moves: %w", err)
		}
		r.Moves = &res
		c.logf("  %d move calls (lower bound %d) in %v, %d failed", res.WriteCalls, r.MoveBound, res.Elapsed.Round(time.Millisecond), res.Failed)
	}
	if c.PlanRows > 0 {
		c.logf("planning %d rows against %d+ users", c.PlanRows, c.PlanRows)
		res, err := c.API.Planning(ctx, c.PlanRows)
		if err != nil {
			return nil, fmt.Errorf("planning: %w", err)
		}
		r.Plan = &res
		c.logf("  %d read calls (server saw %d, lower bound %d) in %v", res.Reads.Total(), res.ServerReads, res.LowerBound, res.Elapsed.Round(time.Millisecond))
	}
	if c.NaiveCreates > 0 {
		c.logf("naive client: %d creates, one at a time", c.NaiveCreates)
		res, err := c.API.NaiveCreates(ctx, c.NaiveCreates)
		if err != nil {
			return nil, fmt.Errorf("naive creates: %w", err)
		}
		r.NaiveCreate = &res
		c.logf("  %d calls in %v = %.1f/s, %d failed", res.Calls, res.Elapsed.Round(time.Millisecond), res.CallsPerSecond(), res.Failed)
	}
	if c.NaiveMoves > 0 {
		r.SubsetMoveCounts = SplitMoves(c.NaiveMoves)
		r.SubsetMoveBound = MoveLowerBound(r.SubsetMoveCounts, 100)
		c.logf("naive client: %d single-user moves %v", c.NaiveMoves, r.SubsetMoveCounts)
		res, err := c.API.NaiveMoves(ctx, r.SubsetMoveCounts)
		if err != nil {
			return nil, fmt.Errorf("naive moves: %w", err)
		}
		r.NaiveMove = &res
		c.logf("  %d calls in %v = %.1f/s, %d failed", res.Calls, res.Elapsed.Round(time.Millisecond), res.CallsPerSecond(), res.Failed)
		sub, err := c.API.Moves(ctx, r.SubsetMoveCounts)
		if err != nil {
			return nil, fmt.Errorf("moves (naive subset): %w", err)
		}
		r.SubsetMoves = &sub
		c.logf("  encimport on the same moves: %d calls in %v", sub.WriteCalls, sub.Elapsed.Round(time.Millisecond))
	}
	if err := c.runLender(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// runLender runs the scenarios of issue 18 the config sizes.
func (c Config) runLender(ctx context.Context, r *Results) error {
	if c.LenderUsers > 0 {
		for _, lat := range []time.Duration{0, c.API.Latency, c.SlowLatency} {
			a := c.API
			a.Latency = lat
			c.logf("planning %d rows against %d users at %v", c.LenderRows, c.LenderUsers, lat)
			res, err := a.LenderPlan(ctx, c.LenderUsers, c.LenderRows)
			if err != nil {
				return fmt.Errorf("planning against %d users: %w", c.LenderUsers, err)
			}
			c.logf("  %v, %d reads (%d pages)", res.Elapsed.Round(time.Millisecond), res.Reads.Total(), res.Reads.UserPages)
			if lat == 0 {
				r.LenderPlanBase = &res
			} else {
				r.LenderPlans = append(r.LenderPlans, res)
			}
		}
	}
	if c.WholeCreates > 0 {
		a := c.API
		a.Latency = c.SlowLatency
		c.logf("whole apply of %d creates at %v", c.WholeCreates, a.Latency)
		res, err := a.WholeApply(ctx, c.WholeCreates)
		if err != nil {
			return fmt.Errorf("whole apply: %w", err)
		}
		r.WholeApply = &res
		c.logf("  %v whole, writes %v, %d failed", res.Whole.Round(time.Millisecond), res.Elapsed.Round(time.Millisecond), res.Failed)
	}
	if c.JournalCreates > 0 {
		c.logf("%d creates with a journal, each sync +%v", c.JournalCreates, c.SyncDelay)
		res, err := c.API.JournalCreates(ctx, c.JournalCreates, c.SyncDelay)
		if err != nil {
			return fmt.Errorf("creates with a journal: %w", err)
		}
		r.JournalApply = &res
		c.logf("  %d write calls in %v = %.0f/s, %d failed", res.WriteCalls, res.Elapsed.Round(time.Millisecond), res.CallsPerSecond(), res.Failed)
	}
	if c.MemRows > 0 {
		c.logf("generating/reusing %d-row, %d-column csv in %s", c.MemRows, len(WideColumns), c.CacheDir)
		path, err := EnsureWideCSV(c.CacheDir, c.MemRows)
		if err != nil {
			return fmt.Errorf("generating the wide csv: %w", err)
		}
		var res MemResult
		if c.Exe == "" {
			res, err = MeasurePlan(ctx, path)
		} else {
			res, err = RunPlanChild(ctx, c.Exe, path)
		}
		if err != nil {
			return err
		}
		r.Memory = &res
		c.logf("  plan of %d rows: peak %d MB in %.1fs", res.Rows, res.PeakRSS>>20, res.Seconds)
	}
	if c.ApplyMemRows > 0 && c.Exe != "" {
		c.logf("generating/reusing %d-row, %d-column csv in %s", c.ApplyMemRows, len(WideColumns), c.CacheDir)
		path, err := EnsureWideCSV(c.CacheDir, c.ApplyMemRows)
		if err != nil {
			return fmt.Errorf("generating the wide csv: %w", err)
		}
		c.logf("apply of %d rows in a child process (a minute or two)", c.ApplyMemRows)
		res, err := RunApplyChild(ctx, c.Exe, path)
		if err != nil {
			return err
		}
		r.ApplyMemory = &res
		c.logf("  apply of %d rows: peak %d MB in %.1fs, %d failed", res.Rows, res.PeakRSS>>20, res.Seconds, res.Failed)
	}
	return nil
}

func (c Config) measure(ctx context.Context, path string) (ReadResult, error) {
	if c.Exe == "" {
		return MeasureRead(path)
	}
	return RunReadChild(ctx, c.Exe, path)
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// Lines turns the results into the table's lines, in the order of issue 6.
func (r *Results) Lines(c Config) []Line {
	var ls []Line
	lat := c.API.Latency
	if x := r.XLSX; x != nil {
		ls = append(ls,
			AtLeast("1a", fmt.Sprintf("read+validate xlsx, %d rows × %d cols", x.Rows, len(FileColumns)), x.RowsPerSecond(), "rows/s", TargetXLSXRowsPerSec, "target", 1),
			AtMost("1b", "peak memory of that process", mb(x.PeakRSS), "MB", TargetXLSXPeakMB, "target", 1))
		ls[len(ls)-2].Note = fmt.Sprintf("%.2f s wall, %.2f s CPU; %d invalid rows", x.Seconds, x.CPUSeconds, x.Invalid)
		ls[len(ls)-1].Note = fmt.Sprintf("%s; getrusage of the child %.0f MB", x.RSSFrom, mb(x.ChildRSS))
	}
	if x := r.CSV; x != nil {
		l := AtLeast("1c", fmt.Sprintf("read+validate csv, %d rows × %d cols", x.Rows, len(FileColumns)), x.RowsPerSecond(), "rows/s", TargetCSVRowsPerSec, "target", 1)
		l.Note = fmt.Sprintf("%.2f s wall, %.2f s CPU; %d invalid rows", x.Seconds, x.CPUSeconds, x.Invalid)
		m := Info("1d", "peak memory of that process", mb(x.PeakRSS), "MB", 0, "")
		m.Note = fmt.Sprintf("%s; no target (rows are streamed; the duplicate-id check keeps every id)", x.RSSFrom)
		ls = append(ls, l, m)
	}
	if x := r.Creates; x != nil {
		ls = append(ls, applyLine("2", fmt.Sprintf("%d creates, write calls/s", x.Rows), *x, c.API.Bound(0),
			fmt.Sprintf("%d slots / %v", c.API.Limit, lat), true))
	}
	if x := r.Raw; x != nil {
		l := Info("2r", fmt.Sprintf("reference: %d creates, %d goroutines on apiclient, no executor", x.Rows, c.API.Limit), x.CallsPerSecond(), "calls/s", c.API.Bound(0),
			fmt.Sprintf("%d slots / %v", c.API.Limit, lat))
		l.Note = fmt.Sprintf("%d failed, %v: the ceiling of this machine + sandbox + client", x.Failed, x.Elapsed.Round(time.Millisecond))
		ls = append(ls, l)
	}
	if x := r.Held; x != nil {
		ls = append(ls, applyLine("3", fmt.Sprintf("%d creates, %d of %d slots held elsewhere", x.Rows, c.Hold, c.API.Limit), *x, c.API.Bound(c.Hold),
			fmt.Sprintf("%d free slots / %v", c.API.Limit-c.Hold, lat), false))
	}
	if x := r.Moves; x != nil {
		l := Exactly("4", fmt.Sprintf("%d moves over %d pairs, move calls", c.Moves, len(r.MoveCounts)), float64(x.WriteCalls), "calls", float64(r.MoveBound), "Σ ceil(n/100)")
		l.OK = l.OK && x.Failed == 0 && x.MoveCalls == r.MoveBound
		l.Target += ", 0 failed"
		l.Note = fmt.Sprintf("planned %d calls; %d failed rows; %v", x.MoveCalls, x.Failed, x.Elapsed.Round(time.Millisecond))
		ls = append(ls, l)
	}
	if x := r.Plan; x != nil {
		l := Exactly("5", fmt.Sprintf("planning %d rows, read calls", x.Rows), float64(x.Reads.Total()), "calls", float64(x.LowerBound),
			fmt.Sprintf("%d user pages (1 of %d, the rest in one wave) + org list + personas + me + loan folders", UserPages(x.Users, c.API.Concurrency), apiclient.DefaultListPageSize))
		l.OK = l.OK && x.ServerReads == int64(x.LowerBound)
		l.Note = fmt.Sprintf("%d pages + %d org + %d persona + %d other; sandbox saw %d; %v",
			x.Reads.UserPages, x.Reads.OrgCalls, x.Reads.PersonaCalls, x.Reads.OtherCalls, x.ServerReads, x.Elapsed.Round(time.Millisecond))
		ls = append(ls, l)
	}
	if n := r.NaiveCreate; n != nil {
		l := Info("6a", fmt.Sprintf("naive client, %d creates one at a time", n.Rows), n.CallsPerSecond(), "calls/s", c.API.Bound(0), fmt.Sprintf("%d slots / %v", c.API.Limit, lat))
		l.Note = fmt.Sprintf("%d calls, %d failed, %v", n.Calls, n.Failed, n.Elapsed.Round(time.Millisecond))
		ls = append(ls, l)
		if x := r.Creates; x != nil && n.CallsPerSecond() > 0 {
			s := Info("6b", "encimport creates/s ÷ naive creates/s", x.CallsPerSecond()/n.CallsPerSecond(), "×", float64(c.API.Limit), "most a client can gain: the slot count")
			s.Note = fmt.Sprintf("%.0f/s vs %.1f/s", x.CallsPerSecond(), n.CallsPerSecond())
			ls = append(ls, s)
		}
	}
	if n := r.NaiveMove; n != nil {
		l := Info("6c", fmt.Sprintf("naive client, %d users moved one per call", n.Rows), float64(n.Calls), "calls", float64(r.SubsetMoveBound), "Σ ceil(n/100)")
		l.Note = fmt.Sprintf("%.1f calls/s, %d failed, %v", n.CallsPerSecond(), n.Failed, n.Elapsed.Round(time.Millisecond))
		if s := r.SubsetMoves; s != nil {
			l.Note += fmt.Sprintf("; encimport: %d calls, %v (%.0f× fewer calls, %.0f× faster)", s.WriteCalls, s.Elapsed.Round(time.Millisecond),
				float64(n.Calls)/float64(max(s.WriteCalls, 1)), n.Elapsed.Seconds()/max(s.Elapsed.Seconds(), 1e-9))
		}
		ls = append(ls, l)
	}
	return append(ls, r.lenderLines(c)...)
}

func applyLine(id, what string, x ApplyResult, bound float64, why string, no429 bool) Line {
	l := AtLeast(id, what, x.CallsPerSecond(), "calls/s", bound, why, TargetRateRatio)
	l.OK = l.OK && x.Failed == 0
	l.Target += ", 0 failed"
	if no429 {
		l.OK = l.OK && x.TooMany429 == 0
		l.Target += ", 0 × 429"
	}
	l.Note = fmt.Sprintf("%d writes in %v; %d × 429; %d failed; max in flight %d; limiter bound avg %.1f; planning reads %d",
		x.WriteCalls, x.Elapsed.Round(time.Millisecond), x.TooMany429, x.Failed, x.MaxInFlight, x.AvgLimit, x.Reads.Total())
	if x.FirstFailure != "" {
		l.Note += "; first failure " + x.FirstFailure
	}
	return l
}

// LoadAvg returns the 1, 5 and 15 minute load averages ("" if unknown):
// other processes on the machine slow every figure here.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

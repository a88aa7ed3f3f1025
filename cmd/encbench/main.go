// Command encbench measures how close encimport runs to the limits of the
// Encompass API and writes BENCHMARKS.md (see internal/bench). It is run by
// `make bench`:
//
//	go run ./cmd/encbench [-out BENCHMARKS.md] [-cache DIR] [sizes...]
//
// Reading is measured in a child process (the same binary re-executed with a
// hidden subcommand) so each file's peak memory is its own.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/encimport/encimport/internal/bench"
)

// memChild ends a memory-measuring child process: its result as JSON on
// stdout (exit 0), or its error on stderr (exit 1).
func memChild(res bench.MemResult, err error) {
	if err == nil {
		err = json.NewEncoder(os.Stdout).Encode(res)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == bench.ReadChildCommand {
		os.Exit(child(os.Args[2], os.Stdout, os.Stderr))
	}
	if len(os.Args) == 3 && os.Args[1] == bench.PlanChildCommand {
		memChild(bench.MeasurePlan(context.Background(), os.Args[2]))
	}
	if len(os.Args) == 4 && os.Args[1] == bench.ApplyChildCommand {
		memChild(bench.MeasureApply(context.Background(), os.Args[2], os.Args[3]))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "encbench:", err)
		os.Exit(1)
	}
}

// child measures one file and prints the result as JSON.
func child(path string, stdout, stderr io.Writer) int {
	res, err := bench.MeasureRead(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := json.NewEncoder(stdout).Encode(res); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

func defaultCache() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "encimport-bench")
	}
	return filepath.Join(os.TempDir(), "encimport-bench")
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("encbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "BENCHMARKS.md", "markdown file to write (\"\" = none)")
	c := bench.Config{Log: stderr}
	fs.StringVar(&c.CacheDir, "cache", defaultCache(), "directory for the generated input files (kept between runs)")
	fs.DurationVar(&c.API.Latency, "latency", 50*time.Millisecond, "sandbox latency per call")
	fs.IntVar(&c.API.Limit, "limit", 30, "sandbox concurrency limit")
	fs.IntVar(&c.API.Concurrency, "concurrency", 30, "executor concurrency")
	fs.IntVar(&c.XLSXRows, "xlsx-rows", 100000, "rows of the xlsx read benchmark (0 = skip)")
	fs.IntVar(&c.CSVRows, "csv-rows", 1000000, "rows of the csv read benchmark (0 = skip)")
	fs.IntVar(&c.Creates, "creates", 10000, "creates applied (0 = skip)")
	fs.IntVar(&c.Hold, "hold", 10, "slots held by another client in the second create run (0 = skip)")
	fs.IntVar(&c.Moves, "moves", 5000, "users moved (0 = skip)")
	fs.IntVar(&c.PlanRows, "plan-rows", 10000, "rows planned (0 = skip)")
	fs.IntVar(&c.NaiveCreates, "naive-creates", 300, "creates by the naive client (0 = skip)")
	fs.IntVar(&c.NaiveMoves, "naive-moves", 300, "single-user moves by the naive client (0 = skip)")
	fs.IntVar(&c.RawCreates, "raw-creates", 3000, "reference creates by goroutines calling apiclient directly (0 = skip)")
	fs.IntVar(&c.LenderUsers, "lender-users", 20000, "users of the lender planned against at 0, -latency and -slow-latency (0 = skip)")
	fs.IntVar(&c.LenderRows, "lender-rows", 100, "rows of that plan")
	fs.DurationVar(&c.SlowLatency, "slow-latency", 300*time.Millisecond, "the real service's latency, for the planning and whole-apply scenarios")
	fs.IntVar(&c.WholeCreates, "whole-creates", 2000, "creates of the whole apply at -slow-latency (0 = skip)")
	fs.IntVar(&c.JournalCreates, "journal-creates", 3000, "creates with a journal on a slow disk (0 = skip)")
	fs.DurationVar(&c.SyncDelay, "sync-delay", 2*time.Millisecond, "added to each sync of that journal")
	fs.IntVar(&c.MemRows, "mem-rows", 250000, "rows × 34 columns of the plan whose peak memory is measured (0 = skip)")
	fs.IntVar(&c.ApplyMemRows, "apply-mem-rows", 250000, "rows × 34 columns (creates) of the apply whose peak memory is measured (0 = skip)")
	inProcess := fs.Bool("in-process", false, "measure reading in this process instead of a child (peak memory then includes everything before)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; see -h", fs.Args())
	}
	if !*inProcess {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("finding this binary to measure reading in a child process: %w (use -in-process)", err)
		}
		c.Exe = exe
	}
	start := time.Now()
	res, err := bench.Run(ctx, c)
	if err != nil {
		return err
	}
	lines := res.Lines(c)
	fmt.Fprintln(stdout)
	if err := bench.WriteTable(stdout, lines); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nmeasured in %v; load average %s at the start, %s at the end\n", time.Since(start).Round(time.Second), res.LoadBefore, res.LoadAfter)
	if *out == "" {
		return nil
	}
	env := bench.Env{
		When: time.Now().UTC().Format("2006-01-02"), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH,
		CPUs: runtime.NumCPU(), CPUModel: cpuModel(), Command: "go run ./cmd/encbench",
		Settings: []string{
			fmt.Sprintf("sandbox: latency %v per call, concurrency limit %d; executor concurrency %d, the client pacing its calls with the adaptive limiter (as `encimport apply` wires it)", c.API.Latency, c.API.Limit, c.API.Concurrency),
			fmt.Sprintf("sizes: xlsx %d rows, csv %d rows, %d creates (then again with %d slots held), %d moves, %d rows planned, naive client %d creates and %d moves; "+
				"%d rows planned against %d users at 0, %v and %v; whole apply of %d creates at %v; %d creates with a journal synced +%v; plan of %d rows × 34 columns; apply of %d rows × 34 columns",
				c.XLSXRows, c.CSVRows, c.Creates, c.Hold, c.Moves, c.PlanRows, c.NaiveCreates, c.NaiveMoves,
				c.LenderRows, c.LenderUsers, c.API.Latency, c.SlowLatency, c.WholeCreates, c.SlowLatency, c.JournalCreates, c.SyncDelay, c.MemRows, c.ApplyMemRows),
			fmt.Sprintf("whole run: %v; load average (1, 5, 15 min) %s at the start, %s at the end — other work on this %d-CPU machine (teammates' test suites) slows every figure, the rates included, since client and sandbox share the CPUs",
				time.Since(start).Round(time.Second), res.LoadBefore, res.LoadAfter, runtime.NumCPU()),
		},
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := bench.WriteMarkdown(f, env, lines, bench.Method(c), bench.Misses(res, c)); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return nil
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

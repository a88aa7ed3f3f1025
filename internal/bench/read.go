package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/planner"
)

// ReadResult is one read-and-validate measurement.
type ReadResult struct {
	File     string  `json:"file"`
	Rows     int     `json:"rows"`
	Invalid  int     `json:"invalid"` // rows with a problem (the generated files have none)
	Seconds  float64 `json:"seconds"`
	PeakRSS  int64   `json:"peakRss"`  // bytes, VmHWM of the measuring process
	RSSFrom  string  `json:"rssFrom"`  // "VmHWM" or "getrusage"
	ChildRSS int64   `json:"childRss"` // bytes, the parent's getrusage view of the child (0 in-process)
	// CPUSeconds is the user+system CPU time of the measuring process: less
	// sensitive than Seconds to other work on the machine.
	CPUSeconds float64 `json:"cpuSeconds"`
}

// RowsPerSecond is the measured throughput.
func (r ReadResult) RowsPerSecond() float64 {
	if r.Seconds <= 0 {
		return 0
	}
	return float64(r.Rows) / r.Seconds
}

// MeasureRead reads and validates path the way `encimport validate` does
// (planner.CheckFile: importer.Open, then Next and a planner.Checker row by
// row, the records not kept) in this process, and reports the rows per
// second and this process's peak resident memory. Run it in a fresh process
// (RunReadChild) so the peak belongs to this file alone.
func MeasureRead(path string) (ReadResult, error) {
	start := time.Now()
	res := ReadResult{File: path}
	_, err := planner.CheckFile(context.Background(), path, importer.Options{MaxFileSize: 1 << 30},
		plan.Options{DefaultAction: encompass.ActionUpsert}, func(r plan.Row) error {
			res.Rows++
			if r.Status == plan.StatusInvalid {
				res.Invalid++
			}
			return nil
		})
	if err != nil {
		return ReadResult{}, err
	}
	res.Seconds = time.Since(start).Seconds()
	res.PeakRSS, res.RSSFrom = PeakRSS()
	res.CPUSeconds = cpuSeconds()
	return res, nil
}

// cpuSeconds is the CPU time (user + system) this process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return tv(ru.Utime) + tv(ru.Stime)
}

// PeakRSS returns the process's peak resident set size in bytes: VmHWM from
// /proc/self/status, else getrusage's ru_maxrss.
func PeakRSS() (int64, string) {
	if f, err := os.Open("/proc/self/status"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				if err == nil {
					return kb << 10, "VmHWM"
				}
			}
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		return ru.Maxrss << 10, "getrusage" // kilobytes on Linux
	}
	return 0, "unavailable"
}

// ReadChildCommand is the hidden subcommand of cmd/encbench that runs
// MeasureRead and prints its ReadResult as JSON.
const ReadChildCommand = "__read-child"

// RunReadChild measures path in a child process: exe ReadChildCommand path.
// The child's own VmHWM is the peak; the parent's getrusage view of the child
// is kept in ChildRSS as a cross-check.
func RunReadChild(ctx context.Context, exe, path string) (ReadResult, error) {
	res, rss, err := runChild[ReadResult](ctx, exe, ReadChildCommand, path, "measuring")
	res.ChildRSS = rss
	return res, err
}

// runChild runs exe sub path and decodes the JSON result the child prints;
// rss is the parent's getrusage view of the child's peak (a cross-check of
// the child's own VmHWM).
func runChild[T any](ctx context.Context, exe, sub, path, doing string, more ...string) (res T, rss int64, err error) {
	cmd := exec.CommandContext(ctx, exe, append([]string{sub, path}, more...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return res, 0, fmt.Errorf("%s %s in a child process: %w: %s", doing, path, err, strings.TrimSpace(errb.String()))
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return res, 0, fmt.Errorf("child output for %s: %w", path, err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss << 10
	}
	return res, rss, nil
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

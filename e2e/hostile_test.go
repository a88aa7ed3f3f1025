package e2e

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"github.com/encimport/encimport/internal/syncbuf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Limits every hostile input must stay within. The time limit catches hangs
// and runaway work, not speed: the slowest case (an xlsx unpacking to a
// million rows, read to the row limit) takes ~5 s alone but over 20 s while
// `make test` runs other packages' race tests on the same 2 cores.
const (
	hostileTimeout = 45 * time.Second
	hostileMaxRSS  = 500 << 20 // bytes
)

var (
	validCells   = []string{"", "hx.ok", "Hana", "Okafor", "hx.ok@example.com", "Pw!12345x", "Tester", "My Pipeline", "Loan Officer", "3"}
	invalidCells = []string{"", "bad/id", "Ivan", "Invalid", "bad@example.com", "Pw!12345x", "Tester", "My Pipeline", "Loan Officer", "3"}
)

func csvLine(cells []string) string {
	var b strings.Builder
	for i, c := range cells {
		if i > 0 {
			b.WriteByte(',')
		}
		if strings.ContainsAny(c, ",\"\n\r") {
			c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		}
		b.WriteString(c)
	}
	b.WriteString("\r\n")
	return b.String()
}

func writeBytes(t testing.TB, path string, b []byte) string {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// hostileCase is one file and the exit codes it may give.
type hostileCase struct {
	name  string
	make  func(t *testing.T, dir string) string
	codes []int  // allowed exit codes
	needs string // text that must appear in stdout+stderr when the rows were read (exit 3)
}

func hostileCases() []hostileCase {
	return []hostileCase{
		{name: "control csv (valid)", codes: []int{0}, make: func(t *testing.T, dir string) string {
			return writeBytes(t, filepath.Join(dir, "control.csv"), []byte(csvLine(header)+csvLine(validCells)))
		}},
		{name: "control xlsx (valid, hand-written parts)", codes: []int{0}, make: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "control.xlsx")
			writeRawXLSX(t, p, false, func(w io.Writer) { io.WriteString(w, rowXML(1, header...)+rowXML(2, validCells...)) })
			return p
		}},
		{name: "empty csv", codes: []int{1}, make: func(t *testing.T, dir string) string {
			return writeBytes(t, filepath.Join(dir, "empty.csv"), nil)
		}},
		{name: "empty file named xlsx", codes: []int{1}, make: func(t *testing.T, dir string) string {
			return writeBytes(t, filepath.Join(dir, "empty.xlsx"), nil)
		}},
		{name: "headers only csv", codes: []int{3}, needs: "no data rows", make: func(t *testing.T, dir string) string {
			return writeBytes(t, filepath.Join(dir, "headers.csv"), []byte(csvLine(header)))
		}},
		{name: "headers only xlsx", codes: []int{3}, needs: "no data rows", make: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "headers.xlsx")
			writeRawXLSX(t, p, false, func(w io.Writer) { io.WriteString(w, rowXML(1, header...)) })
			return p
		}},
		{name: "binary junk named xlsx", codes: []int{1}, make: func(t *testing.T, dir string) string {
			b := make([]byte, 256<<10)
			rand.Read(b)
			return writeBytes(t, filepath.Join(dir, "junk.xlsx"), b)
		}},
		{name: "junk behind zip magic", codes: []int{1}, make: func(t *testing.T, dir string) string {
			b := make([]byte, 64<<10)
			rand.Read(b)
			copy(b, "PK\x03\x04")
			return writeBytes(t, filepath.Join(dir, "zipjunk.xlsx"), b)
		}},
		{name: "truncated xlsx", codes: []int{1}, make: func(t *testing.T, dir string) string {
			f := excelize.NewFile()
			sw, err := f.NewStreamWriter("Sheet1")
			if err != nil {
				t.Fatal(err)
			}
			sw.SetRow("A1", anySlice(header))
			for r := 2; r < 400; r++ {
				cells := slices.Clone(validCells)
				cells[1] = fmt.Sprintf("hx.t%03d", r)
				cells[4] = cells[1] + "@example.com"
				cell, _ := excelize.CoordinatesToCellName(1, r)
				sw.SetRow(cell, anySlice(cells))
			}
			sw.Flush()
			full := filepath.Join(dir, "full.xlsx")
			if err := f.SaveAs(full); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(full)
			return writeBytes(t, filepath.Join(dir, "truncated.xlsx"), b[:len(b)*6/10])
		}},
		{name: "zip bomb xlsx (1.1 GiB of XML)", codes: []int{1}, make: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "bomb.xlsx")
			writeBomb(t, p, 0, sheetHead+rowXML(1, "id", "email"), strings.Repeat(" ", 1<<20), 1100, sheetTail)
			return p
		}},
		{name: "zip bomb xlsx lying about its size", codes: []int{1}, make: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "liar.xlsx")
			writeLyingBomb(t, p, 1100<<20)
			return p
		}},
		{name: "zip bomb xlsx of rows (300 MB)", codes: []int{1, 3}, make: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "rowbomb.xlsx")
			row := `<row><c t="inlineStr"><is><t>` + strings.Repeat("A", 200) + `</t></is></c></row>`
			block := strings.Repeat(row, 4096)
			writeBomb(t, p, 0, sheetHead+rowXML(1, "firstName", "id"), block, (300<<20)/len(block), sheetTail)
			return p
		}},
		{name: "xlsx sheet part longer than its declared size (rows past it)", codes: []int{1}, make: func(t *testing.T, dir string) string {
			// 3,000 valid rows then one invalid; the zip header declares the
			// part 8 KiB long. Reading only the declared bytes loses rows.
			p := filepath.Join(dir, "truncating.xlsx")
			writeLyingXLSX(t, p, 8<<10, func(w io.Writer) {
				io.WriteString(w, sheetHead+rowXML(1, header...))
				for r := 2; r <= 3001; r++ {
					cells := slices.Clone(validCells)
					cells[1] = fmt.Sprintf("hx.l%04d", r)
					cells[4] = cells[1] + "@example.com"
					io.WriteString(w, rowXML(r, cells...))
				}
				io.WriteString(w, rowXML(3002, invalidCells...)+sheetTail)
			})
			return p
		}},
		{name: "malformed sheet xml", codes: []int{1, 3}, make: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "malformed.xlsx")
			writeRawXLSX(t, p, true, func(w io.Writer) {
				io.WriteString(w, sheetHead+rowXML(1, header...)+rowXML(2, invalidCells...)+`<row r="3"><c r="A3" t="inlineStr"><is><t>oops</is></c><row`)
			})
			return p
		}},
		{name: "5 MB cell csv", codes: []int{3}, needs: "firstName", make: func(t *testing.T, dir string) string {
			cells := slices.Clone(validCells)
			cells[2] = strings.Repeat("x", 5<<20)
			return writeBytes(t, filepath.Join(dir, "bigcell.csv"), []byte(csvLine(header)+csvLine(cells)))
		}},
		{name: "5 MB cell xlsx", codes: []int{1, 3}, needs: "firstName", make: func(t *testing.T, dir string) string {
			cells := slices.Clone(validCells)
			cells[2] = strings.Repeat("x", 5<<20)
			p := filepath.Join(dir, "bigcell.xlsx")
			writeRawXLSX(t, p, false, func(w io.Writer) { io.WriteString(w, rowXML(1, header...)+rowXML(2, cells...)) })
			return p
		}},
		{name: "20,000 columns csv", codes: []int{1, 3}, needs: "bad/id", make: func(t *testing.T, dir string) string {
			h, r := wideRow()
			return writeBytes(t, filepath.Join(dir, "wide.csv"), []byte(csvLine(h)+csvLine(r)))
		}},
		{name: "20,000 columns xlsx", codes: []int{1, 3}, needs: "bad/id", make: func(t *testing.T, dir string) string {
			h, r := wideRow()
			p := filepath.Join(dir, "wide.xlsx")
			writeRawXLSX(t, p, false, func(w io.Writer) { io.WriteString(w, rowXML(1, h...)+rowXML(2, r...)) })
			return p
		}},
		{name: "1,000,000 blank rows csv", codes: []int{1, 3}, needs: "1000002", make: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "blank.csv")
			f, _ := os.Create(p)
			w := bufio.NewWriter(f)
			w.WriteString(csvLine(header))
			blank := strings.Repeat(",", len(header)-1) + "\r\n"
			for i := 0; i < 1_000_000; i++ {
				w.WriteString(blank)
			}
			w.WriteString(csvLine(invalidCells))
			w.Flush()
			f.Close()
			return p
		}},
		{name: "1,000,000 blank rows xlsx", codes: []int{1, 3}, needs: "1000002", make: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "blank.xlsx")
			writeRawXLSX(t, p, false, func(w io.Writer) {
				io.WriteString(w, rowXML(1, header...))
				for r := 2; r <= 1_000_001; r++ {
					fmt.Fprintf(w, `<row r="%d"><c r="B%d" t="inlineStr"><is><t></t></is></c></row>`, r, r)
				}
				io.WriteString(w, rowXML(1_000_002, invalidCells...))
			})
			return p
		}},
		{name: "csv with unbalanced quotes", codes: []int{1}, make: func(t *testing.T, dir string) string {
			body := csvLine(header) + csvLine(validCells) + `,"hx.q,Quinn,Q,q@example.com` + "\r\n" + csvLine(invalidCells)
			return writeBytes(t, filepath.Join(dir, "quotes.csv"), []byte(body))
		}},
		{name: "csv mixing UTF-8 and Latin-1", codes: []int{0, 1, 3}, make: func(t *testing.T, dir string) string {
			a := slices.Clone(validCells)
			a[2] = "José" // UTF-8
			b := slices.Clone(validCells)
			b[1], b[4], b[2] = "hx.latin", "hx.latin@example.com", "Ren\xe9e" // Latin-1 é
			return writeBytes(t, filepath.Join(dir, "mixed.csv"), []byte(csvLine(header)+csvLine(a)+csvLine(b)))
		}},
		{name: "formulas as data", codes: []int{0}, make: func(t *testing.T, dir string) string {
			return writeBytes(t, filepath.Join(dir, "formula.csv"), []byte(csvLine(header)+csvLine(formulaCells)))
		}},
	}
}

var formulaCells = []string{"", "=SUM(A1)", "@Ann", "-Neg", "fx@example.com", "=1+1", `=HYPERLINK("http://x.example","y")`, "My Pipeline", "Loan Officer", "3"}

// wideRow is a header of 20,000 columns (id, email and unknown ones) and a
// row with an invalid id.
func wideRow() (h, r []string) {
	h, r = []string{"id", "email"}, []string{"bad/id", "w@example.com"}
	for i := 2; i < 20_000; i++ {
		h = append(h, fmt.Sprintf("extra%d", i))
		r = append(r, "v")
	}
	return h, r
}

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// TestHostileInput runs `encimport validate` and `encimport plan --sandbox`
// (the built binary, so memory is the child's own) on each hostile file:
// each must end with an allowed exit code (a clear error: 1; per-row
// problems: 3), within 20 s and 500 MB peak RSS, never a panic, with valid
// UTF-8 output; a fatal error names the file.
func TestHostileInput(t *testing.T) {
	encimport, _ := binaries(t)
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && (strings.Contains(tc.name, "bomb") || strings.Contains(tc.name, "1,000,000")) {
				t.Skip("large generated input: skipped with -short")
			}
			dir := t.TempDir()
			input := tc.make(t, dir)
			if fi, err := os.Stat(input); err == nil {
				t.Logf("input %s: %d bytes", filepath.Base(input), fi.Size())
			}
			for _, command := range [][]string{
				{"validate", input, "--report", filepath.Join(dir, "validate-report.csv")},
				{"plan", "--sandbox", input, "--report", filepath.Join(dir, "plan-report.xlsx"), "-o", filepath.Join(dir, "plan.json")},
			} {
				res, rss, elapsed := runBinary(t, encimport, dir, command...)
				name := command[0]
				t.Logf("%s: exit %d in %v, peak RSS %d MB", name, res.code, elapsed.Round(time.Millisecond), rss>>20)
				all := res.stdout + res.stderr
				if strings.Contains(all, "panic:") || strings.Contains(all, "goroutine ") {
					t.Errorf("%s panicked: %s", name, res)
					continue
				}
				if !slices.Contains(tc.codes, res.code) {
					t.Errorf("%s: exit %d, want one of %v: %s", name, res.code, tc.codes, res)
				}
				if elapsed > hostileTimeout {
					t.Errorf("%s took %v, limit %v", name, elapsed, hostileTimeout)
				}
				if rss > hostileMaxRSS {
					t.Errorf("%s peaked at %d MB RSS, limit %d MB", name, rss>>20, hostileMaxRSS>>20)
				}
				if !utf8.ValidString(all) {
					t.Errorf("%s wrote invalid UTF-8 to stdout/stderr", name)
				}
				if res.code == 1 && !strings.Contains(res.stderr, filepath.Base(input)) {
					t.Errorf("%s: the fatal error does not name the file %s: %q", name, filepath.Base(input), tail(res.stderr, 500))
				}
				if res.code == 1 && len(strings.TrimSpace(res.stderr)) < 20 {
					t.Errorf("%s: no clear error message: %q", name, res.stderr)
				}
				if res.code == 3 && tc.needs != "" && !strings.Contains(all, tc.needs) && !reportMentions(filepath.Join(dir, "validate-report.csv"), tc.needs) {
					t.Errorf("%s: the problems do not mention %q: %s", name, tc.needs, res)
				}
				if b, err := os.ReadFile(filepath.Join(dir, "validate-report.csv")); err == nil && !utf8.Valid(b) {
					t.Errorf("%s: the report is not valid UTF-8", name)
				}
			}
		})
	}
}

func reportMentions(path, s string) bool {
	b, err := os.ReadFile(path)
	return err == nil && strings.Contains(string(b), s)
}

// runBinary runs bin with args under the hostile timeout and returns the
// result, the child's peak RSS in bytes, and the elapsed time.
func runBinary(t *testing.T, bin, dir string, args ...string) (cliResult, int64, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hostileTimeout+10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = envList(nil, dir)
	var out, errb syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	// Peak RSS: the child's VmHWM, polled. (The rusage of a child started
	// with vfork+exec also counts the parent's RSS, so it is only an upper
	// bound; it is the fallback where /proc is missing.)
	hwm := make(chan int64, 1)
	stop := make(chan struct{})
	go func() {
		var peak int64
		status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
		for {
			if v := vmHWM(status); v > peak {
				peak = v
			}
			select {
			case <-stop:
				hwm <- peak
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	err := cmd.Wait()
	elapsed := time.Since(start)
	close(stop)
	rss := <-hwm
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%v: %v", args, err)
	}
	// Only where /proc is missing: a child too quick to be sampled (a few
	// ms) would otherwise be charged the test process's own RSS (GBs under
	// -race on a busy machine).
	if _, err := os.Stat("/proc/self/status"); err != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && rss == 0 {
			rss = ru.Maxrss << 10 // kilobytes on Linux
		}
	}
	code := cmd.ProcessState.ExitCode()
	if ctx.Err() != nil {
		code = -1
		errb.Write([]byte("\n(killed: deadline)"))
	}
	return cliResult{code: code, stdout: out.String(), stderr: errb.String()}, rss, elapsed
}

// vmHWM reads a process's peak resident set (VmHWM) from its /proc status
// file, in bytes; 0 when unavailable.
func vmHWM(statusPath string) int64 {
	b, err := os.ReadFile(statusPath)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
			return kb << 10
		}
	}
	return 0
}

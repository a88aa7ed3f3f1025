package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/encimport/encimport/plan"
)

// Summary is what the end-of-run summary reports.
type Summary struct {
	Rows        int                 // data rows in the report
	ByStatus    map[plan.Status]int // rows per status
	Calls       int                 // API calls made executing the plan: every write attempt and read-back
	ReadCalls   int                 // read-only calls made while planning
	Retries     int                 // attempts beyond the first
	TooMany429  int                 // answers with HTTP 429
	Reconciles  int                 // GET calls made to learn whether an unanswered call took effect
	Elapsed     time.Duration       // wall-clock time of the run
	Interrupted bool                // the run was stopped before every row was done
}

// Count returns the number of rows per status.
func Count(rows []Row) map[plan.Status]int {
	m := make(map[plan.Status]int)
	for _, r := range rows {
		m[r.Status]++
	}
	return m
}

// WriteSummary writes s as a few lines of text meant for stderr, e.g.
//
//	rows: 200 (created 198, failed 2)
//	api calls: 214, retries: 14, 429s: 3, reconciles: 2
//	elapsed: 4.2s
func WriteSummary(w io.Writer, s Summary) error {
	var b strings.Builder
	var parts []string
	seen := make(map[plan.Status]bool, len(plan.Statuses))
	for _, st := range plan.Statuses {
		seen[st] = true
		if n := s.ByStatus[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", st, n))
		}
	}
	var other []string
	for st, n := range s.ByStatus {
		if !seen[st] && n > 0 {
			other = append(other, fmt.Sprintf("%s %d", st, n))
		}
	}
	sort.Strings(other)
	parts = append(parts, other...)
	fmt.Fprintf(&b, "rows: %d", s.Rows)
	if len(parts) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "api calls: %d", s.Calls)
	if s.ReadCalls > 0 {
		fmt.Fprintf(&b, " (+%d reads)", s.ReadCalls)
	}
	fmt.Fprintf(&b, ", retries: %d, 429s: %d, reconciles: %d\n", s.Retries, s.TooMany429, s.Reconciles)
	fmt.Fprintf(&b, "elapsed: %s\n", s.Elapsed.Round(time.Millisecond))
	if s.Interrupted {
		b.WriteString("interrupted: rows not done are marked skipped (unknown when their call was sent and not answered); rerun to finish\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

package report

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/encimport/encimport/plan"
)

// BenchmarkWrite writes a 100,000-row report in each format: the xlsx
// report (two sheets of people and details, a summary) is held to within 2×
// of the csv (issue 18).
func BenchmarkWrite(b *testing.B) {
	rows := make([]Row, 100_000)
	for i := range rows {
		rows[i] = Row{Sheet: "People", Row: i + 2, ID: fmt.Sprintf("user%06d", i), Action: "upsert", Status: plan.StatusUpdated,
			HTTPStatus: 204, Message: "change title", CorrelationID: "5f0c3a1e-2b7d-4c1a-9e44-1f8a6a1d2c3b", Attempts: 1, DurationMS: 53,
			Review: Review{FirstName: "First", LastName: fmt.Sprint("Last", i), Email: fmt.Sprintf("user%d@example.com", i),
				Organization: "Administration/Retail/West Region/Denver Branch", Steps: "update"}}
	}
	for _, ext := range []string{".csv", ".xlsx"} {
		b.Run(ext, func(b *testing.B) {
			for range b.N {
				if err := Write(filepath.Join(b.TempDir(), "report"+ext), rows); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

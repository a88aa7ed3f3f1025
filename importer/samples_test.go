package importer

import (
	"path/filepath"
	"slices"
	"testing"
)

// TestSamples keeps samples/README.md true: row counts, the rows with
// reader problems (and their columns) and the warnings.
func TestSamples(t *testing.T) {
	tests := []struct {
		file     string
		rows     int
		first    int
		problems map[int]string // row -> column
		warnings []string       // warning columns
	}{
		{"onboarding.xlsx", 40, 2, nil, nil},
		{"reorg.csv", 15, 2, nil, nil},
		{"offboarding.csv", 8, 2, nil, nil},
		{"hr-feed.csv", 20, 2, nil, nil},
		// Filled as HR fills a sheet: every phone, date, list and path form
		// is read; rows 16 and 17 warn of formula-like ids, rows 24 and 25 are
		// wrong (row 26's email is the planner's: internal/cli TestValidateHRSheet).
		{"hr-people.xlsx", 25, 2, map[int]string{16: "id", 17: "id", 24: "phone", 25: "nmlsExpirationDate"}, nil},
		{"mixed.xlsx", 18, 2, map[int]string{6: "phone", 7: "nmlsExpirationDate", 8: "accountEnabled", 9: "action", 11: "title"}, []string{"Badge Color"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			recs, warns, err := ReadAll(filepath.Join("..", "samples", tt.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != tt.rows || recs[0].Row != tt.first || recs[len(recs)-1].Row != tt.first+tt.rows-1 {
				t.Fatalf("%d rows from %d, want %d from %d", len(recs), recs[0].Row, tt.rows, tt.first)
			}
			got := map[int]string{}
			for _, r := range recs {
				for _, p := range r.Problems {
					got[r.Row] = p.Column
				}
				if len(r.Problems) > 1 {
					t.Errorf("row %d: %d problems, want one", r.Row, len(r.Problems))
				}
			}
			if len(got) != len(tt.problems) {
				t.Errorf("problems %v, want %v", got, tt.problems)
			}
			for row, col := range tt.problems {
				if got[row] != col {
					t.Errorf("row %d: problem in %q, want %q", row, got[row], col)
				}
			}
			var wcols []string
			for _, w := range warns {
				wcols = append(wcols, w.Column)
			}
			if !slices.Equal(wcols, tt.warnings) {
				t.Errorf("warnings %v, want %v", wcols, tt.warnings)
			}
			if tt.file == "onboarding.xlsx" && recs[0].Get(ColNMLSExpirationDate) != "2026-12-31" {
				t.Errorf("date cell read as %q", recs[0].Get(ColNMLSExpirationDate))
			}
		})
	}
}

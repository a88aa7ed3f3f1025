package plan

import "testing"

func TestMaxDisable(t *testing.T) {
	tests := []struct {
		flag    string
		enabled int
		want    int
		bad     bool
	}{
		{"", 7, 3, false},     // 10% is 0: at least 3
		{"", 33, 3, false},    // 10% of 33 is 3.3
		{"", 250, 25, false},  // 10%
		{"", 5000, 50, false}, // 10% is 500: at most 50
		{"0", 100, 0, false},
		{"7", 10, 7, false},
		{"20%", 11, 2, false}, // rounded down
		{"12.5%", 80, 10, false},
		{"100%", 9, 9, false},
		{"-1", 0, 0, true},
		{"150%", 0, 0, true},
		{"many", 0, 0, true},
		{"2.5", 0, 0, true},
	}
	for _, tt := range tests {
		m, err := ParseMaxDisable(tt.flag)
		if (err != nil) != tt.bad {
			t.Errorf("%q: error %v", tt.flag, err)
			continue
		}
		if tt.bad {
			continue
		}
		if got, rule := m.Limit(tt.enabled); got != tt.want || rule == "" {
			t.Errorf("%q of %d: %d (%s), want %d", tt.flag, tt.enabled, got, rule, tt.want)
		}
	}
}

func TestFileRowsAndRefusal(t *testing.T) {
	rows := []Row{{ID: "a"}, {ID: "b"}, {ID: "c", Sheet: SheetNotInFile, NotInFile: &NotInFile{Name: "C"}}}
	if n := FileRows(rows); n != 2 {
		t.Errorf("FileRows %d", n)
	}
	if n := FileRows(rows[:2]); n != 2 {
		t.Errorf("FileRows without sync rows %d", n)
	}
	p := &Plan{}
	if p.Refusal() != nil {
		t.Error("a plan without sync refused")
	}
	p.Sync = &Sync{Refused: "too many"}
	if err := p.Refusal(); err == nil || err.Error() != "sync refused: too many" {
		t.Errorf("refusal %v", err)
	}
}

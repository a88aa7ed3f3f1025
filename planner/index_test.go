package planner

import (
	"strings"
	"testing"
)

// TestOrgResolve: ids, full and root-less paths, unique tails of a path,
// '>' as a separator; ambiguity stays a problem listing the candidates.
func TestOrgResolve(t *testing.T) {
	// Two "Denver Branch": one under West Region, one under Wholesale > West Region.
	root := org("0", "Administration",
		org("1", "Retail",
			org("2", "West Region", org("3", "Denver Branch"), org("4", "Phoenix Branch")),
			org("5", "East Region", org("6", "Boston Branch"))),
		org("7", "Wholesale", org("8", "West Region", org("9", "Denver Branch")), org("10", "Phoenix Branch")))
	ix := newOrgIndex(&root)
	tests := []struct {
		cell string
		want string   // id; "" = a problem
		msg  []string // substrings of the problem
	}{
		{cell: "3", want: "3"},
		{cell: "Administration/Retail/West Region/Denver Branch", want: "3"},
		{cell: "Retail/West Region/Denver Branch", want: "3"},
		{cell: "retail / west region / denver branch", want: "3"},
		{cell: "Retail > West Region", want: "2"},
		{cell: "Administration > Wholesale > West Region", want: "8"},
		{cell: "Retail>West Region>Denver Branch", want: "3"},
		{cell: "East Region/Boston Branch", want: "6"}, // a unique tail
		{cell: "Boston Branch", want: "6"},
		{cell: "Wholesale/Phoenix Branch", want: "10"},
		{cell: "Retail/West Region/Denver Branch/", want: "3"},
		{cell: "West Region/Denver Branch", msg: []string{`2 organizations have a path ending in "West Region/Denver Branch": Administration/Retail/West Region/Denver Branch (id 3), Administration/Wholesale/West Region/Denver Branch (id 9); write more of the path, or the id`}},
		{cell: "West Region > Phoenix Branch", want: "4"},
		{cell: "Denver Branch", msg: []string{`2 organizations are named "Denver Branch"`, "(id 3)", "(id 9)", "write the path or the id instead"}},
		{cell: "Phoenix Branch", msg: []string{`2 organizations are named "Phoenix Branch"`}},
		{cell: "East Region/Denver Branch", msg: []string{`no organization has the path "East Region/Denver Branch"`}},
		{cell: "Mars > Base", msg: []string{`no organization has the path "Mars > Base"`}},
		{cell: "/", msg: []string{`no organization has the path "/"`}},
		{cell: strings.Repeat("x", 5000), msg: []string{`no organization is named "` + strings.Repeat("x", 200) + `…"`}},
	}
	for _, tt := range tests {
		n, msg := ix.resolve(tt.cell)
		switch {
		case tt.want != "":
			if n == nil || n.org.ID != tt.want || msg != "" {
				t.Errorf("resolve(%q) = %v, %q; want id %s", tt.cell, n, msg, tt.want)
			}
		default:
			if n != nil || msg == "" {
				t.Errorf("resolve(%q) = %v, want a problem", tt.cell, n.label())
				continue
			}
			for _, m := range tt.msg {
				if !strings.Contains(msg, m) {
					t.Errorf("resolve(%q) = %q, want it to contain %q", tt.cell, msg, m)
				}
			}
			if len(msg) > 2000 {
				t.Errorf("resolve(%.40q…): a message of %d bytes", tt.cell, len(msg))
			}
		}
	}
}

package importer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	long := strings.Repeat("x", MaxEchoLen)
	tests := []struct{ in, want string }{
		{"", ""},
		{"jdoe", "jdoe"},
		{long, long},
		{long + "y", long + "…"},
		{strings.Repeat("é", MaxEchoLen), strings.Repeat("é", MaxEchoLen)}, // 400 bytes, 200 characters
		{strings.Repeat("é", MaxEchoLen+1), strings.Repeat("é", MaxEchoLen) + "…"},
		{strings.Repeat("日", 3*MaxEchoLen), strings.Repeat("日", MaxEchoLen) + "…"},
	}
	for _, tt := range tests {
		if got := Clip(tt.in); got != tt.want {
			t.Errorf("Clip(%d bytes) = %d bytes %q…, want %d bytes", len(tt.in), len(got), clipN(got, 10), len(tt.want))
		}
		if !utf8.ValidString(Clip(tt.in)) {
			t.Errorf("Clip cut a character in two")
		}
	}
}

// maxMessage bounds what any one problem or error may print: a few values
// of MaxEchoLen characters and the words around them.
const maxMessage = 8 * MaxEchoLen

// checkBounded fails when a message is longer than maxMessage characters
// (a FileError may list 20 headers of MaxEchoLen characters more).
func checkBounded(t *testing.T, what, msg string, extra int) {
	t.Helper()
	if n := utf8.RuneCountInString(msg); n > maxMessage+extra {
		t.Errorf("%s: %d characters, more than %d: %.300q…", what, n, maxMessage+extra, msg)
	}
}

func TestEchoBounded(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	huge := strings.Repeat("H", 2<<20) // 2 MiB in one cell
	big := strings.Repeat("U", MaxHeaderLen-1)
	cell := strings.Repeat("c", 5000)
	tests := []struct {
		name    string
		path    string
		opts    Options
		wantErr string // substring of the FileError; "" = reads
		want    []string
	}{
		{name: "huge header cell is refused naming the column", path: write("huge.csv", "id,"+huge+"\nu1,x\n"),
			wantErr: `file "huge.csv": the header in column B (row 1) has 2097152 characters, more than the limit of 1000`},
		{name: "huge header cell in a quoted CSV field", path: write("q.csv", "\"id\",\""+huge+"\"\n"),
			wantErr: `the header in column B (row 1) has 2097152 characters`},
		{name: "huge id header is refused too", path: write("hid.csv", huge+"\nu1\n"),
			wantErr: `the header in column A (row 1) has 2097152 characters`},
		{name: "long unknown header is warned, clipped", path: write("unk.csv", "id,"+big+"\nu1,x\n"),
			want: []string{`unknown column "` + strings.Repeat("U", MaxEchoLen) + `…" (column B) is ignored`}},
		{name: "long duplicate headers are clipped", path: write("dup.csv", "id,email,E"+strings.Repeat(".", 900)+"mail\n"),
			wantErr: `both mean`},
		{name: "long cells are clipped in problems", path: write("cells.csv", "id,action,apiUser,nmlsExpirationDate,peerLoanAccess,licenses\n"+
			"u1,"+cell+","+cell+","+cell+","+cell+",CA;"+cell+"\n"),
			want: []string{`unknown action "` + strings.Repeat("c", MaxEchoLen) + `…"`, `is not a yes/no value`, `is not a date`, `is not allowed in peerLoanAccess`, `is not a two-letter state code`}},
		{name: "unknown --sheet is clipped", path: write("s.csv", "id\nu1\n"), opts: Options{Sheet: huge}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Read(tt.path, tt.opts)
			if tt.wantErr != "" {
				var fe *FileError
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %.500v, want a *FileError containing %q", err, tt.wantErr)
				}
				checkBounded(t, "error", err.Error(), 0)
				return
			}
			if err != nil {
				t.Fatalf("%.500v", err)
			}
			var all []string
			for _, w := range res.Warnings {
				checkBounded(t, "warning", w.Error(), 0)
				all = append(all, w.Error())
			}
			for _, r := range res.Records {
				for _, p := range r.Problems {
					checkBounded(t, "problem", p.Error(), 0)
					all = append(all, p.Error())
				}
			}
			joined := strings.Join(all, "\n")
			for _, w := range tt.want {
				if !strings.Contains(joined, w) {
					t.Errorf("no message contains %.300q; got:\n%.2000s", w, joined)
				}
			}
		})
	}
}

func TestEchoBoundedXLSX(t *testing.T) {
	longSheet := strings.Repeat("S", 3*MaxEchoLen)
	huge := strings.Repeat("h", MaxHeaderLen+1)
	tests := []struct {
		name    string
		sheets  []rawSheet
		opts    Options
		wantErr string
	}{
		{name: "header over the limit names file, sheet and column",
			sheets:  []rawSheet{{"People", row(1, is("A1", "id"), is("B1", "email"), is("C1", huge)) + row(2, is("A2", "u1"))}},
			wantErr: `file "book.xlsx", sheet "People": the header in column C (row 1) has 1001 characters, more than the limit of 1000`},
		{name: "long sheet names are clipped",
			sheets:  []rawSheet{{longSheet, row(1, is("A1", "name"))}, {longSheet + "2", ""}},
			wantErr: `no sheet has an id column`},
		{name: "unknown --sheet lists clipped names",
			sheets:  []rawSheet{{longSheet, row(1, is("A1", "id"))}},
			opts:    Options{Sheet: strings.Repeat("x", 5000)},
			wantErr: `there is no sheet "` + strings.Repeat("x", MaxEchoLen) + `…"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := buildXLSX(t, tt.sheets, nil, false)
			_, err := Read(p, tt.opts)
			var fe *FileError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %.600v, want a *FileError containing %q", err, tt.wantErr)
			}
			checkBounded(t, "error", err.Error(), 0)
		})
	}
	// Many sheets: only the first 20 are listed.
	var many []rawSheet
	for i := 0; i < 50; i++ {
		many = append(many, rawSheet{strings.Repeat("n", 30) + string(rune('A'+i%26)) + string(rune('a'+i/26)), ""})
	}
	_, err := Read(buildXLSX(t, many, nil, false), Options{Sheet: "nope"})
	if err == nil || !strings.Contains(err.Error(), "(50 in all)") {
		t.Fatalf("error = %v, want the sheet list cut at 20", err)
	}
}

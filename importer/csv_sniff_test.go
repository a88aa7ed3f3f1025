package importer

import (
	"strings"
	"testing"
)

// TestSniffEncoding covers the whole-file scan, including its ASCII skip
// and runes split across its 64 KiB reads.
func TestSniffEncoding(t *testing.T) {
	pad := strings.Repeat("a,b\n", 64<<10/4) // exactly one read
	const padLines = 64 << 10 / 4
	tests := []struct {
		name, content string
		want          csvEncoding
		lines         int
	}{
		{"ascii", "id,name\nx,y\n", encUTF8, 2},
		{"no final line feed", "id,name\nx,y", encUTF8, 2},
		{"utf8", "id,name\nx,Zoë\n", encUTF8, 2},
		{"utf8 after a long ascii run", pad + pad + "x,Zoë\n", encUTF8, 2*padLines + 1},
		{"utf8 split across reads", pad[:len(pad)-1] + "ë\n", encUTF8, padLines},
		{"windows-1252", "id,name\nx,Zo\xeb\n", encWindows1252, 2},
		{"windows-1252 late", pad + pad + "x,Zo\xeb\n", encWindows1252, 2*padLines + 1},
		{"windows-1252 at the end of a read", pad[:len(pad)-1] + "\xeb" + pad, encWindows1252, 2*padLines - 1},
		{"mixed", "id,name\nx,Zoë\ny,Zo\xeb\n", encUTF8, 0},
		{"bom", "\xef\xbb\xbfid\n", encUTF8BOM, 0},
		{"utf16", "\xff\xfei\x00d\x00", encUTF16, 0},
		{"odd tail", "id,name\nx,ab\xc3", encWindows1252, 2},
	}
	for _, tt := range tests {
		got, lines, err := sniffEncoding(strings.NewReader(tt.content))
		if err != nil || got != tt.want || lines != tt.lines {
			t.Errorf("%s: sniffEncoding = %v, %d lines, %v; want %v, %d lines", tt.name, got, lines, err, tt.want, tt.lines)
		}
	}
}

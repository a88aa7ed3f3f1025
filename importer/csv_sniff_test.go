package importer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSniffEncoding covers the whole-file scan, including its ASCII skip
// and runes split across its 64 KiB reads.
func TestSniffEncoding(t *testing.T) {
	pad := strings.Repeat("a,b\n", 64<<10/4) // exactly one read
	tests := []struct {
		name, content string
		want          csvEncoding
	}{
		{"ascii", "id,name\nx,y\n", encUTF8},
		{"utf8", "id,name\nx,Zoë\n", encUTF8},
		{"utf8 after a long ascii run", pad + pad + "x,Zoë\n", encUTF8},
		{"utf8 split across reads", pad[:len(pad)-1] + "ë\n", encUTF8},
		{"windows-1252", "id,name\nx,Zo\xeb\n", encWindows1252},
		{"windows-1252 late", pad + pad + "x,Zo\xeb\n", encWindows1252},
		{"windows-1252 at the end of a read", pad[:len(pad)-1] + "\xeb" + pad, encWindows1252},
		{"mixed", "id,name\nx,Zoë\ny,Zo\xeb\n", encUTF8},
		{"bom", "\xef\xbb\xbfid\n", encUTF8BOM},
		{"utf16", "\xff\xfei\x00d\x00", encUTF16},
		{"odd tail", "id,name\nx,ab\xc3", encWindows1252},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		p := filepath.Join(dir, "f.csv")
		if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := sniffEncoding(p)
		if err != nil || got != tt.want {
			t.Errorf("%s: sniffEncoding = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

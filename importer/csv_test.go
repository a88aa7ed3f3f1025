package importer

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCSVNoDigest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(path, []byte("id,email\nu1,u1@example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, skip := range []bool{false, true} {
		r, err := Open(path, Options{NoDigest: skip})
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
		_ = r.Close()
		if got := r.Digest(); (got == "") != skip {
			t.Errorf("NoDigest %v: digest %q", skip, got)
		}
	}
}

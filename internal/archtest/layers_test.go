package archtest

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/encimport/encimport/"

// layer is each package's layer (doc.go). A package not in the table fails
// the test: give it a layer.
var layer = map[string]int{
	"encompass":           0,
	"internal/atomicfile": 0,
	"internal/golden":     0,
	"internal/syncbuf":    0,
	"internal/regfile":    0,

	"importer":  1,
	"apiclient": 1,

	"plan":      2,
	"templates": 2,

	"report": 3,
	"runrec": 3,

	"planner":          4,
	"executor":         4,
	"internal/sandbox": 4,

	"internal/job": 5,

	"internal/cli":   6,
	"internal/bench": 6,

	"cmd/encimport":         7,
	"cmd/encbench":          7,
	"cmd/encompass-sandbox": 7,
	"e2e":                   7,
	"internal/gensamples":   7,
	"internal/archtest":     7,
}

// offline are packages whose dependencies must not hold these: the reader
// and the plan data do not link the HTTP or OAuth stack.
var offline = map[string][]string{
	"importer": {"net/http", "golang.org/x/oauth2"},
	"plan":     {"net/http", "golang.org/x/oauth2"},
}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// list runs go list -json on the module's packages (non-test imports).
func list(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", module+"...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var ps []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	if len(ps) == 0 {
		t.Fatal("go list found no packages")
	}
	return ps
}

func TestLayers(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	for _, p := range list(t) {
		name := strings.TrimPrefix(p.ImportPath, module)
		l, ok := layer[name]
		if !ok {
			t.Errorf("package %s has no layer: add it to the table in layers_test.go and doc.go", name)
			continue
		}
		for _, imp := range p.Imports {
			dep, ours := strings.CutPrefix(imp, module)
			if !ours {
				continue
			}
			if dl, ok := layer[dep]; ok && dl >= l {
				t.Errorf("%s (layer %d) imports %s (layer %d): a package imports only lower layers", name, l, dep, dl)
			}
		}
		for _, bad := range offline[name] {
			for _, d := range p.Deps {
				if d == bad || strings.HasPrefix(d, bad+"/") {
					t.Errorf("%s links %s (go list -deps ./%s)", name, d, name)
					break
				}
			}
		}
	}
}

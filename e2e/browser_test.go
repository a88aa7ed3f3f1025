package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/encimport/encimport/plan"
	"github.com/encimport/encimport/report"
)

// chromiumPath finds a Chromium to drive: $ENCIMPORT_CHROMIUM, else the
// Debian package's binary (.ci/run installs it) or a Chrome on PATH.
func chromiumPath() string {
	if p := os.Getenv("ENCIMPORT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// artifactDir is where the screenshots are kept: $ENCIMPORT_ARTIFACTS, else
// e2e/testdata/out (ignored by git).
func artifactDir(t *testing.T) string {
	dir := os.Getenv("ENCIMPORT_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "out")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	return abs
}

// hostileName is a first name that is markup: the page must show it as text.
const hostileName = `<img src=x onerror="window.__pwned=1">Eve<script>window.__pwned=1</script>`

// TestHTMLPagesInChromium opens, in one headless Chromium, the HTML page of
// `encimport plan --sandbox samples/mixed.xlsx --html plan.html` and of an
// apply run against the sandbox, and checks what a reviewer sees: the
// counts, every person with their changes and every problem, a filtered
// view, the search, a hostile name shown and never run, no network request;
// a screenshot of each page is kept.
func TestHTMLPagesInChromium(t *testing.T) {
	exe := chromiumPath()
	if exe == "" {
		t.Skip("no Chromium binary found (chromium, chromium-browser, google-chrome or $ENCIMPORT_CHROMIUM); install the Debian package chromium to run this test (.ci/run does)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	env := map[string]string{"HOME": dir}

	// The plan page of the sample with every kind of problem.
	sample, err := os.ReadFile(filepath.Join("..", "samples", "mixed.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	mixed := filepath.Join(dir, "mixed.xlsx")
	if err := os.WriteFile(mixed, sample, 0o600); err != nil {
		t.Fatal(err)
	}
	planHTML, planRep := filepath.Join(dir, "plan.html"), filepath.Join(dir, "plan.jsonl")
	if res := runCLI(ctx, env, "plan", "--sandbox", mixed, "--html", planHTML, "--report", planRep); res.code != 3 {
		t.Fatalf("plan of mixed.xlsx: want exit 3 (invalid rows), got %s", res)
	}
	planRows := readReport(t, planRep)

	// The run page: creates, an update and move, and an invalid row whose
	// name is markup.
	world := filepath.Join(dir, "world.json")
	input := writeCSV(t, dir, "people.csv", [][]string{
		{"action", "id", "firstName", "lastName", "email", "password", "workingFolder", "personas", "orgId", "title"},
		{"create", "web.one", "Wendy", "One", "wendy.one@example.com", "Secr3t!pass", "My Pipeline", "Loan Officer", "Denver Branch", ""},
		{"create", "web.two", "Walt", "Two", "walt.two@example.com", "Secr3t!pass", "My Pipeline", "Loan Officer", "Phoenix Branch", ""},
		{"upsert", "lo.denver", "", "", "", "", "", "", "Phoenix Branch", "Branch Manager"},
		{"create", "web.evil", hostileName, "Hacker", "not-an-email", "Secr3t!pass", "My Pipeline", "Loan Officer", "Denver Branch", ""},
	})
	runHTML, runRep := filepath.Join(dir, "run.html"), filepath.Join(dir, "run.jsonl")
	if res := runCLI(ctx, env, "apply", "--sandbox", "--sandbox-state", world, "--state-dir", filepath.Join(dir, "state"),
		input, "--html", runHTML, "--report", runRep); res.code != 3 {
		t.Fatalf("apply: want exit 3 (one invalid row), got %s", res)
	}
	runRows := readReport(t, runRep)

	// One browser for every check.
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1400, 1000))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	var mu sync.Mutex
	var requests []string
	if err := chromedp.Listen(bctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && !strings.HasPrefix(e.Request.URL, "file:") && !strings.HasPrefix(e.Request.URL, "data:") {
			mu.Lock()
			requests = append(requests, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	artifacts := artifactDir(t)

	t.Run("plan", func(t *testing.T) {
		checkPage(t, bctx, planHTML, planRows, filepath.Join(artifacts, "plan.png"))
		// Every problem of the plan, in words.
		text := get(t, bctx, chromedp.TextContent(chromedp.CSS("body")))
		for _, r := range planRows {
			for _, msg := range strings.Split(r.Message, "; ") {
				if r.Status == plan.StatusInvalid && !strings.Contains(text, msg) {
					t.Errorf("row %d: the page lacks the problem %q", r.Row, msg)
				}
			}
		}
		// The creates, with their organization and personas.
		for _, want := range []string{"Administration/Retail/West Region/Denver Branch", "+Loan Officer", "+CO"} {
			if !strings.Contains(text, want) {
				t.Errorf("the plan page lacks %q", want)
			}
		}
	})

	t.Run("run", func(t *testing.T) {
		checkPage(t, bctx, runHTML, runRows, filepath.Join(artifacts, "run.png"))
		text := get(t, bctx, chromedp.TextContent(chromedp.CSS("body")))
		for _, want := range []string{
			"Wendy One", "wendy.one@example.com", "updated + moved",
			"Administration/Retail/West Region/Denver Branch → Administration/Retail/West Region/Phoenix Branch",
			"Loan Officer → Branch Manager", "API calls",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("the run page lacks %q", want)
			}
		}
		// The hostile name is shown as written and never run.
		name := get(t, bctx, chromedp.Evaluate[string](`document.querySelector('tr.bad .name').textContent`))
		pwned := get(t, bctx, chromedp.Evaluate[int](`window.__pwned ? 1 : 0`))
		markup := get(t, bctx, chromedp.Evaluate[int](`document.querySelectorAll('#people img, #people script').length`))
		if name != hostileName+" Hacker" || pwned != 0 || markup != 0 {
			t.Errorf("hostile name shown as %q, pwned %d, %d elements made of it", name, pwned, markup)
		}
		if strings.Contains(text, "Secr3t!pass") {
			t.Error("the run page shows a password")
		}
	})

	mu.Lock()
	defer mu.Unlock()
	if len(requests) > 0 {
		t.Errorf("the pages asked the network for %v; they must open offline", requests)
	}
}

// checkPage opens path and checks it against the report rows of the same
// plan or run: the counts by status, one row per person (problems first),
// the status filter and the search; it keeps a screenshot at shot.
func checkPage(t *testing.T, ctx context.Context, path string, rows []report.Row, shot string) {
	t.Helper()
	do(t, ctx, chromedp.Navigate("file://"+path), chromedp.WaitVisible(chromedp.CSS("#people")))
	title := get(t, ctx, chromedp.Title())
	if !strings.HasPrefix(title, "encimport ") {
		t.Errorf("title %q", title)
	}
	counts := map[plan.Status]int{}
	bad := 0
	for _, r := range rows {
		counts[r.Status]++
		if r.Status == plan.StatusInvalid || r.Status == plan.StatusFailed || r.Status == plan.StatusSkipped {
			bad++
		}
	}
	// The counts at the top.
	for st, n := range counts {
		got := get(t, ctx, chromedp.TextContent(chromedp.CSS(fmt.Sprintf(`#status-counts button[data-status=%q]`, st))))
		if want := fmt.Sprintf("%s%d", st, n); strings.ReplaceAll(got, " ", "") != want {
			t.Errorf("count of %s: %q, want %q", st, got, want)
		}
	}
	// Every person, problems first.
	ids := get(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#people tbody tr.person')).map(tr => tr.querySelector('.id').textContent)`))
	if len(ids) != len(rows) {
		t.Fatalf("%d people on the page, want %d", len(ids), len(rows))
	}
	firstGood := get(t, ctx, chromedp.Evaluate[int](`Array.from(document.querySelectorAll('#people tbody tr.person')).findIndex(tr => !tr.classList.contains('bad'))`))
	if firstGood != bad && !(bad == len(rows) && firstGood == -1) {
		t.Errorf("the first row without a problem is row %d of the table, want %d (problems first)", firstGood, bad)
	}
	onPage := map[string]bool{}
	for _, id := range ids {
		onPage[id] = true
	}
	for _, r := range rows {
		if !onPage[r.ID] {
			t.Errorf("row %d (%s) is not on the page", r.Row, r.ID)
		}
	}
	visible := func() int {
		return get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#people tbody tr.person:not([hidden])').length`))
	}
	// A filtered view: click the count of one status.
	st := plan.StatusInvalid
	if counts[st] == 0 {
		st = rows[0].Status
	}
	countButton := chromedp.CSS(fmt.Sprintf(`#status-counts button[data-status=%q]`, st))
	do(t, ctx, chromedp.Click(countButton))
	if n := visible(); n != counts[st] {
		t.Errorf("filtered on %s: %d rows shown, want %d", st, n, counts[st])
	}
	shown := get(t, ctx, chromedp.TextContent(chromedp.CSS("#shown")))
	if want := fmt.Sprintf("%d of %d shown", counts[st], len(rows)); shown != want {
		t.Errorf("shown %q, want %q", shown, want)
	}
	do(t, ctx, chromedp.Click(countButton)) // off again
	if n := visible(); n != len(rows) {
		t.Errorf("filter off: %d rows shown, want %d", n, len(rows))
	}
	// The search: one person by email, then cleared.
	// (a person whose email is on no other row)
	emails := map[string]int{}
	for _, r := range rows {
		emails[r.Email]++
	}
	target := rows[len(rows)-1]
	for _, r := range rows {
		if r.Email != "" && emails[r.Email] == 1 && r.Status != plan.StatusInvalid {
			target = r
			break
		}
	}
	query := target.Email
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#search"), query))
	found := get(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#people tbody tr.person:not([hidden])')).map(tr => tr.querySelector('.id').textContent)`))
	if len(found) != 1 || found[0] != target.ID {
		t.Errorf("search %q shows %v, want [%s]", query, found, target.ID)
	}
	get(t, ctx, chromedp.Evaluate[bool](`(() => { const s = document.getElementById('search'); s.value = ''; return s.dispatchEvent(new Event('input')) })()`))
	buf := get(t, ctx, chromedp.FullScreenshot(100))
	if n := visible(); n != len(rows) {
		t.Errorf("search cleared: %d rows shown, want %d", n, len(rows))
	}
	if err := os.WriteFile(shot, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

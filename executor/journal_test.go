package executor

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/encimport/encimport/plan"
)

const testDigest = "0123456789abcdef0123456789abcdef"

func TestJournalResume(t *testing.T) {
	dir := t.TempDir()
	build := func() *plan.Plan {
		p := &plan.Plan{Input: plan.Input{SHA256: testDigest}, Rows: []plan.Row{
			createRow(2, "a", "5"),      // done in the journal
			createRow(3, "b", "5"),      // started, never done: the create took effect
			patchRow(4, "c", "updated"), // recorded as failed: tried again
			patchRow(5, "d", "moved"),   // patch done, move started only: it took effect
			createRow(6, "e", "5"),      // not in the journal
			patchRow(7, "f", "updated"), // started, never done, user gone: failed
			createRow(8, "g", "5"),      // started, never done: the create did not happen
		}}
		addMove(p, "5", "9", 3)
		return p
	}
	// What the crashed run left behind.
	j, err := OpenJournal(dir, testDigest)
	if err != nil {
		t.Fatal(err)
	}
	p := build()
	k := func(i int, step string) stepKey { return stepKey{"People", p.Rows[i].Row, p.Rows[i].ID, step} }
	ok := result{outcome: outcomeOK, httpStatus: 201, correlationID: "old-1"}
	failed := result{outcome: outcomeFailed, httpStatus: 503}
	patched := result{outcome: outcomeOK, httpStatus: 204}
	if err := j.write(startRecord(k(0, StepCreate), ""), doneRecord(k(0, StepCreate), &ok, 1, ""),
		startRecord(k(1, StepCreate), ""),
		startRecord(k(2, StepPatch), ""), doneRecord(k(2, StepPatch), &failed, 6, ""),
		startRecord(k(3, StepPatch), ""), doneRecord(k(3, StepPatch), &patched, 1, ""), startRecord(k(3, StepMove), ""),
		startRecord(k(5, StepPatch), ""), startRecord(k(6, StepCreate), ""),
	); err != nil {
		t.Fatal(err)
	}
	j.Close()
	// A torn last line, as a crash mid-write leaves it.
	fh, _ := os.OpenFile(j.Path(), os.O_APPEND|os.O_WRONLY, 0)
	fh.WriteString(`{"event":"start","sheet":"Peo`)
	fh.Close()

	f := newFake(existing("b", "5"), existing("c", "5"), existing("d", "9"))
	f.users["b"].FirstName = "First b"
	run := func() *Result { return runJournaled(t, dir, f, build()) }
	res := run()
	wantStatus := []plan.Status{"created", "created", "updated", "moved", "created", "failed", "created"}
	for i, want := range wantStatus {
		if got := res.Rows[i]; got.Status != want {
			t.Errorf("row %d (%s): %s (%s), want %s", got.Row, got.ID, got.Status, got.Message, want)
		}
	}
	calls := f.Calls()
	slices.Sort(calls)
	wantCalls := []string{"create:e", "create:g", "get:b", "get:d", "get:f", "get:g", "patch:c"}
	if !slices.Equal(calls, wantCalls) {
		t.Errorf("calls %v, want %v", calls, wantCalls)
	}
	if r := res.Rows[0]; r.Attempts != 1 || r.CorrelationID != "old-1" || !strings.Contains(r.Message, "journal") {
		t.Errorf("row from the journal: %+v", r)
	}
	if r := res.Rows[5]; !strings.Contains(r.Message, "no longer exists") {
		t.Errorf("row f: %+v", r)
	}

	// A third run over the same journal calls nothing for the rows done.
	f.calls = nil
	res = run()
	for i, want := range wantStatus {
		if got := res.Rows[i]; got.Status != want {
			t.Errorf("rerun row %d: %s, want %s", got.Row, got.Status, want)
		}
	}
	// Only row f (failed: user gone) is tried again.
	if calls := f.Calls(); !slices.Equal(calls, []string{"patch:f"}) {
		t.Errorf("rerun calls %v, want only the failed row's patch", calls)
	}
	if res.Stats.Calls != 1 {
		t.Errorf("rerun stats %+v", res.Stats)
	}
}

func TestOpenJournalRejectsBadDigest(t *testing.T) {
	for _, d := range []string{"", "../../etc/passwd", "abc"} {
		if _, err := OpenJournal(t.TempDir(), d); err == nil {
			t.Errorf("OpenJournal(%q) succeeded", d)
		}
	}
}

// After a crash, a fresh plan sees the users the earlier run made: a create
// row becomes invalid ("exists"), an upsert row unchanged. The report must
// still say what the earlier run did, from the journal, with no call.
func TestJournalReportsRowsTheNewPlanFindsDone(t *testing.T) {
	dir := t.TempDir()
	j, err := OpenJournal(dir, testDigest)
	if err != nil {
		t.Fatal(err)
	}
	created := result{outcome: outcomeOK, httpStatus: 201, correlationID: "c-1"}
	disabled := result{outcome: outcomeOK, httpStatus: 204, correlationID: "c-2"}
	if err := j.write(
		startRecord(stepKey{"People", 2, "a", StepCreate}, ""), doneRecord(stepKey{"People", 2, "a", StepCreate}, &created, 1, plan.StatusCreated),
		startRecord(stepKey{"People", 3, "b", StepPatch}, ""), doneRecord(stepKey{"People", 3, "b", StepPatch}, &disabled, 2, plan.StatusDisabled),
		// Cut off during the call: started, never done.
		startRecord(stepKey{"People", 5, "d", StepCreate}, plan.StatusCreated),
		startRecord(stepKey{"People", 6, "e", StepCreate}, plan.StatusCreated),
	); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	p := &plan.Plan{Input: plan.Input{SHA256: testDigest}, Rows: []plan.Row{
		{Sheet: "People", Row: 2, ID: "a", Action: "create", Status: plan.StatusInvalid},
		{Sheet: "People", Row: 3, ID: "b", Action: "disable", Status: plan.StatusUnchanged},
		{Sheet: "People", Row: 4, ID: "c", Action: "upsert", Status: plan.StatusUnchanged},
		{Sheet: "People", Row: 5, ID: "d", Action: "upsert", Status: plan.StatusUnchanged},
		{Sheet: "People", Row: 6, ID: "e", Action: "create", Status: plan.StatusInvalid},
	}}
	f := newFake()
	res := runJournaled(t, dir, f, p) // the rerun, as a new process would
	want := []struct {
		status   plan.Status
		corr     string
		attempts int
	}{{"created", "c-1", 1}, {"disabled", "c-2", 2}, {"unchanged", "", 0}, {"created", "", 0}, {"invalid", "", 0}}
	for i, w := range want {
		r := res.Rows[i]
		if r.Status != w.status || r.CorrelationID != w.corr || r.Attempts != w.attempts {
			t.Errorf("row %d: %+v, want %+v", r.Row, r, w)
		}
	}
	if r := res.Rows[3]; !strings.Contains(r.Message, "took effect") {
		t.Errorf("row d message %q", r.Message)
	}
	if calls := f.Calls(); len(calls) != 0 {
		t.Errorf("calls %v, want none", calls)
	}
}

// OpenJournal cuts off a torn last record (a crash during its write) and
// refuses damage anywhere else, naming the file and the line.
func TestOpenJournalDamage(t *testing.T) {
	good := func(row int) string {
		return `{"event":"start","sheet":"People","row":` + strconv.Itoa(row) + `,"id":"u","step":"create"}` + "\n"
	}
	tests := []struct {
		name    string
		data    string
		wantErr string // "" for none
		started []int  // rows whose start record was read
		after   string // the file's content after opening, when no error
	}{
		{name: "clean", data: good(2) + good(3), started: []int{2, 3}, after: good(2) + good(3)},
		{name: "empty", data: "", after: ""},
		{name: "torn last record is cut off", data: good(2) + `{"event":"start","sheet":"Peo`,
			started: []int{2}, after: good(2)},
		{name: "torn only record", data: `{"event":"st`, after: ""},
		{name: "complete last record without newline gets one", data: good(2) + strings.TrimSuffix(good(3), "\n"),
			started: []int{2, 3}, after: good(2) + good(3)},
		{name: "blank lines are no damage", data: good(2) + "\n  \n" + good(3), started: []int{2, 3},
			after: good(2) + "\n  \n" + good(3)},
		{name: "damage followed by records", data: good(2) + `{"event":"sta` + "\n" + good(3), wantErr: "line 2 is damaged"},
		{name: "damage followed by a torn record", data: good(2) + "garbage\n" + `{"ev`, wantErr: "line 2 is damaged"},
		{name: "damaged last line ended by a newline", data: good(2) + good(3) + "\x00\x00\x00\n", wantErr: "line 3 is damaged"},
		{name: "damaged first line", data: "not json\n" + good(2), wantErr: "line 1 is damaged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "journal-"+testDigest+".jsonl")
			if err := os.WriteFile(path, []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			j, err := OpenJournal(dir, testDigest)
			if tt.wantErr != "" {
				if err == nil {
					j.Close()
					t.Fatalf("OpenJournal succeeded over damage")
				}
				for _, want := range []string{path, tt.wantErr, "move the file aside"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not say %q", err, want)
					}
				}
				if b, _ := os.ReadFile(path); string(b) != tt.data {
					t.Errorf("a refused journal was changed: %q", b)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			var started []int
			for k, st := range j.steps {
				if st.started {
					started = append(started, k.Row)
				}
			}
			slices.Sort(started)
			if !slices.Equal(started, tt.started) {
				t.Errorf("started rows %v, want %v", started, tt.started)
			}
			if b, _ := os.ReadFile(path); string(b) != tt.after {
				t.Errorf("file after opening %q, want %q", b, tt.after)
			}
			// The next record starts on a line of its own, and the file
			// opens again.
			if err := j.write(startRecord(stepKey{"People", 9, "u", StepCreate}, "")); err != nil {
				t.Fatal(err)
			}
			j.Close()
			j2, err := OpenJournal(dir, testDigest)
			if err != nil {
				t.Fatalf("reopening: %v", err)
			}
			defer j2.Close()
			if !j2.lookup(stepKey{"People", 9, "u", StepCreate}).started {
				t.Errorf("record written after opening not read back")
			}
		})
	}
}

// TestJournalGroupCommit: workers writing start records together share
// syncs (one per group, not one per record), each write returns only once
// its record is durable, done records alone do not wait, and Close writes
// what is still pending.
func TestJournalGroupCommit(t *testing.T) {
	const writers, delay = 40, 20 * time.Millisecond
	tests := []struct {
		name      string
		event     string
		maxSyncs  int           // at most this many syncs for the writers
		maxReturn time.Duration // every write returned within this (0: not timed)
	}{
		// One sync for the first arrival, one for everyone who came during
		// it: the sync count proves the sharing (a wall-time bound flaked
		// under -race on a loaded machine, so start records are not timed).
		{"start records wait for a shared sync", eventStart, 6, 0},
		// Done records wait for no sync: far below the 800 ms that one sync
		// per writer would take, with room for a loaded machine.
		{"done records are queued", eventDone, 6, writers * delay / 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := OpenJournal(t.TempDir(), testDigest, WithSyncDelay(delay))
			if err != nil {
				t.Fatal(err)
			}
			durable := durableStarts(j)
			var wg sync.WaitGroup
			var slowest atomic.Int64
			start := make(chan struct{})
			for i := range writers {
				wg.Go(func() {
					<-start
					k := stepKey{"People", i + 2, "u" + strconv.Itoa(i), StepCreate}
					rec := startRecord(k, plan.StatusCreated)
					if tt.event == eventDone {
						rec = doneRecord(k, &result{outcome: outcomeOK, httpStatus: 201}, 1, plan.StatusCreated)
					}
					t0 := time.Now()
					if err := j.write(rec); err != nil {
						t.Error(err)
						return
					}
					d := time.Since(t0)
					for m := slowest.Load(); int64(d) > m && !slowest.CompareAndSwap(m, int64(d)); m = slowest.Load() {
					}
					if tt.event == eventStart {
						// Durable on return: written and synced.
						if !durable(k) {
							t.Errorf("row %d: write returned before its record was durable", k.Row)
						}
					}
				})
			}
			close(start)
			wg.Wait()
			if d := time.Duration(slowest.Load()); tt.maxReturn > 0 && d > tt.maxReturn {
				t.Errorf("the slowest write took %v, want at most %v", d, tt.maxReturn)
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			st := j.Stats()
			if st.Records != writers || st.Syncs > tt.maxSyncs {
				t.Errorf("%d records in %d syncs; want %d records in at most %d syncs", st.Records, st.Syncs, writers, tt.maxSyncs)
			}
			data, _ := os.ReadFile(j.Path())
			n := 0
			_, err = parseJournal(data, func(*journalRecord) { n++ })
			if err != nil || n != writers {
				t.Errorf("the file holds %d records (%v), want %d", n, err, writers)
			}
		})
	}
}

// TestJournalWriteFailureSticks: once a write fails, every later write
// fails too (the run cannot record its progress and stops).
func TestJournalWriteFailureSticks(t *testing.T) {
	j, err := OpenJournal(t.TempDir(), testDigest)
	if err != nil {
		t.Fatal(err)
	}
	k := stepKey{"People", 2, "a", StepCreate}
	_ = j.f.Close() // the disk went away
	if err := j.write(startRecord(k, "")); err == nil {
		t.Fatal("write to a closed file succeeded")
	}
	if err := j.write(startRecord(k, "")); err == nil {
		t.Fatal("a second write succeeded after a failure")
	}
}

// TestRunSendsOnlyDurableStarts: the executor sends a write only once the
// journal holds its start record durably, and the journal's sync delay
// costs one sync per group of rows, not one per row.
func TestRunSendsOnlyDurableStarts(t *testing.T) {
	const rows, delay = 60, 10 * time.Millisecond
	j, err := OpenJournal(t.TempDir(), testDigest, WithSyncDelay(delay))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	durable := durableStarts(j)
	p := &plan.Plan{Input: plan.Input{SHA256: testDigest}}
	for i := range rows {
		p.Rows = append(p.Rows, createRow(i+2, "n"+strconv.Itoa(i), "5"))
	}
	f := newFake()
	f.hook = func(ctx context.Context, call string) error {
		id := strings.TrimPrefix(call, "create:")
		i, _ := strconv.Atoi(strings.TrimPrefix(id, "n"))
		if !durable(stepKey{"People", i + 2, id, StepCreate}) {
			t.Errorf("%s sent before its start record was durable", call)
		}
		time.Sleep(5 * time.Millisecond)
		return nil
	}
	var s sleeps
	opts := quickOpts(&s)
	opts.Journal, opts.Concurrency = j, 20
	res, err := Run(context.Background(), f, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Stats.ByStatus[plan.StatusCreated]; n != rows {
		t.Errorf("%d created, want %d", n, rows)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	// 60 start and 60 done records; one sync each would be 120.
	if st := j.Stats(); st.Records != 2*rows || st.Syncs > rows/2 {
		t.Errorf("%d records in %d syncs; want %d in at most %d", st.Records, st.Syncs, 2*rows, rows/2)
	}
}

// durableStarts reports, for a step, whether j has written and synced a
// start record of it since this call.
func durableStarts(j *Journal) func(stepKey) bool {
	var mu sync.Mutex
	seen := map[stepKey]bool{}
	j.mu.Lock()
	j.onDurable = func(recs []journalRecord) {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range recs {
			if r.Event == eventStart {
				seen[stepKey{r.Sheet, r.Row, r.ID, r.Step}] = true
			}
		}
	}
	j.mu.Unlock()
	return func(k stepKey) bool {
		mu.Lock()
		defer mu.Unlock()
		return seen[k]
	}
}

// TestJournalIndexesEarlierRuns: a journal answers lookups with what earlier
// runs recorded; its own run's records go to the file only, and the next
// run reads them.
func TestJournalIndexesEarlierRuns(t *testing.T) {
	dir := t.TempDir()
	k := stepKey{"People", 2, "jdoe", StepCreate}
	j, err := OpenJournal(dir, testDigest)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.write(startRecord(k, plan.StatusCreated)); err != nil {
		t.Fatal(err)
	}
	if err := j.write(doneRecord(k, &result{outcome: outcomeOK, httpStatus: 201, correlationID: "c-1"}, 1, plan.StatusCreated)); err != nil {
		t.Fatal(err)
	}
	if st := j.lookup(k); st.started || st.hasDone {
		t.Errorf("the run's own record is indexed: %+v", st)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j2, err := OpenJournal(dir, testDigest)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	st := j2.lookup(k)
	if !st.started || !st.hasDone || !st.done.ok || st.done.httpStatus != 201 || st.done.correlationID != "c-1" || st.done.outcome != plan.StatusCreated {
		t.Fatalf("the next run reads %+v", st)
	}
	if d := j2.rowDone("People", 2, "jdoe"); d == nil || d.outcome != plan.StatusCreated {
		t.Fatalf("rowDone = %+v", d)
	}
	if o := j2.rowStarted("People", 2, "jdoe"); o != "" {
		t.Errorf("rowStarted of a finished step = %q", o)
	}
}

// runJournaled runs p on f as a new process would: the journal of dir
// opened for the run (what earlier runs recorded) and closed after it.
func runJournaled(t *testing.T, dir string, f *fakeAPI, p *plan.Plan) *Result {
	t.Helper()
	j, err := OpenJournal(dir, testDigest)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var s sleeps
	opts := quickOpts(&s)
	opts.Journal = j
	res, err := Run(context.Background(), f, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

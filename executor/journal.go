package executor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/encimport/encimport/plan"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"
)

// Journal steps and events.
const (
	StepCreate = "create"
	StepPatch  = "patch"
	StepMove   = "move"

	eventStart = "start"
	eventDone  = "done"
)

// Journal is an append-only JSON-lines record of the write calls of a run,
// kept under the state directory and keyed by the input file's digest. A
// "start" record is written (and synced) before a write call, a "done"
// record with the outcome after it. A later run over the same input skips
// the steps the journal says succeeded and reads back (reconciles) the ones
// that started but never finished. Records hold sheet, row, user id, step
// and outcome only: never a password or any other cell.
//
// Records are committed in groups: whoever writes appends its records to
// the pending ones, and one writer at a time writes and syncs everything
// pending together, so a run makes one sync per batch of records however
// many workers write, not one per record. A start record's write returns
// once that record is durable (the call it announces is sent after); a done
// record's returns at once, the record going out with the next batch or on
// Close (a done record a crash loses only makes the rerun read the step
// back).
type Journal struct {
	mu   sync.Mutex
	f    *os.File
	path string
	// steps is what earlier runs recorded, read when the journal was
	// opened: a run looks each of its steps up once, before writing any
	// record of it, so its own records only go to the file (an index of
	// them would be a map entry per step: 75 MB at 250,000 rows).
	steps map[stepKey]journalState

	// Group commit, under mu.
	cond      *sync.Cond
	pend      []byte          // records not yet written
	pendRecs  []journalRecord // the same
	queued    uint64          // groups of records queued so far
	durable   uint64          // groups written and synced
	writing   bool            // a writer is writing and syncing
	err       error           // a failed write or sync: every later write fails
	syncs     int             // syncs made
	records   int             // records made durable
	syncDelay time.Duration   // added before each sync (a slow disk, for tests and the bench)
	// onDurable, when set (tests), is called with mu held with each group
	// of records once it is written and synced.
	onDurable func([]journalRecord)
}

// JournalOption configures OpenJournal.
type JournalOption func(*Journal)

// WithSyncDelay makes every sync of the journal take d longer, as a slow or
// busy disk would (tests and the bench).
func WithSyncDelay(d time.Duration) JournalOption {
	return func(j *Journal) { j.syncDelay = d }
}

// JournalStats count a journal's syncs since it was opened.
type JournalStats struct {
	Syncs   int // syncs of the file
	Records int // records those syncs made durable
}

// Stats returns the journal's counters.
func (j *Journal) Stats() JournalStats {
	j.mu.Lock()
	defer j.mu.Unlock()
	return JournalStats{Syncs: j.syncs, Records: j.records}
}

// journalRecord is one line of the journal.
type journalRecord struct {
	Time          time.Time   `json:"time"`
	Event         string      `json:"event"` // start | done
	Sheet         string      `json:"sheet"`
	Row           int         `json:"row"`
	ID            string      `json:"id"`
	Step          string      `json:"step"` // create | patch | move
	OK            bool        `json:"ok,omitempty"`
	HTTPStatus    int         `json:"http_status,omitempty"`
	ErrorCode     string      `json:"error_code,omitempty"`
	CorrelationID string      `json:"correlation_id,omitempty"`
	Attempts      int         `json:"attempts,omitempty"`
	Outcome       plan.Status `json:"outcome,omitempty"` // the row's status when all its steps succeed
}

// stepKey names one step of one row.
type stepKey struct {
	Sheet string
	Row   int
	ID    string
	Step  string
}

// journalState is what the journal knows about a step that earlier runs
// recorded (a resumed run of 250,000 rows has a map entry for each): only
// what resuming reads, not the records.
type journalState struct {
	outcome plan.Status // the row's outcome, as recorded when the step started
	started bool
	hasDone bool     // a done record was written after the last start
	done    stepDone // the last done record, when hasDone
}

// stepDone is what resuming reads of a step's last done record.
type stepDone struct {
	ok            bool
	httpStatus    int
	attempts      int
	at            int64 // the record's time (Unix ns): orders a row's steps
	correlationID string
	outcome       plan.Status // the row's status when all its steps succeed
}

var digestRE = regexp.MustCompile(`^[0-9A-Za-z]{8,128}$`)

// OpenJournal opens (creating it and dir when needed) the journal of the
// input whose digest (plan.Plan.Input.SHA256) is planDigest, reading what
// earlier runs recorded. A torn last record (a crash during its write: the
// call it announced was never made) is cut off; damage anywhere else is an
// error, as the journal can then no longer say which calls were made.
func OpenJournal(dir, planDigest string, opts ...JournalOption) (*Journal, error) {
	if !digestRE.MatchString(planDigest) {
		return nil, fmt.Errorf("journal: input digest %q is not a hex digest; the plan has no input digest", planDigest)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: state directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, "journal-"+planDigest+".jsonl")
	j := &Journal{path: path, steps: make(map[stepKey]journalState)}
	j.cond = sync.NewCond(&j.mu)
	for _, o := range opts {
		o(j)
	}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	keep, err := parseJournal(data, j.apply)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	if err := repair(f, data, keep); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	j.f = f
	return j, nil
}

// parseJournal reads the records of a journal file, passing each record
// to each as it goes (a resumed run of 250,000 rows has twice as many records: they
// are not all held at once). keep is the length of data to keep: all of
// it, or up to a torn last line (not ended by a newline, not a record). A
// line that is not a record anywhere else is damage, an error naming it.
// Blank lines are ignored.
func parseJournal(data []byte, each func(*journalRecord)) (keep int, err error) {
	line := 0
	for off := 0; off < len(data); {
		line++
		n := bytes.IndexByte(data[off:], '\n')
		last := n < 0
		if last {
			n = len(data) - off
		}
		b := data[off : off+n]
		if len(bytes.TrimSpace(b)) > 0 {
			var rec journalRecord
			if err := json.Unmarshal(b, &rec); err != nil {
				if last {
					return off, nil // torn by a crash during its write
				}
				return 0, fmt.Errorf("line %d is damaged (%v) and more follows it, so the journal cannot say "+
					"which calls earlier runs made; move the file aside (keep it to look into) and run again: the new "+
					"run plans against the server as it is now, so nothing is done twice, though rows earlier runs "+
					"finished are reported from what the server holds", line, err)
			}
			each(&rec)
		}
		off += n + 1
	}
	return len(data), nil
}

// repair makes the file (data, open for appending) end where the next
// record can start: the torn tail beyond keep is cut off, a complete last
// record gets its newline.
func repair(f *os.File, data []byte, keep int) error {
	if keep < len(data) {
		if err := f.Truncate(int64(keep)); err != nil {
			return err
		}
		return f.Sync()
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		_, err := f.Write([]byte("\n"))
		return err
	}
	return nil
}

// Path returns the journal file's path.
func (j *Journal) Path() string { return j.path }

// Close writes and syncs the records still pending, then closes the
// journal file. It returns the error of a failed write, if any.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.writing {
		j.cond.Wait()
	}
	if j.f == nil {
		return nil
	}
	err := j.err
	if err == nil && len(j.pend) > 0 {
		err = j.flushLocked()
	}
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.f = nil
	j.cond.Broadcast()
	return err
}

func (j *Journal) apply(rec *journalRecord) {
	k := stepKey{rec.Sheet, rec.Row, rec.ID, rec.Step}
	st := j.steps[k]
	switch rec.Event {
	case eventStart:
		st = journalState{started: true, outcome: rec.Outcome}
	case eventDone:
		st.hasDone = true
		st.done = stepDone{ok: rec.OK, httpStatus: rec.HTTPStatus, attempts: rec.Attempts, at: rec.Time.UnixNano(),
			correlationID: rec.CorrelationID, outcome: rec.Outcome}
	}
	j.steps[k] = st
}

// lookup returns what earlier runs recorded of k (zero when nothing).
func (j *Journal) lookup(k stepKey) journalState {
	if j == nil {
		return journalState{}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.steps[k]
}

// rowDone returns the last successful done record of any step of the row
// that carries the row's outcome, or nil.
func (j *Journal) rowDone(sheet string, row int, id string) *stepDone {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	var last *stepDone
	for _, step := range []string{StepCreate, StepPatch, StepMove} {
		st := j.steps[stepKey{sheet, row, id, step}]
		if st.hasDone && st.done.ok && st.done.outcome != "" {
			if last == nil || st.done.at >= last.at {
				d := st.done
				last = &d
			}
		}
	}
	return last
}

// rowStarted returns the outcome recorded when a step of the row was
// started and never finished, or "".
func (j *Journal) rowStarted(sheet string, row int, id string) plan.Status {
	if j == nil {
		return ""
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, step := range []string{StepMove, StepPatch, StepCreate} {
		if st := j.steps[stepKey{sheet, row, id, step}]; st.started && !st.hasDone && st.outcome != "" {
			return st.outcome
		}
	}
	return ""
}

// write appends recs to the journal. When one of them is a start record it
// returns once every one of them is durable (written and synced, with
// whatever else was pending: the first caller to find no writer at work
// writes the group); done records alone are queued for the next sync (a
// writer goroutine is started when none is at work) and write returns at
// once. An error is returned when the journal
// cannot be written (then and ever after).
func (j *Journal) write(recs ...journalRecord) error {
	if j == nil || len(recs) == 0 {
		return nil
	}
	var buf []byte
	now := time.Now().UTC()
	wait := false
	for i := range recs {
		recs[i].Time = now
		b, err := json.Marshal(&recs[i])
		if err != nil {
			return err
		}
		buf = append(append(buf, b...), '\n')
		wait = wait || recs[i].Event == eventStart
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return fmt.Errorf("journal %s: closed", j.path)
	}
	if j.err != nil {
		return fmt.Errorf("journal %s: %w", j.path, j.err)
	}
	j.pend = append(j.pend, buf...)
	j.pendRecs = append(j.pendRecs, recs...)
	j.queued++
	mine := j.queued
	if !wait {
		if !j.writing {
			j.writing = true
			go j.commit()
		}
		return nil
	}
	for j.durable < mine && j.err == nil && j.f != nil {
		if j.writing {
			j.cond.Wait()
			continue
		}
		// Be the writer for one group: what is pending, mine included.
		// What comes meanwhile goes out with the next group, on a
		// goroutine, so that this call is not kept writing for others.
		j.writing = true
		_ = j.flushLocked()
		j.writing = false
		if len(j.pend) > 0 && j.err == nil {
			j.writing = true
			go j.commit()
		}
		j.cond.Broadcast()
	}
	if j.err != nil {
		return fmt.Errorf("journal %s: %w", j.path, j.err)
	}
	if j.durable < mine {
		return fmt.Errorf("journal %s: closed", j.path)
	}
	return nil
}

// commit is commitLocked on a goroutine of its own.
func (j *Journal) commit() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.commitLocked()
}

// commitLocked writes and syncs the pending records, group after group,
// until none is pending; called with mu held and writing set, it releases
// mu during each write and sync and clears writing at the end.
func (j *Journal) commitLocked() {
	for len(j.pend) > 0 && j.err == nil {
		j.flushLocked()
	}
	j.writing = false
	j.cond.Broadcast()
}

// flushLocked writes and syncs what is pending (mu held; released during
// the write and the sync), then marks it durable.
func (j *Journal) flushLocked() error {
	buf, recs, upto, f := j.pend, j.pendRecs, j.queued, j.f
	j.pend, j.pendRecs = nil, nil
	j.mu.Unlock()
	_, err := f.Write(buf)
	if err == nil {
		if j.syncDelay > 0 {
			time.Sleep(j.syncDelay)
		}
		err = f.Sync()
	}
	j.mu.Lock()
	if err != nil {
		j.err = err
		j.cond.Broadcast()
		return err
	}
	j.durable = upto
	j.syncs++
	j.records += len(recs)
	if j.onDurable != nil {
		j.onDurable(recs)
	}
	j.cond.Broadcast()
	return nil
}

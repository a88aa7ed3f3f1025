// Package runrec keeps the record of every apply that changes Encompass, so
// it can be listed (`encimport runs`) and taken back (`encimport revert`).
//
// A run record is a directory <state-dir>/runs/<id>/ holding:
//   - run.json: the [Record] (id, kind, times, input, caller, instance,
//     state, counts by status);
//   - plan.json: the plan executed (plan.Save: never a password);
//   - before.jsonl: one [Before] per user the plan changes, as the server
//     had it when the plan was made (the fields the run changes, the
//     organization, personas, groups, licenses and the enabled flags;
//     never a password);
//   - report.csv: the run's per-row report, once it has ended.
//
// [Start] writes run.json, plan.json and before.jsonl, each synced, and
// syncs the directories, before the executor makes its first write: a run
// killed at any point leaves a record that can be reverted. [Run.Finish]
// adds the counts (the job writes report.csv beside them).
//
// Map of the package: runrec.go (the record, Start, Finish, List, Open),
// before.go (Capture: the before-images of a plan's users).
package runrec

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/encimport/encimport/internal/atomicfile"
	"github.com/encimport/encimport/plan"
)

// Version is the version of run.json.
const Version = 1

// Kinds of run.
const (
	KindApply  = "apply"
	KindRevert = "revert"
)

// States of a run.
const (
	StateRunning     = "running" // started; also what a crashed run stays
	StateFinished    = "finished"
	StateInterrupted = "interrupted"
	StateFailed      = "failed"
)

// File names inside a run's directory.
const (
	FileRun    = "run.json"
	FilePlan   = "plan.json"
	FileBefore = "before.jsonl"
	FileReport = "report.csv"
)

// Record is run.json.
type Record struct {
	Version  int        `json:"version"`
	ID       string     `json:"id"`
	Kind     string     `json:"kind"`
	RevertOf string     `json:"revertOf,omitempty"` // a revert: the run it takes back
	Started  time.Time  `json:"started"`
	Finished *time.Time `json:"finished,omitempty"`
	Input    plan.Input `json:"input"`
	Caller   string     `json:"caller,omitempty"`
	// Target is the Encompass the run changed (a revert must connect to
	// the same: plan.Target.Key); Instance names it for people.
	Target   plan.Target `json:"target"`
	Instance string      `json:"instance"`
	State    string      `json:"state"`
	// Counts are the report rows by status once the run ended; while it
	// runs, the plan's planned rows by their outcome.
	Counts map[plan.Status]int `json:"counts"`
	Users  int                 `json:"users"` // before-images kept
}

// Dir is where the run records of a state directory live.
func Dir(stateDir string) string { return filepath.Join(stateDir, "runs") }

// Run is a run record being written.
type Run struct {
	Record
	dir string
}

// Path is the run's directory.
func (r *Run) Path() string { return r.dir }

// NewID returns a new run id: the UTC time to the second and 4 random hex
// digits, so ids sort by time and two runs in one second differ.
func NewID(now time.Time) string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// Start creates the run's directory under stateDir and writes plan.json,
// before.jsonl and run.json (state running, counts of the plan's
// outcomes), each synced and renamed into place, the directories synced.
// rec.ID, Version, State and Counts are set here when empty.
func Start(stateDir string, rec Record, p *plan.Plan, befores []Before) (*Run, error) {
	if rec.ID == "" {
		rec.ID = NewID(rec.Started)
	}
	rec.Version, rec.State, rec.Users = Version, StateRunning, len(befores)
	if rec.Counts == nil {
		rec.Counts = map[plan.Status]int{}
		for _, r := range p.Rows {
			st := r.Status
			if st == plan.StatusPlanned && r.Outcome != "" {
				st = r.Outcome
			}
			rec.Counts[st]++
		}
	}
	runs := Dir(stateDir)
	if err := os.MkdirAll(runs, 0o700); err != nil {
		return nil, err
	}
	dir := filepath.Join(runs, rec.ID)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, err
	}
	r := &Run{Record: rec, dir: dir}
	if err := atomicfile.Write(filepath.Join(dir, FilePlan), 0o600, func(w io.Writer) error { return plan.Save(w, p) }); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(filepath.Join(dir, FileBefore), 0o600, func(w io.Writer) error { return WriteBefores(w, befores) }); err != nil {
		return nil, err
	}
	if err := r.save(); err != nil {
		return nil, err
	}
	// The run's directory entry in runs/ must survive a crash too.
	if err := syncDir(runs); err != nil {
		return nil, err
	}
	return r, nil
}

// Finish writes the run's final run.json: its state and the report rows'
// counts by status (nil: the plan's are kept). The caller writes the
// report into the run's directory (FileReport) first.
func (r *Run) Finish(counts map[plan.Status]int, state string, now time.Time) error {
	if counts != nil {
		r.Counts = counts
	}
	r.State = state
	t := now.UTC()
	r.Finished = &t
	return r.save()
}

func (r *Run) save() error {
	return atomicfile.Write(filepath.Join(r.dir, FileRun), 0o600, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(&r.Record)
	})
}

// List returns the run records of stateDir, oldest first (by start). A directory
// without a readable run.json is skipped.
func List(stateDir string) ([]Record, error) {
	ents, err := os.ReadDir(Dir(stateDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Record
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		rec, err := readRecord(filepath.Join(Dir(stateDir), e.Name()))
		if err != nil {
			continue
		}
		out = append(out, *rec)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Started.Equal(out[j].Started) {
			return out[i].Started.Before(out[j].Started)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func readRecord(dir string) (*Record, error) {
	b, err := os.ReadFile(filepath.Join(dir, FileRun))
	if err != nil {
		return nil, err
	}
	var rec Record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, FileRun), err)
	}
	if rec.Version != Version {
		return nil, fmt.Errorf("%s: version %d, this encimport reads version %d", filepath.Join(dir, FileRun), rec.Version, Version)
	}
	return &rec, nil
}

// Loaded is a run record read back for a revert.
type Loaded struct {
	Record
	Dir     string
	Plan    *plan.Plan
	Befores []Before
	// Digest is the SHA-256 of plan.json and before.jsonl: what a revert of
	// this run is made from (its journal's key).
	Digest string
}

// Resolve finds the run id names in stateDir: the id itself, a unique
// prefix of one, or "last" (the newest run).
func Resolve(stateDir, id string) (string, error) {
	recs, err := List(stateDir)
	if err != nil {
		return "", err
	}
	if len(recs) == 0 {
		return "", fmt.Errorf("no run is recorded in %s", Dir(stateDir))
	}
	if id == "last" || id == "latest" {
		return recs[len(recs)-1].ID, nil
	}
	var found []string
	for _, r := range recs {
		if r.ID == id {
			return id, nil
		}
		if strings.HasPrefix(r.ID, id) {
			found = append(found, r.ID)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no run %q in %s; 'encimport runs' lists them", id, Dir(stateDir))
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("%d runs start with %q (%s); give more of the id", len(found), id, strings.Join(found, ", "))
}

// Open reads the run id (see Resolve) of stateDir whole.
func Open(stateDir, id string) (*Loaded, error) {
	id, err := Resolve(stateDir, id)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(Dir(stateDir), id)
	rec, err := readRecord(dir)
	if err != nil {
		return nil, err
	}
	l := &Loaded{Record: *rec, Dir: dir}
	// The plan is read as it is hashed, a row at a time: a run of 250,000
	// rows has a plan file of hundreds of MB.
	h := sha256.New()
	pf, err := os.Open(filepath.Join(dir, FilePlan))
	if err != nil {
		return nil, err
	}
	defer pf.Close()
	tee := io.TeeReader(pf, h)
	if l.Plan, err = plan.Load(tee); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, FilePlan), err)
	}
	if _, err := io.Copy(io.Discard, tee); err != nil { // what Load left unread
		return nil, err
	}
	bb, err := os.ReadFile(filepath.Join(dir, FileBefore))
	if err != nil {
		return nil, err
	}
	if l.Befores, err = ReadBefores(bytes.NewReader(bb)); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, FileBefore), err)
	}
	for _, b := range l.Befores {
		if b.Row < 0 || b.Row >= len(l.Plan.Rows) || !strings.EqualFold(l.Plan.Rows[b.Row].ID, b.ID) {
			return nil, fmt.Errorf("%s: the before-image of %q does not match plan row %d; the record is damaged", filepath.Join(dir, FileBefore), b.ID, b.Row)
		}
	}
	h.Write(bb)
	l.Digest = hex.EncodeToString(h.Sum(nil))
	return l, nil
}

// WriteBefores writes one JSON line per before-image.
func WriteBefores(w io.Writer, bs []Before) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for i := range bs {
		if err := enc.Encode(&bs[i]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadBefores reads what WriteBefores wrote.
func ReadBefores(r io.Reader) ([]Before, error) {
	var out []Before
	dec := json.NewDecoder(r)
	for n := 1; ; n++ {
		var b Before
		err := dec.Decode(&b)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, b)
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

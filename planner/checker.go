package planner

import (
	"strings"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

// Checker applies the offline checks (the rules a row can break without
// the server, and the duplicate-id check) one row at a time, so a file can
// be validated while it is read: it keeps only the lower-cased id of every
// row seen and where that row is, never the records.
//
// Give it every record of a file once, in input order. A Checker is not
// safe for concurrent use.
type Checker struct {
	opts          plan.Options // normalised (DefaultAction lower case, never "")
	defaultsKnown bool         // opts carries the company defaults

	ids    idIndex  // lower-cased id → the first row with it
	sheets []string // sheet names, indexed by the sheet part of a rowRef

	u      encompass.User // scratch user the rules check, refilled per row
	ccSite encompass.CCSite
}

// A rowRef locates a row: its number in the low 40 bits, its sheet (an
// index into Checker.sheets) above, so a million entries hold no strings.
type rowRef uint64

const rowBits = 40

func makeRowRef(row, sheet int) rowRef {
	return rowRef(uint64(sheet)<<rowBits | uint64(row)&(1<<rowBits-1))
}

func (r rowRef) row() int   { return int(r & (1<<rowBits - 1)) }
func (r rowRef) sheet() int { return int(r >> rowBits) }

// shortIDLen is the longest lower-cased id kept as a shortID (the longest
// valid id has 16 characters).
const shortIDLen = 16

// A shortID is a lower-cased id, zero-padded, as a map key without
// pointers: the garbage collector never scans a million of them, and no id
// is copied to the heap on its own. Ids holding a NUL byte are not short.
type shortID [shortIDLen]byte

// idIndex maps lower-cased ids (strings.ToLower) to the first row with
// them: shortIDs for the usual ids, strings for the others.
type idIndex struct {
	short map[shortID]rowRef
	long  map[string]rowRef
}

// firstOrAdd returns the row first seen with id (ignoring case), or
// records at for it and returns false.
func (x *idIndex) firstOrAdd(id string, at rowRef) (rowRef, bool) {
	var k shortID
	short := len(id) <= shortIDLen
	for i := 0; short && i < len(id); i++ { // ASCII: lower case in place
		b := id[i]
		switch {
		case b == 0 || b >= 0x80:
			short = false
		case 'A' <= b && b <= 'Z':
			b += 'a' - 'A'
		}
		k[i] = b
	}
	if !short {
		low := strings.ToLower(id)
		if len(low) > shortIDLen || strings.IndexByte(low, 0) >= 0 {
			if f, ok := x.long[low]; ok {
				return f, true
			}
			if x.long == nil {
				x.long = make(map[string]rowRef)
			}
			if low == id {
				low = strings.Clone(id) // not a slice of the reader's line
			}
			x.long[low] = at
			return 0, false
		}
		k = shortID{}
		copy(k[:], low)
	}
	if f, ok := x.short[k]; ok {
		return f, true
	}
	if x.short == nil {
		x.short = make(map[shortID]rowRef)
	}
	x.short[k] = at
	return 0, false
}

// NewChecker returns a Checker that checks rows as `encimport validate`
// does (the tests' OfflinePlan is its whole-file reference):
// opts.DefaultAction applies to rows with an empty action cell ("" means
// upsert) and opts' company defaults decide whether create rows may leave
// orgId, personas or workingFolder empty.
func NewChecker(opts plan.Options) *Checker {
	return newChecker(opts, true)
}

func newChecker(opts plan.Options, defaultsKnown bool) *Checker {
	return &Checker{opts: normalizeOptions(opts), defaultsKnown: defaultsKnown}
}

// Row returns the row `validate` plans for rec: invalid with the reader's
// problems and every offline problem, or planned. rec is not modified.
func (c *Checker) Row(rec *importer.Record) plan.Row {
	act := rowAction(rec, c.opts.DefaultAction)
	who := person(rec, nil, nil)
	row := plan.Row{Sheet: rec.Sheet, Row: rec.Row, ID: rec.Get(importer.ColID), Action: act, Person: &who}
	row.Problems = append(row.Problems, rec.Problems...)
	for _, pr := range c.problems(rec, act) {
		row.Problems = appendProblem(row.Problems, pr)
	}
	if row.Problems.HasErrors() {
		row.Status = plan.StatusInvalid
	} else {
		row.Status = plan.StatusPlanned
		row.Outcome = plan.ActionOutcome(act)
	}
	return row
}

// problems records rec's id and returns its offline problems.
func (c *Checker) problems(rec *importer.Record, act encompass.Action) []importer.Problem {
	var dup *location
	if id := rec.Get(importer.ColID); id != "" {
		if f, ok := c.ids.firstOrAdd(id, makeRowRef(rec.Row, c.sheetIndex(rec.Sheet))); ok {
			dup = &location{sheet: c.sheets[f.sheet()], row: f.row()}
		}
	}
	fillUser(&c.u, rec, &c.ccSite)
	return checkRow(rec, act, dup, &c.u, c.opts, c.defaultsKnown)
}

func (c *Checker) sheetIndex(s string) int {
	// Files hold one sheet, or a few: the last one is nearly always it.
	for i := len(c.sheets) - 1; i >= 0; i-- {
		if c.sheets[i] == s {
			return i
		}
	}
	c.sheets = append(c.sheets, s)
	return len(c.sheets) - 1
}

package planner

import (
	"context"
	"io"

	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

// CheckFile reads the file at path row by row and checks each row as
// NewChecker(opts) does, calling fn with each plan row in input order; it
// holds a few hundred records at a time, so its memory is bounded by the
// ids of the file. It returns the reader's file-level warnings, or the
// first error: a *importer.FileError, fn's error or ctx's.
// This is what `encimport validate` runs.
//
// One goroutine reads and normalises rows while the calling goroutine
// checks them and calls fn, so a file is validated on two cores.
//
// A Row passed to fn may share memory with the reader's line (its ID, for
// one); use report.PlanRow, or copy, to keep anything past fn.
func CheckFile(ctx context.Context, path string, ropts importer.Options, opts plan.Options, fn func(plan.Row) error) ([]importer.Problem, error) {
	ropts.NoDigest = true // no plan names this file
	r, err := importer.Open(path, ropts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	c := NewChecker(opts)
	if n := r.RowsHint(); n > 0 {
		c.ids.short = make(map[shortID]rowRef, n) // no rehashing as it fills
	}

	// The reader fills batches of records and sends them in order; the
	// batches come back through free to be filled again.
	const batchLen, batches = 256, 4
	type batch struct {
		recs []importer.Record
		err  error // after recs: io.EOF or the reader's error
	}
	full := make(chan *batch, batches)
	free := make(chan *batch, batches)
	for range batches {
		free <- &batch{recs: make([]importer.Record, 0, batchLen)}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(full)
		for {
			var b *batch
			select {
			case <-stop:
				return
			default:
			}
			select {
			case b = <-free:
			case <-stop:
				return
			}
			b.recs = b.recs[:cap(b.recs)]
			n := 0
			var err error
			for n < len(b.recs) {
				if err = r.NextInto(&b.recs[n]); err != nil {
					break
				}
				n++
			}
			b.recs, b.err = b.recs[:n], err
			full <- b // full has room for every batch: never blocks
			if err != nil {
				return
			}
		}
	}()
	finish := func(err error) ([]importer.Problem, error) {
		close(stop)
		<-done // the reader goroutine no longer touches r
		if err == nil {
			err = r.Close()
		}
		return r.Warnings(), err
	}
	for b := range full {
		if err := ctx.Err(); err != nil {
			return finish(err)
		}
		for i := range b.recs {
			if err := fn(c.Row(&b.recs[i])); err != nil {
				return finish(err)
			}
		}
		if b.err == io.EOF {
			return finish(nil)
		}
		if b.err != nil {
			return finish(b.err)
		}
		b.err = nil
		free <- b
	}
	return finish(nil) // not reached: the last batch carries io.EOF or an error
}

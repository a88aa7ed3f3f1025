package executor

import (
	"slices"
	"testing"
)

// A move batch repeats the call for the rows reading back did not settle,
// in the call's order, and remembers which it found moved.
func TestMoveBatchSettle(t *testing.T) {
	var b moveBatch
	for i, id := range []string{"a", "b", "c", "d"} {
		b.add(i+10, id)
	}
	b.settle(11, true)  // found in the target organization
	b.settle(13, false) // gone
	rows, ids := b.pending()
	if !slices.Equal(rows, []int{10, 12}) || !slices.Equal(ids, []string{"a", "c"}) {
		t.Errorf("pending %v %v, want [10 12] [a c]", rows, ids)
	}
	for i, want := range map[int]bool{10: false, 11: true, 12: false, 13: false} {
		if b.wasMoved(i) != want {
			t.Errorf("wasMoved(%d) = %v, want %v", i, !want, want)
		}
	}
	if !slices.Equal(b.order, []int{10, 11, 12, 13}) {
		t.Errorf("order %v", b.order)
	}
}

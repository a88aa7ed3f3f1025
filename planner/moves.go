package planner

import "github.com/encimport/encimport/plan"

// batchMoves groups the rows' moves by (source, target) organization, in
// order of first appearance, and cuts each group into calls of at most size
// users: the fewest calls the API allows. It sets each row's Move.Call.
func batchMoves(rows []plan.Row, size int) []plan.Move {
	if size <= 0 {
		size = DefaultMoveBatchSize
	}
	type pair struct{ src, dst string }
	var order []pair
	groups := map[pair][]int{}
	for i := range rows {
		m := rows[i].Move
		if m == nil {
			continue
		}
		k := pair{m.SourceOrgID, m.TargetOrgID}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	var calls []plan.Move
	for _, k := range order {
		idx := groups[k]
		for start := 0; start < len(idx); start += size {
			end := min(start+size, len(idx))
			call := plan.Move{SourceOrgID: k.src, TargetOrgID: k.dst}
			for _, i := range idx[start:end] {
				rows[i].Move.Call = len(calls)
				call.UserIDs = append(call.UserIDs, rows[i].ID)
				call.Rows = append(call.Rows, i)
			}
			calls = append(calls, call)
		}
	}
	return calls
}

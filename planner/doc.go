// Package planner decides what an import will do before anything is done.
//
// The flow is:
//
//	CheckOffline(recs, action)   every rule a row can break without the server
//	CheckFile(ctx, path, ...)    the same, streamed row by row (a Checker): `validate`
//	Fetch(ctx, client)           read-only server state: caller, users, org tree, personas
//	Build(recs, world, in, opt)  pure: rows → Plan (create / patch / move / unchanged / invalid)
//	WritePlan, ReportRows, Save  show it, report it, keep it for `apply --plan`
//
// Like terraform's plans, a Plan is plain data and every problem of every row
// is collected; nothing stops at the first one. A Plan never holds a password:
// Row.Password is taken from the record by Build and is never serialised;
// `apply --plan` re-reads the input file (same digest), plans again and holds
// the result against the reviewed plan (Recheck).
//
// Files: offline.go (row rules), checker.go (Checker, CheckFile), fields.go (columns ↔ wire fields),
// world.go (Fetch, org/persona resolution), build.go (the diff),
// moves.go (bulk-move batching), summary.go and write.go (printing),
// store.go (Save/Load/Digest), recheck.go (Recheck), reportrows.go.
package planner

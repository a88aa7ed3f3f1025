// Package planner decides what an import will do before anything is done:
// it makes the plan (package plan, plain data) from the rows and the server.
//
// The flow is:
//
//	NewChecker(opts).Row(rec)    every rule a row can break without the server
//	CheckFile(ctx, path, ...)    the same, streamed row by row (a Checker): `validate`
//	Fetch(ctx, client)           read-only server state: caller, users, org tree, personas
//	Build(recs, world, in, opt)  pure: rows → plan.Plan (create / patch / move / unchanged / invalid)
//	Recheck(reviewed, fresh)     `apply --plan`: the reviewed plan held against a fresh one
//	Revert(run, world, in, opt)  pure: a run record → the plan of the way back (`revert`)
//	Exporter.Row(user)           a user → the template row Build reads back unchanged (`export`)
//
// Printing, saving and reporting a plan are package plan's (WritePlan,
// Save, Load) and package report's (PlanRow). A plan never holds a
// password: Row.Password is taken from the record by Build and is never
// serialised; `apply --plan` re-reads the input file (same digest), plans
// again and holds the result against the reviewed plan (Recheck).
//
// Files:
//   - build.go: Build and the decision of one row (builder.row).
//   - resolve.go: a row's references resolved (organizations, personas,
//     groups; lists a summary read lacks); index.go: the indexes they use
//     (organization tree, personas, loan folders, groups).
//   - diff.go: the steps' bodies: the create body, the patch (diff with the
//     server's user, licenses, personas) and the rules a patch would break.
//   - offline.go: the offline row rules (checkRow); fields.go:
//     spreadsheet columns ↔ the wire fields of package encompass.
//   - checker.go: Checker, the offline checks one row at a time.
//   - protect.go: the accounts a row must not lock out (the caller's own,
//     the last enabled super administrator).
//   - moves.go: bulk-move batching; recheck.go: Recheck; access.go: CallerAccess.
//   - reference_test.go: OfflinePlan, CheckOffline and Checker.Check, the
//     references the tests hold Checker.Row and CheckFile to.
//   - sync.go: --sync (Options.Sync): the disable rows of the users of the
//     scope the file does not name, who is left alone and why, the
//     refusals (deletion threshold, empty or truncated file), the warnings
//     on rows of disabled users, and Recheck of the rows sync added.
//   - export.go: Exporter, the inverse of the row reading (round trip);
//     revert.go: Revert, with the "changed since the run" refusal.
//   - I/O, kept apart from the pure planning: fetch.go (World, Fetch,
//     OrgTree) reads the server; checkfile.go (CheckFile) reads a file on
//     a goroutine of its own while the caller's checks the rows.
package planner

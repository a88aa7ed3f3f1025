// Package planner decides what an import will do before anything is done:
// it makes the plan (package plan, plain data) from the rows and the server.
//
// The flow is:
//
//	CheckOffline(recs, action)   every rule a row can break without the server
//	CheckFile(ctx, path, ...)    the same, streamed row by row (a Checker): `validate`
//	Fetch(ctx, client)           read-only server state: caller, users, org tree, personas
//	Build(recs, world, in, opt)  pure: rows → plan.Plan (create / patch / move / unchanged / invalid)
//	Recheck(reviewed, fresh)     `apply --plan`: the reviewed plan held against a fresh one
//
// Printing, saving and reporting a plan are package plan's (WritePlan,
// Save, Load) and package report's (PlanRow). A plan never holds a
// password: Row.Password is taken from the record by Build and is never
// serialised; `apply --plan` re-reads the input file (same digest), plans
// again and holds the result against the reviewed plan (Recheck).
//
// Files: offline.go (row rules), checker.go (Checker, CheckFile), fields.go (columns ↔ wire fields),
// world.go (Fetch, org/persona resolution), build.go (the diff), access.go (CallerAccess),
// moves.go (bulk-move batching), recheck.go (Recheck).
package planner

// Package plan is the plan as data: what an import will do, decided by
// package planner before anything is done, printed by `plan`, kept by
// `plan -o` and executed by package executor. It does no I/O beyond the
// io.Writer and io.Reader it is given, and imports neither the planner nor
// the HTTP client.
//
// Like terraform's plans, a Plan is plain data and every problem of every
// row is kept ([Problems], after terraform's tfdiags). A Plan never holds a
// password: Row.Password is filled by the planner and never serialised.
//
// Map of the package:
//
//   - plan.go: [Plan], [Input], [Options], [ReadStats], [Row] and its steps
//     ([Create], its body kept packed and built by [Create.User]; [Patch]
//     with its [Change]s; [MoveRef] into a [Move] call).
//   - status.go: the typed [Status] of plan and report rows, [Statuses] in
//     summary order, [ActionOutcome]. The row actions are
//     encompass.Action: the spreadsheet reader checks them too.
//   - problems.go: [Problems] with HasErrors, Warnings, Messages.
//   - message.go: a row's report message ([Plan.Message], [Plan.Describe]);
//     report.PlanRow makes the report row from it.
//   - summary.go: [Plan.Summary] and [Plan.Counts].
//   - render.go: [WritePlan], the plan printed for people (names, emails,
//     organization paths, before → after); [WritePlanWith] Verbose adds the
//     digest, organization ids, move calls and read calls.
//   - sync.go: --sync as data: [SyncOptions], [Sync] (scope, counts,
//     [LeftAlone], the refusal: [Plan.Refusal], [ErrSyncRefused]), the rows
//     sync adds ([SheetNotInFile], [NotInFile], [FileRows]) and
//     [ParseMaxDisable].
//   - store.go: [Save] and [Load], the JSON form of `plan -o` (version
//     [Version]), a row per line, written and read a row at a time; files
//     written before (indented throughout) load as is.
package plan

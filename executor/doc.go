// Package executor runs a plan (plan.Plan) against the Encompass API and
// yields one report row per plan row.
//
// Map of the package:
//
//   - executor.go: [Run], [Options], [Result], the [API] it needs, the worker
//     pool (restic's errgroup pattern: the sender inside the group) and the
//     journal records a step writes.
//   - ledger.go: the ledger, which owns every row's state, the counters and
//     the fatal error under one lock, and writes each report row once.
//   - retry.go: the retry loop of one write as a state machine (retry:
//     writing, pausing, checking, checkPausing, finished) ending in a typed
//     outcome (outcome.go), and runStep, which makes the calls it asks for.
//   - steps.go: phase 1, a row's create or patch; move.go: phase 2, the bulk
//     moves, each call's rows a moveBatch (pending until settled).
//   - journal.go: [Journal], the append-only record that makes a run
//     resumable; lock.go with lock_unix.go (flock) and lock_other.go:
//     the lock files ([Holder]: pid, host, start), so two runs never overlap
//     (the job takes one per instance and one per state folder).
//
// # Phases
//
// Phase 1 creates and patches users in parallel (Options.Concurrency
// workers). Phase 2 makes the plan's bulk moves in parallel, each with only
// the users whose patch succeeded; a call left with no user is skipped. Rows the plan marks invalid or unchanged pass
// through to the report with that status.
//
// # Pacing
//
// The client paces (apiclient.WithConcurrency, WithRate): each call takes a
// slot inside apiclient.Client.Do, so no wait of the executor (a backoff, a
// read back's pause) holds one. A write is made on the in-flight context
// marked with apiclient.WithStartCancel(ctx): after an interrupt a write
// still waiting for its slot is not sent (apiclient.ErrNotSent) and its row
// is skipped.
//
// # Errors and retries
//
// A row's failure goes into its report row (http_status, error_code,
// message "summary: details" as apiclient.Message renders it,
// correlation_id), not into Run's error. Only fatal failures stop the run:
// credentials refused (apiclient.ErrAuth), a 401 after the client's
// re-authentication, a journal that cannot be written. 429
// (apiclient.ErrTooManyRequests, with a budget of its own), 5xx and
// connection failures are retried with exponential backoff and full jitter,
// honouring Retry-After; apiclient.ShouldRetry alone decides what is
// retried.
//
// # Never twice
//
// A write that got no answer (connection dropped), a 5xx, or a 409 on a
// repeated create may have taken effect. Before doing anything else the
// executor reads the user back (GetUser): a created user that matches every
// field the create sets (differs: id, organization, the row's values,
// personas, groups, licenses, ccSite) makes the row created; one that
// differs fails the row ("exists with different data", each difference as
// "field: server X vs row Y"); an absent one is created again. A move is
// settled per user (in the target organization: moved) and repeated for the
// others only. A patch is idempotent; reading back makes sure the user
// still exists before it is sent again.
//
// A 409 is never a failure by itself: a 409 to a create that no write of
// this row can have caused (another run or someone else created the user
// since the plan) is read back too: a matching user makes the row unchanged
// (so said in its message, and journalled so), a differing one fails it
// with the 409's status and code and the differences named. attempts in the
// report counts every call made for the row, reads back included.
//
// # Interrupts
//
// When ctx is canceled Run stops dispatching, logs what it still waits for
// ("waiting up to 30s for 3 calls in flight ..."), lets calls in flight
// finish on a separate context (bounded by Options.Grace, or ended at once
// by the [WithStopNow] context: a second Ctrl-C), marks the rows not done
// skipped ("run interrupted; rerun to finish") and sets Result.Interrupted.
// A row whose call was sent and never answered is not skipped but unknown
// (plan.StatusUnknown): it may have taken effect; its step stays started
// and not done in the journal, so a rerun reads it back before anything
// else. So is a row whose unanswered write could not be read back before
// the interrupt.
//
// # Journal
//
// With a [Journal] every write is preceded by a synced "start" record and
// followed by a "done" record. A rerun over the same input reports the steps
// done from the journal without calling the API and reads back the steps
// started but not done before anything else. Steps recorded as failed are
// tried again. Records never hold a password. A torn last record (a crash
// during its write, before the call it announced) is cut off; damage
// anywhere else makes [OpenJournal] fail, naming the file and the line.
package executor

// Package apiclient speaks the ICE Encompass V3 internal-users API (and the
// few V1 endpoints the importer needs) over HTTP.
//
// Map of the package:
//
//   - types.go: the transport's wire names (paths, headers, page sizes) and
//     bodies (tokens, errors). The user model, its field names and its
//     tolerant decoding are package encompass's; the methods take and
//     return its types.
//   - decode.go: the tolerant decoding of the transport's own bodies (nested
//     errors under "errors" or "error"; introspection numbers as strings).
//   - client.go: [Client], [New] and its [Option]s, [Client.NewRequest] and
//     [Client.Do], the one place an API request is sent.
//   - pacer.go: the one place calls are paced: [WithConcurrency] (the
//     adaptive bound on calls in flight, following the server's
//     X-Concurrency-Limit-* headers), [WithRate], [WithStartCancel].
//   - token.go: OAuth2 tokens through golang.org/x/oauth2 (password grant for
//     a user login, client_credentials for an API user, both with scope=lp),
//     cached, shared by all goroutines and refreshed by one goroutine at a
//     time; [Client.Introspect] and [Client.RevokeToken].
//   - trace.go: [WithTrace], every HTTP exchange as a JSON line with the
//     secrets removed.
//   - response.go: [Response], the limit and tracing headers of a reply.
//   - errors.go: [Error] (a non-2xx reply) and its two renderings, [Error.Error]
//     for logs and [Message] for a report row; [CheckResponse]; [ErrAuth],
//     [ErrTooManyRequests], [ErrNotSent].
//   - proxy.go: [ProxyError] and [ErrProxy]: a proxy of the environment
//     that refuses a call (its answer to CONNECT) or cannot be reached is
//     named as such, never mistaken for Encompass's 401 or 403.
//   - retry.go: [ShouldRetry] (the one place that decides retries) and
//     [Backoff].
//   - users.go: one thin method per endpoint: users (read whole with
//     entities=all, listed page by page), the flat organization list,
//     personas, loan folders; paging.go: how ListUsers pages (the first
//     page alone, the rest in ranges asked together when a total allows).
//
// # Pacing
//
// Every attempt [Client.Do] makes (a 401's repeat and each retry of a read
// included; token requests not) waits for the rate, then takes a slot just
// before it is sent and gives it back once its answer is read; the adaptive
// bound observes every answer while its call still holds the slot. A wait
// between attempts never holds a slot. A caller paces nothing itself: it
// gives the client [WithConcurrency] once, and reads [Client.ConcurrencyLimit]
// and [Client.InFlight] when it wants to know.
//
// # Retries
//
// [Client.Do] never repeats a call, with one exception: when the API answers
// 401 it drops the cached token, obtains a fresh one and sends the request
// once more (replaying the body through http.Request.GetBody). A second 401
// is returned as an [*Error].
//
// The read helpers ([Client.GetUser], [Client.ListUsers],
// [Client.Organizations], [Client.Personas], [Client.LoanFolders]) retry transient failures as
// decided by [ShouldRetry], up to the attempts set by [WithRetry], waiting
// Retry-After when the server sends it and [Backoff] otherwise.
//
// The writes ([Client.CreateUser], [Client.PatchUser], [Client.MoveUsers])
// are NOT retried inside the client (apart from the single 401 re-auth): a
// write that failed with a 5xx or a dropped connection may have been applied,
// so the caller (the executor) owns write retries and must reconcile with a
// GET before repeating one.
//
// # Secrets
//
// No error, log line, trace line or String() output of this package contains
// the access token, the password or the client secret. One redaction
// (redact.go) knows every secret of the run (the password, the client
// secret, the Basic pair as sent, every token) and removes each in its raw,
// URL-encoded, JSON-escaped and base64 forms from API errors (where they are
// built), token and introspection errors and the trace. Token endpoint
// failures are also re-worded (x/oauth2's RetrieveError carries the raw
// response body); the trace also removes secret JSON members and form fields.
package apiclient

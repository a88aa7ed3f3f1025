// Package sandbox is a local fake of ICE Encompass's V3 internal-users API,
// used by tests, benchmarks, the demo and users' rehearsal runs.
//
// Map of the package:
//   - world.go: World (the JSON of the --state file) and DefaultWorld.
//   - server.go: Options, New, Start, the routes, inspection and control.
//   - gateway.go: ServeHTTP (the gateway: concurrency slots, latency,
//     injected faults, dropped connections).
//   - auth.go: the OAuth2 token, introspection and revocation endpoints and
//     bearer tokens.
//   - errors.go: the API errors the handlers return (one 400 for broken
//     rules) and writeJSON.
//   - dialect.go: the wire dialects (vendor, the default, and legacy): how
//     answers are shaped, and the tolerant reading of request bodies.
//   - users.go: create, update, move, get and list users, enforcing the
//     documented rules of package encompass.
//   - records.go: the stored users: the fields a body may carry (the field
//     table of package encompass and the read-only fields), access rights
//     (encompass.CanManageUsers) and reach, reference resolution,
//     normalisation (computed fields and userIndicators) and copies.
//   - orgs.go: organizations, personas and loan folders (LoanFolder and its
//     V1 and V3 shapes).
//   - state.go: the --state file: a snapshot of the world written
//     atomically and FILE.log of the changes since, replayed on load
//     (StoredWorld) and folded into the snapshot (Flush).
//
// README.md beside this file lists the default world, the error codes and a
// curl session.
package sandbox

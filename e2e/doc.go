// Package e2e holds encimport's end-to-end reliability tests: fault soak,
// crash and resume, token expiry, hostile input, secrets in output and the
// fuzz corpora's replay. It has no code of its own; see README.md for the
// guarantees the tests prove and the test that proves each.
package e2e

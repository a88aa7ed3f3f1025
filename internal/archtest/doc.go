// Package archtest holds no code: its test checks the layering of the
// module's packages (layers_test.go). Each package may import only packages
// of a lower layer, never one of its own layer or above:
//
//	0 domain and helpers   encompass, internal/atomicfile, internal/golden,
//	                       internal/regfile
//	1 input and transport  importer, apiclient
//	2 plan data            plan, templates
//	3 reports, run records report, runrec
//	4 the work             planner, executor, internal/sandbox
//	5 one run wired        internal/job
//	6 front ends           internal/cli, internal/bench
//	7 programs and suites  cmd/..., e2e, internal/gensamples, internal/archtest
//
// and importer and plan link neither net/http nor golang.org/x/oauth2.
package archtest

package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/executor"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/internal/job"
	"github.com/encimport/encimport/plan"
)

// Exit codes (docs/product.md, README "Exit codes").
const (
	ExitOK          = 0   // every row done, or nothing to do
	ExitFatal       = 1   // bad config, auth refused, unreadable file, no rights, an output not writable, a reviewed plan for another instance, caller or file, a refused --sync plan
	ExitUsage       = 2   // bad command line, an output that is an input, an unknown report format
	ExitRowProblems = 3   // finished, but some rows invalid or failed; or the input has no data rows
	ExitLocked      = 4   // another run holds the lock
	ExitInterrupted = 130 // interrupted; the report is still written
)

// errRowProblems says the run finished but some rows are invalid or failed.
var errRowProblems = errors.New("some rows are invalid or failed; see the report")

// usageError is a bad command line. A silent one has been explained
// already (encimport alone prints the help).
type usageError struct {
	msg    string
	silent bool
}

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

// exitCode is the one place that maps an error to the process's exit code.
func exitCode(err error) int {
	var ue *usageError
	var oe *job.OutputError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue):
		return ExitUsage
	case errors.As(err, &oe):
		if oe.Usage {
			return ExitUsage
		}
		return ExitFatal
	case errors.Is(err, plan.ErrSyncRefused):
		return ExitFatal // nothing was done: an empty feed too, with --sync
	case errors.Is(err, importer.ErrNoDataRows):
		return ExitRowProblems
	case errors.Is(err, job.ErrInterrupted), errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.Is(err, executor.ErrLocked):
		return ExitLocked
	case errors.Is(err, errRowProblems):
		return ExitRowProblems
	case errors.Is(err, errDeclined):
		return ExitFatal // nothing was written
	case errors.Is(err, apiclient.ErrAuth):
		return ExitFatal
	default:
		return ExitFatal
	}
}

// advice is what to do about err, for the errors whose messages come from
// below and do not say ("": the message says it).
func advice(err error) string {
	var ue *usageError
	var oe *net.OpError
	var de *net.DNSError
	switch {
	case errors.As(err, &ue):
		return "" // each says how to fix the command line
	case errors.Is(err, apiclient.ErrAuth):
		return "check the settings in use ('encimport check' tests them)"
	case errors.Is(err, executor.ErrLocked):
		return "wait for it to finish, or give --wait 30m to wait for it"
	case errors.Is(err, os.ErrNotExist):
		return "check the path"
	case errors.Is(err, os.ErrPermission):
		return "check the file's permissions, or use another path"
	case errors.As(err, &oe), errors.As(err, &de):
		return "check the API URL (--api-url, ENCOMPASS_API_URL) and the network; 'encimport check' tests the connection"
	}
	return ""
}

// packagePrefixes are the words a message below may still start a part
// with ("apiclient: ..."): the CLI never shows them.
var packagePrefixes = []string{"apiclient: ", "planner: ", "executor: ", "importer: ", "encompass: "}

// withoutPrefixes removes the package names from a message.
func withoutPrefixes(msg string) string {
	for _, p := range packagePrefixes {
		msg = strings.ReplaceAll(msg, p, "")
	}
	return msg
}

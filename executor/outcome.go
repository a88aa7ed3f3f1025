package executor

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/encimport/encimport/apiclient"
)

// outcome is how a step (create, patch or one move call) ended.
type outcome int

const (
	outcomeNone        outcome = iota // not run (the row has no such step, or not yet)
	outcomeOK                         // the write took effect
	outcomeFailed                     // the row failed: the reason goes into its report row
	outcomeInterrupted                // stopped by an interrupt before a write was sent: the row is reported skipped
	outcomeFatal                      // the run must stop (result.fatal)
	// outcomeUnknown: stopped by an interrupt after a write was sent (or
	// while an earlier run's was unsettled) and before it was known whether
	// it took effect. The row is reported unknown; the journal keeps the
	// step's start without an end, so a rerun reads back first.
	outcomeUnknown
)

func (o outcome) String() string {
	switch o {
	case outcomeNone:
		return "none"
	case outcomeOK:
		return "ok"
	case outcomeFailed:
		return "failed"
	case outcomeInterrupted:
		return "interrupted"
	case outcomeFatal:
		return "fatal"
	case outcomeUnknown:
		return "unknown"
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// settled reports an outcome the journal records as done (ok or failed).
func (o outcome) settled() bool { return o == outcomeOK || o == outcomeFailed }

// result is the outcome of one step with what the report row needs.
type result struct {
	outcome       outcome
	httpStatus    int
	correlationID string
	errorCode     string
	msg           string
	fatal         error // with outcomeFatal
	reconciled    bool  // settled by reading back
	existed       bool  // a create answered 409 found the user as the row asks: someone else created it
	fromJournal   bool  // an earlier run did it
	attempts      int   // from the journal only
}

// note records the last call's status and correlation id.
func (r *result) note(resp *apiclient.Response, err error) {
	status, corr := 0, ""
	if resp != nil && resp.Response != nil {
		status, corr = resp.StatusCode, resp.CorrelationID
	}
	var ae *apiclient.Error
	if errors.As(err, &ae) {
		if status == 0 {
			status = ae.StatusCode
		}
		if corr == "" {
			corr = ae.CorrelationID
		}
	}
	if status != 0 || err != nil {
		r.httpStatus = status
		r.correlationID = corr
	}
	if err == nil {
		r.errorCode = ""
	}
}

// fail makes r a failure described by err (its status and correlation id
// become the row's, even when a read back came after it).
func (r *result) fail(err error) {
	r.outcome = outcomeFailed
	r.msg = apiclient.Message(err)
	var ae *apiclient.Error
	if errors.As(err, &ae) {
		r.errorCode = ae.ErrorCode
		r.httpStatus, r.correlationID = ae.StatusCode, ae.CorrelationID
	}
}

// isFatal reports errors that end the run: credentials refused, or a 401
// that persists after the client's re-authentication.
func isFatal(err error) bool {
	return errors.Is(err, apiclient.ErrAuth) || apiclient.IsStatus(err, http.StatusUnauthorized)
}

// statusOf is the HTTP status of a call's answer, 0 when there was none.
func statusOf(resp *apiclient.Response, err error) int {
	if resp != nil && resp.Response != nil {
		return resp.StatusCode
	}
	var ae *apiclient.Error
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	return 0
}

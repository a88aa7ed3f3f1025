package executor

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/encimport/encimport/apiclient"
)

func apiErr(status int) error {
	return &apiclient.Error{StatusCode: status, Summary: http.StatusText(status), ErrorCode: fmt.Sprint("E", status), CorrelationID: "corr"}
}

// wroteEv and checkedEv are the retry machine's events, for tables.
func wroteEv(err error, again bool, wait time.Duration) func(*retry) {
	return func(m *retry) { m.wrote(answer{err: err, retry: again, wait: wait}, false) }
}

func checkedEv(v verdict, err error, again, stopped bool) func(*retry) {
	return func(m *retry) { m.checked(v, "why: "+fmt.Sprint(v), answer{err: err, retry: again}, stopped) }
}

func sleptEv(err error) func(*retry) { return func(m *retry) { m.slept(err) } }

// TestRetryTransitions walks every transition of the retry machine once.
func TestRetryTransitions(t *testing.T) {
	const maxAttempts = 3
	dropped := errors.New("connection reset by peer")
	interrupted := errors.New("context canceled")
	pause := func(m *retry, resume retryState) { m.state, m.resume, m.wait = pausing, resume, time.Second }
	type want struct {
		state   retryState
		then    ifNotApplied  // checking: where "not applied" leads
		resume  retryState    // pausing: the state after the wait
		wait    time.Duration // pausing, checkPausing
		outcome outcome
		msg     string // in res.msg
		// conflict: checking after a 409 no write of the step can have
		// caused; existed: settled as someone else's matching user.
		conflict, existed bool
		http              int // res.httpStatus, when not 0
	}
	tests := []struct {
		name      string
		kind      string // StepPatch when empty
		uncertain bool
		setup     func(*retry)
		event     func(*retry) // nil: the state newRetry starts in
		want      want
	}{
		// Start.
		{name: "start: write", want: want{state: writing}},
		{name: "start: started by an earlier run, read back first", uncertain: true, want: want{state: checking, then: thenWrite}},

		// Before a write.
		{name: "interrupted before a write", event: (*retry).interrupt, want: want{state: finished, outcome: outcomeInterrupted}},
		{name: "journal not written", event: func(m *retry) { m.abort(dropped) }, want: want{state: finished, outcome: outcomeFatal}},

		// A write answered.
		{name: "write ok", event: wroteEv(nil, false, 0), want: want{state: finished, outcome: outcomeOK}},
		{name: "401 is fatal", event: wroteEv(apiErr(401), false, 0), want: want{state: finished, outcome: outcomeFatal}},
		{name: "credentials refused are fatal", event: wroteEv(apiclient.ErrAuth, false, 0), want: want{state: finished, outcome: outcomeFatal}},
		{name: "400 fails the row", event: wroteEv(apiErr(400), false, 0), want: want{state: finished, outcome: outcomeFailed, msg: "Bad Request"}},
		{name: "cut off by the grace bound", event: func(m *retry) { m.wrote(answer{err: dropped}, true) },
			want: want{state: finished, outcome: outcomeUnknown, msg: "may or may not have taken effect"}},
		{name: "503: back off, then read back", event: wroteEv(apiErr(503), true, 0),
			want: want{state: pausing, resume: checking, wait: time.Second}},
		{name: "dropped: back off, then read back", event: wroteEv(dropped, true, 0),
			want: want{state: pausing, resume: checking, wait: time.Second}},
		{name: "backoff grows with the writes", setup: func(m *retry) { m.writes = 1 }, event: wroteEv(dropped, true, 0),
			want: want{state: pausing, resume: checking, wait: 2 * time.Second}},
		{name: "429: Retry-After honoured, write again", event: wroteEv(apiErr(429), true, 5*time.Second),
			want: want{state: pausing, resume: writing, wait: 5 * time.Second}},
		{name: "429s do not use up attempts", setup: func(m *retry) { m.writes, m.tooMany = 5, 4 }, event: wroteEv(apiErr(429), true, 0),
			want: want{state: pausing, resume: writing, wait: 6 * time.Second}},
		{name: "429 budget used up", setup: func(m *retry) { m.writes, m.tooMany = 20, apiclient.TooManyBudget*maxAttempts-1 },
			event: wroteEv(apiErr(429), true, 0), want: want{state: finished, outcome: outcomeFailed, msg: "Too Many Requests"}},
		{name: "503 with attempts used up: read back, then fail", setup: func(m *retry) { m.writes = maxAttempts - 1 },
			event: wroteEv(apiErr(503), true, 0), want: want{state: checking, then: thenFail}},
		{name: "dropped, not retried: read back, then fail", event: wroteEv(dropped, false, 0), want: want{state: checking, then: thenFail}},
		// A 409 is never a failure by itself: the user is read back.
		{name: "create 409 on the first write: read back, someone else's", kind: StepCreate, event: wroteEv(apiErr(409), false, 0),
			want: want{state: checking, then: thenWrite, conflict: true}},
		{name: "create 409 after a 429: read back, someone else's", kind: StepCreate,
			setup: func(m *retry) { m.writes, m.tooMany = 1, 1 }, event: wroteEv(apiErr(409), false, 0), want: want{state: checking, then: thenWrite, conflict: true}},
		{name: "create 409 after an earlier run's start: read back, maybe ours", kind: StepCreate, uncertain: true,
			setup: func(m *retry) { m.state = writing }, event: wroteEv(apiErr(409), false, 0), want: want{state: checking, then: thenWrite}},
		{name: "create 409 after an unanswered write: read back, maybe ours", kind: StepCreate,
			setup: func(m *retry) { m.writes, m.lastUncertain, m.everUncertain = 1, true, true }, event: wroteEv(apiErr(409), false, 0),
			want: want{state: checking, then: thenWrite}},
		{name: "create 409 after a write read back as not applied: read back, maybe ours", kind: StepCreate,
			setup: func(m *retry) { m.writes, m.everUncertain = 1, true }, event: wroteEv(apiErr(409), false, 0),
			want: want{state: checking, then: thenWrite}},
		{name: "create 409 on the last attempt: read back, then fail", kind: StepCreate,
			setup: func(m *retry) { m.writes = maxAttempts - 1 }, event: wroteEv(apiErr(409), false, 0), want: want{state: checking, then: thenFail, conflict: true}},
		{name: "patch 409 is an answer like another", event: wroteEv(apiErr(409), false, 0),
			want: want{state: finished, outcome: outcomeFailed, msg: "Conflict"}},

		// A wait ended.
		{name: "waited: write again", setup: func(m *retry) { pause(m, writing) }, event: sleptEv(nil), want: want{state: writing}},
		{name: "interrupted waiting to write again", setup: func(m *retry) { pause(m, writing) }, event: sleptEv(interrupted),
			want: want{state: finished, outcome: outcomeInterrupted}},
		{name: "waited: read back, then write", setup: func(m *retry) { pause(m, checking) }, event: sleptEv(nil),
			want: want{state: checking, then: thenWrite}},
		{name: "interrupted waiting to read back: read back, then stop", setup: func(m *retry) { pause(m, checking) },
			event: sleptEv(interrupted), want: want{state: checking, then: thenStop}},
		{name: "waited to read again", setup: func(m *retry) { m.check(thenFail); m.state = checkPausing }, event: sleptEv(nil),
			want: want{state: checking, then: thenFail}},
		{name: "interrupted waiting to read again", setup: func(m *retry) { m.state, m.checkErr = checkPausing, apiErr(503) },
			event: sleptEv(interrupted), want: want{state: finished, outcome: outcomeUnknown, msg: "may or may not have taken effect"}},

		// A read back answered.
		{name: "applied", uncertain: true, event: checkedEv(applied, nil, false, false), want: want{state: finished, outcome: outcomeOK}},
		{name: "mismatch", uncertain: true, event: checkedEv(mismatch, nil, false, false),
			want: want{state: finished, outcome: outcomeFailed, msg: "why: 2"}},
		{name: "after a 409, the row's user: someone else created it", kind: StepCreate,
			setup: func(m *retry) { m.wrote(answer{err: apiErr(409)}, false) }, event: checkedEv(applied, nil, false, false),
			want: want{state: finished, outcome: outcomeOK, existed: true, conflict: true}},
		{name: "after a 409, another user: failed with the 409 and the differences", kind: StepCreate,
			setup: func(m *retry) { m.wrote(answer{err: apiErr(409)}, false) }, event: checkedEv(mismatch, nil, false, false),
			want: want{state: finished, outcome: outcomeFailed, msg: "the create was answered 409 (the user already exists; someone else created it): why: 2", conflict: true, http: 409}},
		{name: "after a 409, no user: write again", kind: StepCreate,
			setup: func(m *retry) { m.wrote(answer{err: apiErr(409)}, false) }, event: checkedEv(notApplied, nil, false, false),
			want: want{state: writing}},
		{name: "after a 409 on the last attempt, no user: fail with the 409", kind: StepCreate,
			setup: func(m *retry) { m.writes = maxAttempts - 1; m.wrote(answer{err: apiErr(409)}, false) }, event: checkedEv(notApplied, nil, false, false),
			want: want{state: finished, outcome: outcomeFailed, msg: "Conflict", http: 409}},
		{name: "not applied: write", uncertain: true, event: checkedEv(notApplied, nil, false, false), want: want{state: writing}},
		{name: "not applied, attempts used up: fail with the write's error", setup: func(m *retry) { m.check(thenFail); m.lastErr = apiErr(502) },
			event: checkedEv(notApplied, nil, false, false), want: want{state: finished, outcome: outcomeFailed, msg: "Bad Gateway"}},
		{name: "not applied, interrupted: stop", setup: func(m *retry) { m.check(thenStop) },
			event: checkedEv(notApplied, nil, false, false), want: want{state: finished, outcome: outcomeInterrupted}},
		{name: "read back 401 is fatal", uncertain: true, event: checkedEv(notApplied, apiErr(401), false, false),
			want: want{state: finished, outcome: outcomeFatal}},
		{name: "read back 503: read again", uncertain: true, event: checkedEv(notApplied, apiErr(503), true, false),
			want: want{state: checkPausing, wait: time.Second}},
		{name: "read back 503 when interrupted: unknown", uncertain: true, event: checkedEv(notApplied, apiErr(503), true, true),
			want: want{state: finished, outcome: outcomeUnknown, msg: "may or may not have taken effect"}},
		{name: "read back failing every time: fail", uncertain: true, setup: func(m *retry) { m.checks = maxAttempts - 1 },
			event: checkedEv(notApplied, apiErr(503), true, false), want: want{state: finished, outcome: outcomeFailed, msg: "look the user up"}},
		{name: "read back 429 after the attempts of other failures: read again (429s have their own budget)", uncertain: true,
			setup: func(m *retry) { m.checks = maxAttempts - 1 }, event: checkedEv(notApplied, apiErr(429), true, false),
			want: want{state: checkPausing, wait: maxAttempts * time.Second}},
		{name: "read back 429s past their own budget: fail", uncertain: true,
			setup: func(m *retry) {
				m.checks, m.checkTooMany = apiclient.TooManyBudget*maxAttempts-1, apiclient.TooManyBudget*maxAttempts-1
			},
			event: checkedEv(notApplied, apiErr(429), true, false), want: want{state: finished, outcome: outcomeFailed, msg: "look the user up"}},
		{name: "read back 400: fail", kind: StepCreate, uncertain: true, event: checkedEv(notApplied, apiErr(400), false, false),
			want: want{state: finished, outcome: outcomeFailed, msg: "could not check whether the create took effect"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind := tt.kind
			if kind == "" {
				kind = StepPatch
			}
			m := newRetry(kind, tt.uncertain, maxAttempts, func(n int) time.Duration { return time.Duration(n) * time.Second })
			if tt.setup != nil {
				tt.setup(m)
			}
			if tt.event != nil {
				tt.event(m)
			}
			if m.state != tt.want.state {
				t.Fatalf("state %v, want %v (outcome %v, msg %q)", m.state, tt.want.state, m.res.outcome, m.res.msg)
			}
			if m.res.outcome != tt.want.outcome {
				t.Errorf("outcome %v, want %v", m.res.outcome, tt.want.outcome)
			}
			switch m.state {
			case checking:
				if m.then != tt.want.then {
					t.Errorf("then %v, want %v", m.then, tt.want.then)
				}
			case pausing:
				if m.resume != tt.want.resume {
					t.Errorf("resume %v, want %v", m.resume, tt.want.resume)
				}
			}
			if (m.state == pausing || m.state == checkPausing) && m.wait != tt.want.wait {
				t.Errorf("wait %v, want %v", m.wait, tt.want.wait)
			}
			if !strings.Contains(m.res.msg, tt.want.msg) {
				t.Errorf("msg %q, want it to hold %q", m.res.msg, tt.want.msg)
			}
			if m.res.outcome == outcomeFatal && m.res.fatal == nil {
				t.Errorf("fatal outcome without its error")
			}
			if m.res.outcome == outcomeOK && tt.uncertain && !m.res.reconciled {
				t.Errorf("settled by reading back but not marked reconciled")
			}
			if m.conflict != tt.want.conflict || m.res.existed != tt.want.existed {
				t.Errorf("conflict %v existed %v, want %v %v", m.conflict, m.res.existed, tt.want.conflict, tt.want.existed)
			}
			if m.res.existed && m.res.reconciled {
				t.Errorf("someone else's user reported as this row's write confirmed")
			}
			if tt.want.http != 0 && m.res.httpStatus != tt.want.http {
				t.Errorf("http status %d, want %d", m.res.httpStatus, tt.want.http)
			}
		})
	}
}

// TestRetryNeverWritesTwiceUnread runs the machine through sequences of
// answers and checks that a write whose effect is unknown is never followed
// by another write without a read back in between.
func TestRetryNeverWritesTwiceUnread(t *testing.T) {
	type step struct {
		err     error
		retry   bool
		applied verdict // the read back's verdict, when the machine reads back
	}
	tests := []struct {
		name    string
		kind    string
		answers []step
		want    []retryState // the states visited
		outcome outcome
	}{
		{name: "dropped, not applied, written again", kind: StepCreate,
			answers: []step{{err: errors.New("reset"), retry: true, applied: notApplied}, {}},
			want:    []retryState{writing, pausing, checking, writing, finished}, outcome: outcomeOK},
		{name: "dropped but applied: no second write", kind: StepCreate,
			answers: []step{{err: errors.New("reset"), retry: true, applied: applied}},
			want:    []retryState{writing, pausing, checking, finished}, outcome: outcomeOK},
		{name: "429 twice: written again without reading back", kind: StepCreate,
			answers: []step{{err: apiErr(429), retry: true}, {err: apiErr(429), retry: true}, {}},
			want:    []retryState{writing, pausing, writing, pausing, writing, finished}, outcome: outcomeOK},
		{name: "503 then 409: the 503 took effect", kind: StepCreate,
			answers: []step{{err: apiErr(503), retry: true, applied: notApplied}, {err: apiErr(409), applied: applied}},
			want:    []retryState{writing, pausing, checking, writing, checking, finished}, outcome: outcomeOK},
		{name: "5xx until the attempts are used up, then read back", kind: StepPatch,
			answers: []step{{err: apiErr(502), retry: true, applied: notApplied}, {err: apiErr(502), retry: true, applied: notApplied}, {err: apiErr(502), retry: true, applied: notApplied}},
			want:    []retryState{writing, pausing, checking, writing, pausing, checking, writing, checking, finished}, outcome: outcomeFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newRetry(tt.kind, false, 3, func(int) time.Duration { return time.Millisecond })
			visited := []retryState{m.state}
			n, unknown := 0, false
			for m.state != finished && len(visited) < 50 {
				switch m.state {
				case writing:
					if unknown {
						t.Fatalf("a second write with the first's effect unknown: %v", visited)
					}
					a := tt.answers[min(n, len(tt.answers)-1)]
					m.wrote(answer{err: a.err, retry: a.retry}, false)
					s := statusOf(nil, a.err)
					unknown = a.err != nil && (s == 0 || s >= 500 || s == http.StatusConflict)
				case checking:
					m.checked(tt.answers[min(n, len(tt.answers)-1)].applied, "", answer{}, false)
					unknown = false
					n++
				case pausing, checkPausing:
					if m.resume == writing {
						n++
					}
					m.slept(nil)
				}
				visited = append(visited, m.state)
			}
			if fmt.Sprint(visited) != fmt.Sprint(tt.want) {
				t.Errorf("states %v, want %v", visited, tt.want)
			}
			if m.res.outcome != tt.outcome {
				t.Errorf("outcome %v, want %v", m.res.outcome, tt.outcome)
			}
		})
	}
}

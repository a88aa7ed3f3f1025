package cli

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows how far apply is: a bar on a terminal, otherwise a log
// line at most every logEvery (cron and log shippers get lines, not bars).
type progress struct {
	mu       sync.Mutex
	bar      *progressbar.ProgressBar
	log      *slog.Logger
	quiet    bool
	terminal bool
	io       IO
	last     time.Time
	done     int
	total    int
	stopped  bool        // interrupted: the bar is cleared and drawn no more
	stop     func() bool // ends the watch of the run's context
}

const logEvery = 5 * time.Second

// newProgress watches ctx: once the run is interrupted (Ctrl-C) the bar is
// cleared at once, so what is printed next starts on a clean line.
func newProgress(ctx context.Context, streams IO, log *slog.Logger, quiet bool) *progress {
	p := &progress{io: streams, log: log, quiet: quiet, terminal: streams.IsTerminal, last: time.Now()}
	p.stop = context.AfterFunc(ctx, p.interrupted)
	return p
}

// interrupted clears the bar and stops drawing it.
func (p *progress) interrupted() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

func (p *progress) clear() {
	if p.bar != nil && !p.stopped {
		_ = p.bar.Clear()
		_ = p.bar.Exit()
	}
	p.stopped = true
}

// update is executor.Options.Progress: done of total rows finished.
func (p *progress) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.total = done, total
	if p.quiet || p.stopped {
		return
	}
	if p.terminal {
		if p.bar == nil {
			p.bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(p.io.Err),
				progressbar.OptionSetDescription("applying"),
				progressbar.OptionShowCount(),
				progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("rows"),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
			)
		}
		_ = p.bar.Set(done)
		return
	}
	if now := time.Now(); now.Sub(p.last) >= logEvery {
		p.last = now
		p.log.Info("progress", "done", done, "total", total)
	}
}

// finish closes the bar (cleared: the summary follows) and logs the final
// count.
func (p *progress) finish() {
	p.stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.bar == nil || p.stopped:
	case p.done == p.total:
		_ = p.bar.Finish() // drawn full, then cleared (OptionClearOnFinish)
	default:
		p.clear() // a run that ended early: never a bar at 100%
	}
	if !p.quiet && !p.terminal && p.total > 0 {
		p.log.Info("progress", "done", p.done, "total", p.total)
	}
}

package cli

import (
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
}

const logEvery = 5 * time.Second

func newProgress(streams IO, log *slog.Logger, quiet bool) *progress {
	return &progress{io: streams, log: log, quiet: quiet, terminal: streams.IsTerminal, last: time.Now()}
}

// update is executor.Options.Progress: done of total rows finished.
func (p *progress) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.total = done, total
	if p.quiet {
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

// finish closes the bar and logs the final count.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
	}
	if !p.quiet && !p.terminal && p.total > 0 {
		p.log.Info("progress", "done", p.done, "total", p.total)
	}
}

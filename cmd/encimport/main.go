// Command encimport brings a spreadsheet of people into ICE Encompass through
// the V3 internal-users API. See README.md for commands, flags and exit codes.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/encimport/encimport/executor"
	"github.com/encimport/encimport/internal/cli"
)

func main() {
	ctx, stop := interrupts()
	code := cli.Main(ctx, os.Args[1:], cli.SystemIO(), os.Getenv)
	stop()
	os.Exit(code)
}

// interrupts returns the run's context: the first SIGINT or SIGTERM
// cancels it (calls in flight may still finish, for the executor's grace);
// the second ends that grace at once (executor.WithStopNow); after it the
// signals have their default effect again, so a third ends the process.
func interrupts() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	now, stopNow := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for n := 0; ; n++ {
			select {
			case <-sigs:
			case <-done:
				return
			}
			if n == 0 {
				cancel()
				continue
			}
			stopNow()
			signal.Reset(os.Interrupt, syscall.SIGTERM)
			return
		}
	}()
	return executor.WithStopNow(ctx, now), func() {
		signal.Stop(sigs)
		close(done)
		cancel()
		stopNow()
	}
}

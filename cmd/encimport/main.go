// Command encimport brings a spreadsheet of people into ICE Encompass through
// the V3 internal-users API. See README.md for commands, flags and exit codes.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/encimport/encimport/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.SystemIO(), os.Getenv)
	stop()
	os.Exit(code)
}

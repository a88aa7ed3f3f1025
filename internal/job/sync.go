package job

import (
	"errors"
	"fmt"

	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/plan"
)

// syncRefusesEmpty turns a file without data rows into a refused --sync
// plan (exit 1, as every refusal of sync: an empty HR export is never taken
// as everyone leaving); without --sync, and for any other error, err is
// returned as is.
func syncRefusesEmpty(opts plan.Options, err error) error {
	if opts.Sync == nil || !errors.Is(err, importer.ErrNoDataRows) {
		return err
	}
	return fmt.Errorf("%w: %v; --sync would disable every enabled user it manages in scope; nothing was changed (no call was made). "+
		"Check the HR export: an empty feed is never taken as everyone leaving, whatever --max-disable says", plan.ErrSyncRefused, err)
}

package main

import (
	"errors"

	"github.com/nordledger/ledger/internal/boltcheck"
	"github.com/nordledger/ledger/projections"
)

// warnNotMarkedClean logs as warnings the errors of files that were closed whole but could not be
// marked cleanly closed (boltcheck.ErrNotMarkedClean: their clean-close marker or last free-page
// list could not be written, on a full disk), or whose read models' last events could not be
// written (projections.ErrBehind), and returns the other errors. The markers only spare the next
// start reading every page, and the read models are derived data the next start completes from
// the log: a stop without them is still a clean stop (exit status 0).
func (m *Main) warnNotMarkedClean(errs []error) []error {
	var out []error
	for _, err := range errs {
		switch {
		case err != nil && errors.Is(err, projections.ErrBehind):
			m.log.Warn("the read models' last events could not be written: the next start applies them from the log", "err", err)
		case err != nil && errors.Is(err, boltcheck.ErrNotMarkedClean):
			m.log.Warn("a file was closed whole but could not be marked cleanly closed: the next start reads it through", "err", err)
		default:
			out = append(out, err)
		}
	}
	return out
}

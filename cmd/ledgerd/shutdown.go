package main

import (
	"errors"

	"github.com/nordledger/ledger/internal/boltcheck"
)

// warnNotMarkedClean logs as warnings the errors of files that were closed whole but could not be
// marked cleanly closed (boltcheck.ErrNotMarkedClean: their clean-close marker or last free-page
// list could not be written, on a full disk), and returns the other errors. The markers only spare
// the next start reading every page: a stop without them is still a clean stop (exit status 0).
func (m *Main) warnNotMarkedClean(errs []error) []error {
	var out []error
	for _, err := range errs {
		if err != nil && errors.Is(err, boltcheck.ErrNotMarkedClean) {
			m.log.Warn("a file was closed whole but could not be marked cleanly closed: the next start reads it through", "err", err)
			continue
		}
		out = append(out, err)
	}
	return out
}

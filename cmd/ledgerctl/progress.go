package main

import (
	"github.com/nordledger/ledger/internal/datadir"
	"github.com/nordledger/ledger/internal/progress"
)

// newProgress shows a long operation's advance on stderr (package progress): a bar on a
// terminal, a line every few seconds otherwise.
func newProgress(e *env, label string, total uint64) *progress.Bar {
	return progress.New(progress.Config{W: e.stderr, Label: label, Total: total, Terminal: progress.Terminal(e.stderr, e.getenv), Now: e.now})
}

// progress returns a rebuild's progress display (datadir.Progress).
func (e *env) progress(label string) datadir.Progress {
	return func(total uint64) (func(uint64), func()) {
		bar := newProgress(e, label, total)
		return bar.Update, func() { bar.Finish(total) }
	}
}

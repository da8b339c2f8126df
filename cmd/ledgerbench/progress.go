package main

import (
	"io"
	"os"

	"github.com/nordledger/ledger/internal/progress"
)

// newProgress shows a long step's advance on w (package progress): a bar redrawn in place on a
// terminal, a line every 5 seconds otherwise (a log file). Safe for concurrent use.
func newProgress(w io.Writer, label, unit string, total int64) *progress.Bar {
	return progress.New(progress.Config{W: w, Label: label, Total: uint64(total), One: unit, Many: unit, Terminal: progress.Terminal(w, os.Getenv)})
}

package app

import "sync/atomic"

// forgetWatch follows the forgets between their start and their key's destruction, for
// Handler.ForgetsSettled.
type forgetWatch struct {
	inFlight atomic.Int64 // forgets begun and not returned
	// unfinished: a forget returned that may have stored its event without destroying its key
	// (a key store that could not be written, an append whose outcome is not known). Only the
	// writer's next start (the key store's Reconcile) is sure to finish it, so it stays set.
	unfinished atomic.Bool
}

// begin counts a forget in; the returned done counts it out, saying whether its event may be
// stored and whether its key was destroyed after that.
func (w *forgetWatch) begin() (done func(mayBeStored, destroyed bool)) {
	w.inFlight.Add(1)
	return func(mayBeStored, destroyed bool) {
		if mayBeStored && !destroyed {
			w.unfinished.Store(true) // before the count goes down: ForgetsSettled reads the count first
		}
		w.inFlight.Add(-1)
	}
}

// ForgetsSettled reports whether every forget this handler began has either stored nothing or
// destroyed its customer's data key. Asked after reading the log's head, true means that every
// CustomerForgotten up to that head has its key destroyed — a forget whose event is in the log
// began before the head was read, and is counted or done — so the key store may record the head as
// reconciled (personal.Store.MarkReconciled) and the writer's next start need not read those
// events again. False once a forget returned with its key not destroyed, until the writer starts
// again.
func (h *Handler) ForgetsSettled() bool {
	return h.forgets.inFlight.Load() == 0 && !h.forgets.unfinished.Load()
}

package personal

import "sync"

// backupWaiters tells the backups in progress (BackupNotify) that a caller waits to hold the
// store exclusively (lockBackups): a backup holds its lock shared for as long as its reader takes,
// and its owner may cut it short once it holds somebody up.
type backupWaiters struct {
	mu      sync.Mutex
	n       int           // callers waiting for backups to end
	by      string        // what the first of them is
	waiting chan struct{} // closed while n > 0; nil until first needed
}

// lockBackups takes s.backups exclusively, for by ("a forget", ...): at once when no backup runs,
// else telling the backups in progress that by waits for them (BackupNotify) and waiting.
func (s *Store) lockBackups(by string) {
	if s.backups.TryLock() {
		return
	}
	w := &s.waiters
	w.mu.Lock()
	if w.n == 0 {
		w.by = by
		close(w.channel())
	}
	w.n++
	w.mu.Unlock()
	s.backups.Lock()
	w.mu.Lock()
	if w.n--; w.n == 0 {
		w.waiting = make(chan struct{})
	}
	w.mu.Unlock()
}

// channel returns the channel closed while a caller waits. w.mu is held.
func (w *backupWaiters) channel() chan struct{} {
	if w.waiting == nil {
		w.waiting = make(chan struct{})
	}
	return w.waiting
}

// notify calls waiting (from a goroutine of its own) when a caller waits, or waits already, for
// backups to end, until the returned function is called; that function returns once waiting
// has returned, when it was called.
func (w *backupWaiters) notify(waiting func(by string)) (stop func()) {
	w.mu.Lock()
	ch := w.channel()
	w.mu.Unlock()
	done, called := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(called)
		select {
		case <-ch:
			w.mu.Lock()
			by := w.by
			w.mu.Unlock()
			waiting(by)
		case <-done:
		}
	}()
	return func() {
		close(done)
		<-called
	}
}

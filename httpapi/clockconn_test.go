package httpapi_test

import (
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// testClock is the time a clockConn's write deadlines are judged by: it stands still until the
// test moves it on.
type testClock struct{ now atomic.Int64 }

func (c *testClock) Now() time.Duration      { return time.Duration(c.now.Load()) }
func (c *testClock) Advance(d time.Duration) { c.now.Add(int64(d)) }

// clockListener hands out connections whose write deadlines — those net/http sets as it reads a
// request's headers and those the server sets itself (http.ResponseController) — run on the
// test's clock instead of the machine's: the test moves time on where its story says time
// passes, so a stalled machine moves no deadline. Reads and their deadlines are the machine's.
type clockListener struct {
	net.Listener
	clock *testClock
	conns chan *clockConn
}

func newClockListener(l net.Listener) *clockListener {
	return &clockListener{Listener: l, clock: &testClock{}, conns: make(chan *clockConn, 16)}
}

func (l *clockListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	cc := &clockConn{Conn: c, clock: l.clock, waitingAt: -1, reading: make(chan struct{})}
	l.conns <- cc
	return cc, nil
}

// clockConn is a server's connection whose write deadline is on its listener's clock; it also
// tells when the server waits to read more.
type clockConn struct {
	net.Conn
	clock *testClock

	mu          sync.Mutex
	deadline    time.Duration // the write deadline on the clock, if hasDeadline
	hasDeadline bool
	read        int           // bytes read so far
	waitingAt   int           // the bytes read before the Read under way began; -1: none under way
	reading     chan struct{} // closed as a Read begins
}

// SetWriteDeadline puts the deadline t, which the caller counted on the machine's clock, as far
// ahead on the test's clock.
func (c *clockConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hasDeadline = !t.IsZero()
	if c.hasDeadline {
		c.deadline = c.clock.Now() + time.Until(t)
	}
	return nil
}

func (c *clockConn) SetDeadline(t time.Time) error {
	c.SetWriteDeadline(t)
	return c.Conn.SetReadDeadline(t)
}

// Write fails as a write past its deadline does once the test's clock has reached it.
func (c *clockConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	past := c.hasDeadline && c.clock.Now() >= c.deadline
	c.mu.Unlock()
	if past {
		return 0, os.ErrDeadlineExceeded
	}
	return c.Conn.Write(p)
}

func (c *clockConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	c.waitingAt = c.read
	close(c.reading)
	c.reading = make(chan struct{})
	c.mu.Unlock()
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.read += n
	c.waitingAt = -1
	c.mu.Unlock()
	return n, err
}

// awaitReadPast returns once the server waits to read past the first n bytes its client sent:
// it has taken all of them and wants more.
func (c *clockConn) awaitReadPast(n int) {
	for {
		c.mu.Lock()
		at, reading := c.waitingAt, c.reading
		c.mu.Unlock()
		if at >= n {
			return
		}
		<-reading
	}
}

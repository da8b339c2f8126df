package httpapi_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testClock is the time clockConns judge their deadlines by: it stands still until the test
// moves it on.
type testClock struct {
	now     atomic.Int64
	mu      sync.Mutex
	onMoved []func() // told after the clock moved
}

func (c *testClock) Now() time.Duration { return time.Duration(c.now.Load()) }

func (c *testClock) Advance(d time.Duration) {
	c.now.Add(int64(d))
	c.mu.Lock()
	told := c.onMoved
	c.mu.Unlock()
	for _, f := range told {
		f()
	}
}

func (c *testClock) tell(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.onMoved = append(c.onMoved, f)
}

// clockServer serves h over HTTP (with the limits adjust sets) on a clockListener: its
// connections' deadlines — those net/http sets from its timeouts and those a handler sets
// (http.ResponseController) — run on the test's clock instead of the machine's. The test moves
// time on where its story says time passes, so a stalled machine moves no deadline.
func clockServer(t *testing.T, h http.Handler, adjust func(*http.Server)) (*httptest.Server, *clockListener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &clockListener{Listener: ln, clock: &testClock{}, conns: make(chan *clockConn, 16)}
	srv := &httptest.Server{Listener: cl, Config: &http.Server{Handler: h}}
	adjust(srv.Config)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, cl
}

// clockListener hands out clockConns on its clock.
type clockListener struct {
	net.Listener
	clock *testClock
	conns chan *clockConn
}

func (l *clockListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	cc := &clockConn{Conn: c, clock: l.clock, waitingAt: -1, reading: make(chan struct{})}
	l.clock.tell(cc.expire)
	l.conns <- cc
	return cc, nil
}

// clockConn is a server's connection whose deadlines are on its listener's clock; it also
// tells when the server waits to read more.
type clockConn struct {
	net.Conn
	clock *testClock

	mu                sync.Mutex
	write, read       time.Duration // the deadlines on the clock, if set
	hasWrite, hasRead bool
	taken             int           // bytes read so far
	waitingAt         int           // the bytes taken before the Read under way began; -1: none under way
	reading           chan struct{} // closed as a Read begins
}

// on puts the deadline t, which the caller counted on the machine's clock, as far ahead on the
// test's clock.
func (c *clockConn) on(t time.Time) (time.Duration, bool) {
	if t.IsZero() {
		return 0, false
	}
	return c.clock.Now() + time.Until(t), true
}

func (c *clockConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.write, c.hasWrite = c.on(t)
	return nil
}

// SetReadDeadline leaves the machine's connection without a deadline until the test's clock
// reaches it (expire).
func (c *clockConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.read, c.hasRead = c.on(t)
	return c.Conn.SetReadDeadline(c.machineReadDeadline())
}

func (c *clockConn) SetDeadline(t time.Time) error {
	c.SetWriteDeadline(t)
	return c.SetReadDeadline(t)
}

// machineReadDeadline is the machine's read deadline: one long past once the test's clock has
// reached the read deadline (a Read under way ends with a timeout), none before.
func (c *clockConn) machineReadDeadline() time.Time {
	if c.hasRead && c.clock.Now() >= c.read {
		return time.Unix(1, 0)
	}
	return time.Time{}
}

// expire ends a Read under way once the clock has reached the read deadline.
func (c *clockConn) expire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Conn.SetReadDeadline(c.machineReadDeadline())
}

// Write fails as a write past its deadline does once the test's clock has reached it.
func (c *clockConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	past := c.hasWrite && c.clock.Now() >= c.write
	c.mu.Unlock()
	if past {
		return 0, os.ErrDeadlineExceeded
	}
	return c.Conn.Write(p)
}

func (c *clockConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	c.waitingAt = c.taken
	close(c.reading)
	c.reading = make(chan struct{})
	c.mu.Unlock()
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.taken += n
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

// clockClient is a client's connection to a clockServer, which sends a request in parts.
type clockClient struct {
	t      *testing.T
	conn   net.Conn
	server *clockConn // the server's side
	addr   string
	sent   int
}

func dialClock(t *testing.T, srv *httptest.Server, cl *clockListener) *clockClient {
	t.Helper()
	addr := strings.TrimPrefix(srv.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &clockClient{t: t, conn: conn, server: <-cl.conns, addr: addr}
}

// head returns a request's head, with a JSON body of length n.
func (c *clockClient) head(method, path, token string, n int) string {
	return fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		method, path, c.addr, token, n)
}

// send writes s and, with taken, waits until the server has taken all that was sent and waits
// for more.
func (c *clockClient) send(s string, taken bool) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatal(err)
	}
	c.sent += len(s)
	if taken {
		c.server.awaitReadPast(c.sent)
	}
}

// answer reads the server's answer.
func (c *clockClient) answer() (*http.Response, []byte, error) {
	resp, err := http.ReadResponse(bufio.NewReader(c.conn), nil)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

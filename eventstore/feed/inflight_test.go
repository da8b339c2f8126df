package feed_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/nordledger/ledger/eventstore/feed"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/eventstore/wire"
)

// TestJetStreamFeedMessageLostInFlight: NATS delivered an event to the reader's connection, the
// connection broke before it arrived (a NATS restart or a network cut mid-batch) and the client
// reconnected by itself. JetStream counts the event delivered and sends it again only after the
// ack wait, behind the newer events the reconnected pull gets at once. The feed must go on with
// the lost event, never hand a later one over first — the runner takes that for a gap in the
// log and stops the reader's read models for good.
func TestJetStreamFeedMessageLostInFlight(t *testing.T) {
	store := openStore(t)
	srv := startNATS(t, t.TempDir(), -1)
	startRelay(t, store, jetStream(t, srv.ClientURL()))
	p := newCutProxy(t, srv.ClientURL())
	f, err := feed.NewJetStream(jetStream(t, p.url()), relay.DefaultStreamName, "reader-1", quiet)
	if err != nil {
		t.Fatal(err)
	}
	var checkpoint atomic.Uint64
	sub, topic, err := f.Subscriber("projections", checkpoint.Load)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	c, err := sub.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	next := func() uint64 {
		t.Helper()
		msg := <-c
		e, err := wire.EventFromMessage(msg)
		if err != nil {
			t.Fatal(err)
		}
		if seq := msg.Metadata.Get(feed.MetadataStreamSequence); seq != strconv.FormatUint(e.Position, 10) {
			t.Fatalf("stream sequence %q for position %d", seq, e.Position)
		}
		msg.Ack()
		checkpoint.Store(e.Position)
		return e.Position
	}

	appendEvents(t, store, 2)
	for want := uint64(1); want <= 2; want++ {
		if got := next(); got != want {
			t.Fatalf("position %d, want %d", got, want)
		}
	}
	p.dropToClient()          // from now on what NATS sends the reader is lost on the way
	appendEvents(t, store, 2) // positions 3, 4: delivered, never arrive
	<-p.dropped()
	p.cut()                   // the connection breaks; the client reconnects
	appendEvents(t, store, 2) // positions 5, 6
	for want := uint64(3); want <= 6; want++ {
		if got := next(); got != want {
			t.Fatalf("after the connection lost events in flight the feed delivered position %d, want %d", got, want)
		}
	}
}

// cutProxy forwards TCP connections to a NATS server; it can drop what the server sends to the
// client (the messages are sent, the client never gets them) and cut every connection.
type cutProxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	conns   []net.Conn
	drop    bool
	lost    bytes.Buffer
	lostMsg chan struct{} // closed once a dropped chunk held a ledger event
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := net.ResolveTCPAddr("tcp", trimScheme(target)); err == nil {
		target = u.String()
	}
	p := &cutProxy{ln: ln, target: target, lostMsg: make(chan struct{})}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); p.cut(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			wg.Go(func() { io.Copy(s, c); s.Close(); c.Close() })
			wg.Go(func() { p.toClient(c, s); s.Close(); c.Close() })
		}
	})
	return p
}

func trimScheme(u string) string {
	if i := bytes.Index([]byte(u), []byte("://")); i >= 0 {
		return u[i+3:]
	}
	return u
}

func (p *cutProxy) url() string { return "nats://" + p.ln.Addr().String() }

func (p *cutProxy) toClient(c, s net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := s.Read(buf)
		if n > 0 {
			p.mu.Lock()
			drop := p.drop
			if drop {
				p.lost.Write(buf[:n])
				if bytes.Contains(p.lost.Bytes(), []byte("MSG ledger.customer.v1.")) && p.lostMsg != nil {
					close(p.lostMsg)
					p.lostMsg = nil
				}
			}
			p.mu.Unlock()
			if !drop {
				if _, err := c.Write(buf[:n]); err != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *cutProxy) dropToClient() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drop = true
}

// dropped is closed once a ledger event sent to the client was dropped.
func (p *cutProxy) dropped() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lostMsg == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return p.lostMsg
}

// cut closes every connection and forwards again from then on.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns, p.drop = nil, false
}

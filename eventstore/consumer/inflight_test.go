package consumer_test

import (
	"bytes"
	"io"
	"net"
	"slices"
	"sync"
	"testing"

	"github.com/nordledger/ledger/eventstore/consumer"
)

// TestConsumerMessageLostInFlight: NATS delivered an event to the consumer's connection, the
// connection broke before the message arrived (a NATS restart or a network cut mid-batch) and
// the client reconnected by itself. JetStream counts the event delivered and sends it again only
// after AckWait — behind the newer events the reconnected pull gets at once. The consumer must
// still hand every event over in log order, the lost one included: never a newer event first,
// and never the lost one skipped as "handed over already" when it finally comes.
func TestConsumerMessageLostInFlight(t *testing.T) {
	l := newLedger(t)
	p := newCutProxy(t, l.js.Conn().ConnectedUrl())
	l.add(t, "1001", customer("1001", "Anna Andersson")...) // positions 1, 2

	var r *recorder
	var afterCut []uint64 // what the handler got after the cut: must be 3, 4, 5, 6
	got2 := make(chan struct{})
	r = &recorder{fail: func(e *consumer.Event) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		if e.Position == 2 && len(afterCut) == 0 {
			select {
			case <-got2:
			default:
				close(got2)
			}
		}
		if e.Position > 2 {
			afterCut = append(afterCut, e.Position)
			if e.Position == 6 || !slices.Equal(afterCut, seq(3, e.Position)) {
				r.stop()
			}
		}
		return nil
	}}
	cfg := consumer.Config{JetStream: connect(t, p.url()), LedgerNo: "1000", Durable: "inflight"}
	done := make(chan error, 1)
	go func() { done <- run(t, cfg, r) }()

	<-got2
	p.dropToClient()                                          // from now on what NATS sends the consumer is lost on the way
	l.add(t, "1002", customer("1002", "Bertil Berg")...)      // positions 3, 4: delivered, never arrive
	<-p.dropped()                                             // NATS sent at least event 3
	p.cut()                                                   // the connection breaks; the client reconnects
	l.add(t, "1003", customer("1003", "Cecilia Carlsson")...) // positions 5, 6

	if err := <-done; err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Equal(afterCut, seq(3, 6)) {
		t.Errorf("after the connection lost events in flight the handler got positions %v, want 3..6 in order", afterCut)
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

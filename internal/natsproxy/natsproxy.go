// Package natsproxy is a TCP proxy between a NATS client and its server for tests of what a
// client does when the network loses messages: it can drop what the server sends to the client
// (the server counts them as sent, the client never gets them) and cut every connection — the
// client reconnects through it and goes on.
package natsproxy

import (
	"bytes"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
)

// Proxy forwards TCP connections to a NATS server.
type Proxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	conns   []net.Conn
	drop    bool
	lost    bytes.Buffer
	lostMsg chan struct{} // closed once a dropped chunk held a ledger event
}

// New starts a proxy to the NATS server at target (a nats:// URL or host:port), stopped when
// the test ends.
func New(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, hostPort, ok := strings.Cut(target, "://"); ok {
		target = hostPort
	}
	if u, err := net.ResolveTCPAddr("tcp", target); err == nil {
		target = u.String()
	}
	p := &Proxy{ln: ln, target: target, lostMsg: make(chan struct{})}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); p.Cut(); wg.Wait() })
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

// URL is the nats:// URL clients connect to.
func (p *Proxy) URL() string { return "nats://" + p.ln.Addr().String() }

func (p *Proxy) toClient(c, s net.Conn) {
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

// DropToClient makes the proxy drop, from now on until Cut, what the server sends to clients.
func (p *Proxy) DropToClient() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drop = true
}

// Dropped is closed once a ledger event (a message on ledger.customer.v1.…) sent to a client was
// dropped.
func (p *Proxy) Dropped() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lostMsg == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return p.lostMsg
}

// Cut closes every connection and forwards again from then on.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns, p.drop = nil, false
}

package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/relay"
)

// bus is the NATS side of ledgerd: the embedded server (unless an external URL is configured),
// the connection, and the relay that publishes the log.
type bus struct {
	server *server.Server // nil with an external NATS
	conn   *nats.Conn
	relay  *relay.Relay
	url    string
}

// startBus connects to NATS (starting the embedded server first when no URL is configured) and
// starts the relay. A NATS that is down never stops ledgerd: the connection keeps retrying, the
// stream is created when NATS answers, and the relay catches up from the stream's last sequence.
func (m *Main) startBus(ctx context.Context) error {
	o := m.Options
	b := &bus{url: o.NATSURL}
	m.bus = b
	if b.url == "" {
		host, port, err := splitListen(o.NATSListen)
		if err != nil {
			return err
		}
		b.server, err = relay.StartEmbedded(relay.EmbeddedConfig{StoreDir: filepath.Join(o.DataDir, "nats"), Host: host, Port: port,
			ServerName: "ledgerd", Logger: m.log.With("component", "nats")})
		if err != nil {
			return fmt.Errorf("embedded NATS: %w", err)
		}
		b.url = b.server.ClientURL()
	}
	opts := []nats.Option{nats.Name("ledgerd relay"), nats.MaxReconnects(-1), nats.RetryOnFailedConnect(true), nats.ReconnectWait(time.Second)}
	if o.NATSCreds != "" {
		opts = append(opts, nats.UserCredentials(o.NATSCreds))
	}
	if o.NATSCA != "" {
		opts = append(opts, nats.RootCAs(o.NATSCA))
	}
	var err error
	if b.conn, err = nats.Connect(b.url, opts...); err != nil {
		return fmt.Errorf("nats: %w", err)
	}
	js, err := jetstream.New(b.conn)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	log := m.log.With("component", "relay")
	if b.relay, err = relay.New(relay.Config{Log: m.store, JetStream: js, Stream: o.NATSStream, Logger: log}); err != nil {
		return err
	}
	streamCfg := relay.StreamConfig{Name: o.NATSStream, Replicas: o.NATSReplicas}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
			err := relay.EnsureStream(ctx, js, streamCfg)
			if err == nil {
				break
			}
			log.Warn("cannot set up the JetStream stream yet; retrying", "err", err, "retryIn", wait)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		if err := b.relay.Run(ctx); err != nil && ctx.Err() == nil {
			log.Error("relay stopped: events are no longer published", "err", err)
		}
	}()
	m.log.Info("publishing events on NATS", "url", b.url, "stream", streamCfg.Name, "embedded", b.server != nil)
	return nil
}

// close closes the connection and stops the embedded server (after the relay has stopped).
func (b *bus) close() {
	if b.conn != nil {
		b.conn.Close()
	}
	if b.server != nil {
		b.server.Shutdown()
		b.server.WaitForShutdown()
	}
}

// splitListen parses "host:port"; port 0 asks for a random free port.
func splitListen(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("nats listen address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("nats listen address %q: bad port", addr)
	}
	if port == 0 {
		port = -1 // nats-server: -1 is random, 0 is its default 4222
	}
	return host, port, nil
}

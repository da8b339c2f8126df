package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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
func (m *Main) startBus(ctx context.Context, key []byte) error {
	o := m.Options
	b := &bus{url: o.NATSURL}
	m.bus = b
	if b.url == "" {
		host, port, err := splitListen(o.NATSListen)
		if err != nil {
			return err
		}
		interval, err := relay.ParseSyncInterval(o.NATSSync)
		if err != nil {
			return err
		}
		b.server, err = relay.StartEmbedded(relay.EmbeddedConfig{StoreDir: filepath.Join(o.DataDir, "nats"), Host: host, Port: port,
			ServerName: "ledgerd", SyncInterval: interval, Logger: m.log.With("component", "nats")})
		if err != nil {
			return fmt.Errorf("embedded NATS: %w", err)
		}
		b.url = b.server.ClientURL()
	}
	var js jetstream.JetStream
	var err error
	if b.conn, js, err = m.connectNATS(b.url, "ledgerd relay"); err != nil {
		return err
	}
	log := m.log.With("component", "relay")
	if b.relay, err = relay.New(relay.Config{Log: m.store, JetStream: js, Stream: o.NATSStream, Logger: log}); err != nil {
		return err
	}
	streamCfg := relay.StreamConfig{Name: o.NATSStream, Replicas: o.NATSReplicas, Metadata: map[string]string{metadataKeyCheck: keyCheck(key)}}
	if err := m.startKeyPublisher(ctx, js); err != nil {
		return err
	}
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

// connectNATS connects to url with the configured credentials and TLS, retrying forever (a NATS
// that is down never stops ledgerd).
func (m *Main) connectNATS(url, name string) (*nats.Conn, jetstream.JetStream, error) {
	o := m.Options
	opts := []nats.Option{nats.Name(name), nats.MaxReconnects(-1), nats.RetryOnFailedConnect(true), nats.ReconnectWait(time.Second)}
	if o.NATSCreds != "" {
		opts = append(opts, nats.UserCredentials(o.NATSCreds))
	}
	if o.NATSCA != "" {
		opts = append(opts, nats.RootCAs(o.NATSCA))
	}
	conn, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("nats: %w", err)
	}
	js, err := jetstream.New(conn)
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("jetstream: %w", err)
	}
	return conn, js, nil
}

// metadataKeyCheck is the stream metadata entry holding keyCheck of the writer's key.
const metadataKeyCheck = "ledgerd-key-check"

// keyCheck is a check value of the national-identifier key: readers compare theirs with the
// writer's, since a different key would make find-customer silently find nothing.
func keyCheck(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("ledgerd national-identifier key check"))
	return hex.EncodeToString(m.Sum(nil)[:8])
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

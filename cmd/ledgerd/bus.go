package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/personal/keysync"
	"github.com/nordledger/ledger/eventstore/relay"
	"github.com/nordledger/ledger/internal/datadir"
)

// bus is the NATS side of ledgerd: the embedded server (unless an external URL is configured),
// the connection, and the relay that publishes the log. On a writer it starts in the background
// (startBus): its fields are set once up is closed.
type bus struct {
	server *server.Server     // nil with an external NATS
	healer *relay.Healer      // restarts the embedded server when it cannot store; nil with an external NATS
	keys   *keysync.Publisher // the key bus publisher
	conn   *nats.Conn
	relay  *relay.Relay
	url    string
	up     chan struct{} // closed when the fields above are set, or the start failed (err)
	err    error

	setupErr atomic.Pointer[string] // why the stream cannot be set up yet (the relay has not started)
}

// started returns the bus once it is up, or nil while it is starting or when its start failed.
func (b *bus) started() *bus {
	if b == nil {
		return nil
	}
	select {
	case <-b.up:
		if b.err == nil {
			return b
		}
	default:
	}
	return nil
}

// status is the relay's status, with the stream's set-up error while the relay waits for it.
func (b *bus) status() relay.Status {
	st := b.relay.Status()
	if e := b.setupErr.Load(); e != nil && st.LastError == "" {
		st.LastError = *e
	}
	return st
}

// relayStatus is the relay's status; while the bus is starting, the log's head with nothing
// known to be published, and the start's error if it failed.
func (m *Main) relayStatus() relay.Status {
	if b := m.bus.started(); b != nil {
		return b.status()
	}
	st := relay.Status{LastError: "NATS is starting"}
	if m.bus != nil {
		select {
		case <-m.bus.up: // up but not started: its start failed
			st.LastError = m.bus.err.Error()
		default:
		}
	}
	st.Head, _ = m.store.Head(context.Background())
	st.LagPositions = st.Head
	return st
}

// degraded reports what keeps the bus from carrying what the writer stores: the embedded
// JetStream cannot store, the relay publishes nothing while events wait, or the key bus publisher
// keeps failing. nil when nothing does, while the bus starts (relayStatus says so) and on a
// reader. The writer still takes writes meanwhile: the log and the key store are the outboxes,
// and everything is published once the bus works again.
func (m *Main) degraded(context.Context) error {
	b := m.bus.started()
	if b == nil {
		return nil
	}
	var problems []string
	if stuck, why := b.relayStuck(); stuck {
		problems = append(problems, "the relay is stuck: "+why)
	}
	if since, stuck := b.keys.Stuck(); stuck {
		problems = append(problems, fmt.Sprintf("the key bus is stuck: no data key published since %s; keys wait in the key store",
			since.UTC().Format(time.RFC3339)))
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(problems, "; "))
}

// relayStuck says whether the relay is stuck, and why: the embedded JetStream cannot store
// (known at once) or nothing was published for relay.DefaultStuckAfter while events wait.
func (b *bus) relayStuck() (bool, string) {
	if b.healer != nil {
		if problem, since := b.healer.Problem(); problem != "" {
			return true, fmt.Sprintf("the embedded NATS server cannot store since %s (%s); events wait in the log",
				since.UTC().Format(time.RFC3339), problem)
		}
	}
	if st := b.status(); st.Stuck {
		return true, fmt.Sprintf("nothing published since %s while %d events wait in the log (%s)",
			st.Since.UTC().Format(time.RFC3339), st.LagPositions, st.LastError)
	}
	return false, ""
}

// relayDetails is the relay's part of /readyz; its last error (which may name NATS's address or
// a store's path) only for a caller with a valid token (private).
func (m *Main) relayDetails(private bool) map[string]any {
	st := m.relayStatus()
	stuck := false
	if b := m.bus.started(); b != nil {
		stuck, _ = b.relayStuck()
	}
	d := map[string]any{"published": st.Published, "head": st.Head, "lagPositions": st.LagPositions,
		"lagSeconds": st.LagSeconds, "connected": st.Connected, "stuck": stuck}
	if private {
		d["lastError"] = st.LastError
	}
	return d
}

// startBus starts the NATS side in the background: the embedded server (unless a URL is
// configured), the connection, the key bus publisher and the relay. The API does not wait for
// it: events and keys are stored before NATS sees them (the outbox), so a writer serves as soon as
// its read models are current, and the relay publishes what was stored in the meantime. The
// embedded server restores its streams before it accepts connections, which takes seconds with
// millions of customers (BENCHMARKS.md, start-up). A NATS that is down never stops ledgerd: the
// connection keeps retrying, the stream is created when NATS answers, and the relay catches up
// from the stream's last sequence. An embedded server that cannot start is fatal (Main.Fatal).
func (m *Main) startBus(ctx context.Context, key []byte) error {
	o := m.Options
	b := &bus{url: o.NATSURL, up: make(chan struct{})}
	var embedded relay.EmbeddedConfig
	if b.url == "" {
		host, port, err := splitListen(o.NATSListen)
		if err != nil {
			return err
		}
		interval, err := relay.ParseSyncInterval(o.NATSSync)
		if err != nil {
			return err
		}
		embedded = relay.EmbeddedConfig{StoreDir: filepath.Join(o.DataDir, datadir.NATS), Host: host, Port: port,
			ServerName: "ledgerd", SyncInterval: interval, Logger: m.log}
		// The server starts in the background, after ledgerd announced itself: a port that is
		// taken must stop ledgerd here, before the announcement.
		if err := embedded.CheckPort(); err != nil {
			return fmt.Errorf("embedded NATS (-nats-listen %s): %w", o.NATSListen, err)
		}
	}
	m.bus = b
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		js, err := m.connectBus(ctx, b, embedded, key)
		if err != nil {
			b.err = err
			close(b.up)
			if ctx.Err() == nil { // not a Close during the start
				m.fail(err)
			}
			return
		}
		close(b.up)
		m.runRelay(ctx, b, js, key)
	}()
	return nil
}

// connectBus starts the embedded server when configured (embedded.StoreDir set), connects, and
// makes the relay and the key bus publisher.
func (m *Main) connectBus(ctx context.Context, b *bus, embedded relay.EmbeddedConfig, key []byte) (jetstream.JetStream, error) {
	if embedded.StoreDir != "" {
		start := time.Now()
		s, err := relay.StartEmbedded(embedded)
		if err != nil {
			return nil, fmt.Errorf("embedded NATS: %w", err)
		}
		if ctx.Err() != nil { // ledgerd stopped while the server restored its streams
			s.Shutdown()
			s.WaitForShutdown()
			return nil, ctx.Err()
		}
		b.server, b.url = s, s.ClientURL()
		m.log.Info("embedded NATS server ready", "url", b.url, "took", time.Since(start).Round(time.Millisecond))
		if b.healer, err = relay.NewHealer(s, embedded, relay.HealerConfig{Logger: embedded.Logger}); err != nil {
			return nil, err
		}
		m.wg.Add(1)
		go func() {
			defer m.wg.Done() // before bus.close shuts the (current) server down
			b.healer.Run(ctx)
		}()
	}
	var js jetstream.JetStream
	var err error
	var opts []nats.Option
	if b.healer != nil {
		// In the process, without the loopback TCP stack: about a tenth of a create's CPU was the
		// two sides' socket reads and writes (BENCHMARKS.md). The server the healer runs now, so a
		// reconnect after a restart reaches the new one.
		opts = append(opts, nats.InProcessServer(inProcess{b.healer}))
	}
	if b.conn, js, err = m.connectNATS(b.url, "ledgerd relay", opts...); err != nil {
		return nil, err
	}
	streamCfg := m.streamConfig(b, key) // a stream found missing later (NATS lost its store) is created again
	if b.relay, err = relay.New(relay.Config{Log: m.store, JetStream: js, Stream: m.Options.NATSStream, Create: &streamCfg,
		Logger: m.log, TracerProvider: m.tracing.Provider}); err != nil { // the relay names itself (component=relay)
		return nil, err
	}
	if b.keys, err = m.startKeyPublisher(ctx, js); err != nil {
		return nil, err
	}
	return js, nil
}

// runRelay sets up the stream (retrying until NATS answers) and publishes the log until ctx ends.
func (m *Main) runRelay(ctx context.Context, b *bus, js jetstream.JetStream, key []byte) {
	log := m.log.With("component", "relay")
	streamCfg := m.streamConfig(b, key)
	m.log.Info("publishing events on NATS", "url", redactedNATSURLs(b.url), "stream", streamCfg.Name, "embedded", b.server != nil)
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		err := relay.EnsureStream(ctx, js, streamCfg)
		if err == nil {
			b.setupErr.Store(nil)
			break
		}
		msg := "cannot set up the stream: " + err.Error()
		b.setupErr.Store(&msg)
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
}

// streamConfig is the event stream's configuration.
func (m *Main) streamConfig(b *bus, key []byte) relay.StreamConfig {
	o := m.Options
	return relay.StreamConfig{Name: o.NATSStream, Replicas: o.NATSReplicas, Metadata: map[string]string{metadataKeyCheck: keyCheck(key)},
		AsyncPersist: b.server != nil} // the embedded server's stream is derived from our log: the relay refills what it loses
}

// inProcess connects to the embedded server the healer runs, in the process (nats.InProcessServer).
type inProcess struct{ h *relay.Healer }

func (p inProcess) InProcessConn() (net.Conn, error) { return p.h.Server().InProcessConn() }

// connectNATS connects to url with the configured credentials and TLS, retrying forever (a NATS
// that is down never stops ledgerd); extra options come last.
func (m *Main) connectNATS(url, name string, extra ...nats.Option) (*nats.Conn, jetstream.JetStream, error) {
	o := m.Options
	opts := []nats.Option{nats.Name(name), nats.MaxReconnects(-1), nats.RetryOnFailedConnect(true), nats.ReconnectWait(time.Second)}
	if o.NATSCreds != "" {
		opts = append(opts, nats.UserCredentials(o.NATSCreds))
	}
	if o.NATSCA != "" {
		opts = append(opts, nats.RootCAs(o.NATSCA))
	}
	conn, err := nats.Connect(url, append(opts, extra...)...)
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

// close closes the connection and stops the embedded server (after the relay has stopped and
// the start has ended).
func (b *bus) close() {
	if b.up != nil {
		<-b.up
	}
	if b.conn != nil {
		b.conn.Close()
	}
	s := b.server
	if b.healer != nil {
		s = b.healer.Server() // the healer may have restarted it
	}
	if s != nil {
		s.Shutdown()
		s.WaitForShutdown()
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

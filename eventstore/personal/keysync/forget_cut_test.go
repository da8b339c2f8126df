package keysync_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/eventstore/personal/keysync"
	"github.com/nordledger/ledger/eventstore/relay"
)

// The windows of a forget on the key bus (publish: read the entry, secure-delete the message
// holding the wrapped key, put the tombstone; then the key store marks it published), each cut
// by a crash or a NATS server restarted under a running publisher. Every test ends with the
// bucket's entry the tombstone and no copy of the wrapped key in any file of the NATS store.

// busServer is an embedded NATS server that a test stops and starts again on the same port (and
// so the same client connection, which reconnects), on the same store or another.
type busServer struct {
	t    *testing.T
	port int
	s    *server.Server
}

func startBus(t *testing.T, storeDir string) *busServer {
	b := &busServer{t: t, port: -1}
	b.start(storeDir)
	u, err := url.Parse(b.s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	if b.port, err = strconv.Atoi(u.Port()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.stop)
	return b
}

func (b *busServer) start(storeDir string) {
	b.t.Helper()
	s, err := relay.StartEmbedded(relay.EmbeddedConfig{StoreDir: storeDir, Port: b.port, Logger: quiet})
	if err != nil {
		b.t.Fatal(err)
	}
	b.s = s
}

func (b *busServer) stop() {
	if b.s != nil {
		b.s.Shutdown()
		b.s.WaitForShutdown()
		b.s = nil
	}
}

// connect returns a JetStream client that reconnects for ever, and its connection.
func (b *busServer) connect() (jetstream.JetStream, *nats.Conn) {
	b.t.Helper()
	nc, err := nats.Connect(b.s.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(10*time.Millisecond))
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		b.t.Fatal(err)
	}
	return js, nc
}

// copyDir copies a stopped server's store: what the disk holds of it at that moment.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.RemoveAll(to); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("copying the NATS store: %v\n%s", err, out)
	}
}

// forgetFixture: a key store with three customers' keys, all on the key bus.
type forgetFixture struct {
	dir, path string
	ring      *personal.MasterKeys
	keys      *personal.Store
	subjects  []string
}

func newForgetFixture(t *testing.T) *forgetFixture {
	t.Helper()
	f := &forgetFixture{dir: t.TempDir(), subjects: []string{"1000/customers/1", "1000/customers/2", "1000/customers/3"}}
	var err error
	if f.ring, err = personal.ParseMasterKeys(masterKey); err != nil {
		t.Fatal(err)
	}
	f.path = filepath.Join(f.dir, "keys.db")
	f.reopen(t)
	for _, s := range f.subjects {
		if _, err := f.keys.DataKey(context.Background(), s, true); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// reopen opens the key store (again, as a restarted writer: what is not written is lost).
func (f *forgetFixture) reopen(t *testing.T) {
	t.Helper()
	if f.keys != nil {
		f.keys.Close()
	}
	keys, err := personal.OpenStore(f.path, f.ring, personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.keys = keys
	t.Cleanup(func() { keys.Close() })
}

func (f *forgetFixture) publisher(t *testing.T, js jetstream.JetStream) *keysync.Publisher {
	t.Helper()
	pub, err := keysync.NewPublisher(keysync.PublisherConfig{Keys: f.keys, JetStream: js, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func publishAll(t *testing.T, pub *keysync.Publisher, keys *personal.Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := pub.PublishPending(ctx); err != nil {
		t.Fatal(err)
	}
	if left, _ := keys.Pending(10); len(left) > 0 {
		t.Fatalf("%d changes not published", len(left))
	}
}

// checkBus checks that gone's entry on the bus is a tombstone and every other subject's its live
// key.
func checkBus(t *testing.T, js jetstream.JetStream, f *forgetFixture, gone string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	kv, err := js.KeyValue(ctx, keysync.DefaultBucket)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range f.subjects {
		e, err := kv.Get(ctx, keysync.EntryKey(s))
		if err != nil {
			t.Errorf("%s is not on the key bus: %v", s, err)
			continue
		}
		r, err := keysync.DecodeEntry(s, e.Value())
		switch {
		case err != nil:
			t.Errorf("%s on the key bus: %v", s, err)
		case s == gone && (!r.Destroyed || len(r.Wrapped) > 0):
			t.Errorf("the forgotten customer's entry on the key bus: %+v; want the tombstone", r)
		case s != gone && (r.Destroyed || len(r.Wrapped) == 0):
			t.Errorf("%s on the key bus: %+v; want its key", s, r)
		}
	}
}

// checkNoWrappedKey searches every file under dir for the wrapped key, raw and base64.
func checkNoWrappedKey(t *testing.T, dir string, wrapped []byte) {
	t.Helper()
	needles := [][]byte{wrapped, []byte(base64.StdEncoding.EncodeToString(wrapped))}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("the NATS store's %s holds the forgotten customer's wrapped key", p)
				return nil
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestForgetCutShortOnTheKeyBus: the writer is killed inside publish, after the secure delete
// of the message holding the wrapped key (and, in the second case, after the tombstone's put
// too) but before the key store marks the tombstone published; the NATS server is restarted with
// it. The test makes the publisher's requests itself, up to the cut. Started again, the publisher
// finds the tombstone pending: it puts it where the entry is gone, and leaves the tombstone that
// is there already (no second message).
func TestForgetCutShortOnTheKeyBus(t *testing.T) {
	for _, tc := range []struct {
		name     string
		putAlso  bool
		wantPuts uint64 // messages the restarted publisher adds to the stream
	}{
		{"after the secure delete", false, 1},
		{"after the tombstone's put", true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newForgetFixture(t)
			natsDir := filepath.Join(f.dir, "nats")
			bus := startBus(t, natsDir)
			js, _ := bus.connect()
			publishAll(t, f.publisher(t, js), f.keys)
			gone := f.subjects[1]
			live, _, _ := f.keys.Record(gone)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := f.keys.Destroy(ctx, gone); err != nil {
				t.Fatal(err)
			}
			tomb, _, _ := f.keys.Record(gone)

			// publish's requests, up to the cut.
			kv, err := js.KeyValue(ctx, keysync.DefaultBucket)
			if err != nil {
				t.Fatal(err)
			}
			stream, err := js.Stream(ctx, "KV_"+keysync.DefaultBucket)
			if err != nil {
				t.Fatal(err)
			}
			old, err := kv.Get(ctx, keysync.EntryKey(gone))
			if err != nil {
				t.Fatal(err)
			}
			if err := stream.SecureDeleteMsg(ctx, old.Revision()); err != nil {
				t.Fatal(err)
			}
			if tc.putAlso {
				v, _ := keysync.EncodeEntry(tomb)
				if _, err := kv.Put(ctx, keysync.EntryKey(gone), v); err != nil {
					t.Fatal(err)
				}
			}
			info, err := stream.Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			before := info.State.LastSeq

			// Killed: the key store loses nothing written (the tombstone stays pending), the NATS
			// server starts again from its store.
			bus.stop()
			f.reopen(t)
			if left, _ := f.keys.Pending(10); len(left) != 1 || left[0].Subject != gone {
				t.Fatalf("pending after the restart: %+v; want the tombstone", left)
			}
			bus.start(natsDir)
			js, _ = bus.connect()
			publishAll(t, f.publisher(t, js), f.keys)
			checkBus(t, js, f, gone)
			stream, err = js.Stream(ctx, "KV_"+keysync.DefaultBucket)
			if err != nil {
				t.Fatal(err)
			}
			if info, err := stream.Info(ctx); err != nil || info.State.LastSeq != before+tc.wantPuts || info.State.Msgs != uint64(len(f.subjects)) {
				t.Errorf("the stream after the restarted publisher: %+v (%v); want last sequence %d, %d messages", info.State, err, before+tc.wantPuts, len(f.subjects))
			}
			bus.stop()
			checkNoWrappedKey(t, natsDir, live.Wrapped)
		})
	}
}

// TestForgetAfterAKeyStoreRestore: the key store is restored from a backup taken before a
// forget (its record of the customer is the live key again, its marks older) while the key bus
// holds the tombstone; the publisher, started on it, republishes what the backup holds pending.
// The bus keeps the tombstone (a later revision), and the writer's reconciliation destroys the
// key again, which leaves the bus as it is.
func TestForgetAfterAKeyStoreRestore(t *testing.T) {
	f := newForgetFixture(t)
	natsDir := filepath.Join(f.dir, "nats")
	bus := startBus(t, natsDir)
	js, _ := bus.connect()
	gone := f.subjects[1]
	live, _, _ := f.keys.Record(gone)
	var backup bytes.Buffer
	if _, err := f.keys.Backup(&backup); err != nil { // every key pending: none published yet
		t.Fatal(err)
	}
	publishAll(t, f.publisher(t, js), f.keys)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := f.keys.Destroy(ctx, gone); err != nil {
		t.Fatal(err)
	}
	publishAll(t, f.publisher(t, js), f.keys)

	f.keys.Close()
	if err := os.WriteFile(f.path, backup.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	f.keys = nil
	f.reopen(t)
	publishAll(t, f.publisher(t, js), f.keys)
	checkBus(t, js, f, gone)
	if err := f.keys.Destroy(ctx, gone); err != nil { // as Reconcile does on start
		t.Fatal(err)
	}
	publishAll(t, f.publisher(t, js), f.keys)
	checkBus(t, js, f, gone)
	bus.stop()
	checkNoWrappedKey(t, natsDir, live.Wrapped)
}

// TestPublisherSeesARollbackUnderIt: the NATS server loses its unsynced tail — the forgotten
// customer's tombstone among it — and starts again while the writer runs: the publisher's
// connection reconnects, and its bucket stays open. Whether it next publishes nothing (a round
// of Run after its 30 s wait) or a new customer's key, it must see that the stream went back and
// publish the tombstone again; a new key put first would otherwise lift the stream's last
// sequence to what the key store recorded, hiding the loss for good.
func TestPublisherSeesARollbackUnderIt(t *testing.T) {
	for _, newKey := range []bool{false, true} {
		name := "idle"
		if newKey {
			name = "a new key"
		}
		t.Run(name, func(t *testing.T) {
			f := newForgetFixture(t)
			live, synced := filepath.Join(f.dir, "nats"), filepath.Join(f.dir, "nats-synced")
			bus := startBus(t, live)
			js, nc := bus.connect()
			pub := f.publisher(t, js)
			publishAll(t, pub, f.keys)
			gone := f.subjects[1]
			wrapped, _, _ := f.keys.Record(gone)

			// What the disk holds of the NATS store when it loses power: everything up to here.
			bus.stop()
			copyDir(t, live, synced)
			bus.start(live)
			waitUntil(t, "the publisher's connection to reconnect", func() bool { return nc.Stats().Reconnects >= 1 && nc.IsConnected() })
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := f.keys.Destroy(ctx, gone); err != nil {
				t.Fatal(err)
			}
			publishAll(t, pub, f.keys)

			// The power comes back: the store as last synced, the writer still running.
			bus.stop()
			bus.start(synced)
			waitUntil(t, "the publisher's connection to reconnect again", func() bool { return nc.Stats().Reconnects >= 2 && nc.IsConnected() })
			if newKey {
				f.subjects = append(f.subjects, "1000/customers/4")
				if _, err := f.keys.DataKey(ctx, "1000/customers/4", true); err != nil {
					t.Fatal(err)
				}
			}
			publishAll(t, pub, f.keys)
			checkBus(t, js, f, gone)
			bus.stop()
			checkNoWrappedKey(t, synced, wrapped.Wrapped)
		})
	}
}

// TestPublisherSeesItsStreamMadeAgain: the bucket's stream is deleted and made again while the
// publisher holds it open (an operator's doing; a reconnect is not needed): the new stream's
// sequences start again below what the key store recorded as acknowledged. The publisher's next
// put is acknowledged at such a sequence, and it must publish every record again — every key
// and the tombstone were lost with the old stream.
func TestPublisherSeesItsStreamMadeAgain(t *testing.T) {
	f := newForgetFixture(t)
	bus := startBus(t, filepath.Join(f.dir, "nats"))
	js, _ := bus.connect()
	pub := f.publisher(t, js)
	gone := f.subjects[1]
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := f.keys.Destroy(ctx, gone); err != nil {
		t.Fatal(err)
	}
	publishAll(t, pub, f.keys)
	if err := js.DeleteStream(ctx, "KV_"+keysync.DefaultBucket); err != nil {
		t.Fatal(err)
	}
	if _, err := keysync.Bucket(ctx, js, keysync.DefaultBucket, 1); err != nil {
		t.Fatal(err)
	}
	f.subjects = append(f.subjects, "1000/customers/4")
	if _, err := f.keys.DataKey(ctx, "1000/customers/4", true); err != nil {
		t.Fatal(err)
	}
	publishAll(t, pub, f.keys)
	checkBus(t, js, f, gone)
}

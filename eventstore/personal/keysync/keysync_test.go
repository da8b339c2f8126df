package keysync_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/eventstore/personal"
	"github.com/nordledger/ledger/eventstore/personal/keysync"
	"github.com/nordledger/ledger/eventstore/relay"
)

const masterKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func jetStream(t *testing.T, storeDir string) jetstream.JetStream {
	t.Helper()
	s, err := relay.StartEmbedded(relay.EmbeddedConfig{StoreDir: storeDir, Port: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// TestKeyBus: a reader's source gets the writer's keys from the bus and opens what the writer
// sealed; a forgotten customer's key becomes a tombstone on the bus, and the message that held
// it is overwritten in the NATS store.
func TestKeyBus(t *testing.T) {
	dir := t.TempDir()
	js := jetStream(t, filepath.Join(dir, "nats"))
	ring, _ := personal.ParseMasterKeys(masterKey)
	keys, err := personal.OpenStore(filepath.Join(dir, "keys.db"), ring, personal.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	writer := personal.NewProtector(keys)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	pub, err := keysync.NewPublisher(keysync.PublisherConfig{Keys: keys, JetStream: js, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	go pub.Run(ctx)
	src, err := keysync.NewSource(keysync.SourceConfig{MasterKeys: ring, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	go src.Run(ctx, js)
	reader := personal.NewProtector(src)

	data := []byte(`{"address":{"addressee":"Kalle Axelstopp","streetAddress":"Axelgatan 18","city":"STOCKHOLM","zipCode":"16872","countryCode":"SE"},"source":"api"}`)
	var events []eventstore.Event
	for _, no := range []string{"1", "2"} {
		e := eventstore.Event{ID: uuid.New(), Stream: "1000/customers/" + no, Type: domain.TypeLegalAddressReplaced, SchemaVersion: 1}
		if e.Data, err = writer.SealEvent(ctx, e.Stream, e.ID, e.Type, data); err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	wait, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	for _, e := range events {
		o, err := reader.OpenEvent(wait, e)
		if err != nil || !bytes.Contains(o.Data, []byte("Axelgatan 18")) {
			t.Fatalf("the reader opened %s: %v", o.Data, err)
		}
	}
	// Another master key unwraps nothing.
	other, _ := personal.ParseMasterKeys("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f")
	wrong, _ := keysync.NewSource(keysync.SourceConfig{MasterKeys: other, Logger: quiet})
	go wrong.Run(ctx, js)
	if _, err := personal.NewProtector(wrong).OpenEvent(wait, events[0]); !errors.Is(err, personal.ErrMasterKey) {
		t.Fatalf("another master key: %v", err)
	}

	rec, _, _ := keys.Record("1000/customers/1")
	if err := keys.Destroy(ctx, "1000/customers/1"); err != nil {
		t.Fatal(err)
	}
	// The reader learns it from the bus (a fresh source, which has no cached key).
	fresh, _ := keysync.NewSource(keysync.SourceConfig{MasterKeys: ring, Logger: quiet})
	go fresh.Run(ctx, js)
	for {
		o, err := personal.NewProtector(fresh).OpenEvent(wait, events[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Erased) > 0 {
			break
		}
		select {
		case <-wait.Done():
			t.Fatal("the tombstone never reached the reader")
		case <-time.After(20 * time.Millisecond):
		}
	}
	if o, err := personal.NewProtector(fresh).OpenEvent(wait, events[1]); err != nil || len(o.Erased) > 0 {
		t.Fatalf("the other customer: %+v %v", o, err)
	}
	// The wrapped key is nowhere in the NATS store.
	var found []string
	filepath.WalkDir(filepath.Join(dir, "nats"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		if bytes.Contains(b, rec.Wrapped) || bytes.Contains(b, []byte(base64.StdEncoding.EncodeToString(rec.Wrapped))) {
			found = append(found, path)
		}
		return nil
	})
	if len(found) > 0 {
		t.Errorf("the destroyed key's wrapping is still in %v", found)
	}
	// Evict on a reader holds the subject destroyed at once.
	src.Evict("1000/customers/2")
	if o, err := reader.OpenEvent(wait, events[1]); err != nil || len(o.Erased) == 0 {
		t.Fatalf("after evict: %+v %v", o, err)
	}
}

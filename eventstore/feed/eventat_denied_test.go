package feed_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nordledger/ledger/eventstore/feed"
	"github.com/nordledger/ledger/eventstore/relay"
)

// TestJetStreamEventAtWithoutGetPermission: a reader whose NATS user may follow the stream but
// not get one of its messages (no permission for $JS.API.STREAM.MSG.GET, which the reader never
// needed before the restored-log check) learns the stream's end, with an error saying the event
// could not be got — so the check judges the end and goes on, rather than the reader stop
// reading. The get gets no answer at all (a permission violation is not replied to); its wait
// is bounded.
func TestJetStreamEventAtWithoutGetPermission(t *testing.T) {
	opts := &server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true,
		Users: []*server.User{
			{Username: "writer", Password: "w"},
			{Username: "reader", Password: "r", Permissions: &server.Permissions{
				Publish: &server.SubjectPermission{Allow: []string{">"}, Deny: []string{"$JS.API.STREAM.MSG.GET.>", "$JS.API.DIRECT.GET.>"}},
			}},
		}}
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	if !srv.ReadyForConnections(waitLeft(t)) {
		t.Fatal("the NATS server did not start")
	}
	connect := func(user, pass string) jetstream.JetStream {
		nc, err := nats.Connect(srv.ClientURL(), nats.UserInfo(user, pass))
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
	wjs := connect("writer", "w")
	if err := relay.EnsureStream(context.Background(), wjs, relay.StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	store := openStore(t)
	r := startRelay(t, store, wjs)
	appendEvents(t, store, 3)
	waitFor(t, "relay", func() bool { return r.Status().Published == 3 })

	f, err := feed.NewJetStream(connect("reader", "r"), relay.DefaultStreamName, "reader-1", quiet)
	if err != nil {
		t.Fatal(err)
	}
	id, last, err := f.EventAt(context.Background(), 2)
	if err == nil || id != "" || last != 3 {
		t.Errorf("EventAt(2) without the permission to get a message = %q, %d, %v; want \"\", 3 and an error", id, last, err)
	}
}

// waitLeft is how long a wait for something that will happen may take: until waitDeadline.
func waitLeft(t testing.TB) time.Duration { return time.Until(waitDeadline(t)) }

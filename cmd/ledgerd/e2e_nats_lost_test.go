package main

import (
	"fmt"
	"net"
	"net/http"
	"testing"
)

// TestE2ENATSStoreLost: the external NATS server loses its store (a new, empty volume) while
// ledgerd runs. docs/operations.md: "The NATS volumes are lost: the writer's relay refills a new,
// empty stream from log position 1". Every event, those stored before the loss included, must
// be in the new stream once, in log order — without a restart of ledgerd.
func TestE2ENATSStoreLost(t *testing.T) {
	ns := startExternalNATS(t, t.TempDir(), -1)
	port := ns.Addr().(*net.TCPAddr).Port
	s := startServer(t, withArgs("-nats-url", ns.ClientURL()))
	events := uint64(0)
	create := func(i int) {
		t.Helper()
		expectStatus(t, s.createCustomer(t, s.token, newCustomer(fmt.Sprint(6000+i), fmt.Sprint("Lost ", i))), http.StatusCreated)
		events++
	}
	for i := range 5 {
		create(i)
	}
	checkStream(t, ns.ClientURL(), events)

	ns.Shutdown()
	ns.WaitForShutdown()
	ns = startExternalNATS(t, t.TempDir(), port) // the same address, an empty store
	for i := 5; i < 10; i++ {
		create(i)
	}
	checkStream(t, ns.ClientURL(), events)
}

// Package consumer is the official Go client for services downstream of the ledger: it follows
// a ledger's events on NATS JetStream and hands them over typed, with their personal data when
// the consumer was granted it. The protocol it implements — for consumers in other languages —
// is docs/consumers.md; the events' schemas are /asyncapi.json.
//
// # Following a ledger
//
// A Consumer reads the JetStream stream ledgerd publishes to ("LEDGER") through a durable pull
// consumer named by Config.Durable, filtered to one ledger ("ledger.customer.v1.{ledgerNo}.>"):
//
//   - In log order: the stream sequence is the event's global log position, and events are handed
//     to the Handler one at a time in that order — so each stream's (Event.Subject's) versions
//     follow each other. A customer's own events ("customers/{no}") and the record of look-ups
//     of it ("lookups/{no}") are two streams, each with its own versions.
//   - At least once: an event is acknowledged (explicitly) only after the Handler returned nil; a
//     Handler error has the same event handed again, and nothing after it before it succeeds.
//   - Resuming: the durable stays on the server when Run returns, when the process dies, and
//     across a NATS restart (JetStream file storage); Run resumes after the last acknowledged
//     event, also when a delivery was lost on its way while the connection broke (the
//     durable's delivery numbers skip one: the durable is made again from the event after the
//     last handed over). Redeliveries within a run are skipped by position (an event's id and its position
//     name each other one to one); across a crash an event may come again (Event.Redelivered) —
//     unless Config.Checkpoint gives the position the application stored with its own data in
//     the same transaction, which makes each event's effect happen once. Config.CheckpointMark,
//     the position with the event's id, also detects the ledger's log restored from an older
//     backup (LogRestoredError) instead of skipping the new events up to the checkpoint.
//   - Attributes decoded: Event carries the CloudEvents attributes (percent-decoded), the
//     extensions (position, stream version, schema version, actor, correlation and causation
//     ids), the W3C trace context (Event.TraceParent; Event.ChildTraceParent continues the
//     trace) and Domain, the typed event of package domain — the types the ledger itself uses,
//     upcast from older schema versions.
//   - Traced: each event's handling is an OpenTelemetry span (SpanHandle), a child of the
//     event's trace context, in the Handler's ctx (Config.TracerProvider, default the global);
//     a batch's personal data is asked for in a span too (SpanOpen), and the Opener's requests
//     carry the span of their ctx as W3C traceparent and tracestate, so the writer continues
//     the trace.
//
// # Personal data
//
// Events are published with their personal members (names, identity numbers, addresses,
// e-mail, phone, KYC answers, bank accounts, card data) sealed in the member "$pd", which only
// ledgerd can open. An Opener asks the ledger's writer for them (POST
// /ledger/customer/v1/{ledgerNo}/events/personal-data) with a bearer token whose subject is
// this consumer: an operator must have granted the consumer the ledger's personal data
// ("ledgerctl consumer grant"), and every disclosure is recorded. The Consumer opens each batch
// of events in one request. Event.Personal then says what the consumer holds:
//
//   - PersonalNone or PersonalOpened: Data and Domain are complete.
//   - PersonalWithheld: not disclosed to this consumer — Event.Withheld says why (ErrNoOpener,
//     ErrNotGranted: no grant or revoked, ErrProtectedIdentity). A token whose scopes do not
//     allow asking (ErrForbidden) withholds nothing: Run stops with it, as with a token the
//     ledger refuses twice — handing the events over withheld would lose their personal data
//     for good once the configuration is mended;
//     Data holds the clear members and Event.PersonalMembers names the others.
//   - PersonalErased: the customer was forgotten; its personal members can never be read again.
//
// Obligations that come with personal data (docs/consumers.md, "Erasure"): keep what the ledger
// disclosed no longer than its maxAge unless it becomes the service's own copy; and on
// CustomerForgotten, delete everything the service holds of the customer. The Opener keeps
// answers for at most maxAge and forgets a customer's when the Consumer hands over its
// CustomerForgotten.
//
// # Example
//
//	nc, _ := nats.Connect(natsURL, nats.MaxReconnects(-1))
//	js, _ := jetstream.New(nc)
//	opener, _ := consumer.NewOpener(consumer.OpenerConfig{URL: "https://ledger.example.com", Token: tokenSource})
//	c, _ := consumer.New(consumer.Config{JetStream: js, LedgerNo: "1000", Durable: "crm-sync", Opener: opener})
//	err := c.Run(ctx, func(ctx context.Context, e *consumer.Event) error {
//		switch ev := e.Domain.(type) {
//		case domain.CustomerCreated:
//			if e.Personal == consumer.PersonalOpened {
//				return crm.Upsert(ctx, e.CustomerNo, ev.Name, ev.LegalAddress)
//			}
//		case domain.CustomerForgotten:
//			return crm.Delete(ctx, e.CustomerNo)
//		case nil: // DomainErr: an unknown type (skip it), or a newer schema version of one handled
//			if e.Type == domain.TypeCustomerCreated || e.Type == domain.TypeCustomerForgotten {
//				return e.DomainErr // stop and update the module: skipping would lose the event
//			}
//		}
//		return nil
//	})
//
// cmd/addressbook is a complete example service.
package consumer

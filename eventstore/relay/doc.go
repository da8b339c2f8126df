// Package relay publishes the event log to NATS JetStream: the log is the outbox, and a Relay
// copies every stored event, in log order, into one JetStream stream (default "LEDGER"), at least
// once and de-duplicated to effectively once, without ever losing or reordering one.
//
// # Subjects and messages
//
// An event of stream "{ledgerNo}/customers/{customerNo}" (a customer's own events) or
// "{ledgerNo}/lookups/{customerNo}" (the record of look-ups of the customer's details;
// "{ledgerNo}/lookups/unmatched" for look-ups that matched nobody) is published on
// "ledger.customer.v1.{ledgerNo}.{customerNo}.{EventType}". ledgerNo, customerNo and the type
// must be valid subject tokens (no '.', '*', '>', whitespace or control characters); an event of
// any other stream, or one that is not, stops the relay with wire.ErrUnmappableEvent rather than
// publish a wrong subject. ce-subject is the stream without "{ledgerNo}/" ("customers/{customerNo}"
// or "lookups/{customerNo}"), so a message maps back to its stream: ledgerNo + "/" + ce-subject.
//
// The message is a CloudEvents 1.0 event in binary content mode of the CloudEvents NATS protocol
// binding: the payload is the event's JSON data, byte for byte, and every attribute is a header
// "ce-{attribute}" whose string value is percent-encoded as the binding requires
// (wire.DecodeHeaderValue reverses it):
//
//	ce-specversion      1.0
//	ce-id               event id (UUIDv7)
//	ce-source           /ledger/customer/v1/{ledgerNo}
//	ce-type             ledger.customer.v1.{EventType}, e.g. ledger.customer.v1.CustomerCreated
//	ce-subject          customers/{customerNo} or lookups/{customerNo}: the stream without its ledger
//	ce-time             event time, RFC 3339 with nanoseconds, UTC
//	ce-datacontenttype  application/json
//	Content-Type        application/json (datacontenttype again, for tools and SDKs reading it)
//	ce-ledgerposition   global log position (extension) = the message's stream sequence
//	ce-streamversion    version within the stream (extension)
//	ce-schemaversion    schema version of the data for this type (extension)
//	ce-actor            who caused it, the token subject (extension; absent when empty)
//	ce-correlationid    the request that caused it (extension; absent when empty)
//	ce-causationid      the message that caused it (extension; absent when empty)
//	Nats-Msg-Id         event id: JetStream's de-duplication id
//	Nats-Expected-Last-Sequence  position-1 (see below)
//	Nats-Expected-Stream         the stream name: the subject must land in that stream
//	_watermill_message_uuid      event id, as watermill-nats's NATSMarshaler expects
//
// The type is "ledger.customer.v1." + the event type name: a reverse-DNS-like namespace that
// mirrors the subject, so a type maps to a subject filter (ledger.customer.v1.*.*.{EventType})
// and back. "v1" versions the envelope and subject layout; the data's schema version is the
// separate ce-schemaversion, so compatible schema changes never rename a type. ce-dataschema is
// not set (the schemas are published in the AsyncAPI document, not as per-type URIs).
//
// # Publishing through Watermill
//
// wire.Headers maps an event to its subject and the headers above (all but Nats-Expected-Stream
// and _watermill_message_uuid, which the relay adds); wire.NewMessage turns an event into a
// Watermill *message.Message built from them (UUID = event id, metadata = those headers,
// wire.MetadataSubject = the subject). The relay publishes through a message.Publisher, by
// default an AsyncPublisher over JetStream asynchronous publishing: its Publish returns once
// every message of the call is acknowledged, and its SendEvents, which builds the NATS messages
// straight from wire.Headers (the same messages Publish sends for wire.NewMessage), returns at
// once, so the relay keeps sending while earlier batches await their acks, up to MaxInFlight
// events (default 1000). Any other message.Publisher gets wire.NewMessage's messages, one batch
// at a time. The cursor moves past a batch only when it and all batches before it are
// acknowledged.
// watermill-nats's own JetStream publisher waits for one PubAck per message: too slow for the
// log's write rate.
//
// # The cursor is the stream
//
// Log position N is published with header Nats-Expected-Last-Sequence: N-1, so JetStream stores
// it only as sequence N and rejects anything that would leave a gap or reorder the stream. Hence
// the relay keeps no cursor of its own: on start it reads the stream's last sequence (0 when
// empty) and resumes after it; after every acknowledged batch its cursor is that batch's last
// position. Before resuming it checks that the stream's last message carries, in Nats-Msg-Id, the
// id of the log's event at that position.
//
// This implies a constraint: the stream holds only this log's events, and only one Relay writes
// to it (one writer per stream; a second relay on the same log and stream would be harmless but
// wasteful, its publishes being rejected). Nothing else may publish on "ledger.customer.v1.>".
//
// A JetStream consumer sees each event exactly once, at stream sequence = log position. A plain
// NATS subscriber ("nats sub 'ledger.customer.v1.>'") sees every message the relay sends,
// including a re-send the stream rejected as a duplicate after a failure, and misses what is
// sent while it is disconnected: it should de-duplicate by ce-id.
//
// # Failures
//
//   - NATS unreachable, ack timeouts, any publishing error: the batch is abandoned, the relay
//     waits (exponential backoff, MinBackoff doubling to MaxBackoff), re-reads the stream's last
//     sequence and publishes again from there. Messages of the failed batch that did reach the
//     stream are therefore not sent twice; the rest are. Appends to the log are unaffected: the
//     relay only reads it. Status shows the lag and the error meanwhile.
//   - The stream does not exist: with Config.Create, Run creates it again (a NATS that lost its
//     store) and refills it from the log; without, it is retried like an outage (EnsureStream
//     creates it), with the error in Status.
//   - "wrong last sequence" (JetStream error 10071; 10164 on replicated streams): expected after a
//     publish that succeeded but whose ack was lost. The relay re-reads the stream at once; if the
//     stream's last message is this log's event there, the event was already published and the
//     relay continues after it.
//   - The stream is ahead of the log (its last sequence is beyond the log's head): Run returns
//     ErrStreamAhead. The stream belongs to another log, or the log file was replaced by an older
//     copy; publishing would mix two histories.
//   - The stream's last message is not this log's event at that position (another publisher, or
//     an event id acknowledged at another sequence): Run returns ErrForeignMessage.
//   - The stream is behind the relay's cursor (it lost messages or was recreated): the relay logs
//     a warning and republishes from the stream's end; the log is the system of record.
//   - The stream's last message was removed (MaxAge, purge, delete): sequences are never reused,
//     so the relay resumes after the last sequence without comparing ids.
//   - Run returns the error, never skips: conflicts need an operator (point the relay at a fresh
//     stream, or restore the matching log).
//   - The stream's disk is full: nats-server stores nothing more on that stream — it logs the
//     write error and does not even answer the publisher (ack timeouts) — until the stream is
//     loaded again, however much space returns. Status reports the relay stuck (Stuck: events
//     wait and nothing was published for StuckAfter). For an embedded server a Healer notices
//     the write error at once and, once the disk has room, restarts the server in this process
//     on its address; the relay reconnects, finds the stream behind its cursor if the stream
//     lost what it had not written, and republishes from the log. StartEmbedded sets JetStream's
//     storage limit explicitly (EmbeddedConfig.MaxStore): nats-server's own default, computed
//     from the free space at start, left a server started on a full disk unable to store
//     anything until the next restart.
//
// JetStream is the distribution log, not the system of record: the bbolt log is. A stream that
// lost its unsynced tail in a machine crash is found behind the relay's cursor and refilled from
// the log with the same sequences and ids (Run reconciles whenever its connection reconnects,
// not only at the next publish: an idle relay refills too), so an embedded server may fsync periodically
// (EmbeddedConfig.SyncInterval; ledgerd's default is every second) rather than per message,
// which caps a single server at a few thousand messages a second. Clusters use
// "sync_interval: always" with R3, which syncs per Raft flush rather than per message.
package relay

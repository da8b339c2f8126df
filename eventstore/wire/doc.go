// Package wire is the event's wire format on NATS, both ways: a stored event (eventstore.Event)
// as the CloudEvents 1.0 message the relay publishes — its subject and headers (Headers), or the
// Watermill message built from them (NewMessage) — and back (EventFromMessage), with the headers'
// percent-encoding. It imports no NATS client or server (Headers returns nats.Header's underlying
// map type): the relay (eventstore/relay) publishes these messages, a reader's feed
// (eventstore/feed) reads them, and neither needs the other.
//
// The headers, subjects and streams are described in package relay's documentation and in the
// AsyncAPI document (httpapi/apidocs/asyncapi.yaml); eventstore/consumer reads the same format
// for downstream services (its names are pinned to these by TestWireNamesMatchRelay).
package wire

import "errors"

// MetadataSubject is the metadata key naming a message's NATS subject. It lets one Publish call
// carry messages for many subjects (every event has its own). It is not copied into a header.
// A message without it is published to the topic given to Publish.
const MetadataSubject = "_nats_subject"

// ErrUnmappableEvent: an event's stream or type cannot form a valid subject (see
// *UnmappableEventError). The domain never produces such events.
var ErrUnmappableEvent = errors.New("wire: event cannot be mapped to a subject")

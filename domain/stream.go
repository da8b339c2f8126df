package domain

import "strings"

// Event streams. Every stream is named "{ledgerNo}/{kind}/{customerNo}": a customer's own events
// (StreamName, kind StreamCustomers) and the record of look-ups of its details (LookupStreamName,
// kind StreamLookups). This file is the one home of the names: they are built and parsed here.
const (
	StreamCustomers = "customers"
	StreamLookups   = "lookups"
)

// StreamName returns the event stream of a customer: "{ledgerNo}/customers/{customerNo}".
func StreamName(ledgerNo, customerNo string) string { return ledgerNo + "/customers/" + customerNo }

// LookupStreamName returns the stream that records a customer-details look-up:
// "{ledgerNo}/lookups/{customerNo}" for one that matched a customer, and
// "{ledgerNo}/lookups/unmatched" for one that matched nobody (customerNo ""). It is never the
// customer's own stream: a look-up changes nothing about the customer, so it must not move the
// customer's version (its ETag).
func LookupStreamName(ledgerNo, customerNo string) string {
	if customerNo == "" {
		customerNo = UnmatchedLookups
	}
	return ledgerNo + "/lookups/" + customerNo
}

// SplitStream splits a stream name into its three segments, "{ledgerNo}/{kind}/{customerNo}"
// (any of which may be empty); ok is false for a name of another number of segments. It
// allocates nothing: a rebuild splits every event's stream.
func SplitStream(stream string) (ledgerNo, kind, customerNo string, ok bool) {
	ledgerNo, rest, ok := strings.Cut(stream, "/")
	if !ok {
		return "", "", "", false
	}
	kind, customerNo, ok = strings.Cut(rest, "/")
	if !ok || strings.Contains(customerNo, "/") {
		return "", "", "", false
	}
	return ledgerNo, kind, customerNo, true
}

// ParseStream splits a customer's stream name ("{ledgerNo}/customers/{customerNo}") into ledger
// and customer number; ok is false for every other stream, such as the look-up streams.
func ParseStream(stream string) (ledgerNo, customerNo string, ok bool) {
	ledgerNo, kind, customerNo, ok := SplitStream(stream)
	if !ok || kind != StreamCustomers || ledgerNo == "" || customerNo == "" {
		return "", "", false
	}
	return ledgerNo, customerNo, true
}

// StreamLedger returns the ledger a stream belongs to, its first segment ("" when the name has
// none): the look-up streams are their ledger's too.
func StreamLedger(stream string) string {
	ledgerNo, _, ok := strings.Cut(stream, "/")
	if !ok {
		return ""
	}
	return ledgerNo
}

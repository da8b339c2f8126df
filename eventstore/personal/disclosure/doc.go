// Package disclosure gives the personal data of the ledger's events to the downstream consumers an
// operator granted it to, and records every disclosure (docs/data-protection.md, "Consumers of
// personal data"; the protocol in docs/consumers.md).
//
// The events on NATS carry their personal members sealed with the customer's data key, which only
// ledgerd processes holding the master key can open. A consumer that needs them asks the writer
// with the positions of the events (Service.Disclose, served as POST
// /ledger/customer/v1/{ledgerNo}/events/personal-data): the writer checks that the consumer — the
// token's subject — holds a grant for the ledger, opens the events with its own keys, records
// which customers' events it disclosed to whom, and answers with the events' opened data. No key
// ever leaves the writer: a consumer holds, for as long as it keeps it, exactly the personal data
// of the events it asked for. So:
//
//   - a grant is per consumer and ledger, given and revoked by an operator (Store.Grant,
//     Store.Revoke; ledgerctl consumer through the admin socket), and a revocation is checked in
//     the same transaction that records a disclosure: nothing is disclosed after it;
//   - every disclosure is recorded — consumer, customer, events, time — before it is answered
//     (Store.Disclosures: who could read whose data);
//   - a forget destroys the customer's data key, after which every event of the customer is
//     answered "erased"; consumers may keep what they obtained for at most the answer's maxAge.
//
// The Store is a bbolt file of its own (data/disclosures.db). It holds no personal data: ledger
// and customer numbers, consumer names, positions and times.
package disclosure

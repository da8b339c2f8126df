// Package personal protects the personal data of the ledger's events by crypto-shredding.
//
// Every customer has a data key (AES-256). Before an event is stored, the members that
// domain.PersonalFields classifies as personal are taken out of its JSON, encrypted together with
// the customer's data key (AES-256-GCM) and put back as one member "$pd"; every other member stays
// in the clear. Forgetting the customer destroys its data key: the encrypted members become
// unreadable in the log, in the JetStream stream, in backups, and in every read model rebuilt from
// them, while the log stays auditable (types, times, actors, statuses, amounts).
//
// Data keys live in a key store of their own (Store, a bbolt file apart from the log, so the log's
// backups never hold them), each wrapped by a master key from the configuration (MasterKeys).
// A Protector seals and opens events and read-model states with the keys of a KeySource: the key
// store on the writer, the key bus (package keysync) on reader replicas.
//
// Events written before this package existed carry no "$pd" member: they are read as they are
// (upcast: both forms are read). See docs/data-protection.md.
package personal

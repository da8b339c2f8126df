// Command ledgerctl is the operator's command line for the ledger service.
//
//	ledgerctl <command> [flags]
//	ledgerctl help [command]
//
// Commands:
//
//	token    print a development access token (HS256) for the ledger API
//	rebuild  rebuild read models (projections) offline from the event log
//	verify   check the event log's integrity and that the read models equal a rebuild
//	tail     follow the ledger's events on NATS
//	backup   copy the event log or the key store consistently, while ledgerd runs
//	master-key rotate the master key that wraps the customers' data keys, or make a new one
//	consumer grant or revoke a downstream consumer the personal data of a ledger's events
//	compact  rewrite the event log without freed pages, offline
//	events   print a customer's audit trail (asks a running ledgerd)
//	audit    query the ledger's audit index (asks a running ledgerd)
//	customer print a customer now, or as it was at a time or version (asks a running ledgerd)
//
// Every command takes --help. Commands whose output is data take --json.
//
// Exit status: 0 on success, 1 when the command fails or verify finds a problem, 2 on a usage
// error.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// Command ledgerctl is the operator's command line for the ledger service.
//
//	ledgerctl <command> [flags]
//	ledgerctl help [command]
//
// Commands:
//
//	token   print a development access token (HS256) for the ledger API
//
// Exit status: 0 on success, 1 when the command fails, 2 on a usage error.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

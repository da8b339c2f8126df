//go:build !unix

package main

import "os"

// fileIdentity reports no identity where the platform gives none: a copied reader.id is not
// recognised there (give each reader its own LEDGERD_READER_ID).
func fileIdentity(os.FileInfo) (string, bool) { return "", false }

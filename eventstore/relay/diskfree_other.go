//go:build !(linux || darwin || freebsd)

package relay

// diskFree cannot measure free space here.
func diskFree(string) (uint64, bool) { return 0, false }

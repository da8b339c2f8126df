package disclosure

// SetPruneScan sets how many records one transaction of Prune looks at, for the test's
// duration (the returned function restores it).
func SetPruneScan(n int) (restore func()) {
	old := pruneScan
	pruneScan = n
	return func() { pruneScan = old }
}

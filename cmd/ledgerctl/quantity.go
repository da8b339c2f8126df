package main

import "strconv"

// quantity says how many of something there are, in the singular for one: "1 event",
// "2 events", "0 events".
func quantity[N int | int64 | uint64](n N, one, many string) string {
	s := strconv.FormatInt(int64(n), 10)
	if n == 1 {
		return s + " " + one
	}
	return s + " " + many
}

package main

import (
	"errors"
	"strings"
)

// listFlag is a repeatable flag whose values may also be comma lists:
// "--ledger 1000 --ledger 2000" and "--ledger 1000,2000" are the same. The
// first use replaces the default.
type listFlag struct {
	values []string
	set    bool
}

func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(l.values, ",")
}

// Set adds the comma-separated values of s.
func (l *listFlag) Set(s string) error {
	if !l.set {
		l.values, l.set = nil, true
	}
	for v := range strings.SplitSeq(s, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			return errors.New("empty value in list")
		}
		l.values = append(l.values, v)
	}
	return nil
}

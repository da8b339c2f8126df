package main

import (
	"fmt"
	"strings"
	"time"
)

// outsideTimeoutProblems reports an outside service whose timeout leaves no room in the HTTP
// write timeout: a request asking a register service or an external card-verification provider
// takes up to its timeout and then up to -read-model-wait for its command, and an answer later
// than -http-write-timeout is never written (the client is left with a broken connection, after
// a change that may have been stored). Only a writer asks them, and only services reached over
// the network count (a register file, the sandbox).
func (o *Options) outsideTimeoutProblems() []error {
	if o.Role != RoleWriter || o.HTTP.WriteTimeout <= 0 || o.HTTP.ReadModelWait <= 0 {
		return nil
	}
	var errs []error
	check := func(setting, name string, timeout time.Duration) {
		if !strings.HasPrefix(setting, "http://") && !strings.HasPrefix(setting, "https://") || timeout <= 0 {
			return
		}
		if timeout+o.HTTP.ReadModelWait > o.HTTP.WriteTimeout {
			errs = append(errs, fmt.Errorf("%s timeout %v plus read model wait %v exceed the http write timeout %v: a request asking it could not be answered; shorten them or raise the http write timeout",
				name, timeout, o.HTTP.ReadModelWait, o.HTTP.WriteTimeout))
		}
	}
	check(o.PopulationRegister, "population register", o.PopulationRegisterTimeout)
	check(o.CardVerification, "card verification", o.CardVerificationTimeout)
	return errs
}

package main

import (
	"strings"
	"testing"
)

// TestOutsideTimeoutsFitTheWriteTimeout: a request that asks a register service or an external
// card-verification provider takes up to that service's timeout and then up to -read-model-wait
// for its command. Past -http-write-timeout its answer — the 503 of a service that did not answer,
// or the 200/201 of a change that was stored — can no longer be written, and the client is left
// with a broken connection. ledgerd refuses such a configuration at start, naming the settings;
// the timeouts of a register file or the sandbox (nothing asked over the network) do not count.
func TestOutsideTimeoutsFitTheWriteTimeout(t *testing.T) {
	refused := [][]string{
		{"-population-register", "https://register.example/lookup", "-population-register-timeout", "25s"},
		{"-population-register", "http://register.example/lookup", "-http-write-timeout", "12s"},
		{"-card-verification", "https://provider.example/api", "-card-verification-timeout", "21s"},
		{"-card-verification", "https://provider.example/api", "-read-model-wait", "25s"},
	}
	for _, args := range refused {
		err := NewMain().ParseFlags(args, func(string) string { return "" })
		if err == nil || !strings.Contains(err.Error(), "http write timeout") {
			t.Errorf("%v: %v; want refused, naming the http write timeout", args, err)
		}
	}
	accepted := [][]string{
		nil,
		{"-population-register", "https://register.example/lookup"},
		{"-card-verification", "https://provider.example/api", "-card-verification-token", "t", "-card-verification-callback-secret", strings.Repeat("c", 32)},
		{"-population-register", "https://register.example/lookup", "-population-register-timeout", "20s"},
		{"-population-register-timeout", "1m"}, // the built-in register: nothing is asked
		{"-card-verification-timeout", "1m"},   // the sandbox
	}
	for _, args := range accepted {
		if err := NewMain().ParseFlags(args, func(string) string { return "" }); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

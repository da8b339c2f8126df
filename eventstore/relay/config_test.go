package relay_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore/relay"
)

func TestConfigValidateReportsEveryProblem(t *testing.T) {
	err := relay.Config{Stream: "A.B", MaxInFlight: -1, MinBackoff: -1, MaxBackoff: -1, AckTimeout: -1}.Validate()
	if err == nil {
		t.Fatal("Validate accepted an invalid config")
	}
	for _, want := range []string{"Log", "JetStream", "stream name", "MaxInFlight", "MinBackoff", "MaxBackoff", "AckTimeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error %q does not mention %s", err, want)
		}
	}
	if _, err := relay.New(relay.Config{}); err == nil {
		t.Error("New accepted an empty config")
	}

	err = relay.StreamConfig{Name: "a b", MaxAge: time.Minute, Replicas: 7}.Validate()
	for _, want := range []string{"stream name", "Duplicates", "Replicas"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("StreamConfig.Validate = %v, want a mention of %s", err, want)
		}
	}
	if err := (relay.StreamConfig{}).Validate(); err != nil {
		t.Errorf("zero StreamConfig: %v", err)
	}
	if err := (relay.AsyncPublisherConfig{AckTimeout: -1, MaxInFlight: -1}).Validate(); err == nil || !strings.Contains(err.Error(), "MaxInFlight") {
		t.Errorf("AsyncPublisherConfig.Validate = %v", err)
	}
}

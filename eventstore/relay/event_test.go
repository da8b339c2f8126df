package relay_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore/relay"
)

func TestEventFromMessageInvertsNewMessage(t *testing.T) {
	e := storedEvent("1000/customers/Ö1", "CustomerCreated") // ce-subject is percent-encoded
	e.CausationID = "cause %1"
	msg, err := relay.NewMessage(e)
	if err != nil {
		t.Fatal(err)
	}
	msg.Metadata.Set(relay.HeaderActor, "%C3%96sten") // "Östen", as the binding encodes it
	e.Actor = "Östen"
	got, err := relay.EventFromMessage(msg)
	if err != nil {
		t.Fatalf("EventFromMessage: %v", err)
	}
	if !got.Time.Equal(e.Time) {
		t.Errorf("time %v, want %v", got.Time, e.Time)
	}
	got.Time = e.Time
	if !reflect.DeepEqual(got, e) {
		t.Errorf("got  %+v\nwant %+v", got, e)
	}
}

func TestEventFromMessageRejectsForeignMessages(t *testing.T) {
	e := storedEvent("1000/customers/9", "CustomerCreated")
	for key, value := range map[string]string{
		relay.HeaderID:             "not-a-uuid",
		relay.HeaderSource:         "/elsewhere/1000",
		relay.HeaderType:           "com.example.Thing",
		relay.HeaderTime:           "yesterday",
		relay.HeaderLedgerPosition: "-1",
		relay.HeaderSpecVersion:    "0.3",
		relay.HeaderActor:          "%zz",
		relay.HeaderSubject:        "",
	} {
		msg, err := relay.NewMessage(e)
		if err != nil {
			t.Fatal(err)
		}
		msg.Metadata.Set(key, value)
		if _, err := relay.EventFromMessage(msg); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%q: error %v, want one naming the attribute", key, value, err)
		}
	}
}

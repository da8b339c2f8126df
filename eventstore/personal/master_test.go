package personal_test

import (
	"strings"
	"testing"

	"github.com/nordledger/ledger/eventstore/personal"
)

func TestParseMasterKeys(t *testing.T) {
	m := ring(t, "# the current key first", masterB+"  # new", masterA)
	ids := m.IDs()
	if len(ids) != 2 || m.Current() != ids[0] || !strings.HasPrefix(ids[0], "mk-") || len(ids[0]) != 15 || ids[0] == ids[1] {
		t.Fatalf("ids %v", ids)
	}
	// The id names the key, wherever it stands.
	if id, _ := personal.MasterKeyID(masterB); id != ids[0] {
		t.Errorf("MasterKeyID = %s, want %s", id, ids[0])
	}
	comma, err := personal.ParseMasterKeys(masterB + "," + masterA)
	if err != nil || strings.Join(comma.IDs(), " ") != strings.Join(ids, " ") {
		t.Errorf("comma-separated: %v %v", comma, err)
	}
	for _, bad := range []string{"", "# nothing", "abc", masterA[:62], masterA + "00", "zz" + masterA[2:], masterA + "\n" + masterA} {
		if _, err := personal.ParseMasterKeys(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
	k, err := personal.NewMasterKey()
	if err != nil || len(k) != 64 {
		t.Fatalf("NewMasterKey: %q %v", k, err)
	}
	if _, err := personal.ParseMasterKeys(k); err != nil {
		t.Fatal(err)
	}
}

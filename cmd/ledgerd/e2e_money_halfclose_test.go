package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
)

// halfClosed sends one request on a connection of its own, half-closes it (shutdown(SHUT_WR))
// right after the complete request, and reads the answer.
func (s *testServer) halfClosed(t *testing.T, method, path, body, cid string) *http.Response {
	t.Helper()
	addr := strings.TrimPrefix(s.base, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ct := ""
	if body != "" {
		ct = "Content-Type: application/json\r\n"
	}
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n%sContent-Length: %d\r\n%s: %s\r\n\r\n%s",
		method, path, addr, s.token, ct, len(body), correlationHeader, cid, body)
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s %s: no answer: %v", method, path, err)
	}
	resp.Body.Close()
	return resp
}

// TestE2EHalfClosedMoneyWrites: the surplus writes — with and without a body — answer a client
// that half-closes its connection after a complete request truthfully, as TestE2EHalfClosedWrite
// does for a PATCH: the change is made and answered with its success status.
func TestE2EHalfClosedMoneyWrites(t *testing.T) {
	s := startServer(t)
	const no = "8401"
	s.createCustomer(t, s.token, newCustomer(no, "Half Closed Money"))
	self := customersPath(demoLedger, no)
	for i := range 10 {
		id := fmt.Sprintf("hc%d", i)
		steps := []struct {
			method, path, body string
			want               int
		}{
			{"POST", self + "/surpluses", fmt.Sprintf(`{"surplusId":%q,"balance":10.00,"currency":"SEK"}`, id), http.StatusCreated},
			{"POST", self + "/surpluses/" + id + "/settle", `{"amount":4.00}`, http.StatusOK},
			{"POST", self + "/surpluses/" + id + "/confirm-regulation", "", http.StatusOK},
			{"POST", self + "/surpluses/" + id + "/settle", "", http.StatusOK},
			{"POST", self + "/surpluses/" + id + "/confirm-regulation", "", http.StatusNoContent},
		}
		for j, st := range steps {
			resp := s.halfClosed(t, st.method, st.path, st.body, fmt.Sprintf("hc-%d-%d", i, j))
			if resp.StatusCode != st.want {
				t.Errorf("half-closed %s %s %s: %s, want %d", st.method, st.path, st.body, resp.Status, st.want)
			}
		}
	}
}

// Command generatedclient is the program TestE2EGeneratedClient builds against a Go client that
// oapi-codegen generated from the served /openapi.json (package ledgerclient, written next to
// this file by the test). It uses nothing but the generated types and methods: it creates a
// customer, registers a surplus of 1234567.89 SEK, reads it back, settles 1234567.88 of it and
// confirms the settlement, and prints each amount the client held, as JSON, for the test to
// compare with what the service stored.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"

	"ledgerclient.test/ledgerclient"
)

func main() {
	url := flag.String("url", "", "ledgerd's base URL")
	token := flag.String("token", "", "a bearer token with customer:write and surplus:write")
	ledger := flag.String("ledger", "1000", "the ledger")
	customer := flag.String("customer", "", "the customer number to create")
	flag.Parse()
	out, err := run(context.Background(), *url, *token, *ledger, *customer)
	if err != nil {
		fmt.Fprintln(os.Stderr, "generatedclient:", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

// amounts are the amounts the generated client held, as the shortest decimal text that reads
// back as the same float64.
type amounts struct {
	Registered string `json:"registered"` // the 201's balance
	Read       string `json:"read"`       // GET's balance
	Remaining  string `json:"remaining"`  // the balance once the settlement was confirmed
}

func run(ctx context.Context, url, token, ledger, customer string) (amounts, error) {
	var out amounts
	c, err := ledgerclient.NewClientWithResponses(url, ledgerclient.WithRequestEditorFn(
		func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	if err != nil {
		return out, err
	}
	str := func(s string) *string { return &s }
	created, err := c.CreateCustomerWithResponse(ctx, ledger, nil, ledgerclient.CreateCustomerRequest{
		CustomerNo: str(customer),
		Name:       "Generated Client",
		LegalAddress: ledgerclient.AddressRequest{
			Addressee: str("Generated Client"), StreetAddress: str("Storgatan 1"), City: str("STOCKHOLM"),
			ZipCode: str("11122"), CountryCode: str("SE"),
		},
	})
	if err := want(created.HTTPResponse, created.Body, err, http.StatusCreated); err != nil {
		return out, fmt.Errorf("create customer: %w", err)
	}

	const surplusID = "generated-1"
	registered, err := c.RegisterSurplusWithResponse(ctx, ledger, customer, nil, ledgerclient.RegisterSurplusRequest{
		SurplusId: surplusID,
		Balance:   1234567.89,
		Currency:  "SEK",
		Invoice:   str("/ledger/invoice/v1/" + ledger + "/invoices/AAA"),
	})
	if err := want(registered.HTTPResponse, registered.Body, err, http.StatusCreated); err != nil {
		return out, fmt.Errorf("register surplus: %w", err)
	}
	out.Registered = text(float64(registered.JSON201.Balance))

	read, err := c.GetSurplusWithResponse(ctx, ledger, customer, surplusID, nil)
	if err := want(read.HTTPResponse, read.Body, err, http.StatusOK); err != nil {
		return out, fmt.Errorf("get surplus: %w", err)
	}
	out.Read = text(float64(read.JSON200.Balance))

	var settle ledgerclient.Amount = 1234567.88
	settled, err := c.SettleSurplusWithResponse(ctx, ledger, customer, surplusID, nil, ledgerclient.SettleRequest{Amount: &settle})
	if err := want(settled.HTTPResponse, settled.Body, err, http.StatusOK); err != nil {
		return out, fmt.Errorf("settle surplus: %w", err)
	}
	confirmed, err := c.ConfirmRegulationWithResponse(ctx, ledger, customer, surplusID, nil, ledgerclient.ConfirmRegulationJSONRequestBody{})
	if err := want(confirmed.HTTPResponse, confirmed.Body, err, http.StatusOK); err != nil {
		return out, fmt.Errorf("confirm regulation: %w", err)
	}
	out.Remaining = text(float64(confirmed.JSON200.Balance))
	return out, nil
}

func want(resp *http.Response, body []byte, err error, status int) error {
	if err != nil {
		return err
	}
	if resp.StatusCode != status {
		return fmt.Errorf("status %d, want %d: %s", resp.StatusCode, status, body)
	}
	return nil
}

func text(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

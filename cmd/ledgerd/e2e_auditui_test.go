package main

// The audit page (/ui/) in headless Chromium: a customer changed several times by different
// actors shows one timeline entry per event with who, when, type and correlation id, the
// field-level change of each, and the customer as of any version or time — the same as the API
// answered right after that change. A token the API refuses shows the API's problem, not data.

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/internal/browsertest"
)

// watchPage collects the page's script exceptions and its security (CSP) and JavaScript log
// errors from now on; the returned func lists them.
func watchPage(t *testing.T, ctx context.Context) func() []string {
	t.Helper()
	var mu sync.Mutex
	var problems []string
	err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+ev.ExceptionDetails.Text+" "+fmt.Sprint(ev.ExceptionDetails.Exception))
		case *cdplog.EventEntryAdded:
			if e := ev.Entry; e != nil && e.Level == cdplog.EntryLevelError && (e.Source == cdplog.EntrySourceSecurity || e.Source == cdplog.EntrySourceJavascript) {
				problems = append(problems, string(e.Source)+": "+e.Text)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(problems) }
}

// pageLoaded waits until the page has finished what it was doing (data-state ready or error)
// and returns the state.
func pageLoaded(t *testing.T, ctx context.Context) string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`body[data-state="ready"], body[data-state="error"]`))); err != nil {
		t.Fatalf("the page did not finish loading: %v", err)
	}
	state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.dataset.state`))
	if err != nil {
		t.Fatal(err)
	}
	return state
}

// texts returns the text of every element matching a CSS selector, in document order.
func texts(t *testing.T, ctx context.Context, selector string) []string {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		fmt.Sprintf(`Array.from(document.querySelectorAll(%q), e => e.textContent)`, selector)))
	if err != nil {
		t.Fatalf("%s: %v", selector, err)
	}
	return got
}

// text returns the text of the one element matching a CSS selector ("" when there is none).
func text(t *testing.T, ctx context.Context, selector string) string {
	t.Helper()
	got := texts(t, ctx, selector)
	if len(got) > 1 {
		t.Fatalf("%s matches %d elements", selector, len(got))
	}
	if len(got) == 0 {
		return ""
	}
	return got[0]
}

// fields returns a table of field rows (tr[data-field] with a th and a td) as field → value.
func fields(t *testing.T, ctx context.Context, table string) map[string]string {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](fmt.Sprintf(
		`Object.fromEntries(Array.from(document.querySelectorAll(%q), tr => [tr.dataset.field, tr.querySelector("td").textContent]))`,
		table+" tr[data-field]")))
	if err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	return got
}

// flattenResource lists a customer resource's data the way the page shows it: field path →
// text, without links and operations.
func flattenResource(v any, prefix string, out map[string]string) map[string]string {
	m, _ := v.(map[string]any)
	for k, x := range m {
		if k == "@id" || k == "operations" || k == "surpluses" || x == nil {
			continue
		}
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		switch x := x.(type) {
		case map[string]any:
			flattenResource(x, name, out)
		case []any:
			var parts []string
			for _, p := range x {
				parts = append(parts, fmt.Sprint(p))
			}
			if len(parts) > 0 {
				out[name] = strings.Join(parts, ", ")
			}
		default:
			out[name] = fmt.Sprint(x)
		}
	}
	return out
}

// attrs returns an attribute of every element matching a CSS selector, in document order.
func attrs(t *testing.T, ctx context.Context, selector, attr string) []string {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		fmt.Sprintf(`Array.from(document.querySelectorAll(%q), e => e.getAttribute(%q) || "")`, selector, attr)))
	if err != nil {
		t.Fatalf("%s: %v", selector, err)
	}
	return got
}

// visible reports whether the element matching selector is shown (it and its ancestors).
func visible(t *testing.T, ctx context.Context, selector string) bool {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.checkVisibility(); })()`, selector)))
	if err != nil {
		t.Fatalf("%s: %v", selector, err)
	}
	return got
}

// checkDiffLayout: in every change table of the timeline, each field name stays in its column —
// it wraps rather than running into the Before column — and the value columns are wide enough
// to read.
func checkDiffLayout(t *testing.T, ctx context.Context) {
	t.Helper()
	names := browsertest.Boxes(t, ctx, "#timeline table.diff tbody th.field")
	before := browsertest.Boxes(t, ctx, "#timeline table.diff tbody td.old")
	if len(names) == 0 || len(names) != len(before) {
		t.Fatalf("%d field names, %d before cells", len(names), len(before))
	}
	for i, n := range names {
		if n.Overflows() || n.Right() > before[i].X+0.5 {
			t.Errorf("field name %d runs into the Before column: name %+v, before %+v", i, n, before[i])
		}
		if before[i].Width < 120 {
			t.Errorf("before cell %d is %.0f px wide", i, before[i].Width)
		}
	}
}

// checkEventsLayout: the ledger's events table shows each event's data in a cell as wide as
// the table, at least 60 characters a line — not squeezed into a narrow column wrapping every
// few characters —, each event's time and type on one line, and no cell runs out of the table.
func checkEventsLayout(t *testing.T, ctx context.Context) {
	t.Helper()
	table := browsertest.OneBox(t, ctx, "#events")
	data := browsertest.Boxes(t, ctx, "#events tbody .data code")
	if len(data) == 0 {
		t.Fatal("no event data shown")
	}
	chars := texts(t, ctx, "#events tbody .data code")
	lines := browsertest.Lines(t, ctx, "#events tbody .data code")
	for i, d := range data {
		if d.Width < 0.8*table.Width {
			t.Errorf("event %d's data is %.0f px wide in a table of %.0f px", i, d.Width, table.Width)
		}
		if n := float64(len([]rune(chars[i]))); float64(lines[i]) > math.Ceil(n/60) {
			t.Errorf("event %d's data takes %d lines for %.0f characters", i, lines[i], n)
		}
	}
	for _, sel := range []string{"#events tbody td.when", "#events tbody td.type"} {
		for i, n := range browsertest.Lines(t, ctx, sel) {
			if n != 1 {
				t.Errorf("%s %d takes %d lines", sel, i, n)
			}
		}
	}
	for _, c := range browsertest.Boxes(t, ctx, "#events tbody td") {
		if c.Overflows() || c.Right() > table.Right()+0.5 {
			t.Errorf("a cell runs out of its column or the table: %+v (table %+v)", c, table)
		}
	}
	page := browsertest.OneBox(t, ctx, "html")
	if table.Overflows() || page.Overflows() || table.Right() > page.ClientWidth {
		t.Errorf("the events table %+v is wider than the window shows (%+v)", table, page)
	}
}

func TestE2EAuditPageTimeline(t *testing.T) {
	ctx := browsertest.New(t, 3*time.Minute)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	// Times with nanoseconds, as a real clock gives them: the page shows them to the second.
	clock := &testClock{t: time.Date(2026, 3, 1, 8, 0, 0, 123456789, time.UTC)}
	s := startServer(t, withClock(clock.now))
	scopes := []string{auth.ScopeCustomerRead, auth.ScopeCustomerWrite, auth.ScopeKycWrite}
	alice := s.mint(t, "alice@example.se", []string{demoLedger}, scopes...)
	bob := s.mint(t, "svc:crm-sync", []string{demoLedger}, scopes...)
	carol := s.mint(t, "carol", []string{demoLedger}, scopes...)
	viewer := s.mint(t, "auditor", []string{demoLedger}, auth.ScopeCustomerRead, auth.ScopeAuditRead)

	no := "7001"
	self := customersPath(demoLedger, no)
	create := newCustomer(no, "Ada Lovelace")
	create["emailAddress"] = "ada@example.se"
	create["eDIAddressInfo"] = map[string]any{"VAN": "VANNET-0001", "InterChangeRecipient": "7350000000001", "BuyerId": "BUYER-7001"}
	create["billingAddress"] = map[string]any{"addressee": "Ada", "city": "STOCKHOLM", "zipCode": "11120", "countryCode": "SE"}
	kyc := `{"answers": [{"questionCode": "taxable_outside_sweden", "answerCode": "no"}, {"questionCode": "multiple_citizenship", "answerCode": "no"}]}`
	steps := []struct {
		token, method, path, cid string
		body                     any
	}{
		{alice, http.MethodPost, customersPath(demoLedger), "ui-create", create},                                                                        // v1, v2 at 08:01
		{bob, http.MethodPatch, self, "ui-mail", `{"emailAddress": "ada.l@example.se", "msisdn": "+46701234567"}`},                                      // v3 at 08:02
		{carol, http.MethodPut, self + "/legal-address", "ui-move", `{"addressee": "Ada", "city": "UPPSALA", "zipCode": "75310", "countryCode": "SE"}`}, // v4 at 08:03
		{bob, http.MethodPatch, self, "ui-msisdn", `{"msisdn": null}`},                                                                                  // v5 at 08:04
		{alice, http.MethodDelete, self + "/billing-address", "ui-billing", nil},                                                                        // v6 at 08:05
		{carol, http.MethodPost, self + "/update-kyc-answers", "ui-kyc", kyc},                                                                           // v7 at 08:06
	}
	// The customer as the API returned it right after each version (the create's two events:
	// its second).
	after := map[int]map[string]string{}
	for i, st := range steps {
		clock.set(clock.now().Add(time.Minute))
		r := s.do(t, st.method, st.path, st.token, st.body, "X-Correlation-ID", st.cid)
		if r.Status < 200 || r.Status > 299 {
			t.Fatalf("step %d: %s", i, r)
		}
		now := s.do(t, http.MethodGet, self+"?$expand=legaladdress,billingaddress", viewer, nil)
		expectStatus(t, now, http.StatusOK)
		var v int
		fmt.Sscanf(now.Header.Get("ETag"), `"%d"`, &v)
		after[v] = flattenResource(now.json(t), "", map[string]string{})
	}

	page := s.base + "/ui/?ledger=" + demoLedger + "&customer=" + no
	problems := watchPage(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(page+"#token="+url.QueryEscape(viewer))); err != nil {
		t.Fatal(err)
	}
	if state := pageLoaded(t, ctx); state != "ready" {
		t.Fatalf("page state %s; error %q", state, text(t, ctx, "#error"))
	}

	// One entry per event, in order, with who, when, type and correlation id.
	if got := texts(t, ctx, "#timeline li .version"); !slices.Equal(got, []string{"v1", "v2", "v3", "v4", "v5", "v6", "v7"}) {
		t.Fatalf("timeline versions %q", got)
	}
	if got, want := texts(t, ctx, "#timeline li .actor"), []string{"alice@example.se", "alice@example.se", "svc:crm-sync", "carol", "svc:crm-sync", "alice@example.se", "carol"}; !slices.Equal(got, want) {
		t.Errorf("actors %q, want %q", got, want)
	}
	if got, want := texts(t, ctx, "#timeline li .type"), []string{"CustomerCreated", "BillingAddressAdded", "CustomerDetailsChanged",
		"LegalAddressReplaced", "CustomerDetailsChanged", "BillingAddressRemoved", "KycAnswersUpdated"}; !slices.Equal(got, want) {
		t.Errorf("types %q, want %q", got, want)
	}
	if got, want := texts(t, ctx, "#timeline li .correlation"), []string{"ui-create", "ui-create", "ui-mail", "ui-move", "ui-msisdn", "ui-billing", "ui-kyc"}; !slices.Equal(got, want) {
		t.Errorf("correlation ids %q, want %q", got, want)
	}
	// Times readable, to the second; the exact time (as the API gives it) on hover.
	if got := texts(t, ctx, "#timeline li .when"); len(got) != 7 || got[2] != "2026-03-01 08:02:00 UTC" || got[6] != "2026-03-01 08:06:00 UTC" {
		t.Errorf("times %q", got)
	}
	if got := attrs(t, ctx, "#timeline li .when", "title"); len(got) != 7 || got[2] != "2026-03-01T08:02:00.123456789Z" || got[6] != "2026-03-01T08:06:00.123456789Z" {
		t.Errorf("exact times on hover %q", got)
	}
	if got := attrs(t, ctx, "#timeline li .when", "datetime"); len(got) != 7 || got[2] != "2026-03-01T08:02:00.123456789Z" {
		t.Errorf("datetime attributes %q", got)
	}
	if got := text(t, ctx, "#timeline-title"); got != "Timeline of customer 7001 (7 events)" {
		t.Errorf("timeline title %q", got)
	}
	checkDiffLayout(t, ctx)
	browsertest.Screenshot(t, ctx, "timeline")

	whole := texts(t, ctx, "#timeline li") // every entry's text, for the paged timeline below

	// What each change changed, field by field: before → after.
	type change struct{ before, after string }
	diff := func(version int) map[string]change {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string][]string](fmt.Sprintf(
			`Object.fromEntries(Array.from(document.querySelectorAll('#timeline li[data-version="%d"] table.diff tbody tr'),
			  tr => [tr.dataset.field, [tr.querySelector("td.old").textContent, tr.querySelector("td.new").textContent]]))`, version)))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]change{}
		for k, v := range got {
			out[k] = change{v[0], v[1]}
		}
		return out
	}
	for version, want := range map[int]map[string]change{
		2: {"billingAddress.addressee": {"—", "Ada"}, "billingAddress.city": {"—", "STOCKHOLM"}, "billingAddress.zipCode": {"—", "11120"}, "billingAddress.countryCode": {"—", "SE"}},
		3: {"emailAddress": {"ada@example.se", "ada.l@example.se"}, "msisdn": {"—", "+46701234567"}},
		4: {"legalAddress.addressee": {"Ada Lovelace", "Ada"}, "legalAddress.streetAddress": {"Storgatan 1", "—"},
			"legalAddress.city": {"STOCKHOLM", "UPPSALA"}, "legalAddress.zipCode": {"11122", "75310"}},
		5: {"msisdn": {"+46701234567", "—"}},
		6: {"billingAddress.addressee": {"Ada", "—"}, "billingAddress.city": {"STOCKHOLM", "—"}, "billingAddress.zipCode": {"11120", "—"}, "billingAddress.countryCode": {"SE", "—"}},
		7: {},
	} {
		if got := diff(version); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("changes of version %d:\n got %v\nwant %v", version, got, want)
		}
	}
	if got := diff(1); got["emailAddress"] != (change{"—", "ada@example.se"}) || got["name"] != (change{"—", "Ada Lovelace"}) || len(got) < 8 {
		t.Errorf("changes of version 1 (created): %v", got)
	}
	if got := text(t, ctx, `#timeline li[data-version="7"] .nochange`); !strings.Contains(got, "No change to the customer resource") {
		t.Errorf("version 7 (KYC answers): %q", got)
	}

	// The customer as of an earlier version: click its entry.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#timeline li[data-version="3"] .event-head`))); err != nil {
		t.Fatal(err)
	}
	if state := pageLoaded(t, ctx); state != "ready" {
		t.Fatalf("as of version 3: %s %q", state, text(t, ctx, "#error"))
	}
	if got := text(t, ctx, "#asof-title"); got != "Customer 7001 as of version 3" {
		t.Errorf("as-of title %q", got)
	}
	if got := text(t, ctx, "#asof-meta"); got != "Right after CustomerDetailsChanged by svc:crm-sync at 2026-03-01 08:02:00 UTC" {
		t.Errorf("as-of meta %q", got)
	}
	browsertest.Screenshot(t, ctx, "as-of-version-3")
	asOf3 := fields(t, ctx, "#asof-fields")
	if fmt.Sprint(asOf3) != fmt.Sprint(after[3]) {
		t.Errorf("as of version 3:\n got %v\nwant %v (the API right after the change)", asOf3, after[3])
	}
	if asOf3["emailAddress"] != "ada.l@example.se" || asOf3["legalAddress.city"] != "STOCKHOLM" || asOf3["billingAddress.city"] != "STOCKHOLM" {
		t.Errorf("as of version 3: %v", asOf3)
	}
	if got := texts(t, ctx, "#timeline li.selected .version"); !slices.Equal(got, []string{"v3"}) {
		t.Errorf("selected %q", got)
	}
	// Every version, as the API answered right after it.
	for v := 2; v <= 7; v++ {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#timeline li[data-version="%d"] .event-head`, v)))); err != nil {
			t.Fatal(err)
		}
		pageLoaded(t, ctx)
		if got := fields(t, ctx, "#asof-fields"); fmt.Sprint(got) != fmt.Sprint(after[v]) {
			t.Errorf("as of version %d:\n got %v\nwant %v", v, got, after[v])
		}
	}
	// As of a time: the last change by then.
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#asof-time"), "2026-03-01T08:04:30"),
		chromedp.Click(chromedp.CSS(`#asof-form button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	pageLoaded(t, ctx)
	if got := text(t, ctx, "#asof-title"); got != "Customer 7001 as of 2026-03-01T08:04:30Z" {
		t.Errorf("as-of title %q", got)
	}
	if got := fields(t, ctx, "#asof-fields"); fmt.Sprint(got) != fmt.Sprint(after[5]) {
		t.Errorf("as of 08:04:30 (version 5):\n got %v\nwant %v", got, after[5])
	}

	// The token left the address bar; the address names what is shown.
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(loc, "token") || strings.Contains(loc, viewer) || !strings.Contains(loc, "customer=7001") {
		t.Errorf("location %s", loc)
	}

	// The ledger's events: every event's data in a readable cell, times to the second.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.base+"/ui/?view=events&ledger=1000")); err != nil {
		t.Fatal(err)
	}
	if state := pageLoaded(t, ctx); state != "ready" {
		t.Fatalf("ledger events: %s %q", state, text(t, ctx, "#error"))
	}
	if got := texts(t, ctx, "#events tbody .when"); len(got) != 7 || got[2] != "2026-03-01 08:02:00 UTC" {
		t.Errorf("ledger events' times %q", got)
	}
	if got := attrs(t, ctx, "#events tbody .when", "title"); len(got) != 7 || got[2] != "2026-03-01T08:02:00.123456789Z" {
		t.Errorf("ledger events' exact times %q", got)
	}
	checkEventsLayout(t, ctx)
	browsertest.Screenshot(t, ctx, "ledger-events")
	// On a narrower window as well.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(800, 900)); err != nil {
		t.Fatal(err)
	}
	checkEventsLayout(t, ctx)
	browsertest.Screenshot(t, ctx, "ledger-events-800")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}

	// The ledger's events, filtered by actor.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.base+"/ui/?view=events&ledger=1000&actor=carol")); err != nil {
		t.Fatal(err)
	}
	if state := pageLoaded(t, ctx); state != "ready" {
		t.Fatalf("ledger events: %s %q", state, text(t, ctx, "#error"))
	}
	if got := texts(t, ctx, "#events tbody .type"); !slices.Equal(got, []string{"LegalAddressReplaced", "KycAnswersUpdated"}) {
		t.Errorf("carol's events: %q", got)
	}
	if got := texts(t, ctx, "#events tbody .actor"); !slices.Equal(got, []string{"carol", "carol"}) {
		t.Errorf("actors: %q", got)
	}

	// In pages of 3 (the address's limit): "Load later events" follows the trail's next link, and
	// the first entry of a page shows its change against the last of the one before.
	if err := chromedp.Do(ctx, chromedp.Navigate(page+"&limit=3")); err != nil {
		t.Fatal(err)
	}
	pageLoaded(t, ctx)
	for _, want := range []int{3, 6, 7} {
		if got := texts(t, ctx, "#timeline li"); len(got) != want || !slices.Equal(got, whole[:want]) {
			t.Fatalf("paged timeline: %d entries, want the first %d of the whole timeline", len(got), want)
		}
		more, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById("timeline-more").hidden`))
		if err != nil || more != (want < 7) {
			t.Fatalf("after %d entries: load-more shown %v (%v)", want, more, err)
		}
		if want < 7 {
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#timeline-more"))); err != nil {
				t.Fatal(err)
			}
			pageLoaded(t, ctx)
		}
	}
	// The ledger's events a page at a time: "More events" follows the query's next link.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.base+"/ui/?view=events&ledger=1000&actor=carol&limit=1")); err != nil {
		t.Fatal(err)
	}
	pageLoaded(t, ctx)
	if got := texts(t, ctx, "#events tbody .type"); !slices.Equal(got, []string{"LegalAddressReplaced"}) {
		t.Errorf("carol's first event: %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#events-more"))); err != nil {
		t.Fatal(err)
	}
	pageLoaded(t, ctx)
	if got := texts(t, ctx, "#events tbody .type"); !slices.Equal(got, []string{"LegalAddressReplaced", "KycAnswersUpdated"}) {
		t.Errorf("carol's events after More: %q", got)
	}

	// Forgetting the token signs out; the form signs in again (the page keeps what it shows).
	if err := chromedp.Do(ctx, chromedp.Navigate(page), chromedp.Click(chromedp.CSS("#forget")),
		chromedp.WaitVisible(chromedp.CSS(`body[data-state="signed-out"] #token`))); err != nil {
		t.Fatal(err)
	}
	if kept, err := chromedp.Run(ctx, chromedp.Evaluate[int](`sessionStorage.length`)); err != nil || kept != 0 {
		t.Errorf("after forgetting: %d items in sessionStorage (%v)", kept, err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`body[data-state="signed-out"] #token`)),
		chromedp.SendKeys(chromedp.CSS("#token"), viewer), chromedp.Click(chromedp.CSS(`#token-form button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	if state := pageLoaded(t, ctx); state != "ready" {
		t.Fatalf("signed in with the form: %s %q", state, text(t, ctx, "#error"))
	}
	if n := len(texts(t, ctx, "#timeline li")); n != 7 {
		t.Errorf("signed in with the form: %d timeline entries", n)
	}
	if got := text(t, ctx, "#whoami"); !strings.HasPrefix(got, "Signed in as auditor · ledgers 1000 · scopes customer:read audit:read") {
		t.Errorf("whoami %q", got)
	}
	// Everything ran under the page's Content-Security-Policy without a violation or an exception.
	if p := problems(); len(p) > 0 {
		t.Errorf("the page reported problems:\n%s", strings.Join(p, "\n"))
	}
}

// TestE2EAuditPageRefused: the page shows the API's refusal — another ledger's token, a token
// without audit:read, a protected identity — and none of the customer's data.
func TestE2EAuditPageRefused(t *testing.T) {
	ctx := browsertest.New(t, 3*time.Minute)
	s := startServer(t, withConfig(ledgerConfig(t)))
	writer := s.mint(t, "alice", []string{"1000"}, auth.ScopeCustomerRead, auth.ScopeCustomerWrite)
	s.createCustomer(t, writer, map[string]any{"customerNo": "7002", "name": "Secret Person", "emailAddress": "secret@example.se",
		"legalAddress": map[string]any{"addressee": "Secret Person", "city": "HIDDENTOWN", "zipCode": "12345", "countryCode": "SE"}})
	s.createCustomer(t, writer, map[string]any{"customerNo": "7003", "name": "Protected Person",
		"nationalIdentifier": map[string]any{"regNo": "19811228-9874", "countryCode": "SE"},
		"legalAddress":       map[string]any{"addressee": "Protected Person", "city": "SKYDDAD", "zipCode": "12345", "countryCode": "SE"}})
	expectStatus(t, s.do(t, http.MethodPatch, customersPath("1000", "7003"), writer, `{"protectedIdentity": true}`), http.StatusOK)

	tests := []struct {
		name, token, customer, want string
	}{
		{"another ledger", s.mint(t, "auditor", []string{"2000"}, auth.ScopeCustomerRead, auth.ScopeAuditRead), "7002",
			"403 Forbidden: the token does not grant access to this ledger"},
		{"no audit:read", s.mint(t, "clerk", []string{"1000"}, auth.ScopeCustomerRead), "7002",
			"403 Forbidden: the token lacks the scope audit:read"},
		{"protected identity", s.mint(t, "auditor", []string{"1000"}, auth.ScopeCustomerRead, auth.ScopeAuditRead), "7003",
			"403 Forbidden: the customer has a protected identity"},
		{"invalid token", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "7002", "401 Unauthorized: the bearer token is not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// From another document, so that a fragment of its own is not a same-document navigation.
			if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"),
				chromedp.Navigate(s.base+"/ui/?ledger=1000&customer="+tt.customer+"#token="+tt.token)); err != nil {
				t.Fatal(err)
			}
			if state := pageLoaded(t, ctx); state != "error" {
				t.Fatalf("page state %s, want error", state)
			}
			if got := text(t, ctx, "#error"); !strings.Contains(got, tt.want) {
				t.Errorf("error %q, want %q", got, tt.want)
			}
			if n := len(texts(t, ctx, "#timeline li")); n != 0 {
				t.Errorf("%d timeline entries shown", n)
			}
			// No heading of a timeline that is not there.
			if visible(t, ctx, "#timeline-title") {
				t.Errorf("the timeline's heading %q is shown over no timeline", text(t, ctx, "#timeline-title"))
			}
			if tt.name == "another ledger" {
				browsertest.Screenshot(t, ctx, "refused")
			}
			body := text(t, ctx, "body")
			for _, secret := range []string{"Secret Person", "secret@example.se", "HIDDENTOWN", "Protected Person", "SKYDDAD", "CustomerCreated"} {
				if strings.Contains(body, secret) {
					t.Errorf("the page shows %q", secret)
				}
			}
		})
	}
}

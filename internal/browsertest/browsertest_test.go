package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserRendersAPage proves the helper drives a real browser: the
// page's script writes text the test then reads back from the DOM.
func TestBrowserRendersAPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>t</title><p id="out"></p><script>document.getElementById("out").textContent = "rendered " + (6*7);</script>`)
	}))
	defer srv.Close()

	ctx := New(t, time.Minute)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#out")))
	if err != nil {
		t.Fatal(err)
	}
	if text != "rendered 42" {
		t.Fatalf("page text = %q, want %q", text, "rendered 42")
	}
}

// TestBrowserTempFilesInTheTestsDirectory: Chromium's own temporary directory
// (its process singleton's, org.chromium.Chromium.*) is made in the directory
// given (New's own, removed when the test ends), not in /tmp, where every
// browser test run left one behind.
func TestBrowserTempFilesInTheTestsDirectory(t *testing.T) {
	tmp := t.TempDir()
	ctx := start(t, time.Minute, tmp)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		if strings.HasPrefix(e.Name(), "org.chromium.") {
			return
		}
	}
	t.Fatalf("the browser's temporary directory is not in the test's (%s holds %v)", tmp, names)
}

// TestBrowserStartsForALongTestName: New starts the browser whatever the
// test's name (its temporary directory, where a long name would leave a Unix
// socket's path too long for Chromium's singleton, is not the test's).
func TestBrowserStartsForALongTestName(t *testing.T) {
	t.Run(strings.Repeat("a-long-name-of-a-browser-test-", 4), func(t *testing.T) {
		ctx := New(t, time.Minute)
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
			t.Fatal(err)
		}
	})
}

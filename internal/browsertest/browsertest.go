// Package browsertest starts headless Chromium for tests of the pages
// ledgerd serves (the sandbox card-verification page, the audit UI).
//
// The browser is Debian's chromium package, which .ci/run installs when it
// is missing. Where no browser can be found the test is skipped with a
// message naming what to install — unless LEDGER_REQUIRE_BROWSER is set
// (.ci/run sets it once the install succeeded), in which case a missing
// browser fails the test instead of silently skipping it.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// candidates are the executable names tried in order when LEDGER_CHROMIUM
// does not name one.
var candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"}

// Path returns the browser executable to use: LEDGER_CHROMIUM when set,
// otherwise the first candidate found on PATH. It returns "" when none is.
func Path() string {
	if p := os.Getenv("LEDGER_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range candidates {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// The chromedp version used (v0.22) has the generic API: chromedp.Do(ctx,
// steps...) for actions without a value, v, err := chromedp.Run(ctx, action)
// for one with a value (Text, Evaluate[T], Location), and typed selectors
// (chromedp.CSS("#id"), chromedp.ID("id")).

// New starts a headless browser for t and returns a chromedp context bound
// to one tab, cancelled (and the browser stopped) when t ends. The context
// carries a deadline of timeout so a hung page fails the test instead of
// hanging it. The browser's profile and its own temporary files are removed
// when t ends.
func New(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	// Not t.TempDir: Chromium's singleton socket goes in TMPDIR, and a Unix
	// socket's path has at most 107 bytes — a long test name's directory
	// leaves too few, and the browser does not start.
	tmp, err := os.MkdirTemp("", "chromium")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) }) // after the browser stops (cleanups run last first)
	return start(t, timeout, tmp)
}

// start is New with the browser's temporary files (TMPDIR) in tmp: Chromium
// makes a directory there for its process singleton (org.chromium.Chromium.*)
// and leaves it when it is stopped, as the test's end does — in /tmp, one per
// browser test run.
func start(t testing.TB, timeout time.Duration, tmp string) context.Context {
	t.Helper()
	path := Path()
	if path == "" {
		if os.Getenv("LEDGER_REQUIRE_BROWSER") != "" {
			t.Fatal("browsertest: LEDGER_REQUIRE_BROWSER is set but no Chromium was found (install Debian's chromium package or set LEDGER_CHROMIUM)")
		}
		t.Skip("browsertest: no Chromium found; install Debian's chromium package (.ci/run does) or set LEDGER_CHROMIUM to run this browser test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox refuses to start
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Env("TMPDIR="+tmp),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	// Start the browser now so a browser that cannot start fails here,
	// with its own error, rather than in the test's first action.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: starting %s: %v", path, err)
	}
	return ctx
}

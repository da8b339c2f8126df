package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// ScreenshotDirEnv names a directory where Screenshot keeps its pictures, for a person to look
// at (CI keeps them as artifacts); without it they go to the test's temporary directory.
const ScreenshotDirEnv = "LEDGER_SCREENSHOTS"

// Screenshot saves a PNG of the whole page as it is now, named after the test and name, and
// returns its path (logged too).
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	return save(t, ctx, name, chromedp.FullScreenshot(100))
}

// ViewportScreenshot saves a PNG of what the viewport shows now (a long page's top), as
// Screenshot does.
func ViewportScreenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	return save(t, ctx, name, chromedp.CaptureScreenshot())
}

func save(t testing.TB, ctx context.Context, name string, shot chromedp.Action[[]byte]) string {
	t.Helper()
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := os.Getenv(ScreenshotDirEnv)
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name() + "-" + name + ".png")
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s: %s", name, path)
	return path
}

package browsertest

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// Box is where an element is drawn, in CSS pixels of the page: its border box (as
// getBoundingClientRect gives it, scrolled to the top of the document), and how wide its content
// is beside how wide its box lets it show (ScrollWidth > ClientWidth: something overflows).
type Box struct {
	X, Y, Width, Height        float64
	ScrollWidth, ClientWidth   float64
	ScrollHeight, ClientHeight float64
}

// Right and Bottom are the box's far edges.
func (b Box) Right() float64  { return b.X + b.Width }
func (b Box) Bottom() float64 { return b.Y + b.Height }

// Overflows reports whether the element's content is wider than the element shows.
func (b Box) Overflows() bool { return b.ScrollWidth > b.ClientWidth+0.5 }

// Boxes returns the box of every element matching a CSS selector, in document order.
func Boxes(t testing.TB, ctx context.Context, selector string) []Box {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]Box](fmt.Sprintf(`Array.from(document.querySelectorAll(%q), e => {
		const r = e.getBoundingClientRect();
		return {X: r.x + scrollX, Y: r.y + scrollY, Width: r.width, Height: r.height,
			ScrollWidth: e.scrollWidth, ClientWidth: e.clientWidth, ScrollHeight: e.scrollHeight, ClientHeight: e.clientHeight};
	})`, selector)))
	if err != nil {
		t.Fatalf("boxes of %s: %v", selector, err)
	}
	return got
}

// OneBox returns the box of the one element matching a CSS selector.
func OneBox(t testing.TB, ctx context.Context, selector string) Box {
	t.Helper()
	boxes := Boxes(t, ctx, selector)
	if len(boxes) != 1 {
		t.Fatalf("%s matches %d elements, want 1", selector, len(boxes))
	}
	return boxes[0]
}

// Lines returns how many lines the text of every element matching a CSS selector takes, in
// document order (the distinct tops of its text's line boxes).
func Lines(t testing.TB, ctx context.Context, selector string) []int {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](fmt.Sprintf(`Array.from(document.querySelectorAll(%q), e => {
		const r = document.createRange();
		r.selectNodeContents(e);
		return new Set(Array.from(r.getClientRects(), b => Math.round(b.top))).size;
	})`, selector)))
	if err != nil {
		t.Fatalf("lines of %s: %v", selector, err)
	}
	return got
}

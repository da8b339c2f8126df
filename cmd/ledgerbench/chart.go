package main

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The chart: for each workload, throughput and p99 latency against concurrency (or, for scale,
// against the number of customers), the service next to its ceiling. Plain SVG, no script, no
// external resource: report.html embeds it and opens anywhere.

type series struct {
	Name   string
	Color  string
	Dashed bool
	Points [][2]float64 // x, y
}

const (
	panelW, panelH = 440.0, 240.0
	padL, padR     = 64.0, 16.0
	padT, padB     = 30.0, 44.0
	colorService   = "#1f77b4"
	colorCeiling   = "#ff7f0e"
)

// chartSVG draws the report's levels (or scale points) as a grid of panels.
func chartSVG(rep *report) []byte {
	type row struct {
		title      string
		xLabel     string
		throughput []series
		p99        []series
	}
	var rows []row
	if len(rep.Scale) > 0 {
		for _, name := range scaleWorkloads(rep.Scale) {
			svc := series{Name: "service", Color: colorService}
			ceil := series{Name: "ceiling", Color: colorCeiling, Dashed: true}
			svcP, ceilP := svc, ceil
			for _, p := range rep.Scale {
				for _, l := range p.Levels {
					if l.Workload != name {
						continue
					}
					x := float64(p.Customers)
					svc.Points = append(svc.Points, [2]float64{x, l.Service.Throughput})
					svcP.Points = append(svcP.Points, [2]float64{x, l.Service.Latency.P99})
					if l.Ceiling != nil {
						ceil.Points = append(ceil.Points, [2]float64{x, l.Ceiling.Throughput})
						ceilP.Points = append(ceilP.Points, [2]float64{x, l.Ceiling.Latency.P99})
					}
				}
			}
			rows = append(rows, row{name, "customers", nonEmpty(svc, ceil), nonEmpty(svcP, ceilP)})
		}
	} else {
		var names []string
		for _, l := range rep.Levels {
			if !slices.Contains(names, l.Workload) {
				names = append(names, l.Workload)
			}
		}
		for _, name := range names {
			svc := series{Name: "service", Color: colorService}
			ceil := series{Name: "ceiling", Color: colorCeiling, Dashed: true}
			svcP, ceilP := svc, ceil
			kind := ""
			for _, l := range rep.Levels {
				if l.Workload != name {
					continue
				}
				x := float64(l.Concurrency)
				svc.Points = append(svc.Points, [2]float64{x, l.Service.Throughput})
				svcP.Points = append(svcP.Points, [2]float64{x, l.Service.Latency.P99})
				if l.Ceiling != nil {
					kind = l.CeilingKind
					ceil.Points = append(ceil.Points, [2]float64{x, l.Ceiling.Throughput})
					ceilP.Points = append(ceilP.Points, [2]float64{x, l.Ceiling.Latency.P99})
				}
			}
			if kind != "" {
				ceil.Name, ceilP.Name = kind+" ceiling", kind+" ceiling"
			}
			rows = append(rows, row{name, "concurrent clients", nonEmpty(svc, ceil), nonEmpty(svcP, ceilP)})
		}
	}
	width, height := 2*panelW, float64(len(rows))*panelH+40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="11">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="8" y="18" font-size="13" font-weight="bold">%s</text>`+"\n", html.EscapeString("ledgerbench "+rep.Started.Format("2006-01-02 15:04 MST")+" — load average "+rep.Machine.LoadAvg))
	for i, r := range rows {
		y := 30 + float64(i)*panelH
		panel(&b, 0, y, r.title+": throughput", r.xLabel, "requests/s", false, r.throughput)
		panel(&b, panelW, y, r.title+": p99 latency", r.xLabel, "ms", true, r.p99)
	}
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

func nonEmpty(ss ...series) []series {
	var out []series
	for _, s := range ss {
		if len(s.Points) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// panel draws one chart at (x0, y0): x on a log scale (client counts and data sizes grow
// geometrically), y linear from 0, or logarithmic when logY and the values span more than 20×.
func panel(b *strings.Builder, x0, y0 float64, title, xLabel, yLabel string, logY bool, ss []series) {
	var xs []float64
	ymin, ymax := math.Inf(1), 0.0
	for _, s := range ss {
		for _, p := range s.Points {
			if !slices.Contains(xs, p[0]) {
				xs = append(xs, p[0])
			}
			if p[1] > 0 {
				ymin, ymax = math.Min(ymin, p[1]), math.Max(ymax, p[1])
			}
		}
	}
	slices.Sort(xs)
	fmt.Fprintf(b, `<g transform="translate(%.1f,%.1f)">`+"\n", x0, y0)
	fmt.Fprintf(b, `<text x="%.1f" y="16" font-weight="bold">%s</text>`+"\n", padL, html.EscapeString(title))
	pw, ph := panelW-padL-padR, panelH-padT-padB
	fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#999"/>`+"\n", padL, padT, pw, ph)
	if len(xs) == 0 || ymax <= 0 {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" fill="#999">no data</text></g>`+"\n", padL+10, padT+20)
		return
	}
	lx := func(x float64) float64 { return math.Log(math.Max(x, 1e-9)) }
	xlo, xhi := lx(xs[0]), lx(xs[len(xs)-1])
	px := func(x float64) float64 {
		if xhi == xlo {
			return padL + pw/2
		}
		return padL + (lx(x)-xlo)/(xhi-xlo)*pw
	}
	useLog := logY && ymax/ymin > 20
	var py func(float64) float64
	var ticks []float64
	if useLog {
		lo, hi := math.Floor(math.Log10(ymin)), math.Ceil(math.Log10(ymax))
		py = func(y float64) float64 { return padT + ph - (math.Log10(math.Max(y, 1e-9))-lo)/(hi-lo)*ph }
		for e := lo; e <= hi; e++ {
			ticks = append(ticks, math.Pow(10, e))
		}
	} else {
		top := niceCeil(ymax * 1.05)
		py = func(y float64) float64 { return padT + ph - y/top*ph }
		for i := 0; i <= 4; i++ {
			ticks = append(ticks, top*float64(i)/4)
		}
	}
	for _, t := range ticks {
		y := py(t)
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", padL, padL+pw, y, y)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n", padL-4, y+4, short(t))
	}
	for _, x := range xs {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", px(x), padT+ph+14, short(x))
	}
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", padL+pw/2, padT+ph+30, html.EscapeString(xLabel))
	fmt.Fprintf(b, `<text transform="translate(12,%.1f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", padT+ph/2, html.EscapeString(yLabel))
	for i, s := range ss {
		var pts []string
		for _, p := range s.Points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(p[0]), py(p[1])))
		}
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="6,4"`
		}
		fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", s.Color, dash, strings.Join(pts, " "))
		for _, p := range s.Points {
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s: %s → %s</title></circle>`+"\n",
				px(p[0]), py(p[1]), s.Color, html.EscapeString(s.Name), short(p[0]), strconv.FormatFloat(p[1], 'f', 2, 64))
		}
		ly := padT + 12 + float64(i)*14
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="2"%s/>`+"\n", padL+8, padL+28, ly, ly, s.Color, dash)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f">%s</text>`+"\n", padL+32, ly+4, html.EscapeString(s.Name))
	}
	b.WriteString("</g>\n")
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// short renders a number compactly: 1.5k, 2M, 0.25.
func short(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case v >= 1e4:
		return strconv.FormatFloat(math.Round(v/100)/10, 'f', -1, 64) + "k"
	case v >= 1000:
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// reportHTML is a self-contained page: the table and the chart.
func reportHTML(rep *report, svg []byte, table string) []byte {
	var b strings.Builder
	b.WriteString("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ledgerbench</title>\n")
	b.WriteString("<style>body{font-family:sans-serif;margin:1.5em}pre{font-size:12px;overflow-x:auto;background:#f7f7f7;padding:1em}</style></head><body>\n")
	fmt.Fprintf(&b, "<h1>ledgerbench</h1>\n<p><code>%s</code></p>\n", html.EscapeString(rep.Command))
	fmt.Fprintf(&b, "<pre>%s</pre>\n", html.EscapeString(table))
	b.Write(svg)
	b.WriteString("</body></html>\n")
	return []byte(b.String())
}

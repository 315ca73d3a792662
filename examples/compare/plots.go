package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/lightzoo/lightzoo/sweep"
	"github.com/lightzoo/lightzoo/train"
)

// curve is one run's history.
type curve struct {
	variant, protocol string
	history           []train.EpochLog
}

// writePlots draws, per model, test accuracy against parameters (ours per protocol with the
// spread over seeds, and the paper's) and, per model and protocol, the validation accuracy
// per epoch of each variant (mean over seeds, band from min to max), each as PNG and SVG.
func writePlots(rows []row, curves map[string][]curve, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	byModel := map[string][]row{}
	for _, r := range rows {
		byModel[r.Model] = append(byModel[r.Model], r)
	}
	for model, rs := range byModel {
		p, legend := accuracyPlot(model, rs)
		if err := sweep.SavePlot(p, legend, filepath.Join(dir, model+"-accuracy")); err != nil {
			return err
		}
		for _, protocol := range []string{train.Paper, train.Clean} {
			cs := curvesOf(curves[model], protocol)
			if len(cs) == 0 {
				continue
			}
			p, legend := curvePlot(model, protocol, cs)
			if err := sweep.SavePlot(p, legend, filepath.Join(dir, model+"-"+protocol+"-curves")); err != nil {
				return err
			}
		}
	}
	return nil
}

// subsetNote says when the runs were tested on fewer than the official 10,000 images.
func subsetNote(rows []row) string {
	if len(rows) > 0 && rows[0].TestImages < 10000 {
		return fmt.Sprintf(" (first %d test images)", rows[0].TestImages)
	}
	return ""
}

// rowLabel names a row as the paper's tables do.
func rowLabel(variant string) string {
	switch variant {
	case "conv2d":
		return "Conv2D"
	case "separable":
		return "Separable"
	}
	return "k=" + strings.TrimPrefix(variant, "light")
}

// spread is the mean of a variant's runs with error bars from their min to their max.
type spread struct {
	plotter.XYs
	plotter.YErrors
}

// protocolGlyphs tell the series apart without colour: filled circles and squares for ours,
// hollow triangles for the paper's.
var protocolGlyphs = map[string]draw.GlyphDrawer{train.Paper: draw.CircleGlyph{}, train.Clean: draw.BoxGlyph{}}

func accuracyPlot(model string, rows []row) (*plot.Plot, plot.Legend) {
	p := plot.New()
	p.Title.Text = model + ": test accuracy against parameters" + subsetNote(rows) + "\nours: mean over seeds, bars from min to max"
	p.X.Label.Text = "total parameters (log scale)"
	p.Y.Label.Text = "test accuracy"
	p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, sweep.ParamTicks{}
	legend := plot.NewLegend()
	for i, protocol := range []string{train.Paper, train.Clean} {
		var s spread
		for _, g := range bySetting(filter(rows, protocol)) {
			mean, _ := meanSD(g, func(r row) float64 { return r.TestAccuracy })
			lo, hi := minMax(g, func(r row) float64 { return r.TestAccuracy })
			s.XYs = append(s.XYs, plotter.XY{X: float64(g[0].Total), Y: mean})
			s.YErrors = append(s.YErrors, struct{ Low, High float64 }{mean - lo, hi - mean})
		}
		if len(s.XYs) == 0 {
			continue
		}
		sc, _ := plotter.NewScatter(s.XYs)
		sc.GlyphStyle = draw.GlyphStyle{Shape: protocolGlyphs[protocol], Radius: vg.Points(3.5), Color: shade(i)}
		bars, _ := plotter.NewYErrorBars(s)
		bars.LineStyle.Color, bars.CapWidth = shade(i), vg.Points(6)
		p.Add(bars, sc)
		legend.Add("ours, "+protocol+" protocol", sc)
	}
	paper, labels := paperPoints(rows)
	sc, _ := plotter.NewScatter(paper)
	sc.GlyphStyle = draw.GlyphStyle{Shape: draw.TriangleGlyph{}, Radius: vg.Points(4.5), Color: color.Black}
	p.Add(sc)
	legend.Add("the paper, one run", sc)
	if l, err := plotter.NewLabels(labels); err == nil {
		l.Offset = vg.Point{X: vg.Points(6), Y: vg.Points(-3)}
		p.Add(l)
	}
	p.X.Min, p.X.Max = p.X.Min/1.5, p.X.Max*1.5
	pad := (p.Y.Max - p.Y.Min) * 0.06
	p.Y.Min, p.Y.Max = p.Y.Min-pad, p.Y.Max+pad
	return p, legend
}

// paperPoints are the paper's rows, each labelled by its name.
func paperPoints(rows []row) (plotter.XYs, plotter.XYLabels) {
	var labels plotter.XYLabels
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r.Variant] {
			continue
		}
		seen[r.Variant] = true
		labels.XYs = append(labels.XYs, plotter.XY{X: float64(r.PaperTotal), Y: r.PaperAccuracy})
		labels.Labels = append(labels.Labels, rowLabel(r.Variant))
	}
	return labels.XYs, labels
}

func filter(rows []row, protocol string) []row {
	var out []row
	for _, r := range rows {
		if r.Protocol == protocol {
			out = append(out, r)
		}
	}
	return out
}

// curvesOf groups one protocol's curves by variant, in their first order.
func curvesOf(curves []curve, protocol string) [][]curve {
	var out [][]curve
	index := map[string]int{}
	for _, c := range curves {
		if c.protocol != protocol {
			continue
		}
		i, ok := index[c.variant]
		if !ok {
			i = len(out)
			index[c.variant] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], c)
	}
	return out
}

// curvePlot draws each variant's validation accuracy per epoch: the mean over the seeds that
// reached the epoch, and a band from their min to their max.
func curvePlot(model, protocol string, variants [][]curve) (*plot.Plot, plot.Legend) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s, %s protocol: validation accuracy per epoch\nmean over seeds, band from min to max", model, protocol)
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "validation accuracy"
	legend := plot.NewLegend()
	for i, runs := range variants {
		mean, lo, hi := epochStats(runs)
		band := append(append(plotter.XYs(nil), lo...), reversed(hi)...)
		if poly, err := plotter.NewPolygon(band); err == nil && len(runs) > 1 {
			c := palette(i)
			poly.Color, poly.LineStyle.Width = color.NRGBA{R: c.R, G: c.G, B: c.B, A: 40}, 0
			p.Add(poly)
		}
		line, err := plotter.NewLine(mean)
		if err != nil {
			continue
		}
		line.Color, line.Width, line.Dashes = palette(i), vg.Points(1.5), dashes(i)
		p.Add(line)
		seeds := "seeds"
		if len(runs) == 1 {
			seeds = "seed"
		}
		legend.Add(fmt.Sprintf("%s (%d %s)", runs[0].variant, len(runs), seeds), line)
	}
	return p, legend
}

// epochStats are the mean, min and max over runs of the validation accuracy at each epoch.
func epochStats(runs []curve) (mean, lo, hi plotter.XYs) {
	for e := 1; ; e++ {
		var vals []float64
		for _, r := range runs {
			if e <= len(r.history) {
				vals = append(vals, r.history[e-1].ValAccuracy)
			}
		}
		if len(vals) == 0 {
			return mean, lo, hi
		}
		sum, mn, mx := 0.0, math.Inf(1), math.Inf(-1)
		for _, v := range vals {
			sum, mn, mx = sum+v, math.Min(mn, v), math.Max(mx, v)
		}
		x := float64(e)
		mean = append(mean, plotter.XY{X: x, Y: sum / float64(len(vals))})
		lo, hi = append(lo, plotter.XY{X: x, Y: mn}), append(hi, plotter.XY{X: x, Y: mx})
	}
}

func reversed(xy plotter.XYs) plotter.XYs {
	out := make(plotter.XYs, len(xy))
	for i := range xy {
		out[i] = xy[len(xy)-1-i]
	}
	return out
}

// palette are colours that stay apart in grey too; dashes tell the lines apart without them.
func palette(i int) color.RGBA {
	colors := []color.RGBA{{0, 0, 0, 255}, {230, 97, 1, 255}, {94, 60, 153, 255}, {0, 128, 128, 255},
		{178, 24, 43, 255}, {33, 102, 172, 255}, {120, 120, 120, 255}, {166, 97, 26, 255}}
	return colors[i%len(colors)]
}

func dashes(i int) []vg.Length {
	patterns := [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)},
		{vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)}}
	return patterns[i%len(patterns)]
}

func shade(i int) color.Color { return []color.Color{color.Black, color.Gray{Y: 110}}[i%2] }

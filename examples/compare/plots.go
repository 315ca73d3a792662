package main

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/lightzoo/lightzoo/train"
)

// curve is one run's validation accuracy per epoch.
type curve struct {
	name    string
	history []train.EpochLog
}

// writePlots draws, per model, test accuracy against parameters (ours per protocol, and the
// paper's) and the validation-accuracy curves of the runs, each as PNG and SVG.
func writePlots(rows []row, curves map[string][]curve, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	byModel := map[string][]row{}
	for _, r := range rows {
		byModel[r.Model] = append(byModel[r.Model], r)
	}
	for model, rs := range byModel {
		if err := save(accuracyPlot(model, rs), filepath.Join(dir, model+"-accuracy")); err != nil {
			return err
		}
		if err := save(curvePlot(model, curves[model]), filepath.Join(dir, model+"-curves")); err != nil {
			return err
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
func rowLabel(r row) string {
	switch r.Variant {
	case "conv2d":
		return "Conv2D"
	case "separable":
		return "Separable"
	}
	return "k=" + strings.TrimPrefix(r.Variant, "light")
}

// paramTicks marks 1, 2 and 5 times each power of ten, labelled 2k, 5k, 10k, ...
type paramTicks struct{}

func (paramTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for p := 1.0; p <= hi; p *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if v := m * p; v >= lo && v <= hi {
				label := fmt.Sprintf("%g", v)
				if v >= 1000 {
					label = fmt.Sprintf("%gk", v/1000)
				}
				ticks = append(ticks, plot.Tick{Value: v, Label: label})
			}
		}
	}
	return ticks
}

func accuracyPlot(model string, rows []row) *plot.Plot {
	p := plot.New()
	p.Title.Text = model + ": test accuracy against parameters" + subsetNote(rows)
	p.X.Label.Text = "total parameters"
	p.Y.Label.Text = "test accuracy"
	p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, paramTicks{}
	series := map[string]plotter.XYs{}
	paper := map[int]float64{}
	var labels plotter.XYLabels
	for _, r := range rows {
		series["lightzoo, "+r.Protocol] = append(series["lightzoo, "+r.Protocol], plotter.XY{X: float64(r.Total), Y: r.TestAccuracy})
		if _, seen := paper[r.PaperTotal]; !seen {
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(r.PaperTotal), Y: r.PaperAccuracy})
			labels.Labels = append(labels.Labels, " "+rowLabel(r))
		}
		paper[r.PaperTotal] = r.PaperAccuracy
	}
	if l, err := plotter.NewLabels(labels); err == nil {
		p.Add(l) // each paper point named by its row, for reading ours beside it
	}
	for total, acc := range paper {
		series["paper"] = append(series["paper"], plotter.XY{X: float64(total), Y: acc})
	}
	names := make([]string, 0, len(series))
	for n := range series {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		s, err := plotter.NewScatter(series[n])
		if err != nil {
			continue
		}
		s.GlyphStyle.Color = plotutil.Color(i)
		s.GlyphStyle.Shape = plotutil.Shape(i)
		s.GlyphStyle.Radius = vg.Points(4)
		p.Add(s)
		p.Legend.Add(n, s)
	}
	// Keep the glyphs at the extremes inside the frame.
	p.X.Min, p.X.Max = p.X.Min/1.3, p.X.Max*1.3
	pad := (p.Y.Max - p.Y.Min) * 0.08
	p.Y.Min, p.Y.Max = p.Y.Min-pad, p.Y.Max+pad
	p.Legend.Top, p.Legend.Left = false, false
	return p
}

func curvePlot(model string, curves []curve) *plot.Plot {
	p := plot.New()
	p.Title.Text = model + ": validation accuracy per epoch"
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "validation accuracy"
	for i, c := range curves {
		xy := make(plotter.XYs, len(c.history))
		for j, h := range c.history {
			xy[j] = plotter.XY{X: float64(h.Epoch), Y: h.ValAccuracy}
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			continue
		}
		l.Color = plotutil.Color(i)
		l.Dashes = plotutil.Dashes(i / 7)
		p.Add(l)
		p.Legend.Add(c.name, l)
	}
	p.Legend.Top, p.Legend.Left = false, false
	p.BackgroundColor = color.White
	return p
}

func save(p *plot.Plot, base string) error {
	for _, ext := range []string{".png", ".svg"} {
		if err := p.Save(7*vg.Inch, 4.5*vg.Inch, base+ext); err != nil {
			return fmt.Errorf("compare: plot %s: %v", base+ext, err)
		}
	}
	return nil
}

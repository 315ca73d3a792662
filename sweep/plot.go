package sweep

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/lightzoo/lightzoo/train/checkpoint"
)

// ParamTicks marks 1, 2 and 5 times each power of ten, labelled 2k, 5k, 10k, ...
type ParamTicks struct{}

func (ParamTicks) Ticks(lo, hi float64) []plot.Tick {
	return oneTwoFive(lo, hi, 1, func(v float64) string {
		if v >= 1000 {
			return fmt.Sprintf("%gk", v/1000)
		}
		return fmt.Sprintf("%g", v)
	})
}

// PercentTicks marks 1, 2 and 5 times each power of ten from 0.1, labelled 0.5%, 1%, 2%, ...:
// a log axis of error rates in percent.
type PercentTicks struct{}

func (PercentTicks) Ticks(lo, hi float64) []plot.Tick {
	return oneTwoFive(lo, hi, 0.1, func(v float64) string { return fmt.Sprintf("%g%%", v) })
}

// oneTwoFive marks 1, 2 and 5 times each power of ten from first, within [lo, hi].
func oneTwoFive(lo, hi, first float64, label func(float64) string) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Round(math.Log10(first)); math.Pow(10, e) <= hi; e++ {
		for _, m := range []float64{1, 2, 5} {
			if v := m * math.Pow(10, e); v >= lo && v <= hi {
				ticks = append(ticks, plot.Tick{Value: v, Label: label(v)})
			}
		}
	}
	return ticks
}

// size of every plot and of the legend column beside it.
const (
	plotWidth   = 8 * vg.Inch
	plotHeight  = 4.5 * vg.Inch
	legendWidth = 2 * vg.Inch
)

// SavePlot draws p with its legend in a column to the right of the data, as PNG and SVG.
func SavePlot(p *plot.Plot, legend plot.Legend, base string) error {
	p.BackgroundColor = color.White
	for _, ext := range []string{".png", ".svg"} {
		var c interface {
			vg.CanvasSizer
			io.WriterTo
		}
		if ext == ".png" {
			c = vgimg.PngCanvas{Canvas: vgimg.New(plotWidth, plotHeight)}
		} else {
			c = vgsvg.New(plotWidth, plotHeight)
		}
		dc := draw.New(c)
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
		p.Draw(draw.Crop(dc, 0, -legendWidth, 0, -vg.Points(6)))
		legend.Top, legend.Left = true, true
		legend.YOffs = -vg.Points(30)
		legend.Draw(draw.Crop(dc, plotWidth-legendWidth, 0, 0, 0))
		if err := writeFile(base+ext, c); err != nil {
			return fmt.Errorf("sweep: plot %s: %v", base+ext, err)
		}
	}
	return nil
}

// writeFile writes a plot whole or not at all: a crash leaves the previous one.
func writeFile(path string, w io.WriterTo) error {
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return err
	}
	return checkpoint.WriteAtomic(path, buf.Bytes())
}

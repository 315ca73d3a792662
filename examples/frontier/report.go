package main

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/lightzoo/lightzoo/sweep"
	"github.com/lightzoo/lightzoo/train"
	"github.com/lightzoo/lightzoo/train/checkpoint"
	"github.com/lightzoo/lightzoo/zoo"
)

// row is one finished run.
type row struct {
	job
	result train.Result
}

// setting is one model's label over its seeds.
type setting struct {
	model, label, family, variant string
	total                         int
	accuracy                      []float64
	commits                       []string // of each run, short
}

// margins are how many points below our Conv2D a light model at a third of its parameters may
// fall and still meet the target (issue 13), by model.
var margins = map[string]float64{"mnist": 0.5, "fashion-mnist": 1.5, "cifar10": 3, "cifar100": 4}

// writeReport gathers the finished runs and writes frontier.{md,csv} and one plot per model.
func writeReport(jobs []job, o options) error {
	var rows []row
	for _, j := range jobs {
		data, err := os.ReadFile(filepath.Join(j.dir(o), "result.json"))
		if err != nil {
			continue
		}
		r := row{job: j}
		if err := json.Unmarshal(data, &r.result); err != nil {
			return fmt.Errorf("frontier: %s: %v", j.dir(o), err)
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return fmt.Errorf("frontier: no finished run of the %d planned is under %s; the report in %s is left as it was", len(jobs), o.runs, o.out)
	}
	if err := os.MkdirAll(filepath.Join(o.out, "plots"), 0o755); err != nil {
		return err
	}
	if err := writeCSV(filepath.Join(o.out, "frontier.csv"), rows); err != nil {
		return err
	}
	settings := group(rows)
	if err := checkpoint.WriteAtomic(filepath.Join(o.out, "frontier.md"), []byte(markdown(settings, o))); err != nil {
		return err
	}
	for model, ss := range byModel(settings) {
		p, legend := frontierPlot(model, ss)
		if err := sweep.SavePlot(p, legend, filepath.Join(o.out, "plots", model+"-frontier")); err != nil {
			return err
		}
	}
	return nil
}

func writeCSV(path string, rows []row) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"model", "label", "family", "variant", "seed", "total", "trainable", "test_accuracy",
		"test_accuracy_batch_stats", "test_loss", "test_images", "epochs", "schedule", "commit", "kernels", "weights_sha256"})
	for _, r := range rows {
		res := r.result
		w.Write([]string{res.Model, r.label, r.family, res.Variant, strconv.FormatUint(res.Seed, 10), strconv.Itoa(res.Total),
			strconv.Itoa(res.Trainable), ftoa(res.TestAccuracy), ftoa(res.TestAccuracyBatchStats), ftoa(res.TestLoss),
			strconv.Itoa(res.TestImages), strconv.Itoa(res.Epochs), res.Schedule, res.Build.Commit, res.Build.Kernels, res.WeightsDigest})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return checkpoint.WriteAtomic(path, buf.Bytes())
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// group collects each model's label over seeds, in the plan's order.
func group(rows []row) []*setting {
	var out []*setting
	index := map[string]*setting{}
	for _, r := range rows {
		key := r.spec.Name + "/" + r.label
		s, ok := index[key]
		if !ok {
			s = &setting{model: r.spec.Name, label: r.label, family: r.family, variant: r.result.Variant, total: r.result.Total}
			index[key] = s
			out = append(out, s)
		}
		s.accuracy = append(s.accuracy, r.result.TestAccuracy)
		s.commits = append(s.commits, r.result.Build.Commit[:min(10, len(r.result.Build.Commit))])
	}
	return out
}

func byModel(settings []*setting) map[string][]*setting {
	out := map[string][]*setting{}
	for _, s := range settings {
		out[s.model] = append(out[s.model], s)
	}
	return out
}

// epochsText names the runs' epochs.
func epochsText(n int) string {
	if n == 0 {
		return "the paper's"
	}
	return strconv.Itoa(n)
}

// markdown is, per model, every setting by parameter count, the targets, and the ablation.
func markdown(settings []*setting, o options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Accuracy against parameters\n\nWritten by `go run ./examples/frontier`: clean protocol, %s schedule, %s epochs, "+
		"learning rate the paper's for MNIST and Fashion-MNIST and %g for CIFAR (with random crops and flips: %t), "+
		"test accuracy as mean ± sd, min and max over the seeds finished so far. Families: Conv2D, SeparableConv2D, the paper's "+
		"two-stage LightLayers rows; low-rank light models with spectral initialization and Frobenius decay (spectral+FD) at "+
		"budgets of Conv2D's parameters (b3: a third); Conv2D compressed by SVD to the budget and fine-tuned; and, at one budget, "+
		"each technique alone (ablation), the compression not fine-tuned (svd-nofinetune), fine-tuned twice as many epochs "+
		"(svd-ft2x) and made in two steps, a half fine-tuned and then compressed again (svd-via2).\n", o.schedule, epochsText(o.epochs), o.cifarLR, o.augment)
	models := byModel(settings)
	names := make([]string, 0, len(models))
	for m := range models {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, model := range names {
		ss := models[model]
		sort.SliceStable(ss, func(i, j int) bool { return ss[i].total < ss[j].total })
		conv := find(ss, "conv2d")
		fmt.Fprintf(&b, "\n## %s\n\n| label | family | params | of Conv2D | seeds | test accuracy | min | max |\n|---|---|---|---|---|---|---|---|\n", model)
		for _, s := range ss {
			mean, sd := sweep.MeanSD(s.accuracy)
			lo, hi := sweep.MinMax(s.accuracy)
			share := "-"
			if conv != nil {
				share = fmt.Sprintf("%.3f", float64(s.total)/float64(conv.total))
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %d | %.4f ± %.4f | %.4f | %.4f |\n", s.label, s.family, s.total, share, len(s.accuracy), mean, sd, lo, hi)
		}
		b.WriteString(targets(model, ss, conv))
		b.WriteString(ablation(ss, o.ablation))
		b.WriteString(madeBy(ss))
	}
	return b.String()
}

// madeBy names the commits that made the model's runs, with how many each.
func madeBy(ss []*setting) string {
	count := map[string]int{}
	for _, s := range ss {
		for _, c := range s.commits {
			count[c]++
		}
	}
	var parts []string
	for c, n := range count {
		parts = append(parts, fmt.Sprintf("%s (%d runs)", c, n))
	}
	sort.Strings(parts)
	return "\nMade by commit " + strings.Join(parts, ", ") + ".\n"
}

// targets says whether the best light setting at no more than a third of Conv2D's parameters
// reaches the paper's Conv2D and comes within the model's margin of ours.
func targets(model string, ss []*setting, conv *setting) string {
	spec, err := zoo.Get(model)
	paper, ok := spec.PaperRow("conv2d")
	if err != nil || !ok || conv == nil {
		return ""
	}
	ours, _ := sweep.MeanSD(conv.accuracy)
	var best *setting
	bestMean := math.Inf(-1)
	for _, s := range ss {
		mean, _ := sweep.MeanSD(s.accuracy)
		if s.family != famConv2D && 3*s.total <= conv.total && mean > bestMean {
			best, bestMean = s, mean
		}
	}
	if best == nil {
		return "\nNo light setting at a third of Conv2D's parameters has finished.\n"
	}
	met := func(ok bool) string {
		if ok {
			return "met"
		}
		return "missed"
	}
	need := ours - margins[model]/100
	return fmt.Sprintf("\nTarget at most a third of Conv2D's parameters: the best is %s (%d params), %.4f: the paper's Conv2D %.4f: %s; ours %.4f less %.1f points, %.4f: %s.\n",
		best.label, best.total, bestMean, paper.Accuracy, met(bestMean >= paper.Accuracy), ours, margins[model], need, met(bestMean >= need))
}

// ablation is each technique at the ablation budget on its own and together.
func ablation(ss []*setting, budget int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nAblation at 1/%d of Conv2D's parameters:\n\n| technique | params | seeds | test accuracy |\n|---|---|---|---|\n", budget)
	for _, label := range []string{"lowrank", "spectral", "frob", "spectral-frob", "svd", "svd-nofinetune", "svd-ft2x", "svd-via2"} {
		name := fmt.Sprintf("%s-b%d", label, budget)
		if s := find(ss, name); s != nil {
			mean, sd := sweep.MeanSD(s.accuracy)
			fmt.Fprintf(&b, "| %s | %d | %d | %.4f ± %.4f |\n", name, s.total, len(s.accuracy), mean, sd)
		}
	}
	return b.String()
}

func find(ss []*setting, label string) *setting {
	for _, s := range ss {
		if s.label == label {
			return s
		}
	}
	return nil
}

// glyphs tell the families apart without colour.
var glyphs = map[string]draw.GlyphDrawer{famConv2D: draw.BoxGlyph{}, famSeparable: draw.SquareGlyph{}, famPaper: draw.CircleGlyph{},
	famSpectral: draw.PyramidGlyph{}, famSVD: draw.CrossGlyph{}, famAblation: draw.RingGlyph{}}

// frontierPlot draws each family's settings (mean, bars from min to max) as test error against
// parameters, both on log scales (the differences that matter are between 0.5% and 5% error,
// and a collapsed model is at 50%), with the paper's rows beside them.
func frontierPlot(model string, ss []*setting) (*plot.Plot, plot.Legend) {
	p := plot.New()
	p.Title.Text = model + ": test error against parameters, clean protocol\nmean over seeds, bars from min to max"
	p.X.Label.Text = "total parameters (log scale)"
	p.Y.Label.Text = "test error, 100% - accuracy (log scale)"
	p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, sweep.ParamTicks{}
	p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, sweep.PercentTicks{}
	legend := plot.NewLegend()
	// The ablation's points sit on top of the spectral+FD and SVD points at the same budget:
	// they are in the tables only.
	for i, family := range []string{famConv2D, famSeparable, famPaper, famSpectral, famSVD} {
		var xy plotter.XYs
		var errs plotter.YErrors
		for _, s := range ss {
			if s.family != family {
				continue
			}
			mean, _ := sweep.MeanSD(s.accuracy)
			lo, hi := sweep.MinMax(s.accuracy)
			xy = append(xy, plotter.XY{X: float64(s.total), Y: errorPercent(mean)})
			errs = append(errs, struct{ Low, High float64 }{errorPercent(mean) - errorPercent(hi), errorPercent(lo) - errorPercent(mean)})
		}
		if len(xy) == 0 {
			continue
		}
		c := color.Gray{Y: uint8(40 * (i % 3))}
		sc, _ := plotter.NewScatter(xy)
		sc.GlyphStyle = draw.GlyphStyle{Shape: glyphs[family], Radius: vg.Points(4), Color: c}
		bars, _ := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{xy, errs})
		bars.LineStyle.Color = c
		p.Add(bars, sc)
		if len(xy) > 1 { // a family's settings, joined by increasing parameters
			sorted := slices.Clone(xy)
			slices.SortFunc(sorted, func(a, b plotter.XY) int { return cmp.Compare(a.X, b.X) })
			line, _ := plotter.NewLine(sorted)
			line.Color, line.Dashes = c, []vg.Length{vg.Points(2 + float64(2*i)), vg.Points(2)}
			p.Add(line)
		}
		legend.Add(family, sc)
	}
	if spec, err := zoo.Get(model); err == nil {
		var paper plotter.XYs
		for _, r := range spec.Paper {
			paper = append(paper, plotter.XY{X: float64(r.Total), Y: errorPercent(r.Accuracy)})
		}
		sc, _ := plotter.NewScatter(paper)
		sc.GlyphStyle = draw.GlyphStyle{Shape: draw.TriangleGlyph{}, Radius: vg.Points(4.5), Color: color.Black}
		p.Add(sc)
		legend.Add("the paper, one run", sc)
	}
	p.X.Min, p.X.Max = p.X.Min/1.5, p.X.Max*1.5
	p.Y.Min, p.Y.Max = p.Y.Min/1.3, p.Y.Max*1.3
	return p, legend
}

// errorPercent is the error rate in percent of an accuracy.
func errorPercent(accuracy float64) float64 { return 100 * (1 - accuracy) }

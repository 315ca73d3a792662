package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/sweep"
	"github.com/lightzoo/lightzoo/train"
	"github.com/lightzoo/lightzoo/train/checkpoint"
	"github.com/lightzoo/lightzoo/zoo"
)

// row is one finished run beside the paper's numbers: a line of paper-tables.csv.
type row struct {
	Model        string  `json:"model"`
	Variant      string  `json:"variant"`
	Protocol     string  `json:"protocol"`
	Seed         uint64  `json:"seed"`
	Epochs       int     `json:"epochs"`
	Total        int     `json:"total"`
	Trainable    int     `json:"trainable"`
	TestAccuracy float64 `json:"test_accuracy"`
	// BatchStats is the test accuracy with BatchNorm on batch statistics (NaN for runs older
	// than that record).
	BatchStats           float64 `json:"test_accuracy_batch_stats"`
	TestLoss             float64 `json:"test_loss"`  // cross-entropy
	L2Penalty            float64 `json:"l2_penalty"` // of the evaluated weights
	TestImages           int     `json:"test_images"`
	SecondsPerEpoch      float64 `json:"seconds_per_epoch"`
	TrainImagesPerSecond float64 `json:"train_images_per_second"`
	FLOPs                int64   `json:"flops_per_image"`
	PaperTotal           int     `json:"paper_total"`
	PaperAccuracy        float64 `json:"paper_accuracy"`
	PaperLoss            float64 `json:"paper_loss"`
	// Commit, Kernels and Procs say which code made the run, on which kernel path and how
	// many cores ("unknown", "" and 0 for runs older than that record).
	Commit       string `json:"commit"`
	Kernels      string `json:"kernels"`
	Procs        int    `json:"gomaxprocs"`
	DataVerified bool   `json:"data_verified"`
	Weights      string `json:"weights_sha256"`
}

// rowOf reads the result in dir as a row of job j.
func rowOf(j job, dir string, flops flopCounts) (row, []train.EpochLog, error) {
	data, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		return row{}, nil, err
	}
	var r struct {
		train.Result
		Rank int `json:"rank"` // results made before variants had one name: "light" and rank 3
	}
	r.TestAccuracyBatchStats, r.TestLoss = math.NaN(), math.NaN() // null or missing stays NaN
	if err := json.Unmarshal(data, &r); err != nil {
		return row{}, nil, fmt.Errorf("compare: %s: %v", dir, err)
	}
	if r.Variant == "light" {
		r.Variant += strconv.Itoa(r.Rank)
	}
	if r.Build.Commit == "" {
		r.Build.Commit = "unknown"
	}
	return row{Model: r.Model, Variant: r.Variant, Protocol: r.Protocol, Seed: r.Seed,
		Epochs: r.Epochs, Total: r.Total, Trainable: r.Trainable, TestAccuracy: r.TestAccuracy, BatchStats: r.TestAccuracyBatchStats,
		TestLoss: r.TestLoss, L2Penalty: r.L2Penalty, TestImages: r.TestImages, SecondsPerEpoch: r.SecondsPerEpoch,
		TrainImagesPerSecond: r.TrainImagesPerSecond, FLOPs: flops.of(j), PaperTotal: j.row.Total, PaperAccuracy: j.row.Accuracy,
		PaperLoss: j.row.Loss, Commit: r.Build.Commit, Kernels: r.Build.Kernels, Procs: r.Build.Procs,
		DataVerified: r.DataVerified, Weights: r.WeightsDigest}, r.History, nil
}

// flopCounts caches the forward FLOPs of each row's model as the code defines it now, so
// that a table's column is consistent whichever version made each run.
type flopCounts map[string]int64

func (f flopCounts) of(j job) int64 {
	key := j.spec.Name + "/" + rowName(j.row)
	if n, ok := f[key]; ok {
		return n
	}
	var n int64
	if v, err := light.ParseVariant(j.row.Variant); err == nil {
		if m, err := zoo.New(j.spec, v, zoo.Config{Batch: 1, Inference: true}); err == nil {
			n = m.FLOPs()
		}
	}
	f[key] = n
	return n
}

// writeReport gathers the finished runs of jobs and writes paper-tables.{csv,json,md}, plots
// under out/plots/, and a copy of each run's result, metrics and command under out/runs/.
func writeReport(jobs []job, runs, out string) error {
	var rows []row
	flops := flopCounts{}
	curves := map[string][]curve{}
	for _, j := range jobs {
		dir := filepath.Join(runs, j.name())
		r, history, err := rowOf(j, dir, flops)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return err
		}
		rows = append(rows, r)
		curves[r.Model] = append(curves[r.Model], curve{variant: r.Variant, protocol: r.Protocol, history: history})
		if err := keep(dir, filepath.Join(out, "runs", j.name())); err != nil {
			return err
		}
	}
	if len(rows) == 0 {
		return fmt.Errorf("compare: no finished run of the %d planned is under %s; the report in %s is left as it was", len(jobs), runs, out)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	js, err := train.MarshalJSON(rows, true)
	if err != nil {
		return err
	}
	if err := checkpoint.WriteAtomic(filepath.Join(out, "paper-tables.json"), append(js, '\n')); err != nil {
		return err
	}
	if err := writeCSV(filepath.Join(out, "paper-tables.csv"), rows); err != nil {
		return err
	}
	if err := checkpoint.WriteAtomic(filepath.Join(out, "paper-tables.md"), []byte(markdown(rows))); err != nil {
		return err
	}
	return writePlots(rows, curves, filepath.Join(out, "plots"))
}

// keep copies a run's small files (not its checkpoints) into dst, unless dst is src.
func keep(src, dst string) error {
	if filepath.Clean(src) == filepath.Clean(dst) {
		return nil
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, f := range []string{"result.json", "metrics.jsonl", "command.txt"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			continue
		}
		if err := checkpoint.WriteAtomic(filepath.Join(dst, f), data); err != nil {
			return err
		}
	}
	return nil
}

var csvColumns = []string{"model", "variant", "protocol", "seed", "epochs", "total", "trainable", "test_accuracy",
	"test_accuracy_batch_stats", "test_loss", "l2_penalty", "test_images", "seconds_per_epoch", "train_images_per_second",
	"flops_per_image", "paper_total", "paper_accuracy", "paper_loss", "commit", "kernels", "gomaxprocs", "data_verified",
	"weights_sha256"}

func writeCSV(path string, rows []row) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(csvColumns)
	for _, r := range rows {
		w.Write([]string{r.Model, r.Variant, r.Protocol, strconv.FormatUint(r.Seed, 10),
			strconv.Itoa(r.Epochs), strconv.Itoa(r.Total), strconv.Itoa(r.Trainable), ftoa(r.TestAccuracy), ftoa(r.BatchStats),
			ftoa(r.TestLoss), ftoa(r.L2Penalty), strconv.Itoa(r.TestImages), ftoa(r.SecondsPerEpoch), ftoa(r.TrainImagesPerSecond),
			strconv.FormatInt(r.FLOPs, 10), strconv.Itoa(r.PaperTotal), ftoa(r.PaperAccuracy), ftoa(r.PaperLoss),
			r.Commit, r.Kernels, strconv.Itoa(r.Procs), strconv.FormatBool(r.DataVerified), r.Weights})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return checkpoint.WriteAtomic(path, buf.Bytes())
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// markdown is one table per model and protocol, one line per variant: the spread of the test
// accuracy over seeds, where the paper's number falls in it, the accuracy with BatchNorm on
// batch statistics, and which commits made the runs.
func markdown(rows []row) string {
	var b strings.Builder
	b.WriteString("# The paper's tables, rerun\n\nWritten by `go run ./examples/compare`; one line per variant: test accuracy as mean ± ")
	b.WriteString("standard deviation, min and max over the seeds; the paper's number and where it falls in our range; the mean accuracy ")
	b.WriteString("with BatchNorm on each test batch's own statistics (its gap to the mean is what the running statistics' lag costs); ")
	b.WriteString("the test loss is the cross-entropy plus the L2 penalty of the weights, as Keras reports it and the paper lists it.\n")
	type key struct{ model, protocol string }
	groups := map[key][]row{}
	var order []key
	for _, r := range rows {
		k := key{r.Model, r.Protocol}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	for _, k := range order {
		fmt.Fprintf(&b, "\n## %s, %s protocol\n\n", k.model, k.protocol)
		if n := groups[k][0].TestImages; k.model == "cifar10" && n < 10000 {
			fmt.Fprintf(&b, "CIFAR-10 test numbers here are on the first %d of the 10,000 official test images "+
				"(95%% interval of an accuracy about ±%.0f points).\n\n", n, 100*1.96*math.Sqrt(0.25/float64(n)))
		}
		b.WriteString("| variant | total params | seeds | test accuracy | min | max | paper | paper in our range | batch statistics | test loss + L2 | paper loss | FLOPs/image |\n")
		b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, g := range bySetting(groups[k]) {
			b.WriteString(tableLine(g))
		}
		fmt.Fprintf(&b, "\nMade by %s.\n", provenance(groups[k]))
	}
	return b.String()
}

// tableLine is one variant's line over its seeds.
func tableLine(g []row) string {
	acc, accSD := meanSD(g, func(r row) float64 { return r.TestAccuracy })
	lo, hi := minMax(g, func(r row) float64 { return r.TestAccuracy })
	bs, _ := meanSD(g, func(r row) float64 { return r.BatchStats })
	loss, lossSD := meanSD(g, func(r row) float64 { return r.TestLoss + r.L2Penalty })
	r := g[0]
	where := "inside"
	switch {
	case r.PaperAccuracy < lo:
		where = fmt.Sprintf("below (%+.4f)", r.PaperAccuracy-lo)
	case r.PaperAccuracy > hi:
		where = fmt.Sprintf("above (%+.4f)", r.PaperAccuracy-hi)
	}
	batch := "-"
	if !math.IsNaN(bs) {
		batch = fmt.Sprintf("%.4f", bs)
	}
	return fmt.Sprintf("| %s | %d | %d | %s | %.4f | %.4f | %.4f | %s | %s | %s | %.4f | %d |\n", r.Variant, r.Total, len(g),
		pm(acc, accSD, len(g)), lo, hi, r.PaperAccuracy, where, batch, pm(loss, lossSD, len(g)), r.PaperLoss, r.FLOPs)
}

// provenance names the commits and kernel paths that made rows.
func provenance(rows []row) string {
	seen := map[string]int{}
	var order []string
	for _, r := range rows {
		c := r.Commit
		if len(c) > 10 {
			c = c[:10]
		}
		if r.Kernels != "" {
			c += " (" + r.Kernels + ")"
		}
		if seen[c] == 0 {
			order = append(order, c)
		}
		seen[c]++
	}
	parts := make([]string, len(order))
	for i, c := range order {
		parts[i] = fmt.Sprintf("%s: %d runs", c, seen[c])
	}
	return "commit " + strings.Join(parts, "; ")
}

// bySetting groups rows of one table by variant, in their first order.
func bySetting(rows []row) [][]row {
	var out [][]row
	index := map[string]int{}
	for _, r := range rows {
		k := r.Variant
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], r)
	}
	return out
}

func meanSD(rows []row, f func(row) float64) (mean, sd float64) { return sweep.MeanSD(values(rows, f)) }

func minMax(rows []row, f func(row) float64) (lo, hi float64) { return sweep.MinMax(values(rows, f)) }

func values(rows []row, f func(row) float64) []float64 {
	out := make([]float64, len(rows))
	for i, r := range rows {
		out[i] = f(r)
	}
	return out
}

func pm(mean, sd float64, n int) string {
	if n < 2 {
		return fmt.Sprintf("%.4f", mean)
	}
	return fmt.Sprintf("%.4f ± %.4f", mean, sd)
}

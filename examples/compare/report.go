package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/train"
	"github.com/lightzoo/lightzoo/zoo"
)

// row is one finished run beside the paper's numbers: a line of paper-tables.csv.
type row struct {
	Model                string  `json:"model"`
	Variant              string  `json:"variant"`
	Protocol             string  `json:"protocol"`
	Seed                 uint64  `json:"seed"`
	Epochs               int     `json:"epochs"`
	Total                int     `json:"total"`
	Trainable            int     `json:"trainable"`
	TestAccuracy         float64 `json:"test_accuracy"`
	TestLoss             float64 `json:"test_loss"`  // cross-entropy
	L2Penalty            float64 `json:"l2_penalty"` // of the evaluated weights
	TestImages           int     `json:"test_images"`
	SecondsPerEpoch      float64 `json:"seconds_per_epoch"`
	TrainImagesPerSecond float64 `json:"train_images_per_second"`
	FLOPs                int64   `json:"flops_per_image"`
	PaperTotal           int     `json:"paper_total"`
	PaperAccuracy        float64 `json:"paper_accuracy"`
	PaperLoss            float64 `json:"paper_loss"`
	// Commit and Procs say which code made the run and on how many cores (empty and 0 for
	// runs older than that record).
	Commit string `json:"commit"`
	Procs  int    `json:"gomaxprocs"`
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
		data, err := os.ReadFile(filepath.Join(dir, "result.json"))
		if err != nil {
			continue
		}
		var r struct {
			train.Result
			Rank int `json:"rank"` // results made before variants had one name: "light" and rank 3
		}
		if err := json.Unmarshal(data, &r); err != nil {
			return fmt.Errorf("compare: %s: %v", dir, err)
		}
		if r.Variant == "light" {
			r.Variant += strconv.Itoa(r.Rank)
		}
		rows = append(rows, row{Model: r.Model, Variant: r.Variant, Protocol: r.Protocol, Seed: r.Seed,
			Epochs: r.Epochs, Total: r.Total, Trainable: r.Trainable, TestAccuracy: r.TestAccuracy, TestLoss: r.TestLoss, L2Penalty: r.L2Penalty,
			TestImages: r.TestImages, SecondsPerEpoch: r.SecondsPerEpoch, TrainImagesPerSecond: r.TrainImagesPerSecond,
			FLOPs: flops.of(j), PaperTotal: j.row.Total, PaperAccuracy: j.row.Accuracy, PaperLoss: j.row.Loss,
			Commit: r.Build.Commit, Procs: r.Build.Procs})
		curves[r.Model] = append(curves[r.Model], curve{name: j.name(), history: r.History})
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
	if err := os.WriteFile(filepath.Join(out, "paper-tables.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	if err := writeCSV(filepath.Join(out, "paper-tables.csv"), rows); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "paper-tables.md"), []byte(markdown(rows)), 0o644); err != nil {
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
		if err := os.WriteFile(filepath.Join(dst, f), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func writeCSV(path string, rows []row) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := csv.NewWriter(f)
	w.Write([]string{"model", "variant", "protocol", "seed", "epochs", "total", "trainable", "test_accuracy",
		"test_loss", "l2_penalty", "test_images", "seconds_per_epoch", "train_images_per_second", "flops_per_image",
		"paper_total", "paper_accuracy", "paper_loss", "commit", "gomaxprocs"})
	for _, r := range rows {
		w.Write([]string{r.Model, r.Variant, r.Protocol, strconv.FormatUint(r.Seed, 10),
			strconv.Itoa(r.Epochs), strconv.Itoa(r.Total), strconv.Itoa(r.Trainable), ftoa(r.TestAccuracy),
			ftoa(r.TestLoss), ftoa(r.L2Penalty), strconv.Itoa(r.TestImages), ftoa(r.SecondsPerEpoch), ftoa(r.TrainImagesPerSecond),
			strconv.FormatInt(r.FLOPs, 10), strconv.Itoa(r.PaperTotal), ftoa(r.PaperAccuracy), ftoa(r.PaperLoss),
			r.Commit, strconv.Itoa(r.Procs)})
	}
	w.Flush()
	return w.Error()
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// markdown is one table per model and protocol; runs of several seeds give mean ± sd.
func markdown(rows []row) string {
	var b strings.Builder
	b.WriteString("# The paper's tables, rerun\n\nWritten by `go run ./examples/compare`; one line per variant, ")
	b.WriteString("mean ± standard deviation over seeds where there are several. The test loss is the cross-entropy ")
	b.WriteString("plus the L2 penalty of the weights (zero for Conv2D and SeparableConv2D), as Keras reports it and the paper lists it.\n")
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
		b.WriteString("| variant | seeds | total params | test images | test accuracy | paper | difference | test loss + L2 | paper | s/epoch | train img/s | FLOPs/image |\n")
		b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, g := range bySetting(groups[k]) {
			acc, accSD := meanSD(g, func(r row) float64 { return r.TestAccuracy })
			loss, lossSD := meanSD(g, func(r row) float64 { return r.TestLoss + r.L2Penalty })
			secs, _ := meanSD(g, func(r row) float64 { return r.SecondsPerEpoch })
			ips, _ := meanSD(g, func(r row) float64 { return r.TrainImagesPerSecond })
			r := g[0]
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %s | %.4f | %+.4f | %s | %.4f | %.1f | %.0f | %d |\n", r.Variant, len(g),
				r.Total, r.TestImages, pm(acc, accSD, len(g)), r.PaperAccuracy, acc-r.PaperAccuracy, pm(loss, lossSD, len(g)), r.PaperLoss, secs, ips, r.FLOPs)
		}
	}
	return b.String()
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

func meanSD(rows []row, f func(row) float64) (mean, sd float64) {
	for _, r := range rows {
		mean += f(r) / float64(len(rows))
	}
	if len(rows) < 2 {
		return mean, 0
	}
	for _, r := range rows {
		sd += (f(r) - mean) * (f(r) - mean) / float64(len(rows)-1)
	}
	return mean, math.Sqrt(sd)
}

func pm(mean, sd float64, n int) string {
	if n < 2 {
		return fmt.Sprintf("%.4f", mean)
	}
	return fmt.Sprintf("%.4f ± %.4f", mean, sd)
}

// Command bench measures, for every registered model in the variants Conv2D, SeparableConv2D
// and Light (k=3 for the MNIST networks, k=5 for the CIFAR ones), training throughput (forward,
// backward and Adam, batch 64), inference throughput (batch 128), peak resident memory and the
// achieved GFLOP/s. Each configuration runs in its own process so its peak memory is its own.
// With -ops MODEL/VARIANT it shows instead where one configuration's time goes, op by op.
//
//	go run ./examples/bench [-json] [-reps 7]
//	go run ./examples/bench -ops cifar10/light5
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/train"
	"github.com/lightzoo/lightzoo/zoo"
)

type row struct {
	Model      string  `json:"model"`
	Variant    string  `json:"variant"`
	Procs      int     `json:"gomaxprocs"`
	Train      float64 `json:"train_images_per_second"`
	Infer      float64 `json:"infer_images_per_second"`
	PeakRSSMB  float64 `json:"peak_rss_mb"`       // the process's, inference at batch 128 included
	TrainRSSMB float64 `json:"train_peak_rss_mb"` // before the inference graph: training at batch 64
	FLOPs      int64   `json:"flops_per_image"`
	TrainGFLOP float64 `json:"train_gflops"` // 3x forward FLOPs per training image
	InferGFLOP float64 `json:"infer_gflops"`
}

func main() {
	asJSON := flag.Bool("json", false, "print a JSON array")
	reps := flag.Int("reps", 7, "timed repetitions (the median is reported)")
	warmup := flag.Int("warmup", 2, "untimed repetitions first")
	one := flag.String("one", "", "internal: measure MODEL/VARIANT in this process")
	only := flag.String("model", "", "only this model")
	procs := flag.String("procs", "", "comma-separated GOMAXPROCS values to measure each configuration under, one after the other (default: this process's)")
	opsOf := flag.String("ops", "", "MODEL/VARIANT: time each op of its training step and inference batch (this process's GOMAXPROCS) instead")
	flag.Parse()
	if err := checkFlags(*only, *procs, *warmup, *reps); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if *opsOf != "" {
		if err := profileOps(*opsOf, *warmup, *reps, *asJSON); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if *one != "" {
		if err := measureThis(*one, *warmup, *reps); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	rows, err := measureAll(*only, *procs, *warmup, *reps)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rows)
		return
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tvariant\tcores\ttrain img/s\tinfer img/s\tpeak RSS MB (training)\ttrain GFLOP/s\tinfer GFLOP/s\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%.0f\t%.0f (%.0f)\t%.2f\t%.2f\t\n", r.Model, r.Variant, r.Procs, r.Train, r.Infer, r.PeakRSSMB, r.TrainRSSMB, r.TrainGFLOP, r.InferGFLOP)
	}
	tw.Flush()
}

// checkFlags refuses values that cannot make a measurement, before any work.
func checkFlags(model, procs string, warmup, reps int) error {
	for _, p := range strings.Split(procs, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(p)); procs != "" && (err != nil || n < 1) {
			return fmt.Errorf("-procs %q: give core counts of 1 or more, such as 2,1", procs)
		}
	}
	switch {
	case flag.NArg() > 0:
		return fmt.Errorf("unexpected argument %q; every setting is a flag (see -h)", flag.Arg(0))
	case reps <= 0:
		return fmt.Errorf("-reps %d: time at least 1 repetition", reps)
	case warmup < 0:
		return fmt.Errorf("-warmup %d: use 0 or more", warmup)
	case model != "":
		_, err := zoo.Get(model)
		return err
	}
	return nil
}

// measureAll measures every configuration in a process of its own, under each GOMAXPROCS of
// procs in turn, so that the core counts are compared minutes, not a whole sweep, apart.
func measureAll(only, procs string, warmup, reps int) ([]row, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	counts := []string{""}
	if procs != "" {
		counts = strings.Split(procs, ",")
	}
	var rows []row
	for _, name := range zoo.List() {
		if only != "" && name != only {
			continue
		}
		spec, _ := zoo.Get(name)
		k := "3"
		if spec.Shortcut {
			k = "5"
		}
		for _, v := range []string{"conv2d", "separable", "light" + k, "light" + k + "-lowrank"} { // as bench/pytorch_bench.py
			for _, p := range counts {
				r, err := measureOne(self, name+"/"+v, p, warmup, reps)
				if err != nil {
					return nil, err
				}
				fmt.Fprintf(os.Stderr, "%s %s on %d cores: train %.0f img/s, infer %.0f img/s\n", name, v, r.Procs, r.Train, r.Infer)
				rows = append(rows, r)
			}
		}
	}
	return rows, nil
}

// measureOne runs -one what in a child process with GOMAXPROCS procs ("" to inherit).
func measureOne(self, what, procs string, warmup, reps int) (row, error) {
	var r row
	cmd := exec.Command(self, "-one", what, "-warmup", strconv.Itoa(warmup), "-reps", strconv.Itoa(reps))
	if procs != "" {
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+strings.TrimSpace(procs))
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return r, fmt.Errorf("%s: %v", what, err)
	}
	return r, json.Unmarshal(out.Bytes(), &r)
}

// parseConfig reads MODEL/VARIANT (flag names the flag that gave it).
func parseConfig(flag, what string) (string, light.Variant, error) {
	parts := strings.Split(what, "/")
	if len(parts) != 2 {
		return "", nil, fmt.Errorf("-%s %q: want MODEL/VARIANT, such as cifar10/light5", flag, what)
	}
	if _, err := zoo.Get(parts[0]); err != nil {
		return "", nil, err
	}
	v, err := light.ParseVariant(parts[1])
	return parts[0], v, err
}

func measureThis(what string, warmup, reps int) error {
	model, v, err := parseConfig("one", what)
	if err != nil {
		return err
	}
	m, err := zoo.Build(model, v, zoo.Config{})
	if err != nil {
		return err
	}
	var trainPeak float64
	s, err := train.MeasureSpeed(model, v, 64, 128, warmup, reps, func() { trainPeak = peakRSS() })
	if err != nil {
		return err
	}
	r := row{Model: model, Variant: v.Name(), Procs: runtime.GOMAXPROCS(0), Train: s.TrainImagesPerSecond, Infer: s.InferImagesPerSecond,
		PeakRSSMB: peakRSS(), TrainRSSMB: trainPeak, FLOPs: m.FLOPs()}
	r.TrainGFLOP = 3 * float64(r.FLOPs) * r.Train / 1e9
	r.InferGFLOP = float64(r.FLOPs) * r.Infer / 1e9
	return json.NewEncoder(os.Stdout).Encode(r)
}

// peakRSS is the process's peak resident set (VmHWM) in MB, 0 where /proc is missing.
func peakRSS() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

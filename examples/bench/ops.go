package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lightzoo/lightzoo/train"
)

// profileOps prints where a training step (batch 64) and an inference batch (128) of one
// configuration spend their time: by kind of op, then op by op in the order they ran.
func profileOps(what string, warmup, reps int, asJSON bool) error {
	model, v, err := parseConfig("ops", what)
	if err != nil {
		return err
	}
	step, infer, err := train.ProfileSpeed(model, v, 64, 128, warmup, reps)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(os.Stdout).Encode(map[string]train.Profile{"train": step, "infer": infer})
	}
	for _, p := range []struct {
		what string
		p    train.Profile
	}{{"a training step, batch 64", step}, {"inference, batch 128", infer}} {
		fmt.Printf("%s %s, %s, %d cores, mean of %d after %d warm-up:\n", model, v.Name(), p.what, runtime.GOMAXPROCS(0), reps, warmup)
		printProfile(p.p)
		fmt.Println()
	}
	return nil
}

func printProfile(p train.Profile) {
	ms := func(d time.Duration) float64 { return d.Seconds() * 1e3 / float64(p.Reps) }
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	row := func(d time.Duration, flops int64, what string) {
		rate := ""
		if flops > 0 {
			rate = fmt.Sprintf("%.1f", float64(flops)/d.Seconds()/1e9)
		}
		fmt.Fprintf(tw, "%.3f\t%.1f%%\t%s\t\t%s\n", ms(d), 100*d.Seconds()/p.Total.Seconds(), rate, what)
	}
	fmt.Fprintln(tw, "ms\tshare\tGFLOP/s\t\t")
	row(p.Total, 0, "in all")
	type sum struct {
		time  time.Duration
		flops int64
	}
	kinds, inOps := map[string]sum{}, time.Duration(0)
	for _, o := range p.Ops {
		k := kinds[kindOf(o.Name)]
		kinds[kindOf(o.Name)] = sum{k.time + o.Time, k.flops + o.Flops*int64(o.Runs)}
		inOps += o.Time
	}
	row(p.Total-inOps, 0, "outside lightzoo's ops: Gorgonia's ops and tape (and Adam in training)")
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(kinds[b].time, kinds[a].time) })
	for _, k := range names {
		row(kinds[k].time, kinds[k].flops, k)
	}
	fmt.Fprintln(tw, "\t\t\t\top by op, in the order they ran:")
	for _, o := range p.Ops {
		row(o.Time, o.Flops*int64(o.Runs), o.Name)
	}
	tw.Flush()
}

// kinds names what each of lightzoo's ops is, by the start of its name.
var kinds = map[string]string{
	"Conv":           "convolution",
	"ConvReLU":       "convolution",
	"ConvGrad0":      "convolution, input gradient",
	"ConvGrad1":      "convolution, kernel gradient",
	"ConvGrad2":      "convolution, bias gradient",
	"Depthwise":      "depthwise convolution",
	"DepthwiseGrad0": "depthwise, input gradient",
	"DepthwiseGrad1": "depthwise, kernel gradient",
	"BatchNorm":      "BatchNorm",
	"BatchNormGrad0": "BatchNorm, gradients",
	"BatchNormGrad1": "BatchNorm, gradients",
	"BatchNormGrad2": "BatchNorm, gradients",
	"MaxPool":        "max pooling",
	"MaxPoolGrad":    "max pooling, gradient",
	"ReLU":           "ReLU",
	"ReLUGrad":       "ReLU, gradient",
	"SquaredNorm":    "weight penalty",
}

func kindOf(name string) string {
	short, _, _ := strings.Cut(strings.TrimPrefix(name, "lightzoo."), "(")
	if k, ok := kinds[short]; ok {
		return k
	}
	return short
}

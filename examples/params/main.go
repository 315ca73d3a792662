// Command params prints, for every registered model and every variant of the paper's tables,
// the trainable and total parameter counts beside the paper's number.
//
//	go run ./examples/params [-json]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/zoo"
)

type row struct {
	Model     string `json:"model"`
	Variant   string `json:"variant"`
	Trainable int    `json:"trainable"`
	Total     int    `json:"total"`
	Paper     int    `json:"paper_total,omitempty"`
	FLOPs     int64  `json:"flops"`
}

// ranks are the light ranks the issue asks for: 1..6 for every model.
const maxRank = 6

func main() {
	asJSON := flag.Bool("json", false, "print a JSON array instead of a table")
	flag.Parse()
	rows, err := collect()
	if err != nil {
		fmt.Fprintln(os.Stderr, "params:", err)
		os.Exit(1)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rows)
	} else {
		err = printTable(rows)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "params:", err)
		os.Exit(1)
	}
}

func collect() ([]row, error) {
	var rows []row
	for _, name := range zoo.List() {
		spec, err := zoo.Get(name)
		if err != nil {
			return nil, err
		}
		for _, v := range allVariants() {
			m, err := zoo.New(spec, v, zoo.Config{})
			if err != nil {
				return nil, err
			}
			paper, _ := spec.PaperRow(v.Name())
			rows = append(rows, row{Model: name, Variant: v.Name(), Trainable: m.Trainable(),
				Total: m.Total(), Paper: paper.Total, FLOPs: m.FLOPs()})
		}
	}
	return rows, nil
}

func allVariants() []light.Variant {
	vs := []light.Variant{light.Regular{}, light.Separable{}}
	for k := 1; k <= maxRank; k++ {
		vs = append(vs, light.Light{ConvRank: k, DenseRank: light.PaperDenseRank},
			light.Light{ConvRank: k, DenseRank: light.PaperDenseRank, Form: light.LowRank})
	}
	return vs
}

func printTable(rows []row) error {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tvariant\ttrainable\ttotal\tpaper\tmatch\tFLOPs/image\t")
	for _, r := range rows {
		paper, match := "-", ""
		if r.Paper != 0 {
			paper, match = fmt.Sprint(r.Paper), "yes"
			if r.Paper != r.Total {
				match = "NO"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%d\t\n", r.Model, r.Variant, r.Trainable, r.Total, paper, match, r.FLOPs)
	}
	return tw.Flush()
}

// Command datasets reports, for each of the four data sets it finds, where it found it, the
// image and label counts of each split, the per-class counts, and whether the files match the
// official digests. With -fetch NAME it downloads a data set into -data first.
//
//	go run ./examples/datasets [-data DIR] [-json] [-fetch NAME]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/lightzoo/lightzoo/datasets"
)

type report struct {
	Name         string               `json:"name"`
	Dir          string               `json:"dir,omitempty"`
	Origin       string               `json:"origin,omitempty"`
	Train        int                  `json:"train"`
	Test         int                  `json:"test"`
	TrainClasses []int                `json:"train_classes"`
	TestClasses  []int                `json:"test_classes"`
	Verified     bool                 `json:"verified"`
	Files        []datasets.FileCheck `json:"files,omitempty"`
	Error        string               `json:"error,omitempty"`
}

func main() {
	dir := flag.String("data", "", "data directory (else $"+datasets.EnvVar+", the user cache, and the system copies)")
	asJSON := flag.Bool("json", false, "print a JSON array")
	fetch := flag.String("fetch", "", "download this data set (mnist, fashion-mnist, cifar10, cifar100) into -data first")
	flag.Parse()
	if *fetch != "" {
		if err := fetchInto(*fetch, *dir); err != nil {
			fmt.Fprintln(os.Stderr, err) // the library's errors say "datasets:"
			os.Exit(1)
		}
	}
	var reports []report
	broken := false
	for _, name := range datasets.Names() {
		r, err := describe(name, *dir)
		var nf *datasets.NotFoundError
		if err != nil && !errors.As(err, &nf) {
			fmt.Fprintln(os.Stderr, err)
			broken = true
		}
		reports = append(reports, r)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(reports)
	} else {
		for _, r := range reports {
			printReport(r)
		}
	}
	if broken {
		os.Exit(1)
	}
}

func fetchInto(name, dir string) error {
	if dir == "" {
		return fmt.Errorf("-fetch needs -data DIR to write into")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	_, err := datasets.Fetch(ctx, name, dir, datasets.FetchOptions{Progress: os.Stderr})
	return err
}

// describe reports on one data set; a data set that is not found is reported, a broken one
// is also returned as an error.
func describe(name, dir string) (report, error) {
	d, err := datasets.Load(name, datasets.Options{Dir: dir})
	if err != nil {
		return report{Name: name, Error: err.Error()}, err
	}
	k := len(d.Classes)
	return report{Name: name, Dir: d.Dir, Origin: d.Origin, Train: d.Train.N, Test: d.Test.N,
		TrainClasses: d.Train.ClassCounts(k), TestClasses: d.Test.ClassCounts(k), Verified: d.Verified(), Files: d.Files}, nil
}

func printReport(r report) {
	if r.Error != "" {
		fmt.Printf("%s: not available: %s\n\n", r.Name, r.Error)
		return
	}
	fmt.Printf("%s: %s (%s)\n  train %d images, test %d images\n", r.Name, r.Dir, r.Origin, r.Train, r.Test)
	fmt.Printf("  train per class %v\n  test per class  %v\n", r.TrainClasses, r.TestClasses)
	if r.Verified {
		fmt.Println("  every file matches the official digest")
	}
	for _, f := range r.Files {
		if !f.Verified {
			fmt.Printf("  NOT OFFICIAL: %s: %s\n", f.Path, f.Note)
		}
	}
	fmt.Println()
}

// Package zoo holds the paper's networks: each is a row in a table of specs feeding one
// builder, and each builds in every variant (Conv2D, SeparableConv2D, LightLayers) by changing
// one argument.
package zoo

import (
	"fmt"
	"sort"
	"sync"

	"github.com/pkg/errors"
)

// Spec describes one of the paper's networks: its architecture and the paper's results. How
// to train it (the recipe) is package train's.
type Spec struct {
	Name    string // registry name: "mnist", "fashion-mnist", "cifar10", "cifar100"
	Title   string
	Dataset string // the datasets package name of its data
	// Input is (channels, height, width) of one image.
	Input   [3]int
	Classes int
	// Filters of each block; every block halves the spatial size with 2x2 max pooling.
	Filters []int
	// Shortcut adds the reference code's 1x1 projection shortcut to every block.
	Shortcut bool
	// Paper holds the rows of the paper's table for this data set.
	Paper []PaperRow
}

// PaperRow is one row of the paper's Tables 1-4: the Keras total parameter count (trainable
// plus BatchNorm statistics), test accuracy and test loss.
type PaperRow struct {
	Variant  string // the variant's Name: "conv2d", "separable", "light1", ...
	Total    int
	Accuracy float64
	Loss     float64
}

// PaperRow returns the paper's row for the variant named variant, if the paper has one.
func (s Spec) PaperRow(variant string) (PaperRow, bool) {
	for _, r := range s.Paper {
		if r.Variant == variant {
			return r, true
		}
	}
	return PaperRow{}, false
}

var (
	mu       sync.RWMutex
	registry = map[string]Spec{}
)

// Register adds a spec. It panics on an empty or duplicate name: that is a programming error
// at init time.
func Register(s Spec) {
	mu.Lock()
	defer mu.Unlock()
	if s.Name == "" {
		panic("zoo: Register of a spec without a name")
	}
	if _, dup := registry[s.Name]; dup {
		panic(fmt.Sprintf("zoo: Register called twice for %q", s.Name))
	}
	registry[s.Name] = s
}

// List returns the registered names, sorted.
func List() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Get returns the spec registered as name.
func Get(name string) (Spec, error) {
	mu.RLock()
	s, ok := registry[name]
	mu.RUnlock()
	if !ok {
		return Spec{}, errors.Errorf("zoo: unknown model %q; registered models are %v", name, List())
	}
	return s, nil
}

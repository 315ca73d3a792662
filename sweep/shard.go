// Package sweep holds what lightzoo's sweeps (examples/compare, examples/frontier) share:
// splitting a list of independent runs into shards for a job array, and summarizing a
// quantity over seeds.
package sweep

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// A sweep is a list of independent runs, so it scales out as a job array: shard i of n runs
// every n-th job of the plan from the i-th, into a shared runs folder, and a report step
// merges whatever runs exist. The plan is the same in every shard (the same flags give the
// same jobs in the same order), so the shards are disjoint and together cover it.

// Shard is a process's share of a sweep: Index of Count.
type Shard struct{ Index, Count int }

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Take returns the items of shard s: every Count-th from the Index-th.
func Take[T any](items []T, s Shard) []T {
	var out []T
	for i, it := range items {
		if i%s.Count == s.Index {
			out = append(out, it)
		}
	}
	return out
}

// TakeBalanced returns the items of shard s when item costs differ: each item in turn goes to
// the shard with the least cost so far (the lowest index among equals), so a long job that
// recurs at the same place in every group of the plan does not land in one shard every time,
// as with Take. The items keep their order; the partition depends only on the items.
func TakeBalanced[T any](items []T, s Shard, cost func(T) float64) []T {
	load := make([]float64, s.Count)
	var out []T
	for _, it := range items {
		least := 0
		for i, l := range load {
			if l < load[least] {
				least = i
			}
		}
		load[least] += cost(it)
		if least == s.Index {
			out = append(out, it)
		}
	}
	return out
}

// ParseShard reads -shard "i/n" or, when it is empty, the array index a cluster engine sets:
// JOB_COMPLETION_INDEX (a Kubernetes Indexed Job, counted from 0) or SLURM_ARRAY_TASK_ID
// (a Slurm job array, counted from SLURM_ARRAY_TASK_MIN), with the count from -shards or
// SLURM_ARRAY_TASK_COUNT. ok is false when the process is not a shard.
func ParseShard(flagShard string, shards int, getenv func(string) string) (s Shard, ok bool, err error) {
	if flagShard != "" {
		i, n, found := strings.Cut(flagShard, "/")
		s.Index, err = strconv.Atoi(i)
		if err == nil {
			s.Count, err = strconv.Atoi(n)
		}
		if !found || err != nil {
			return s, false, fmt.Errorf("sweep: -shard %q: want i/n, such as 0/4", flagShard)
		}
		return s, true, s.check()
	}
	index, base, source := getenv("JOB_COMPLETION_INDEX"), "0", "JOB_COMPLETION_INDEX"
	if index == "" {
		index, base, source = getenv("SLURM_ARRAY_TASK_ID"), getenv("SLURM_ARRAY_TASK_MIN"), "SLURM_ARRAY_TASK_ID"
		if base == "" {
			base = "0"
		}
		if shards == 0 {
			shards, _ = strconv.Atoi(getenv("SLURM_ARRAY_TASK_COUNT"))
		}
	}
	if index == "" {
		return s, false, nil
	}
	i, err1 := strconv.Atoi(index)
	b, err2 := strconv.Atoi(base)
	if err1 != nil || err2 != nil {
		return s, false, fmt.Errorf("sweep: %s=%q is not a whole number", source, index)
	}
	if shards == 0 {
		return s, false, fmt.Errorf("sweep: %s is set but not the number of shards; pass -shards N", source)
	}
	s = Shard{Index: i - b, Count: shards}
	return s, true, s.check()
}

func (s Shard) check() error {
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("sweep: shard %d of %d does not exist; shards are 0/n to (n-1)/n", s.Index, s.Count)
	}
	return nil
}

// MeanSD is the mean and sample standard deviation of xs (0 for fewer than two).
func MeanSD(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x / float64(len(xs))
	}
	if len(xs) < 2 {
		return mean, 0
	}
	for _, x := range xs {
		sd += (x - mean) * (x - mean) / float64(len(xs)-1)
	}
	return mean, math.Sqrt(sd)
}

// MinMax is the smallest and the largest of xs.
func MinMax(xs []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

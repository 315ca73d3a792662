package main

import (
	"fmt"
	"strconv"
	"strings"
)

// A sweep is a list of independent runs, so it scales out as a job array: shard i of n runs
// every n-th job of the plan from the i-th, into the shared runs folder, and a -report step
// merges whatever runs exist. The plan is the same in every shard (the same flags give the
// same jobs in the same order), so the shards are disjoint and together cover it.

// shard is this process's share of the sweep: index of count.
type shard struct{ index, count int }

func (s shard) String() string { return fmt.Sprintf("%d/%d", s.index, s.count) }

// shardOf returns the jobs of shard s.
func shardOf(jobs []job, s shard) []job {
	var out []job
	for i, j := range jobs {
		if i%s.count == s.index {
			out = append(out, j)
		}
	}
	return out
}

// parseShard reads -shard "i/n" or, when it is empty, the array index a cluster engine sets:
// JOB_COMPLETION_INDEX (a Kubernetes Indexed Job, counted from 0) or SLURM_ARRAY_TASK_ID
// (a Slurm job array, counted from SLURM_ARRAY_TASK_MIN), with the count from -shards or
// SLURM_ARRAY_TASK_COUNT. ok is false when the process is not a shard.
func parseShard(flagShard string, shards int, getenv func(string) string) (s shard, ok bool, err error) {
	if flagShard != "" {
		i, n, found := strings.Cut(flagShard, "/")
		s.index, err = strconv.Atoi(i)
		if err == nil {
			s.count, err = strconv.Atoi(n)
		}
		if !found || err != nil {
			return s, false, fmt.Errorf("compare: -shard %q: want i/n, such as 0/4", flagShard)
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
		return s, false, fmt.Errorf("compare: %s=%q is not a whole number", source, index)
	}
	if shards == 0 {
		return s, false, fmt.Errorf("compare: %s is set but not the number of shards; pass -shards N", source)
	}
	s = shard{index: i - b, count: shards}
	return s, true, s.check()
}

func (s shard) check() error {
	if s.count < 1 || s.index < 0 || s.index >= s.count {
		return fmt.Errorf("compare: shard %d of %d does not exist; shards are 0/n to (n-1)/n", s.index, s.count)
	}
	return nil
}

package sweep

import "testing"

func TestParseShard(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	cases := []struct {
		flag   string
		shards int
		env    func(string) string
		want   string // "" for not a shard, "error" for an error
	}{
		{"1/4", 0, env(), "1/4"},
		{"", 3, env("JOB_COMPLETION_INDEX", "2"), "2/3"},
		{"", 0, env("SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_COUNT", "8"), "4/8"},
		{"", 0, env(), ""},
		{"4/4", 0, env(), "error"},
		{"x", 0, env(), "error"},
		{"", 0, env("JOB_COMPLETION_INDEX", "1"), "error"},
	}
	for _, tc := range cases {
		s, ok, err := ParseShard(tc.flag, tc.shards, tc.env)
		got := ""
		switch {
		case err != nil:
			got = "error"
		case ok:
			got = s.String()
		}
		if got != tc.want {
			t.Errorf("%q, %d shards: got %s (%v), want %s", tc.flag, tc.shards, got, err, tc.want)
		}
	}
}

func TestMeanSDAndMinMax(t *testing.T) {
	m, sd := MeanSD([]float64{1, 2, 3, 4})
	lo, hi := MinMax([]float64{3, -1, 2})
	if m != 2.5 || sd < 1.2909 || sd > 1.2910 || lo != -1 || hi != 3 {
		t.Errorf("mean %g sd %g, min %g max %g", m, sd, lo, hi)
	}
	if _, sd := MeanSD([]float64{7}); sd != 0 {
		t.Errorf("one value: sd %g", sd)
	}
}

// A plan whose groups end in a long job: Take puts every long job in one shard, TakeBalanced
// spreads them; both cover the plan once, in order.
func TestTakeBalancedSpreadsLongJobs(t *testing.T) {
	var costs []float64
	for group := 0; group < 6; group++ {
		costs = append(costs, 1, 1, 0, 2) // a job that only evaluates costs nothing
	}
	items := make([]int, len(costs))
	for i := range items {
		items[i] = i
	}
	cost := func(i int) float64 { return costs[i] }
	loads := func(take func(Shard) []int) []float64 {
		seen, out := map[int]bool{}, []float64{}
		for s := 0; s < 2; s++ {
			var l float64
			last := -1
			for _, i := range take(Shard{s, 2}) {
				if seen[i] || i < last {
					t.Fatalf("shard %d: item %d twice or out of order", s, i)
				}
				seen[i], last, l = true, i, l+costs[i]
			}
			out = append(out, l)
		}
		if len(seen) != len(items) {
			t.Fatalf("%d of %d items taken", len(seen), len(items))
		}
		return out
	}
	plain := loads(func(s Shard) []int { return Take(items, s) })
	balanced := loads(func(s Shard) []int { return TakeBalanced(items, s, cost) })
	if plain[0] == plain[1] {
		t.Fatalf("the plan does not unbalance Take: %v", plain)
	}
	if d := balanced[0] - balanced[1]; d > 2 || d < -2 {
		t.Errorf("balanced loads %v (Take's %v)", balanced, plain)
	}
}

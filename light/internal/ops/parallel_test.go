package ops

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// Every image of every call is handed out exactly once, whatever GOMAXPROCS was set to
// between calls (more than the cores: goroutines instead of the crew) and however many images
// a call has (fewer than the helpers: some sit a job out).
func TestParallelRunsEveryPartOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	r := rand.New(rand.NewPCG(1, 2))
	for it := range 20000 {
		if it%1000 == 0 {
			runtime.GOMAXPROCS(1 + r.IntN(runtime.NumCPU()+2))
		}
		n := r.IntN(12)
		counts := make([]int, n)
		parallel(n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				counts[i]++
			}
		})
		for i, c := range counts {
			if c != 1 {
				t.Fatalf("call %d: %d images on %d procs: image %d handed out %d times", it, n, runtime.GOMAXPROCS(0), i, c)
			}
		}
	}
}

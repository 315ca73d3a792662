package ops

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// Every image of every call is handed out exactly once, whatever GOMAXPROCS was set to
// between calls (more than the cores: goroutines instead of the crew), however many images a
// call has (fewer than the helpers: some sit a job out), and however long helpers poll before
// they park (not at all: every job goes through the wake-ups, whose races this test found).
func TestParallelRunsEveryPartOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer spinFor.Store(spinFor.Load())
	r := rand.New(rand.NewPCG(1, 2))
	for it := range 20000 {
		if it%1000 == 0 {
			runtime.GOMAXPROCS(1 + r.IntN(runtime.NumCPU()+2))
			spinFor.Store([]int64{0, int64(time.Microsecond), int64(2 * time.Millisecond)}[it/1000%3])
		}
		n := r.IntN(12)
		counts := make([]int, n)
		parallel(n, func(lo, hi int) {
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

// A wake-up that comes after its helper has found the job by polling, run it and parked
// again (run held up between publishing and waking) must not run the job twice.
func TestCrewLateWakeUp(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer spinFor.Store(spinFor.Load())
	defer func(f func()) { heldUp = f }(heldUp)
	runtime.GOMAXPROCS(2)
	if runtime.NumCPU() < 2 {
		t.Skip("one core: no crew")
	}
	spinFor.Store(0)
	heldUp = func() { time.Sleep(200 * time.Microsecond) }
	for it := range 1000 {
		counts := make([]int, 2)
		parallel(2, func(lo, hi int) { counts[lo]++ })
		if counts[0] != 1 || counts[1] != 1 {
			t.Fatalf("job %d: ranges ran %v times", it, counts)
		}
	}
}

// A caller whose helpers do not come runs their parts itself, each once.
func TestCallerRunsPartsLeftWaiting(t *testing.T) {
	counts := make([]int, 10)
	j := newJob(len(counts), 3, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			counts[i]++
		}
	})
	j.finish()
	for i, c := range counts {
		if c != 1 {
			t.Fatalf("image %d ran %d times", i, c)
		}
	}
}

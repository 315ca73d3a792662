package ops

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"gorgonia.org/tensor"
)

// parallel splits images 0..n-1 over the cores; f gets an image range [lo, hi). The ranges
// depend on GOMAXPROCS, and which core runs which range on timing, so f must give the same
// bits for any split (see reduce). A crew of helpers that wait for work by spinning runs the
// ranges beyond the caller's own; a call made while the crew is busy (from another
// goroutine) starts goroutines instead.
func parallel(n int, f func(lo, hi int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	switch {
	case workers <= 1:
		if n > 0 {
			f(0, n)
		}
	case workers <= runtime.NumCPU() && theCrew.TryLock():
		theCrew.run(newJob(n, workers, f))
		theCrew.Unlock()
	default:
		spawn(newJob(n, workers, f))
	}
}

// job is one call of parallel: one part per worker. Worker w runs part w, so a core reads
// the images it wrote in the op before; but a part its worker has not started when the
// caller is done with its own, the caller runs itself (a parked helper can take a
// millisecond to wake on a virtual machine), so each part is claimed before it runs, once.
type job struct {
	n, workers int
	f          func(lo, hi int)
	claimed    []atomic.Bool
	done       atomic.Int32
}

func newJob(n, workers int, f func(lo, hi int)) *job {
	return &job{n: n, workers: workers, f: f, claimed: make([]atomic.Bool, workers)}
}

// part runs part w unless someone has claimed it.
func (j *job) part(w int) {
	if j.claimed[w].CompareAndSwap(false, true) {
		j.f(w*j.n/j.workers, (w+1)*j.n/j.workers)
		j.done.Add(1)
	}
}

// finish runs the caller's part, then the parts not yet started, and waits for the others.
func (j *job) finish() {
	for w := range j.workers {
		j.part(w)
	}
	for i := 0; int(j.done.Load()) < j.workers; i++ {
		if i > 1000 {
			runtime.Gosched() // a helper may be waiting for this core
		}
	}
}

func spawn(j *job) {
	for w := 1; w < j.workers; w++ {
		go j.part(w)
	}
	j.finish()
}

// crew is the helpers of parallel. Handing a range to a new goroutine meant waking a parked
// core, which on this project's 2-core virtual machine took about 100 µs (a section of two
// 100 µs halves took 200 µs); a training step runs 100-150 sections. A helper that finished
// its part keeps polling for the next job for spinFor before it parks.
type crew struct {
	sync.Mutex // held by the one caller whose job the helpers run
	helpers    []*helper
	current    atomic.Pointer[job]
}

type helper struct {
	worker int
	asleep atomic.Bool
	wake   chan *job
}

// spinFor is how long a helper polls before it parks (nanoseconds; the tests change it while
// helpers read it), heldUp what runs between run's publishing a job and its waking the
// helpers (nothing, but in a test).
var (
	spinFor atomic.Int64
	heldUp  = func() {}
)

func init() { spinFor.Store(int64(2 * time.Millisecond)) }

var theCrew crew

// run publishes j, wakes the parked helpers it needs, and finishes j.
func (c *crew) run(j *job) {
	for len(c.helpers) < j.workers-1 {
		h := &helper{worker: len(c.helpers) + 1, wake: make(chan *job, 1)}
		c.helpers = append(c.helpers, h)
		go c.serve(h, c.current.Load()) // a job done before it existed is not its to run
	}
	c.current.Store(j)
	heldUp()
	for _, h := range c.helpers[:j.workers-1] {
		if h.asleep.CompareAndSwap(true, false) {
			h.wake <- j
		}
	}
	j.finish()
}

// serve runs a helper: each new job, its part when the job has one for it.
func (c *crew) serve(h *helper, last *job) {
	for {
		j := c.next(h, last)
		last = j
		if h.worker < j.workers {
			j.part(h.worker)
		}
	}
}

// next waits for a job other than last: polling for spinFor, then parked until run wakes it.
// A wake-up can come late, for a job this helper already found by polling (run was held up
// between publishing it and seeing the helper asleep); then it waits again.
func (c *crew) next(h *helper, last *job) *job {
	for {
		start := time.Now()
		for i := 0; ; i++ {
			if j := c.current.Load(); j != last {
				return j
			}
			if i%256 == 255 && time.Since(start) > time.Duration(spinFor.Load()) {
				break
			}
		}
		h.asleep.Store(true)
		if j := c.current.Load(); j != last && h.asleep.CompareAndSwap(true, false) {
			return j // published while it fell asleep, before run saw it asleep
		}
		if j := <-h.wake; j != last { // run saw it asleep and sent the job, once
			return j
		}
	}
}

// borrow lends a buffer of n floats (contents undefined) that giveBack returns for later
// runs: the unfolded images are megabytes, and allocating them each run meant zeroing them
// and collecting them. Buffers are pooled by size class (powers of two), so a small buffer
// drawn for a large request is not dropped and a large one not spent on a small request:
// one pool for all sizes made a fresh allocation, page faults included, of most large ones.
func borrow[T float](n int) []T {
	if n == 0 {
		return nil
	}
	class := bits.Len(uint(n - 1)) // the smallest power of two >= n
	if p, _ := poolOf[T](class).Get().(*[]T); p != nil {
		return (*p)[:n]
	}
	return make([]T, n, 1<<class)
}

// giveBack returns a buffer that borrow lent.
func giveBack[T float](b []T) {
	if c := cap(b); c > 0 {
		poolOf[T](bits.Len(uint(c)) - 1).Put(&b) // holds at least the class's size
	}
}

var pool32, pool64 [64]sync.Pool

func poolOf[T float](class int) *sync.Pool {
	var zero T
	if _, ok := any(zero).(float32); ok {
		return &pool32[class]
	}
	return &pool64[class]
}

// forEach calls f with each (image, channel) slice [lo, hi) of x and its channel, spreading
// the images over the cores as the convolutions do, so that each core reads the planes it
// wrote: spread by channel, half of every pass crossed from one core's cache to the other's.
// Calls for one channel run on several goroutines: f must not accumulate (see reduce).
func forEach[T float](shape tensor.Shape, x []T, f func(c int, lo, hi int)) {
	n, c := shape[0], shape[1]
	sp := shape[1:].TotalSize() / c
	parallel(n, func(blo, bhi int) {
		for b := blo; b < bhi; b++ {
			for i := 0; i < c; i++ {
				lo := (b*c + i) * sp
				f(i, lo, lo+sp)
			}
		}
	})
}

// reduce computes f on every (image, channel) plane, spread over the cores by image, then
// adds the results with add channel by channel in image order: the order of a serial loop, so
// the sums are the same bits whatever the partition.
func reduce[V any](shape tensor.Shape, f func(c, lo, hi int) V, add func(c int, v V)) {
	n, c := shape[0], shape[1]
	sp := shape[1:].TotalSize() / c
	vals := make([]V, n*c)
	parallel(n, func(blo, bhi int) {
		for p := blo * c; p < bhi*c; p++ {
			vals[p] = f(p%c, p*sp, (p+1)*sp)
		}
	})
	for p, v := range vals {
		add(p%c, v)
	}
}

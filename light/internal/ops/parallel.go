package ops

import (
	"runtime"
	"sync"

	"gorgonia.org/tensor"
)

// parallel splits images 0..n-1 over the cores; f gets a worker index and an image range.
func parallel(n int, f func(worker, lo, hi int)) int {
	workers := min(n, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(w, lo, hi)
		}()
	}
	wg.Wait()
	return workers
}

// borrow lends a buffer of n floats (contents undefined) that giveBack returns for later
// runs: the unfolded images are megabytes, and allocating them each run meant zeroing them
// and collecting them.
func borrow[T float](n int) []T {
	if p, _ := poolOf[T]().Get().(*[]T); p != nil && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]T, n)
}

func giveBack[T float](b []T) { poolOf[T]().Put(&b) }

var pool32, pool64 sync.Pool

func poolOf[T float]() *sync.Pool {
	var zero T
	if _, ok := any(zero).(float32); ok {
		return &pool32
	}
	return &pool64
}

// forEach calls f with each (image, channel) slice [lo, hi) of x and its channel, spreading
// the images over the cores as the convolutions do, so that each core reads the planes it
// wrote: spread by channel, half of every pass crossed from one core's cache to the other's.
// Calls for one channel run on several goroutines: f must not accumulate (see reduce).
func forEach[T float](shape tensor.Shape, x []T, f func(c int, lo, hi int)) {
	n, c := shape[0], shape[1]
	sp := shape[1:].TotalSize() / c
	parallel(n, func(_, blo, bhi int) {
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
	parallel(n, func(_, blo, bhi int) {
		for p := blo * c; p < bhi*c; p++ {
			vals[p] = f(p%c, p*sp, (p+1)*sp)
		}
	})
	for p, v := range vals {
		add(p%c, v)
	}
}

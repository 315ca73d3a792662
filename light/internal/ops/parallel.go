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
// the channels over the cores; every call for one channel runs on the same goroutine, so f may
// accumulate per channel without locks.
func forEach[T float](shape tensor.Shape, x []T, f func(c int, lo, hi int)) {
	n, c := shape[0], shape[1]
	sp := shape[1:].TotalSize() / c
	parallel(c, func(_, clo, chi int) {
		for i := clo; i < chi; i++ {
			for b := range n {
				lo := (b*c + i) * sp
				f(i, lo, lo+sp)
			}
		}
	})
}

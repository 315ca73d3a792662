package ops

import (
	"sync"
	"sync/atomic"
	"time"
)

// OpTime is how long one op (one node of a graph) ran while the profile was on.
type OpTime struct {
	Name  string
	Runs  int
	Time  time.Duration
	Flops int64 // a run's, where the op is a product (Op.Flops)
}

// profile times each op's runs while it is on: one row per op value, in the order the ops
// first ran. Off, it costs Do one atomic load.
var profile struct {
	on   atomic.Bool
	mu   sync.Mutex
	row  map[*Op]int
	rows []OpTime
}

// StartProfile clears the profile and starts timing every op run.
func StartProfile() {
	profile.mu.Lock()
	profile.row, profile.rows = map[*Op]int{}, nil
	profile.mu.Unlock()
	profile.on.Store(true)
}

// StopProfile stops timing and returns what was timed since StartProfile.
func StopProfile() []OpTime {
	profile.on.Store(false)
	profile.mu.Lock()
	defer profile.mu.Unlock()
	return append([]OpTime(nil), profile.rows...)
}

// record adds a run of op that started at start.
func record(op *Op, start time.Time) {
	d := time.Since(start)
	profile.mu.Lock()
	defer profile.mu.Unlock()
	i, ok := profile.row[op]
	if !ok {
		i = len(profile.rows)
		profile.row[op] = i
		profile.rows = append(profile.rows, OpTime{Name: op.Name, Flops: op.Flops})
	}
	profile.rows[i].Runs++
	profile.rows[i].Time += d
}

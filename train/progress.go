package train

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows a bar with rate and ETA on a terminal, or a plain line every half minute
// when the output is a file or pipe.
type progress struct {
	w          io.Writer
	bar        *progressbar.ProgressBar
	desc       string
	total      int
	start      time.Time
	last       time.Time
	firstBatch int
}

const plainEvery = 30 * time.Second

func newProgress(w io.Writer, desc string, total, done int) *progress {
	p := &progress{w: w, desc: desc, total: total, start: time.Now(), last: time.Now(), firstBatch: done}
	if w == nil {
		return p
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(desc),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("batch"),
			progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(200*time.Millisecond))
		p.bar.Set(done)
	}
	return p
}

func (p *progress) set(done int, loss float64) {
	switch {
	case p.w == nil:
	case p.bar != nil:
		p.bar.Describe(fmt.Sprintf("%s loss %.4f", p.desc, loss))
		p.bar.Set(done)
	case time.Since(p.last) >= plainEvery:
		p.last = time.Now()
		rate := float64(done-p.firstBatch) / time.Since(p.start).Seconds()
		eta := time.Duration(float64(p.total-done) / rate * float64(time.Second)).Round(time.Second)
		fmt.Fprintf(p.w, "%s: batch %d/%d, loss %.4f, %.1f batches/s, ETA %v\n", p.desc, done, p.total, loss, rate, eta)
	}
}

func (p *progress) done() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

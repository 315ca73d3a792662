package zoo

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// ActivationBytes is the size of one image's layer outputs in the model's dtype: what a
// forward pass keeps per image.
func (m *Model) ActivationBytes() int64 {
	var n int64
	for _, l := range m.Scope.Layers() {
		n += int64(l.OutShape.TotalSize())
	}
	size := int64(4)
	if m.Scope.Dtype() == tensor.Float64 {
		size = 8
	}
	return n * size
}

// Working sets per image as multiples of ActivationBytes, rounded up generously: training
// keeps the outputs, their gradients and the unfolded images, inference the outputs and the
// unfolded images. (At batch 64 the peak resident memory above the data set's own was about
// 1.3 times ActivationBytes·64 for MNIST.)
const (
	trainingFactor  = 3
	inferenceFactor = 2
)

// CheckMemory refuses a batch whose working set would not fit in the memory this machine has
// available, saying how much it would need; it passes when the available memory is unknown.
func (m *Model) CheckMemory(batch int, training bool) error {
	factor, what := int64(inferenceFactor), "inference"
	if training {
		factor, what = trainingFactor, "training"
	}
	need := float64(batch) * float64(m.ActivationBytes()*factor)
	avail, ok := availableMemory()
	if !ok || need <= float64(avail) {
		return nil
	}
	perImage := float64(m.ActivationBytes()*factor) / (1 << 20)
	return errors.Errorf("zoo: %s of %s at batch %d needs about %.0f MiB (%.2f MiB per image), more than the %.0f MiB available; use a batch of at most %d",
		what, m.Spec.Name, batch, need/(1<<20), perImage, float64(avail)/(1<<20), int64(float64(avail)/(need/float64(batch))))
}

// availableMemory is MemAvailable from /proc/meminfo (Linux), in bytes.
func availableMemory() (int64, bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

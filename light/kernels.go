package light

import (
	"github.com/lightzoo/lightzoo/light/internal/sgemm"
	"github.com/lightzoo/lightzoo/light/internal/vec"
)

// KernelPath names the float32 kernels this process runs: "avx512" (AVX-512 matrix tiles,
// AVX2 vector loops), "avx2" or "purego". Results are bit-identical across core counts, but
// not across kernel paths: the paths add the same products in different orders.
func KernelPath() string {
	switch {
	case sgemm.Wide:
		return "avx512"
	case sgemm.Accelerated && vec.Accelerated:
		return "avx2"
	case !sgemm.Accelerated && !vec.Accelerated:
		return "purego"
	}
	return "mixed"
}

package ops

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pkg/errors"

	"github.com/lightzoo/lightzoo/light/internal/sgemm"
	"github.com/lightzoo/lightzoo/light/internal/vec"
)

// convGeom is a convolution of x (n, c, h, w) with a kernel (cout, c, kh, kw) and, when bias
// is set, a bias (cout); SAME padding, one stride.
type convGeom struct {
	geom
	cout int
	bias bool
}

func (g convGeom) String() string { return fmt.Sprintf("%v to %d bias %v", g.geom, g.cout, g.bias) }

func (g convGeom) pixels() int { return g.oh * g.ow }
func (g convGeom) patch() int  { return g.c * g.kh * g.kw }

// flops is a run's floating-point operations: the forward pass's, and each of the input's
// and the kernel's gradients' (the bias gradient's are n·cout·pixels).
func (g convGeom) flops() int64 { return 2 * int64(g.n*g.cout*g.pixels()*g.patch()) }

// convForward writes the convolution into y, then applies after, if set, to each output plane.
func convForward[T float](g convGeom, y, x, w, b []T, after planeFn[T]) {
	in, out, p, k := g.c*g.h*g.w, g.cout*g.pixels(), g.pixels(), g.patch()
	kernel := newMatrix(false, g.cout, k, w, k)
	if kernel.packed != nil && g.readsInPlace() {
		shiftedForward(g, kernel.packed, any(y).([]float32), any(x).([]float32), any(b).([]float32), any(after).(planeFn[float32]))
		return
	}
	parallel(g.n, func(lo, hi int) {
		cols := borrow[T](g.cols())
		defer giveBack(cols)
		for i := lo; i < hi; i++ {
			yi := y[i*out : (i+1)*out]
			kernel.mul(p, unfold(g, x[i*in:(i+1)*in], cols), p, 0, yi, p)
			for o := 0; o < g.cout && (b != nil || after != nil); o++ {
				plane := yi[o*p : (o+1)*p]
				if b != nil {
					scaleShift(plane, plane, 1, b[o]) // 1·y + b rounds as y + b
				}
				if after != nil {
					after(o, plane)
				}
			}
		}
	})
}

// The patch sizes (c·kh·kw) for which reading the unfolded image in place beat unfolding it
// (BenchmarkConvKernels, A/B): 72 to 288 (8 to 32 channels, 3x3) ran 25-30% faster; 576
// (64 channels: the rows of one tile lie far apart and past the caches) ran 15-60% slower,
// except to at most shiftedFewRows outputs, one row of tiles, which reads the planes once:
// 64 to 5 channels at 8x8 ran 2x faster than unfolding 576 rows of 8-pixel pieces. Smaller
// patches (few channels: short products) gain on planes at least shiftedWidePlane wide,
// where the wide plane's extra columns weigh little (bench/ab.py, 12 rounds, one core, once
// the planes were moved a call per plane: 3->5 at 32x32 1.40x, 5->16 1.11x, 6->16 at 28x28
// 1.10x), and lose on narrower ones (3->32 at 16x16 0.95x, 5->64 at 8x8 0.82x).
const (
	shiftedMinPatch  = 64
	shiftedMaxPatch  = 320
	shiftedFewRows   = 8
	shiftedWidePlane = 28
)

// readsInPlace says whether the forward convolution reads the unfolded image in place from the
// padded planes (shiftedForward) rather than unfolding it, for float32.
func (g convGeom) readsInPlace() bool {
	if g.stride != 1 || g.pointwise() {
		return false
	}
	if g.patch() < shiftedMinPatch {
		return g.w >= shiftedWidePlane
	}
	return g.patch() <= shiftedMaxPatch || g.cout <= shiftedFewRows
}

// shiftedForward is convForward for float32 with stride 1 and no unfolding: each image is
// padded once, and the product reads the unfolded rows in place from the padded planes
// (sgemm's MulShifted, the same sums in the same order, so the same bits as the unfolded
// path). Output pixel (y, x) sits at y·wp+x of a wide plane of pitch wp = w+2·pad (the
// columns between rows are computed and dropped), then moves to its NCHW place with the bias.
func shiftedForward(g convGeom, kernel *sgemm.PackedA, y, x, b []float32, after planeFn[float32]) {
	wp, hp := g.w+2*g.pad, g.h+2*g.pad
	plane, span := hp*wp, (g.oh-1)*wp+g.ow
	offs := make([]int, 0, g.patch())
	for c := 0; c < g.c; c++ {
		for ky := 0; ky < g.kh; ky++ {
			for kx := 0; kx < g.kw; kx++ {
				offs = append(offs, c*plane+ky*wp+kx)
			}
		}
	}
	padded := offs[len(offs)-1] + (span+sgemm.MaxTile-1)/sgemm.MaxTile*sgemm.MaxTile
	in, out, p := g.c*g.h*g.w, g.cout*g.pixels(), g.pixels()
	parallel(g.n, func(lo, hi int) {
		xp, wide := borrow[float32](padded), borrow[float32](g.cout*span)
		defer giveBack(xp)
		defer giveBack(wide)
		clear(xp) // the borders stay zero: only the rows inside are written
		for i := lo; i < hi; i++ {
			for c := 0; c < g.c; c++ {
				spread(g.geom, xp[c*plane:], x[i*in+c*g.h*g.w:], g.pad*wp+g.pad)
			}
			kernel.MulShifted(xp, offs, span, wide, span)
			yi := y[i*out : (i+1)*out]
			for o := 0; o < g.cout; o++ {
				dst, src := yi[o*p:(o+1)*p], wide[o*span:]
				if b == nil {
					vec.CopyRows(dst, g.ow, src, wp, g.oh, g.ow)
				} else {
					vec.AddRows(dst, g.ow, src, wp, g.oh, g.ow, b[o]) // 1·y + b, as the unfolded path adds the bias
				}
				if after != nil {
					after(o, yi[o*p:(o+1)*p])
				}
			}
		}
	})
}

// convGradInput writes the input gradient into dx: the SAME convolution of dy with the kernel
// flipped and its channel axes swapped where flipsGradInput says, else by unfolding.
func convGradInput[T float](g convGeom, dx, w, dy []T) {
	if g.flipsGradInput() {
		gradInputFlipped(g, dx, w, dy)
		return
	}
	gradInputUnfolded(g, dx, w, dy)
}

// flipsGradInput says whether the input gradient is the forward convolution of dy with the
// flipped kernel (c rows of products cout·kh·kw long, whose unfolding is whole-plane copies)
// rather than Wᵀ·dy's columns folded back with col2im (c·kh·kw rows, cout long): with stride
// 1, for at most twice as many outputs as inputs, or four times from at least 4 channels on
// planes at least 28 wide. BenchmarkConvKernels (1 core, alternating, 6 rounds), flipped
// against unfolded: 5->16 and 4->16 at 32x32 1.55x and 1.35x, 6->16 at 28x28 1.18x; but
// 5->16 and 4->16 at 16x16 0.91x and 0.79x, 3->8 and 2->8 at 28x28 0.92x and 0.75x, 5->32 at
// 16x16 0.73x (the padded plane's extra columns, and few rows per tile, weigh more).
func (g convGeom) flipsGradInput() bool {
	if g.stride != 1 {
		return false
	}
	return g.cout <= 2*g.c || !g.pointwise() && g.c >= 4 && g.cout <= 4*g.c && g.w >= 28
}

func gradInputFlipped[T float](g convGeom, dx, w, dy []T) {
	back := convGeom{geom: newGeom([]int{g.n, g.cout, g.oh, g.ow}, g.kh, g.kw, 1), cout: g.c}
	convForward(back, dx, dy, flipKernel(g, w), nil, nil)
}

// gradInputUnfolded writes Wᵀ·dy into dx: itself for a 1x1 kernel with stride 1, else its
// columns folded back with col2im.
func gradInputUnfolded[T float](g convGeom, dx, w, dy []T) {
	in, out, p, k := g.c*g.h*g.w, g.cout*g.pixels(), g.pixels(), g.patch()
	kernelT := newMatrix(true, k, g.cout, w, k)
	if g.pointwise() { // the columns are the image gradient itself
		parallel(g.n, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				kernelT.mul(p, dy[i*out:(i+1)*out], p, 0, dx[i*in:(i+1)*in], p)
			}
		})
		return
	}
	parallel(g.n, func(lo, hi int) {
		cols := borrow[T](k * p)
		defer giveBack(cols)
		for i := lo; i < hi; i++ {
			kernelT.mul(p, dy[i*out:(i+1)*out], p, 0, cols, p)
			clear(dx[i*in : (i+1)*in]) // by each core, while it is about to add into it
			col2im(g, cols, dx[i*in:(i+1)*in])
		}
	})
}

// flipKernel turns a kernel (cout, c, kh, kw) into (c, cout, kh, kw) rotated by 180 degrees.
func flipKernel[T float](g convGeom, w []T) []T {
	f := make([]T, len(w))
	taps := g.kh * g.kw
	for o := 0; o < g.cout; o++ {
		for c := 0; c < g.c; c++ {
			src, dst := w[(o*g.c+c)*taps:][:taps], f[(c*g.cout+o)*taps:][:taps]
			for t, v := range src {
				dst[taps-1-t] = v
			}
		}
	}
	return f
}

// convGradKernel writes the kernel gradient into dw. The images are cut into chunks that
// depend only on the batch and the geometry, never on the number of cores: each chunk sums
// its images' gradients into its own buffer (the first chunk's is dw), the workers share the
// chunks out, and the chunk sums are added in chunk order, so the result is the same bits
// whatever GOMAXPROCS is.
func convGradKernel[T float](g convGeom, dw, x, dy []T) {
	group := 1
	if g.cout <= sgemm.DirectRows() { // the packed path gains nothing from groups
		group = max(1, min(g.n, gradKernelColumns/g.pixels()))
	}
	size := group
	if group == 1 {
		size = gradKernelChunk
	}
	chunks := (g.n + size - 1) / size
	partial := make([][]T, chunks)
	parallel(chunks, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			acc := dw
			if c > 0 {
				acc = borrow[T](len(dw))
			}
			clear(acc)
			first, last := c*size, min(g.n, (c+1)*size)
			switch {
			case gradKernelShifted(g, acc, x, dy, first, last, group):
			case group == 1:
				addKernelGrads(g, acc, x, dy, first, last)
			default:
				addKernelGradGroups(g, acc, x, dy, first, last, group)
			}
			partial[c] = acc
		}
	})
	for _, acc := range partial[1:] {
		addScaled(dw, acc, 1)
		giveBack(acc)
	}
}

// gradKernelChunk is how many images of a large size one chunk of convGradKernel sums.
const gradKernelChunk = 8

// addKernelGrads adds images lo..hi-1's kernel gradients dy·colsᵀ to acc, one at a time.
func addKernelGrads[T float](g convGeom, acc, x, dy []T, lo, hi int) {
	in, out, p, k := g.c*g.h*g.w, g.cout*g.pixels(), g.pixels(), g.patch()
	cols := borrow[T](g.cols())
	defer giveBack(cols)
	for i := lo; i < hi; i++ {
		gemm(false, true, g.cout, k, p, dy[i*out:(i+1)*out], p, unfold(g, x[i*in:(i+1)*in], cols), p, 1, acc, k)
	}
}

// addKernelGradGroups is addKernelGrads for images with few pixels: it puts group images
// side by side in one product, whose dot products over the pixels then run long enough to
// pay for their reductions.
func addKernelGradGroups[T float](g convGeom, acc, x, dy []T, lo, hi, group int) {
	in, out, p, k := g.c*g.h*g.w, g.cout*g.pixels(), g.pixels(), g.patch()
	ld := group*p + 16 // rows a power of two apart would alias in the cache
	cols, dys := borrow[T](k*ld), borrow[T](g.cout*ld)
	defer giveBack(cols)
	defer giveBack(dys)
	for i := lo; i < hi; i += group {
		images := min(group, hi-i)
		for j := 0; j < images; j++ {
			im2col(g, x[(i+j)*in:], cols[j*p:], ld)
			copyRows(dys[j*p:], ld, dy[(i+j)*out:], p, g.cout, p)
		}
		gemm(false, true, g.cout, k, images*p, dys, ld, cols, ld, 1, acc, k)
	}
}

// gradKernelShifted is addKernelGradGroups without unfolding, for float32 with stride 1 and
// at most twice as many output as input channels where sgemm's dot-product path runs, and
// reports whether it ran. Each channel's row holds the group's padded planes side by side,
// dy's planes are widened to the same pitch (zeros between rows and images), and dy·colsᵀ
// reads the unfolded rows in place from the planes (MulNTShifted): one copy of the image
// where im2col made kh·kw of them, but dot products longer by the padding and the gaps. On
// the zoo's shapes (BenchmarkConvKernels) that ran 30-40% faster from 16 or 32 channels to
// 5, 5-10% from 8 to 16 or 32 to 32, and 10-30% slower from 2-6 channels to 16 or 32.
func gradKernelShifted[T float](g convGeom, acc, x, dy []T, lo, hi, group int) bool {
	acc32, ok := any(acc).([]float32)
	if !ok || g.stride != 1 || g.pointwise() || g.cout > 2*g.c || !sgemm.NTShifted(g.cout, g.span()) {
		return false
	}
	x32, dy32 := any(x).([]float32), any(dy).([]float32)
	plane, wp := g.padded(), g.wp()
	row := group * plane // one channel's (or output channel's) planes
	offs := make([]int, 0, g.patch())
	for c := 0; c < g.c; c++ {
		for t := 0; t < g.kh*g.kw; t++ {
			offs = append(offs, c*row+g.tap(t))
		}
	}
	xp, dyw := borrow[float32](g.c*row), borrow[float32](g.cout*row)
	defer giveBack(xp)
	defer giveBack(dyw)
	clear(xp) // only the planes' insides are written: the borders and gaps stay zero
	clear(dyw)
	in, out := g.c*g.h*g.w, g.cout*g.pixels()
	for i := lo; i < hi; i += group {
		images := min(group, hi-i)
		for j := 0; j < images; j++ {
			g.widen(xp[j*plane+g.pad*wp+g.pad:], x32[(i+j)*in:], g.c, row) // inside the padding
			g.widen(dyw[j*plane:], dy32[(i+j)*out:], g.cout, row)          // at the tap (0, 0)
		}
		span := (images-1)*plane + (g.oh-1)*wp + g.ow
		sgemm.MulNTShifted(g.cout, g.patch(), span, dyw, row, xp, offs, acc32, g.patch())
	}
	return true
}

// widen copies the planes of one image (x, or dy with as many planes as outputs) to dst,
// plane c at c·row, at the padded plane's pitch. With stride 1 and SAME padding an output
// plane has the input's size, so one copy serves both.
func (g convGeom) widen(dst, src []float32, planes, row int) {
	for c := 0; c < planes; c++ {
		spread(g.geom, dst[c*row:], src[c*g.h*g.w:], 0)
	}
}

// gradKernelColumns is about how many pixels convGradKernel puts in one product: images of
// 14x14 go five at a time, 7x7 twenty.
const gradKernelColumns = 1024

// convGradBias writes Σdy per output channel into db, the channels spread over the cores.
func convGradBias[T float](g convGeom, db, dy []T) {
	clear(db)
	reduce(tensor.Shape{g.n, g.cout, g.pixels()}, func(_, lo, hi int) T { return sumOf(dy[lo:hi]) }, func(o int, v T) { db[o] += v })
}

func convGrad[T float](g convGeom, wrt int, d, x, w, dy []T) {
	switch wrt {
	case 0:
		convGradInput(g, d, w, dy)
	case 1:
		convGradKernel(g, d, x, dy)
	default:
		convGradBias(g, d, dy)
	}
}

// Conv adds the convolution of x (NCHW) with w (OIHW), SAME padding, and, when b is not nil,
// the bias b, as one op that writes NCHW directly: it unfolds one image at a time and
// multiplies the kernel into the output, where Gorgonia's Conv2d unfolds the whole batch and
// transposes the result (PERF-NOTES).
func Conv(x, w, b *G.Node, stride int) (*G.Node, error) { return conv(x, w, b, stride, false) }

// ConvReLU is Conv followed by a ReLU, applied to each output plane while it is in cache (the
// same bits as a ReLU op). Its gradient masks dy with its output, then is Conv's.
func ConvReLU(x, w, b *G.Node, stride int) (*G.Node, error) { return conv(x, w, b, stride, true) }

func conv(x, w, b *G.Node, stride int, withReLU bool) (*G.Node, error) {
	ws := w.Shape()
	g := convGeom{geom: newGeom(x.Shape(), ws[2], ws[3], stride), cout: ws[0], bias: b != nil}
	if ws[1] != g.c {
		return nil, errors.Errorf("kernel %v does not fit %d input channels", ws, g.c)
	}
	inputs, dims := G.Nodes{x, w}, []int{4, 4}
	if b != nil {
		inputs, dims = append(inputs, b), append(dims, 1)
	}
	name := "lightzoo.Conv(" + g.String() + ")"
	if withReLU {
		name = "lightzoo.ConvReLU(" + g.String() + ")"
	}
	op := &Op{Name: name, In: dims, Shape: tensor.Shape{g.n, g.cout, g.oh, g.ow}, canFold: !withReLU, Flops: g.flops()}
	op.F32 = func(y []float32, a [][]float32) {
		convForward(g, y, a[0], a[1], biasOf(a), epilogue[float32](op.fold, withReLU, g.cout))
	}
	op.F64 = func(y []float64, a [][]float64) {
		convForward(g, y, a[0], a[1], biasOf(a), epilogue[float64](op.fold, withReLU, g.cout))
	}
	op.Grad = func(in G.Nodes, out, dy *G.Node) (G.Nodes, error) {
		if op.fold != nil {
			return nil, errors.Errorf("%s has a BatchNorm folded into it for inference and no gradient; build the graph without light.ForInference to train it", op.Name)
		}
		if withReLU {
			var err error
			if dy, err = reluGradOf(out, dy); err != nil {
				return nil, err
			}
		}
		return convGrads(g, in, dy)
	}
	return apply(op, inputs...)
}

// epilogue is what a convolution applies to each output plane after its bias: a folded
// BatchNorm, a ReLU, or nothing (nil).
func epilogue[T float](f *fold, withReLU bool, channels int) planeFn[T] {
	if withReLU {
		return func(_ int, plane []T) { relu(plane, plane) }
	}
	return foldPlanes[T](f, channels)
}

// convGrads adds the gradients of a convolution with respect to x, the kernel and the bias,
// each an op over x, the kernel and dy.
func convGrads(g convGeom, in G.Nodes, dy *G.Node) (G.Nodes, error) {
	shapes := []tensor.Shape{{g.n, g.c, g.h, g.w}, {g.cout, g.c, g.kh, g.kw}, {g.cout}}
	flops := []int64{g.flops(), g.flops(), int64(g.n * g.cout * g.pixels())}
	out := make(G.Nodes, len(in))
	for i := range out {
		wrt := i
		var err error
		out[i], err = apply(&Op{
			Name: fmt.Sprintf("lightzoo.ConvGrad%d(%v)", wrt, g), In: []int{4, 4, 4}, Shape: shapes[wrt], Flops: flops[wrt],
			F32: func(d []float32, a [][]float32) { convGrad(g, wrt, d, a[0], a[1], a[2]) },
			F64: func(d []float64, a [][]float64) { convGrad(g, wrt, d, a[0], a[1], a[2]) },
		}, in[0], in[1], dy)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func biasOf[T float](a [][]T) []T {
	if len(a) > 2 {
		return a[2]
	}
	return nil
}

package train

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/infer"
	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/zoo"
)

// tinyData is an MNIST-shaped data set whose class is a bright square's position.
func tinyData(train, test int) *datasets.Dataset {
	make := func(n, offset int) *datasets.Set {
		s := &datasets.Set{Images: make([]byte, n*784), Labels: make([]uint8, n), N: n, C: 1, H: 28, W: 28}
		for i := 0; i < n; i++ {
			label := (i + offset) % 4
			s.Labels[i] = uint8(label)
			y0, x0 := 4+10*(label/2), 4+10*(label%2)
			for y := y0; y < y0+8; y++ {
				for x := x0; x < x0+8; x++ {
					s.Images[i*784+y*28+x] = byte(150 + (i*7+y+x)%100)
				}
			}
		}
		return s
	}
	return &datasets.Dataset{Name: "tiny", Train: make(train, 0), Test: make(test, 1)}
}

func tinyConfig(t *testing.T) Config {
	return Config{Model: "mnist", Variant: light.Light{ConvRank: 1, DenseRank: 8}, Epochs: 3, Batch: 8, EvalBatch: 8,
		LR: 1e-2, Seed: 42, Out: t.TempDir()}
}

func fit(t *testing.T, cfg Config, d *datasets.Dataset) (*Trainer, *Result) {
	t.Helper()
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	res, err := tr.Fit(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return tr, res
}

func weights(tr *Trainer) [][]float32 {
	var out [][]float32
	for _, p := range tr.Model().Scope.Params() {
		out = append(out, append([]float32(nil), p.Node.Value().Data().([]float32)...))
	}
	return out
}

func sameWeights(t *testing.T, a, b [][]float32) {
	t.Helper()
	for i := range a {
		for j := range a[i] {
			if math.Float32bits(a[i][j]) != math.Float32bits(b[i][j]) {
				t.Fatalf("parameter %d[%d]: %g vs %g", i, j, a[i][j], b[i][j])
			}
		}
	}
}

func TestLossFallsOnDataItCanFit(t *testing.T) {
	cfg := tinyConfig(t)
	cfg.Epochs, cfg.Variant = 12, light.Regular{}
	_, res := fit(t, cfg, tinyData(16, 8))
	first, last := res.History[0].TrainLoss, res.History[len(res.History)-1].TrainLoss
	if !(last < first/2) || res.History[len(res.History)-1].TrainAccuracy < 0.9 {
		t.Errorf("training loss %.3f -> %.3f, final accuracy %.2f; the model should fit 16 images", first, last, res.History[len(res.History)-1].TrainAccuracy)
	}
	for _, name := range []string{"checkpoint.safetensors", "metrics.jsonl", "result.json"} {
		if _, err := os.Stat(filepath.Join(cfg.Out, name)); err != nil {
			t.Error(err)
		}
	}
	if res.Build.Go != runtime.Version() || res.Build.Procs < 1 {
		t.Errorf("result records build %+v", res.Build)
	}
}

func TestSameSeedSameRun(t *testing.T) {
	cfg := tinyConfig(t)
	cfg.Protocol, cfg.Holdout, cfg.Augment = Clean, 4, true
	a, ra := fit(t, cfg, tinyData(20, 6))
	cfg.Out = t.TempDir()
	b, rb := fit(t, cfg, tinyData(20, 6))
	sameWeights(t, weights(a), weights(b))
	if ra.TestLoss != rb.TestLoss {
		t.Errorf("test loss %v vs %v", ra.TestLoss, rb.TestLoss)
	}
}

// An interrupted and resumed run ends with the weights of an uninterrupted one.
func TestResumeEqualsUninterrupted(t *testing.T) {
	d := tinyData(20, 6)
	cfg := tinyConfig(t)
	cfg.Protocol, cfg.Holdout, cfg.Augment = Clean, 4, true
	whole, _ := fit(t, cfg, d)

	cfg.Out = t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cfg.AfterBatch = func(epoch, batch int, _ float64) {
		if epoch == 1 && batch == 0 {
			cancel()
		}
	}
	first, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if _, err := first.Fit(ctx, d); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("got %v, want ErrInterrupted", err)
	}
	cfg.AfterBatch = nil
	second, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if err := second.Resume(); err != nil {
		t.Fatal(err)
	}
	if st := second.State(); st.Epoch != 1 || st.Next != 1 {
		t.Fatalf("resumed at epoch %d batch %d, want 1 and 1", st.Epoch, st.Next)
	}
	if _, err := second.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	sameWeights(t, weights(whole), weights(second))
}

func TestNaNStopsTrainingAndKeepsCheckpoint(t *testing.T) {
	d := tinyData(16, 4)
	cfg := tinyConfig(t)
	cfg.Epochs = 1
	tr, _ := fit(t, cfg, d)
	good := weights(tr)
	cfg.Epochs = 2
	next, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	if err := next.Resume(); err != nil {
		t.Fatal(err)
	}
	next.Model().Scope.Params()[0].Node.Value().Data().([]float32)[0] = float32(math.NaN())
	_, err = next.Fit(context.Background(), d)
	if err == nil || !strings.Contains(err.Error(), "NaN at epoch 2, batch 1") {
		t.Fatalf("got %v", err)
	}
	r, err := infer.Load(filepath.Join(cfg.Out, "checkpoint.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range r.Model().Scope.Params() {
		if got := p.Node.Value().Data().([]float32); got[0] != good[i][0] {
			t.Fatalf("checkpoint changed: %s[0] = %g, was %g", p.Name, got[0], good[i][0])
		}
	}
}

func TestCancelledBeforeStartSavesCheckpoint(t *testing.T) {
	cfg := tinyConfig(t)
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tr.Fit(ctx, tinyData(16, 4)); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("got %v", err)
	}
	if _, err := os.Stat(tr.CheckpointPath()); err != nil {
		t.Fatal(err)
	}
}

func TestWrongOrBrokenCheckpoint(t *testing.T) {
	cfg := tinyConfig(t)
	cfg.Epochs = 1
	tr, _ := fit(t, cfg, tinyData(8, 4))
	path := tr.CheckpointPath()
	cfg.Variant = light.Regular{}
	other, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Resume(); err == nil || !strings.Contains(err.Error(), "holds mnist light1, but the model is mnist conv2d") {
		t.Fatalf("wrong model: %v", err)
	}
	data, _ := os.ReadFile(path)
	for _, cut := range []int{4, 100, len(data) - 10} {
		os.WriteFile(path, data[:cut], 0o644)
		if _, err := infer.Load(path); err == nil || !strings.Contains(err.Error(), "checkpoint") {
			t.Errorf("truncated to %d bytes: %v", cut, err)
		}
	}
}

func TestEvaluatePartialBatch(t *testing.T) {
	cfg := tinyConfig(t)
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	m, err := tr.Evaluate(tinyData(19, 19).Train)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, row := range m.Confusion {
		for _, n := range row {
			total += n
		}
	}
	if m.Images != 19 || total != 19 || m.Loss <= 0 {
		t.Errorf("%d images, confusion sums to %d, loss %g", m.Images, total, m.Loss)
	}
}

// The graph's cross-entropy equals the one computed in Go from its logits.
func TestCrossEntropyMatchesLogits(t *testing.T) {
	cfg := tinyConfig(t)
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	d := tinyData(8, 0)
	if err := tr.main.run(d.Train, []int{0, 1, 2, 3, 4, 5, 6, 7}, augmenter{}); err != nil {
		t.Fatal(err)
	}
	tl := infer.NewTally(10)
	logits := tr.main.model.Logits.Value().Data().([]float32)
	for i, l := range tr.main.labels {
		tl.AddLogits(logits[i*10:(i+1)*10], l)
	}
	if got, want := tr.main.crossEntropy(), tl.Metrics().Loss; math.Abs(got-want) > 1e-5 {
		t.Errorf("graph cross-entropy %g, from logits %g", got, want)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Model: "nope", Variant: light.Regular{}, Out: "x"}, "unknown model"},
		{Config{Model: "mnist", Out: "x"}, "no variant"},
		{Config{Model: "mnist", Variant: light.Regular{}, Protocol: "fast", Out: "x"}, "unknown protocol"},
		{Config{Model: "mnist", Variant: light.Regular{}}, "no run directory"},
		{Config{Model: "mnist", Variant: light.Regular{}, Out: "x", LR: math.NaN()}, "learning rate NaN"},
		{Config{Model: "mnist", Variant: light.Regular{}, Out: "x", LR: -1}, "learning rate -1"},
		{Config{Model: "mnist", Variant: light.Regular{}, Out: "x", L2: new(-1.0)}, "L2 -1"},
		{Config{Model: "mnist", Variant: light.Regular{}, Out: "x", Holdout: -5}, "holdout -5"},
		{Config{Model: "mnist", Variant: light.Regular{}, Out: "x", Schedule: "cosine"}, "not the paper's"},
		{Config{Model: "mnist", Variant: light.Regular{}, Out: "x", Schedule: "step"}, "unknown schedule"},
	} {
		if _, err := New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

// The training step runs the convolutions' input gradients for every layer but the first:
// nothing needs the gradient with respect to the images.
func TestStepSkipsTheImageGradient(t *testing.T) {
	spec, err := zoo.Get("mnist")
	if err != nil {
		t.Fatal(err)
	}
	n, err := buildNet(spec, light.Regular{}, 2, 1, nil, objective{})
	if err != nil {
		t.Fatal(err)
	}
	count := func(g *G.ExprGraph) (convs, inputGrads int) {
		for _, nd := range g.AllNodes() {
			if nd.Op() == nil {
				continue
			}
			s := nd.Op().String()
			convs += btoi(strings.HasPrefix(s, "lightzoo.Conv("))
			inputGrads += btoi(strings.HasPrefix(s, "lightzoo.ConvGrad0("))
		}
		return convs, inputGrads
	}
	if convs, grads := count(n.model.Graph); grads != convs {
		t.Fatalf("full graph: %d convolutions, %d input gradients; the test assumes Gorgonia adds all", convs, grads)
	}
	if convs, grads := count(n.step()); grads != convs-1 {
		t.Errorf("training step: %d convolutions, %d input gradients, want %d", convs, grads, convs-1)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The paper protocol's schedule watches Keras' val_loss, cross-entropy plus the L2 penalty
// of the current weights; the penalty equals the graph's loss minus its cross-entropy.
func TestPaperScheduleWatchesKerasValLoss(t *testing.T) {
	cfg := tinyConfig(t)
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	d := tinyData(16, 8)
	n, err := tr.net(8)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.run(d.Train, seq(8), augmenter{}); err != nil {
		t.Fatal(err)
	}
	graph := float64(n.loss.Value().Data().(float32)) - n.crossEntropy()
	pen := penalty(tr.main.model, tr.cfg.L2)
	if pen <= 0 || math.Abs(graph-pen) > 1e-4*pen {
		t.Fatalf("penalty %g, the graph's loss minus cross-entropy %g", pen, graph)
	}
	log := EpochLog{ValLoss: 0.5, L2: pen}
	if got := tr.monitored(log); got != 0.5+pen {
		t.Errorf("paper protocol watches %g, want %g", got, 0.5+pen)
	}
	tr.cfg.Protocol = Clean
	if got := tr.monitored(log); got != 0.5 {
		t.Errorf("clean protocol watches %g, want the cross-entropy 0.5", got)
	}
}

// A runner over a checkpoint gives, with running statistics, what the trainer's evaluation
// gives; with batch statistics it evaluates every image too; wrong inputs are errors.
func TestRunnerOverCheckpoint(t *testing.T) {
	d := tinyData(16, 10)
	cfg := tinyConfig(t)
	tr, res := fit(t, cfg, d)
	for _, batchStats := range []bool{false, true} {
		opts := []infer.Option{infer.WithBatch(4)}
		if batchStats {
			opts = append(opts, infer.WithBatchStats())
		}
		r, err := infer.Load(tr.CheckpointPath(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		m, err := r.Evaluate(d.Test)
		if err != nil {
			t.Fatal(err)
		}
		if m.Images != 10 {
			t.Errorf("batch statistics %v: %d images, want 10", batchStats, m.Images)
		}
		if !batchStats && (m.Accuracy != res.TestAccuracy || math.Abs(m.Loss-res.TestLoss) > 1e-6) {
			t.Errorf("accuracy %g, loss %g; the trainer's evaluation gave %g, %g", m.Accuracy, m.Loss, res.TestAccuracy, res.TestLoss)
		}
	}
	if _, err := infer.Load(tr.CheckpointPath(), infer.WithBatch(0)); err == nil {
		t.Error("batch 0 accepted")
	}
	r, err := infer.Load(tr.CheckpointPath())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	wrong := &datasets.Set{Images: make([]byte, 2*3*32*32), Labels: make([]uint8, 2), N: 2, C: 3, H: 32, W: 32}
	if _, err := r.Evaluate(wrong); err == nil || !strings.Contains(err.Error(), "needs") {
		t.Errorf("CIFAR-sized images on an MNIST checkpoint: %v", err)
	}
}

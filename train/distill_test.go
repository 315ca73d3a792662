package train

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lightzoo/lightzoo/infer"
	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/train/checkpoint"
	"github.com/lightzoo/lightzoo/zoo"
)

// The graph's distillation loss is (1-w)·CE(labels) + w·T²·CE(softmax(t/T), softmax(z/T)),
// computed here from the student's and the teacher's logits in float64.
func TestDistillationLoss(t *testing.T) {
	d := tinyData(16, 8)
	teacher, _ := fit(t, tinyConfig(t), d)
	cfg := tinyConfig(t)
	cfg.Protocol, cfg.Variant, cfg.Seed = Clean, light.Regular{}, 7
	cfg.Teacher, cfg.Distill, cfg.Temperature = teacher.CheckpointPath(), 0.7, 3
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	n := tr.main
	if err := n.run(d.Train, seq(8), augmenter{}); err != nil {
		t.Fatal(err)
	}
	r, err := infer.Load(cfg.Teacher)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tl, err := r.Logits(n.x.Data().([]float32), 8)
	if err != nil {
		t.Fatal(err)
	}
	z := n.model.Logits.Value().Data().([]float32)
	var hard, soft float64
	for i := 0; i < 8; i++ {
		zi, ti := z[i*10:(i+1)*10], tl[i*10:(i+1)*10]
		hard += infer.CrossEntropy(zi, n.labels[i])
		p, q := softmaxAt(ti, 3), softmaxAt(zi, 3)
		for j := range p {
			soft -= p[j] * math.Log(q[j])
		}
	}
	want := (0.3*hard + 0.7*9*soft) / 8
	got := float64(n.loss.Value().Data().(float32)) - penalty(n.model, cfg.L2)
	if math.Abs(got-want) > 1e-5*want {
		t.Errorf("graph loss %g, from the logits %g", got, want)
	}
	if ce := n.crossEntropy(); math.Abs(ce-hard/8) > 1e-5 {
		t.Errorf("reported cross-entropy %g, want the labels' %g", ce, hard/8)
	}
}

func softmaxAt(logits []float32, temp float64) []float64 {
	scaled := make([]float32, len(logits))
	for i, v := range logits {
		scaled[i] = float32(float64(v) / temp)
	}
	return infer.Softmax(scaled)
}

// A distilled run trains end to end, records its teacher, and differs from the same run
// without one.
func TestDistilledRunRecordsItsTeacher(t *testing.T) {
	d := tinyData(32, 8)
	teacher, _ := fit(t, tinyConfig(t), d)
	cfg := tinyConfig(t)
	cfg.Protocol, cfg.Holdout, cfg.Epochs = Clean, 8, 2
	plain, _ := fit(t, cfg, d)
	cfg.Out, cfg.Teacher = t.TempDir(), teacher.CheckpointPath()
	distilled, res := fit(t, cfg, d)
	if res.Teacher != cfg.Teacher || res.Distill != DefaultDistill || res.Temperature != DefaultTemperature {
		t.Errorf("result records teacher %q, distill %g, temperature %g", res.Teacher, res.Distill, res.Temperature)
	}
	if checkpoint.Digest(plain.Model()) == checkpoint.Digest(distilled.Model()) {
		t.Error("the teacher changed nothing")
	}
}

func TestTeacherErrors(t *testing.T) {
	dir := t.TempDir()
	cifar, err := zoo.Build("cifar10", light.Regular{}, zoo.Config{Batch: 1})
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "cifar.safetensors")
	if err := checkpoint.Save(other, cifar, nil, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	base := Config{Model: "mnist", Variant: light.Regular{}, Protocol: Clean, Out: dir}
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Teacher = other }, "is a cifar10 model"},
		{func(c *Config) { c.Teacher = filepath.Join(dir, "none") }, "no such file"},
		{func(c *Config) { c.Teacher, c.Protocol = other, Paper }, "not the paper's"},
		{func(c *Config) { c.Distill = 0.5 }, "without a teacher"},
		{func(c *Config) { c.Temperature = 2 }, "without a teacher"},
		{func(c *Config) { c.Teacher, c.Distill = other, 1.5 }, "(0, 1]"},
		{func(c *Config) { c.Teacher, c.Distill = other, -0.5 }, "(0, 1]"},
		{func(c *Config) { c.Teacher, c.Temperature = other, math.Inf(1) }, "temperature +Inf"},
		{func(c *Config) { c.Teacher, c.Temperature = other, math.NaN() }, "temperature NaN"},
	} {
		cfg := base
		tc.edit(&cfg)
		tr, err := New(cfg)
		if err == nil {
			tr.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("teacher %q distill %g temperature %g %s protocol: got %v, want %q", cfg.Teacher, cfg.Distill, cfg.Temperature, cfg.Protocol, err, tc.want)
		}
	}
}

// A distilled run resumes only with the same teacher, share and temperature; a run without a
// teacher does not take one on when resumed.
func TestResumeKeepsTheTeacher(t *testing.T) {
	d := tinyData(32, 8)
	teacher, _ := fit(t, tinyConfig(t), d)
	cfg := tinyConfig(t)
	cfg.Protocol, cfg.Holdout, cfg.Epochs = Clean, 8, 1
	other := cfg
	other.Seed, other.Out = 9, t.TempDir()
	otherTeacher, _ := fit(t, other, d)
	cfg.Teacher = teacher.CheckpointPath()
	fit(t, cfg, d)
	for _, tc := range []struct {
		teacher      string
		distill, tmp float64
		ok           bool
	}{
		{teacher.CheckpointPath(), 0, 0, true},
		{teacher.CheckpointPath(), 0.3, 0, false},
		{teacher.CheckpointPath(), 0, 2, false},
		{otherTeacher.CheckpointPath(), 0, 0, false},
		{"", 0, 0, false},
	} {
		c := cfg
		c.Teacher, c.Distill, c.Temperature = tc.teacher, tc.distill, tc.tmp
		tr, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		err = tr.Resume()
		tr.Close()
		if (err == nil) != tc.ok || (err != nil && !strings.Contains(err.Error(), "distilling from")) {
			t.Errorf("teacher %q distill %g temperature %g: resume gave %v", filepath.Base(filepath.Dir(tc.teacher)), tc.distill, tc.tmp, err)
		}
	}
}

package train

import (
	"testing"

	"github.com/lightzoo/lightzoo/light"
)

func benchStep(b *testing.B, model string, v light.Variant) {
	tr, err := New(Config{Model: model, Variant: v, Out: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Close()
	set := randomSet(tr.spec, 64)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := tr.step(set, seq(64), augmenter{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkTrainStepMNISTConv2D(b *testing.B) { benchStep(b, "mnist", light.Regular{}) }
func BenchmarkTrainStepMNISTLight3(b *testing.B) {
	benchStep(b, "mnist", light.Light{ConvRank: 3, DenseRank: 8})
}
func BenchmarkTrainStepCIFAR10Light5(b *testing.B) {
	benchStep(b, "cifar10", light.Light{ConvRank: 5, DenseRank: 8})
}

func benchInfer(b *testing.B, model string, v light.Variant) {
	tr, err := New(Config{Model: model, Variant: v, Out: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Close()
	set := randomSet(tr.spec, 128)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tr.Evaluate(set); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(128*b.N)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkInferMNISTConv2D(b *testing.B)        { benchInfer(b, "mnist", light.Regular{}) }
func BenchmarkInferCIFAR10Conv2D(b *testing.B)      { benchInfer(b, "cifar10", light.Regular{}) }
func BenchmarkTrainStepCIFAR10Conv2D(b *testing.B)  { benchStep(b, "cifar10", light.Regular{}) }
func BenchmarkTrainStepMNISTSeparable(b *testing.B) { benchStep(b, "mnist", light.Separable{}) }
func BenchmarkInferCIFAR10Light5(b *testing.B) {
	benchInfer(b, "cifar10", light.Light{ConvRank: 5, DenseRank: 8})
}

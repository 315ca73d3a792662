package zoo_test

import (
	"fmt"

	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/zoo"
)

// One network of the paper in three variants: the variant is the only argument that changes.
func ExampleBuild() {
	for _, v := range []light.Variant{light.Regular{}, light.Separable{}, light.Light{ConvRank: 5, DenseRank: 8}} {
		m, err := zoo.Build("cifar10", v, zoo.Config{Batch: 64})
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-18v total %6d trainable %6d logits %v\n", v, m.Total(), m.Trainable(), m.Logits.Shape())
	}
	// Output:
	// Conv2D             total  76794 trainable  76122 logits (64, 10)
	// SeparableConv2D    total  14440 trainable  13768 logits (64, 10)
	// LightLayers(K=5)   total  20557 trainable  19885 logits (64, 10)
}

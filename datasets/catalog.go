package datasets

import (
	"sort"

	"github.com/pkg/errors"
)

// digest is the official digest of a file's decompressed content: MD5 where one is
// published for the file itself (CIFAR), else SHA-256 (MNIST, Fashion-MNIST).
type digest struct{ sha256, md5 string }

// info describes how a data set is laid out on disk and what its files must hash to.
type info struct {
	name    string
	sub     string // folder under a data directory, as the official archive unpacks
	classes []string
	train   []string
	test    []string
	digests map[string]digest
	idx     bool
}

var catalog = map[string]info{
	"mnist": {name: "mnist", sub: "mnist", classes: mnistClasses, idx: true,
		train: []string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
		test:  []string{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
		digests: map[string]digest{
			"train-images-idx3-ubyte": {sha256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
			"train-labels-idx1-ubyte": {sha256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
			"t10k-images-idx3-ubyte":  {sha256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
			"t10k-labels-idx1-ubyte":  {sha256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"},
		}},
	"fashion-mnist": {name: "fashion-mnist", sub: "fashion-mnist", classes: fashionClasses, idx: true,
		train: []string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
		test:  []string{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
		digests: map[string]digest{
			"train-images-idx3-ubyte": {sha256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"},
			"train-labels-idx1-ubyte": {sha256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"},
			"t10k-images-idx3-ubyte":  {sha256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"},
			"t10k-labels-idx1-ubyte":  {sha256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"},
		}},
	"cifar10": {name: "cifar10", sub: "cifar-10-batches-bin", classes: cifar10Classes,
		train: []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"},
		test:  []string{"test_batch.bin"},
		digests: map[string]digest{
			"data_batch_1.bin": {md5: "5dd7e06a14cb22eb9f671a540d1b7c25"},
			"data_batch_2.bin": {md5: "5ea93a67294ea407fff1d09f752e9692"},
			"data_batch_3.bin": {md5: "942cd6a4bcdd0dd3c604fbe906cb4421"},
			"data_batch_4.bin": {md5: "ae636b3ba5c66a11e91e8cb52e771fcb"},
			"data_batch_5.bin": {md5: "53f37980c15c3d472c316c40844f3f0d"},
			"test_batch.bin":   {md5: "803d5f7f4d78ea53de84dbe85f74fb6d"},
		}},
	"cifar100": {name: "cifar100", sub: "cifar-100-binary", classes: cifar100Fine,
		train: []string{"train.bin"},
		test:  []string{"test.bin"},
		digests: map[string]digest{
			"train.bin": {md5: "6172c7755cfe09b2fe270c85cebc1b15"},
			"test.bin":  {md5: "4499cfba6c016c1be1438163640a0898"},
		}},
}

// Names returns the names of the data sets, sorted.
func Names() []string {
	names := make([]string, 0, len(catalog))
	for n := range catalog {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func lookup(name string) (info, error) {
	in, ok := catalog[name]
	if !ok {
		return info{}, errors.Errorf("datasets: unknown data set %q; known are %v", name, Names())
	}
	return in, nil
}

// Classes returns the class names of a data set (CIFAR-100: fine, or coarse when coarse).
func Classes(name string, coarse bool) ([]string, error) {
	in, err := lookup(name)
	if err != nil {
		return nil, err
	}
	if name == "cifar100" && coarse {
		return cifar100Coarse, nil
	}
	return in.classes, nil
}

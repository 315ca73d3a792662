package datasets

import (
	"os"
	"testing"
)

// TestRealData checks the real data sets where .ci/run provides them: MNIST from the GoMNIST
// module and Fashion-MNIST from Debian with no options, CIFAR from $LIGHTZOO_CIFAR_DIR (the
// folder ../shared/datasets/unpack.sh fills). Set LIGHTZOO_REAL_DATA=1 to require them.
func TestRealData(t *testing.T) {
	if os.Getenv("LIGHTZOO_REAL_DATA") != "1" {
		t.Skip("set LIGHTZOO_REAL_DATA=1 (and LIGHTZOO_CIFAR_DIR) to check the real data sets")
	}
	t.Setenv(EnvVar, "")
	cifar := os.Getenv("LIGHTZOO_CIFAR_DIR")
	cases := []struct {
		name        string
		dir         string
		train, test int
		perClass    [2]int
		verified    bool
	}{
		{"mnist", "", 60000, 10000, [2]int{0, 0}, true},
		{"fashion-mnist", "", 60000, 10000, [2]int{6000, 1000}, true},
		// The CIFAR-10 test file here holds the first 1,000 of the 10,000 official images.
		{"cifar10", cifar, 50000, 1000, [2]int{5000, 0}, false},
		{"cifar100", cifar, 50000, 10000, [2]int{500, 100}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name[:5] == "cifar" && tc.dir == "" {
				t.Skip("LIGHTZOO_CIFAR_DIR is not set")
			}
			d, err := Load(tc.name, Options{Dir: tc.dir})
			if err != nil {
				t.Fatal(err)
			}
			if d.Train.N != tc.train || d.Test.N != tc.test {
				t.Errorf("%d/%d images, want %d/%d", d.Train.N, d.Test.N, tc.train, tc.test)
			}
			if d.Verified() != tc.verified {
				t.Errorf("verified %v, want %v: %+v", d.Verified(), tc.verified, d.Files)
			}
			for split, want := range tc.perClass {
				s := []*Set{d.Train, d.Test}[split]
				for c, n := range s.ClassCounts(len(d.Classes)) {
					if want != 0 && n != want {
						t.Errorf("split %d class %d has %d images, want %d", split, c, n, want)
					}
				}
			}
		})
	}
}

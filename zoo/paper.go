package zoo

// The paper's four networks (../shared/PAPER.md) with the results of its Tables 1-4.
func init() {
	mnistLike := func(name, title string, paper []PaperRow) Spec {
		return Spec{Name: name, Title: title, Dataset: name, Input: [3]int{1, 28, 28}, Classes: 10,
			Filters: []int{8, 16, 32}, Paper: paper}
	}
	cifar := func(name, title string, classes int, paper []PaperRow) Spec {
		return Spec{Name: name, Title: title, Dataset: name, Input: [3]int{3, 32, 32}, Classes: classes,
			Filters: []int{16, 32, 64}, Shortcut: true, Paper: paper}
	}
	Register(mnistLike("mnist", "MNIST", []PaperRow{
		{"conv2d", 18818, 0.9887, 0.018},
		{"separable", 3611, 0.9338, 0.2433},
		{"light1", 2649, 0.9418, 0.1327},
		{"light2", 4392, 0.9749, 0.0554},
		{"light3", 6135, 0.9775, 0.0513},
		{"light4", 7878, 0.9720, 0.0704},
	}))
	Register(mnistLike("fashion-mnist", "Fashion-MNIST", []PaperRow{
		{"conv2d", 18818, 0.9147, 0.1468},
		{"separable", 3611, 0.8725, 0.3175},
		{"light1", 2649, 0.7890, 0.6752},
		{"light2", 4392, 0.8452, 0.4247},
		{"light3", 6135, 0.8695, 0.3708},
		{"light4", 7878, 0.8623, 0.6184},
		{"light5", 9621, 0.8820, 0.2810},
		{"light6", 11364, 0.8733, 0.3986},
	}))
	Register(cifar("cifar10", "CIFAR-10", 10, []PaperRow{
		{"conv2d", 76794, 0.6882, 0.9701},
		{"separable", 14440, 0.5953, 1.3263},
		{"light1", 5937, 0.3686, 1.6723},
		{"light2", 9592, 0.4596, 1.5372},
		{"light3", 13247, 0.4937, 1.5287},
		{"light4", 16902, 0.5319, 1.3214},
		{"light5", 20557, 0.5576, 1.2122},
	}))
	Register(cifar("cifar100", "CIFAR-100", 100, []PaperRow{
		{"conv2d", 82644, 0.3262, 2.6576},
		{"separable", 20290, 0.2207, 3.2108},
		{"light1", 6747, 0.0275, 4.2391},
		{"light2", 10402, 0.0398, 4.1836},
		{"light3", 14057, 0.0559, 4.0304},
		{"light4", 17712, 0.0551, 3.9978},
		{"light5", 21367, 0.0589, 4.0009},
	}))
}

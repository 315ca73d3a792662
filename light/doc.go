// Package light builds LightLayers (Jha et al., PDCAT 2020) and the regular layers they are
// compared with as Gorgonia expression graphs.
//
// Every constructor takes a *Scope, which owns the graph, the dtype, the seed and the name path
// under which the layer creates its parameters ("block1/conv2/w1"), and an input node. It adds
// its forward computation to the graph and returns the nodes it made, so Gorgonia's symbolic
// differentiation and VM do the training.
//
// Layouts follow Gorgonia (and PyTorch): activations are NCHW, convolution kernels OIHW,
// dense weights (in, out). Convolutions use SAME padding for odd kernels: (k-1)/2 on every side.
//
// The rank hyper-parameter is called rank in code; it is the paper's k.
//
// A Variant (Regular, Separable, Light) is the one argument that turns a network written once
// into any row of the paper's tables.
//
// Run graphs with Engine (G.WithEngine(light.Engine())). A graph that is only evaluated is
// faster built in a scope made ForInference: its BatchNorms are folded into the convolutions
// before them, with the same results.
package light

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/train"
)

// trainCommand is how every recorded command starts; verify reruns it from the repository root.
const trainCommand = "go run ./examples/train "

// verify reruns the run recorded in dir from its command.txt, into a temporary directory,
// and reports whether every epoch's metrics, the test metrics and the final weights are the
// same bits. Times are not compared.
func verify(dir string, atRecorded bool) error {
	data, err := os.ReadFile(filepath.Join(dir, "command.txt"))
	if err != nil {
		return fmt.Errorf("compare: -verify: %v", err)
	}
	args, err := rerunArgs(strings.TrimSpace(string(data)))
	if err != nil {
		return fmt.Errorf("compare: -verify %s: %v", dir, err)
	}
	want, err := readRun(dir)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "lightzoo-verify-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	args = append(args, "-out", filepath.Join(tmp, "run"))
	program := "go"
	if atRecorded {
		if program, err = buildAt(want.result.Build, tmp); err != nil {
			return fmt.Errorf("compare: -verify %s -at-recorded: %v", dir, err)
		}
		args = args[2:] // run ./examples/train
	}
	fmt.Fprintf(os.Stderr, "compare: rerunning %s %s\n", program, strings.Join(args, " "))
	cmd := exec.Command(program, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("compare: -verify: the rerun failed: %v\n%s", err, stderr.String())
	}
	got, err := readRun(filepath.Join(tmp, "run"))
	if err != nil {
		return err
	}
	diffs := compareRuns(want, got)
	if want.result.Build.Kernels != "" && want.result.Build.Kernels != light.KernelPath() {
		diffs = append(diffs, fmt.Sprintf("note: recorded with the %s kernels, rerun with %s (their sums differ in order)", want.result.Build.Kernels, light.KernelPath()))
	}
	if rec, now := want.result.Build.Commit, got.result.Build.Commit; len(diffs) > 0 && !atRecorded && !sameCommit(rec, now) {
		diffs = append(diffs, fmt.Sprintf("note: recorded by commit %.10s, rerun with %.10s: if a commit between them changed the arithmetic (its message says so), -at-recorded reruns with the code of %.10s", rec, now, rec))
	}
	if len(diffs) > 0 {
		return fmt.Errorf("compare: %s does not reproduce:\n  %s", dir, strings.Join(diffs, "\n  "))
	}
	fmt.Printf("%s reproduces bit for bit: %d epochs, test accuracy %v, weights %s\n", dir, len(got.epochs), got.result.TestAccuracy, got.result.WeightsDigest[:16])
	return nil
}

// buildAt builds examples/train from the commit that recorded a run, in a clone of this
// repository under tmp, stamped with that commit, and returns the binary.
func buildAt(b train.Build, tmp string) (string, error) {
	if b.Commit == "" || b.Commit == "unknown" {
		return "", fmt.Errorf("the run records no commit")
	}
	if b.Modified {
		fmt.Fprintf(os.Stderr, "compare: warning: the run was made by modified code of %s; its rerun at %s may differ\n", b.Commit, b.Commit)
	}
	root, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", fmt.Errorf("not in a git checkout (run from the repository): %v", err)
	}
	src, bin := filepath.Join(tmp, "src"), filepath.Join(tmp, "train")
	for _, step := range []struct {
		what string
		cmd  []string
	}{
		{"cloning this repository", []string{"git", "clone", "-q", "--no-checkout", strings.TrimSpace(string(root)), src}},
		{"checking out " + b.Commit + " (not in this clone's history? git fetch, or unshallow)", []string{"git", "-C", src, "checkout", "-q", "--detach", b.Commit}},
		{"building examples/train at " + b.Commit, []string{"go", "build", "-C", src, "-buildvcs=true", "-o", bin, "./examples/train"}},
	} {
		fmt.Fprintf(os.Stderr, "compare: %s\n", strings.Join(step.cmd, " "))
		if out, err := exec.Command(step.cmd[0], step.cmd[1:]...).CombinedOutput(); err != nil {
			first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
			return "", fmt.Errorf("%s failed: %v: %s", step.what, err, first)
		}
	}
	return bin, nil
}

// sameCommit says whether two recorded commits, full or abbreviated, are the same.
func sameCommit(a, b string) bool {
	n := min(len(a), len(b))
	hex := func(s string) bool { return strings.Trim(s, "0123456789abcdef") == "" }
	return n >= 7 && hex(a) && hex(b) && a[:n] == b[:n]
}

// rerunArgs turns a recorded command into the arguments of go, without its -out.
func rerunArgs(command string) ([]string, error) {
	if !strings.HasPrefix(command, trainCommand) {
		return nil, fmt.Errorf("command %q is not a %q command", command, strings.TrimSpace(trainCommand))
	}
	fields := strings.Fields(command)[1:]
	var args []string
	for i := 0; i < len(fields); i++ {
		switch f := fields[i]; {
		case f == "-out" || f == "--out":
			i++
		case strings.HasPrefix(f, "-out=") || strings.HasPrefix(f, "--out="), f == "-resume", f == "-force":
		default:
			args = append(args, f)
		}
	}
	return args, nil
}

// run is a finished run's metrics: one map per epoch line and result.json.
type run struct {
	epochs []map[string]float64
	result train.Result
}

func readRun(dir string) (run, error) {
	var r run
	data, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err == nil {
		err = json.Unmarshal(data, &r.result)
	}
	if err != nil {
		return r, fmt.Errorf("compare: %s: result.json: %v", dir, err)
	}
	f, err := os.Open(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		return r, fmt.Errorf("compare: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line map[string]float64
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return r, fmt.Errorf("compare: %s: metrics.jsonl: %v", dir, err)
		}
		r.epochs = append(r.epochs, line)
	}
	return r, sc.Err()
}

// timing are the metrics that measure the machine, not the arithmetic.
var timing = map[string]bool{"seconds": true, "images_per_second": true}

// compareRuns lists every difference between two runs' epochs, test metrics and weights.
func compareRuns(want, got run) []string {
	var diffs []string
	if len(want.epochs) != len(got.epochs) {
		diffs = append(diffs, fmt.Sprintf("%d epochs recorded, %d rerun", len(want.epochs), len(got.epochs)))
	}
	for i := range min(len(want.epochs), len(got.epochs)) {
		for k, w := range want.epochs[i] {
			if g, ok := got.epochs[i][k]; !timing[k] && (!ok || math.Float64bits(g) != math.Float64bits(w)) {
				diffs = append(diffs, fmt.Sprintf("epoch %d %s: recorded %v, rerun %v", i+1, k, w, g))
			}
		}
	}
	w, g := want.result, got.result
	for _, c := range []struct {
		name string
		a, b float64
	}{{"test_accuracy", w.TestAccuracy, g.TestAccuracy}, {"test_loss", w.TestLoss, g.TestLoss}, {"l2_penalty", w.L2Penalty, g.L2Penalty}} {
		if math.Float64bits(c.a) != math.Float64bits(c.b) {
			diffs = append(diffs, fmt.Sprintf("%s: recorded %v, rerun %v", c.name, c.a, c.b))
		}
	}
	if w.WeightsDigest != g.WeightsDigest {
		diffs = append(diffs, fmt.Sprintf("weights: recorded %.16s, rerun %.16s", w.WeightsDigest, g.WeightsDigest))
	}
	return diffs
}

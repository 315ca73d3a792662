package train

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/train/checkpoint"
)

// editState rewrites the training state recorded in the checkpoint at path.
func editState(t *testing.T, path string, edit func(s map[string]any) string) {
	t.Helper()
	ts, meta, err := checkpoint.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal([]byte(meta["state"]), &s); err != nil {
		t.Fatal(err)
	}
	if raw := edit(s); raw != "" {
		meta["state"] = raw
	} else {
		b, _ := json.Marshal(s)
		meta["state"] = string(b)
	}
	if err := checkpoint.WriteFile(path, ts, meta); err != nil {
		t.Fatal(err)
	}
}

// A checkpoint whose training state cannot belong to the run is refused on resume, with what
// is wrong, instead of resuming at a nonsense point.
func TestResumeRefusesBadState(t *testing.T) {
	d := tinyData(16, 4)
	cases := []struct {
		name string
		edit func(s map[string]any) string
		want string
	}{
		{"garbage", func(map[string]any) string { return "{not json" }, "unreadable"},
		{"epoch beyond the run", func(s map[string]any) string { s["epoch"] = 1e6; return "" }, "1000000 epochs are done, of 2"},
		{"negative epoch", func(s map[string]any) string { s["epoch"] = -1; return "" }, "-1 epochs"},
		{"history", func(s map[string]any) string { s["history"] = nil; return "" }, "0 epochs of history for 1"},
		{"learning rate", func(s map[string]any) string { s["lr"] = 0; return "" }, "learning rate 0"},
		{"counters", func(s map[string]any) string { s["epoch_correct"] = 5; return "" }, "out of range"},
		{"no schedule", func(s map[string]any) string { delete(s, "schedule"); return "" }, "no schedule"},
		{"next batch", func(s map[string]any) string { s["next_batch"] = 1e6; return "" }, "batch 1000001 of an epoch of 2 batches"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig(t)
			cfg.Epochs = 1
			tr, _ := fit(t, cfg, d)
			editState(t, tr.CheckpointPath(), tc.edit)
			cfg.Epochs = 2
			next, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer next.Close()
			if err = next.Resume(); err == nil {
				_, err = next.Fit(context.Background(), d)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// Every split must fit the model, not only the training one: a test split of 27x27 images or
// with a label the model does not have is an error before any training, as is an empty split
// or a batch larger than the training split.
func TestFitChecksEverySplit(t *testing.T) {
	small := func(d *datasets.Dataset) *datasets.Dataset {
		s := d.Test
		s.Images, s.H, s.W = s.Images[:s.N*27*27], 27, 27
		return d
	}
	cases := []struct {
		name  string
		data  func() *datasets.Dataset
		batch int
		want  string
	}{
		{"27x27 test images", func() *datasets.Dataset { return small(tinyData(16, 4)) }, 8, "the validation split of tiny has 1x27x27 images"},
		{"test label", func() *datasets.Dataset { d := tinyData(16, 4); d.Test.Labels[2] = 11; return d }, 8, "image 2 of the validation split of tiny has label 11"},
		{"empty test split", func() *datasets.Dataset { return tinyData(16, 0) }, 8, "has no images"},
		{"batch", func() *datasets.Dataset { return tinyData(16, 4) }, 17, "batch 17 is larger than the 16 training images"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig(t)
			cfg.Batch = tc.batch
			tr, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			if _, err := tr.Fit(context.Background(), tc.data()); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if tr.HasCheckpoint() {
				t.Error("a checkpoint was written before the data was checked")
			}
		})
	}
}

// Start refuses a directory that holds another run's files unless told to replace them, and
// removes the temporary files a crash during a save leaves.
func TestStartKeepsOtherRuns(t *testing.T) {
	cfg := tinyConfig(t)
	os.WriteFile(filepath.Join(cfg.Out, "result.json"), []byte("{}"), 0o644)
	stale := filepath.Join(cfg.Out, ".checkpoint.safetensors.tmp-42")
	os.WriteFile(stale, []byte("half"), 0o644)
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if err := tr.Start("cmd", false); !errors.Is(err, ErrRunExists) {
		t.Fatalf("got %v, want ErrRunExists", err)
	}
	if data, _ := os.ReadFile(filepath.Join(cfg.Out, "result.json")); string(data) != "{}" {
		t.Fatal("the other run's result changed")
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Error("the temporary file a crash left is still there")
	}
	if err := tr.Start("cmd", true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(cfg.Out, "result.json")); !os.IsNotExist(err) {
		t.Error("overwrite kept the old result")
	}
}

// A loss that diverges before the first checkpoint says that there is none.
func TestDivergenceBeforeAnyCheckpoint(t *testing.T) {
	cfg := tinyConfig(t)
	cfg.LR = 1e30
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	_, err = tr.Fit(context.Background(), tinyData(16, 4))
	if err == nil || !strings.Contains(err.Error(), "no checkpoint was written yet") || strings.Contains(err.Error(), "holds the last good") {
		t.Fatalf("got %v", err)
	}
}

// NaN and infinite numbers become null: result.json is always written whole.
func TestMarshalJSONWritesNonFiniteAsNull(t *testing.T) {
	r := Result{Model: "mnist", TestLoss: math.NaN(), History: []EpochLog{{Epoch: 1, ValLoss: math.Inf(1)}}}
	r.Test.Precision = []float64{0.5, math.NaN()}
	out, err := MarshalJSON(r, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"test_loss":null`, `"val_loss":null`, `"precision":[0.5,null]`, `"model":"mnist"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("%s lacks %s", out, want)
		}
	}
	if strings.Contains(string(out), `"modified"`) {
		t.Error("omitempty ignored")
	}
	var back Result
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
}

// result.json says whether the data matched its official digests, and which files did not.
func TestResultRecordsUnverifiedData(t *testing.T) {
	d := tinyData(16, 4)
	d.Files = []datasets.FileCheck{{Path: "a", Verified: true}, {Path: "b"}}
	_, res := fit(t, tinyConfig(t), d)
	if res.DataVerified || len(res.Unverified) != 1 || res.Unverified[0] != "b" {
		t.Fatalf("verified %v, unverified %v", res.DataVerified, res.Unverified)
	}
}

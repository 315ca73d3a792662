package train

import (
	"runtime"
	"runtime/debug"
)

// Build identifies the code that produced a result, so a number can be traced to its commit.
type Build struct {
	Go       string `json:"go"`
	Commit   string `json:"commit,omitempty"`   // empty under go run / go test, which stamp no VCS data
	Modified bool   `json:"modified,omitempty"` // the working tree had uncommitted changes
	Procs    int    `json:"gomaxprocs"`
}

// currentBuild reads the VCS stamp that go build writes into the binary.
func currentBuild() Build {
	b := Build{Go: runtime.Version(), Procs: runtime.GOMAXPROCS(0)}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

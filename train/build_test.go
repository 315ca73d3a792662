package train

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Without a VCS stamp (go test has none) the commit is the one of the source tree the code was
// compiled from, not of the directory the program runs in: a sweep's binary runs from a
// checkout that moves on while it works.
func TestBuildNamesTheSourceCommit(t *testing.T) {
	src, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not in a git checkout: %v", err)
	}
	other := t.TempDir()
	for _, args := range [][]string{{"init", "-q"}, {"-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "other"}} {
		if out, err := exec.Command("git", append([]string{"-C", other}, args...)...).CombinedOutput(); err != nil {
			t.Skipf("git %v: %v %s", args, err, out)
		}
	}
	if err := os.WriteFile(filepath.Join(other, "x.go"), []byte("package x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(other)
	if b := CurrentBuild(); b.Commit != strings.TrimSpace(string(src)) {
		t.Errorf("commit %q, want this source tree's %q", b.Commit, strings.TrimSpace(string(src)))
	}
}

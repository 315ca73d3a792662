//go:build unix

package tempfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Files get 0666 less the umask, as os.Create's do, the pattern's prefix and suffix, and a
// new name each.
func TestCreateHonoursUmaskAndPattern(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ umask, want os.FileMode }{{0o022, 0o644}, {0o077, 0o600}, {0o002, 0o664}} {
		old := syscall.Umask(int(tc.umask))
		f, err := Create(dir, ".report.md.tmp-*.x")
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		info, err := os.Stat(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != tc.want {
			t.Errorf("umask %o: mode %o, want %o", tc.umask, got, tc.want)
		}
		base := filepath.Base(f.Name())
		if !strings.HasPrefix(base, ".report.md.tmp-") || !strings.HasSuffix(base, ".x") || len(base) <= len(".report.md.tmp-.x") {
			t.Errorf("name %q does not follow the pattern", base)
		}
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "*")); len(names) != 3 {
		t.Errorf("three calls made %d files: %v", len(names), names)
	}
}

//go:build unix

package checkpoint

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// WriteAtomic's files get 0666 less the umask, as os.Create's do, whether they are new or
// replace a file, and no temporary file is left.
func TestWriteAtomicHonoursUmask(t *testing.T) {
	for _, tc := range []struct{ umask, want os.FileMode }{{0o022, 0o644}, {0o077, 0o600}, {0o002, 0o664}} {
		old := syscall.Umask(int(tc.umask))
		dir := t.TempDir()
		path := filepath.Join(dir, "report.md")
		for range 2 { // new, then replaced
			if err := WriteAtomic(path, []byte("x")); err != nil {
				t.Fatal(err)
			}
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Mode().Perm(); got != tc.want {
				t.Errorf("umask %o: mode %o, want %o", tc.umask, got, tc.want)
			}
		}
		syscall.Umask(old)
		if left, _ := filepath.Glob(filepath.Join(dir, ".*"+TempSuffix)); len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
	}
}

// Package tempfile creates the temporary files that atomic writes rename over their targets.
package tempfile

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Create is os.CreateTemp(dir, pattern) with the permissions os.Create gives (0666 less the
// umask) instead of 0600, so that the file renamed over a report, checkpoint or data file is
// as readable as a file written in place: a random string replaces the last "*" of pattern
// (or is appended).
func Create(dir, pattern string) (*os.File, error) {
	prefix, suffix := pattern, ""
	if i := strings.LastIndex(pattern, "*"); i >= 0 {
		prefix, suffix = pattern[:i], pattern[i+1:]
	}
	for {
		name := filepath.Join(dir, prefix+strconv.FormatUint(rand.Uint64(), 36)+suffix)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if !os.IsExist(err) {
			return f, err
		}
	}
}

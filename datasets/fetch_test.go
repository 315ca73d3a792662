package datasets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// serve starts a local server for files and points the archive table at their MD5s.
func serve(t *testing.T, name string, files map[string][]byte, truncate bool) string {
	t.Helper()
	var table []archive
	for file, data := range files {
		sum := md5.Sum(data)
		table = append(table, archive{url: "https://example.invalid/" + file, md5: hex.EncodeToString(sum[:])})
	}
	old := archives[name]
	archives[name] = table
	t.Cleanup(func() { archives[name] = old })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, ok := files[filepath.Base(r.URL.Path)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if truncate {
			// Promise the whole file, send half, and drop the connection.
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
			w.Write(data[:len(data)/2])
			panic(http.ErrAbortHandler)
		}
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestFetchIDX(t *testing.T) {
	files := map[string][]byte{}
	for name, data := range fixtureFiles() {
		if strings.HasPrefix(name, "mnist/") {
			if !strings.HasSuffix(name, ".gz") {
				data = gz(data)
			}
			files[strings.TrimSuffix(filepath.Base(name), ".gz")+".gz"] = data
		}
	}
	url := serve(t, "mnist", files, false)
	dir := t.TempDir()
	var progress bytes.Buffer
	d, err := Fetch(context.Background(), "mnist", dir, FetchOptions{BaseURL: url, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if d.Train.N != fixTrain || d.Test.N != fixTest {
		t.Errorf("fetched %d/%d images", d.Train.N, d.Test.N)
	}
	if !strings.Contains(progress.String(), "train-images") {
		t.Errorf("no progress shown: %q", progress.String())
	}
}

func TestFetchTarArchive(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, data := range fixtureFiles() {
		if strings.HasPrefix(name, "cifar-100-binary/") {
			tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
			tw.Write(data)
		}
	}
	tw.Close()
	zw.Close()
	url := serve(t, "cifar100", map[string][]byte{"cifar-100-binary.tar.gz": buf.Bytes()}, false)
	dir := t.TempDir()
	d, err := Fetch(context.Background(), "cifar100", dir, FetchOptions{BaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	if d.Train.N != fixTrain {
		t.Errorf("%d training images", d.Train.N)
	}
	if _, err := os.Stat(filepath.Join(dir, "cifar-100-binary.tar.gz")); !os.IsNotExist(err) {
		t.Error("the archive was left behind")
	}
}

func TestInterruptedFetchLeavesNoFile(t *testing.T) {
	url := serve(t, "cifar10", map[string][]byte{"cifar-10-binary.tar.gz": bytes.Repeat([]byte{1}, 100000)}, true)
	dir := t.TempDir()
	if _, err := Fetch(context.Background(), "cifar10", dir, FetchOptions{BaseURL: url}); err == nil {
		t.Fatal("an interrupted download succeeded")
	}
	assertOnlyFolders(t, dir)
}

func TestCorruptDownloadIsRefused(t *testing.T) {
	url := serve(t, "cifar10", map[string][]byte{"cifar-10-binary.tar.gz": []byte("abc")}, false)
	archives["cifar10"][0].md5 = "00000000000000000000000000000000"
	dir := t.TempDir()
	_, err := Fetch(context.Background(), "cifar10", dir, FetchOptions{BaseURL: url})
	if err == nil || !strings.Contains(err.Error(), "published") {
		t.Fatalf("got %v", err)
	}
	assertOnlyFolders(t, dir)
}

func assertOnlyFolders(t *testing.T, dir string) {
	t.Helper()
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			t.Errorf("left behind %s", path)
		}
		return nil
	})
}

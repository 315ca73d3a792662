package datasets

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"
	"github.com/schollz/progressbar/v3"

	"github.com/lightzoo/lightzoo/internal/tempfile"
)

// archive is one file to download: its canonical address and its published MD5.
type archive struct{ url, md5 string }

var archives = map[string][]archive{
	"mnist": {
		{"https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"},
		{"https://ossci-datasets.s3.amazonaws.com/mnist/train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"},
		{"https://ossci-datasets.s3.amazonaws.com/mnist/t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"},
		{"https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"},
	},
	"fashion-mnist": {
		{"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"},
		{"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"},
		{"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"},
		{"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"},
	},
	"cifar10":  {{"https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530"}},
	"cifar100": {{"https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz", "03b5dce01913d631647c71ecec9e9cb8"}},
}

// FetchOptions configure Fetch.
type FetchOptions struct {
	// BaseURL, when set, replaces the folder of every canonical address (for mirrors and tests).
	BaseURL string
	Client  *http.Client
	// Progress receives a progress bar; nil for none.
	Progress io.Writer
}

// Fetch downloads the official files of data set name into dir (as dir/<folder>/...), checks
// each download against its published MD5, unpacks archives, and finally reads the result back
// with Load. Every file is written under a temporary name and renamed when complete, so an
// interrupted fetch leaves no partial file behind.
func Fetch(ctx context.Context, name, dir string, opts FetchOptions) (*Dataset, error) {
	in, err := lookup(name)
	if err != nil {
		return nil, err
	}
	dest := filepath.Join(dir, in.sub)
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return nil, errors.Wrap(err, "datasets: fetch")
	}
	for _, a := range archives[name] {
		if err := fetchOne(ctx, a, dir, dest, opts); err != nil {
			return nil, errors.Wrapf(err, "datasets: fetch %s", name)
		}
	}
	d, err := readDir(in, dest, false)
	if err != nil {
		return nil, errors.Wrapf(err, "datasets: fetched %s but cannot read it", name)
	}
	d.Origin = "fetched"
	return d, nil
}

func fetchOne(ctx context.Context, a archive, dir, dest string, opts FetchOptions) error {
	url := a.url
	if opts.BaseURL != "" {
		url = strings.TrimRight(opts.BaseURL, "/") + "/" + path.Base(a.url)
	}
	isTar := strings.HasSuffix(url, ".tar.gz")
	target := filepath.Join(dest, path.Base(url))
	if isTar {
		target = filepath.Join(dir, path.Base(url))
	}
	if err := download(ctx, url, target, a.md5, opts); err != nil {
		return err
	}
	if !isTar {
		return nil
	}
	defer os.Remove(target)
	return untar(target, dir)
}

// download writes url to target atomically, requiring the MD5 want.
func download(ctx context.Context, url, target, want string, opts FetchOptions) error {
	client := opts.Client
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.Errorf("GET %s: %s", url, resp.Status)
	}
	h := md5.New()
	var body io.Reader = io.TeeReader(resp.Body, h)
	if opts.Progress != nil {
		bar := progressbar.NewOptions64(resp.ContentLength, progressbar.OptionSetWriter(opts.Progress),
			progressbar.OptionShowBytes(true), progressbar.OptionSetDescription(path.Base(url)),
			progressbar.OptionOnCompletion(func() { io.WriteString(opts.Progress, "\n") }))
		body = io.TeeReader(body, bar)
	}
	return writeAtomic(target, body, func() error {
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			return errors.Errorf("%s: MD5 %s, expected the published %s; the download is corrupt or not the official file", url, got, want)
		}
		return nil
	})
}

// writeAtomic copies r to a temporary file beside target, runs check, and renames it to
// target only if everything succeeded.
func writeAtomic(target string, r io.Reader, check func() error) error {
	tmp, err := tempfile.Create(filepath.Dir(target), "."+filepath.Base(target)+".part-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && check != nil {
		err = check()
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), target)
}

// untar extracts the regular files of a .tar.gz into dir, refusing paths that leave it.
func untar(archivePath, dir string) error {
	f, err := os.Open(archivePath)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return errors.Wrapf(err, "%s", archivePath)
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return errors.Wrapf(err, "%s", archivePath)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		name := filepath.Clean(hdr.Name)
		if filepath.IsAbs(name) || strings.HasPrefix(name, "..") {
			return errors.Errorf("%s: entry %q leaves the target folder", archivePath, hdr.Name)
		}
		target := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := writeAtomic(target, tr, nil); err != nil {
			return err
		}
	}
}

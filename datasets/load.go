package datasets

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"
)

// Dataset is a data set read from disk.
type Dataset struct {
	Name        string
	Dir         string // the folder the files were read from
	Origin      string // which place that folder is (flag, LIGHTZOO_DATA, cache, Go module, Debian)
	Train, Test *Set
	Classes     []string
	Files       []FileCheck
}

// FileCheck says whether one file's content matches its official digest.
type FileCheck struct {
	Path     string `json:"path"`
	Verified bool   `json:"verified"`
	Note     string `json:"note,omitempty"`
}

// Verified is true when every file matches its official digest.
func (d *Dataset) Verified() bool {
	for _, f := range d.Files {
		if !f.Verified {
			return false
		}
	}
	return len(d.Files) > 0
}

// Warnings has one line for each file whose content does not match its official digest, to
// be shown before any work: numbers made on such a copy are not the official data set's.
func (d *Dataset) Warnings() []string {
	var out []string
	for _, f := range d.Files {
		if !f.Verified {
			out = append(out, fmt.Sprintf("datasets: warning: %s is not the official %s file (%s); results on it are marked data_verified: false", f.Path, d.Name, f.Note))
		}
	}
	return out
}

// Unverified lists the files that do not match their official digests.
func (d *Dataset) Unverified() []string {
	var out []string
	for _, f := range d.Files {
		if !f.Verified {
			out = append(out, f.Path)
		}
	}
	return out
}

// readDir reads data set in from dir. It fails if any file is missing or broken.
func readDir(in info, dir string, coarse bool) (*Dataset, error) {
	d := &Dataset{Name: in.name, Dir: dir, Classes: in.classes}
	if in.name == "cifar100" && coarse {
		d.Classes = cifar100Coarse
	}
	var err error
	if d.Train, err = d.readSplit(in, in.train, coarse); err != nil {
		return nil, err
	}
	if d.Test, err = d.readSplit(in, in.test, coarse); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Dataset) readSplit(in info, files []string, coarse bool) (*Set, error) {
	if in.idx {
		img, err := d.openVerified(in, files[0])
		if err != nil {
			return nil, err
		}
		lab, err := d.openVerified(in, files[1])
		if err != nil {
			return nil, err
		}
		s, err := DecodeIDXSet(img, lab, len(in.classes))
		if err == nil {
			err = firstErr(img.finish(), lab.finish())
		}
		return s, errors.Wrapf(err, "%s in %s", strings.Join(files, " and "), d.Dir)
	}
	var parts []*Set
	for _, f := range files {
		r, err := d.openVerified(in, f)
		if err != nil {
			return nil, err
		}
		var s *Set
		if in.name == "cifar100" {
			s, err = DecodeCIFAR100(r, coarse)
		} else {
			s, err = DecodeCIFAR10(r)
		}
		if err == nil {
			err = r.finish()
		}
		if err != nil {
			return nil, errors.Wrapf(err, "%s", r.path)
		}
		parts = append(parts, s)
	}
	return concat(parts), nil
}

// hashedFile is an open data file, decompressed if gzipped, hashing what is read.
type hashedFile struct {
	io.Reader
	f        *os.File
	path     string
	hash     hash.Hash
	official string
	dataset  *Dataset
}

// openVerified opens name (or name.gz) in the data set's folder.
func (d *Dataset) openVerified(in info, name string) (*hashedFile, error) {
	path := filepath.Join(d.Dir, name)
	f, err := os.Open(path)
	if os.IsNotExist(err) && in.idx {
		path += ".gz"
		f, err = os.Open(path)
	}
	if err != nil {
		return nil, errors.Errorf("missing file %s in %s", name, d.Dir)
	}
	r, err := maybeGunzip(f)
	if err != nil {
		f.Close()
		return nil, errors.Wrapf(err, "%s", path)
	}
	h := &hashedFile{f: f, path: path, dataset: d}
	if want := in.digests[name]; want.md5 != "" {
		h.hash, h.official = md5.New(), want.md5
	} else {
		h.hash, h.official = sha256.New(), want.sha256
	}
	h.Reader = io.TeeReader(r, h.hash)
	return h, nil
}

// finish closes the file and records whether its content matched the official digest.
func (h *hashedFile) finish() error {
	defer h.f.Close()
	if _, err := io.Copy(io.Discard, h.Reader); err != nil {
		return readErr(err, h.path)
	}
	got := hex.EncodeToString(h.hash.Sum(nil))
	check := FileCheck{Path: h.path, Verified: got == h.official}
	if !check.Verified {
		check.Note = fmt.Sprintf("content digest %s differs from the official %s", got, h.official)
	}
	h.dataset.Files = append(h.dataset.Files, check)
	return nil
}

func concat(parts []*Set) *Set {
	if len(parts) == 1 {
		return parts[0]
	}
	out := &Set{C: parts[0].C, H: parts[0].H, W: parts[0].W}
	for _, p := range parts {
		out.Images = append(out.Images, p.Images...)
		out.Labels = append(out.Labels, p.Labels...)
		out.N += p.N
	}
	return out
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

package bosh

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// BundleFile is one regular file inside a logs bundle. Files of the
// instance bundles nested in a group or deployment bundle are named
// "<inner>.tgz!/<path>".
type BundleFile struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// NestSep joins a nested bundle's name and a path inside it.
const NestSep = "!/"

// ErrNotGzip is returned for a bundle that is not a gzip tarball.
var ErrNotGzip = errors.New("not a gzip tarball")

// ScanBundle reads a gzip tarball from r to its end and lists its regular
// files, with the files of nested instance bundles (*.tgz entries) too.
// A stream that is not gzip, or not a tarball inside, or is cut short,
// gives an error wrapping ErrNotGzip or describing the damage.
func ScanBundle(r io.Reader) ([]BundleFile, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNotGzip, err)
	}
	tr := tar.NewReader(zr)
	var files []BundleFile
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return files, fmt.Errorf("damaged tarball after %d files: %v", len(files), err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		files = append(files, BundleFile{Path: h.Name, Size: h.Size})
		if isNestedBundle(h.Name) {
			if inner, err := scanNested(tr); err == nil {
				for _, f := range inner {
					files = append(files, BundleFile{Path: h.Name + NestSep + f.Path, Size: f.Size})
				}
			}
		}
	}
	// Read the gzip trailer so its checksum is verified.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return files, fmt.Errorf("damaged gzip stream: %v", err)
	}
	return files, nil
}

// ScanBundleFile lists the bundle at path with ScanBundle, reporting the
// compressed bytes read so far (ScanBundle reads 64 KB at a time) and stopping
// when ctx ends. Listing reads the whole bundle, which also verifies its
// gzip checksum: several seconds for hundreds of MB.
func ScanBundleFile(ctx context.Context, path string, progress func(Progress)) ([]BundleFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	total := int64(-1)
	if st, err := f.Stat(); err == nil {
		total = st.Size()
	}
	files, err := ScanBundle(&scanReader{ctx: ctx, r: f, total: total, progress: progress})
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return files, err
}

// scanReader counts and reports what ScanBundle reads, and ends it with
// ctx's error.
type scanReader struct {
	ctx      context.Context
	r        io.Reader
	done     int64
	total    int64
	progress func(Progress)
}

func (s *scanReader) Read(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := s.r.Read(p)
	s.done += int64(n)
	if s.progress != nil && n > 0 {
		s.progress(Progress{Done: s.done, Total: s.total})
	}
	return n, err
}

func isNestedBundle(name string) bool {
	return strings.HasSuffix(name, ".tgz") || strings.HasSuffix(name, ".tar.gz")
}

// scanNested lists a nested bundle's files without the recursion going
// further.
func scanNested(r io.Reader) ([]BundleFile, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	var files []BundleFile
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files, nil
		}
		if err != nil {
			return files, err
		}
		if h.Typeflag == tar.TypeReg {
			files = append(files, BundleFile{Path: h.Name, Size: h.Size})
		}
	}
}

// BundleEntry is an open file inside a bundle, read in order.
type BundleEntry struct {
	io.Reader
	Size  int64
	close func() error
}

// Close closes the bundle file.
func (e *BundleEntry) Close() error { return e.close() }

// OpenBundleFile opens the file named name (as ScanBundle names it) inside
// the bundle at path, without extracting anything to disk. Finding it
// means reading the bundle up to it: progress, if set, hears how much of
// the bundle was read until then, and ctx ends the search.
func OpenBundleFile(ctx context.Context, path, name string, progress func(Progress)) (*BundleEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	total := int64(-1)
	if st, err := f.Stat(); err == nil {
		total = st.Size()
	}
	sr := &scanReader{ctx: ctx, r: f, total: total, progress: progress}
	r, size, err := findEntry(bufio.NewReaderSize(sr, 256<<10), name)
	if err != nil {
		f.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s in %s: %w", name, path, err)
	}
	sr.progress = nil // found: what follows is the file itself
	return &BundleEntry{Reader: r, Size: size, close: f.Close}, nil
}

// findEntry walks the gzip tarball in r to name; a name with NestSep
// descends into the nested bundle.
func findEntry(r io.Reader, name string) (io.Reader, int64, error) {
	outer, inner, nested := strings.Cut(name, NestSep)
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, 0, fmt.Errorf("%w (%v)", ErrNotGzip, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, 0, errors.New("no such file in the bundle")
		}
		if err != nil {
			return nil, 0, fmt.Errorf("damaged tarball: %v", err)
		}
		if h.Name != outer || h.Typeflag != tar.TypeReg {
			continue
		}
		if nested {
			return findEntry(tr, inner)
		}
		return tr, h.Size, nil
	}
}

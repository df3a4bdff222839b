package bosh

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
)

// DownloadBundle downloads the blob id (a logs bundle) to path. The bytes
// go to a hidden ".part" file beside path, with the disk writeback started
// as they arrive; the file is synced, its start checked to be a gzip
// tarball, and only then renamed to path. A failed or cancelled download
// leaves nothing behind. It returns the bytes written and their sha256.
func (c *Client) DownloadBundle(ctx context.Context, id, path string, progress func(Progress)) (int64, string, error) {
	op := "download logs bundle " + id
	dir := filepath.Dir(path)
	part, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.part")
	if err != nil {
		return 0, "", &Error{Kind: KindConfig, Op: op, Err: err, Description: "cannot write in " + dir + ": " + oneLine(err.Error())}
	}
	keep := false
	defer func() {
		if !keep {
			part.Close()
			os.Remove(part.Name())
		}
	}()
	n, sum, err := c.savePart(ctx, part, id, path, heldPart{h: sha256.New()}, progress)
	keep = err == nil
	return n, sum, err
}

// heldPart is what a .part file already holds when a download resumes:
// its size, the sha256 of those bytes and their first two (gzip's magic).
type heldPart struct {
	size int64
	h    hash.Hash
	head []byte
}

// savePart downloads the blob id into part from held.size on, syncs it,
// checks that it starts as a gzip tarball, closes it and renames it to
// path. On failure part is left open, for the caller to keep or remove. It
// returns the whole bundle's size and sha256.
func (c *Client) savePart(ctx context.Context, part *os.File, id, path string, held heldPart, progress func(Progress)) (int64, string, error) {
	op := "download logs bundle " + id
	if _, err := part.Seek(held.size, io.SeekStart); err != nil {
		return 0, "", &Error{Kind: KindConfig, Op: op, Err: err, Description: "cannot write the bundle: " + oneLine(err.Error())}
	}
	w := &gzipSniffer{w: &writebackFile{f: part, off: held.size, flush: held.size}, head: held.head}
	n, sum, err := c.downloadResource(ctx, id, w, held.size, held.h, progress)
	if err != nil {
		return 0, "", err
	}
	writeErr := func(err error) error {
		return &Error{Kind: KindConfig, Op: op, Err: err, Description: "writing the bundle failed: " + oneLine(err.Error())}
	}
	if err := part.Sync(); err != nil {
		return 0, "", writeErr(err)
	}
	if err := checkBundleStart(part); err != nil {
		return 0, "", &Error{Kind: KindBadResponse, Op: op, Err: err,
			Description: "the bundle the director sent is unusable: " + oneLine(err.Error())}
	}
	if err := part.Close(); err != nil {
		return 0, "", writeErr(err)
	}
	if err := os.Rename(part.Name(), path); err != nil {
		return 0, "", &Error{Kind: KindConfig, Op: op, Err: err, Description: "cannot move the bundle into place: " + oneLine(err.Error())}
	}
	return n, sum, nil
}

// checkBundleStart reads the gzip header and the first tar header of f:
// a quick check that the director sent a gzip tarball. The rest (the gzip
// checksum, every entry) is read when the bundle is listed.
func checkBundleStart(f *os.File) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 64<<10))
	if err != nil {
		return fmt.Errorf("%w (%v)", ErrNotGzip, err)
	}
	if _, err := tar.NewReader(zr).Next(); err != nil && err != io.EOF {
		return fmt.Errorf("not a tarball inside the gzip stream: %v", err)
	}
	return nil
}

// gzipSniffer passes writes on and fails as soon as the first two bytes
// are not gzip's magic number, so a wrong resource is not downloaded in
// full.
type gzipSniffer struct {
	w    interface{ Write([]byte) (int, error) }
	head []byte
}

func (g *gzipSniffer) Write(p []byte) (int, error) {
	if len(g.head) < 2 {
		need := min(2-len(g.head), len(p))
		g.head = append(g.head, p[:need]...)
		if len(g.head) >= 1 && g.head[0] != 0x1f || len(g.head) == 2 && g.head[1] != 0x8b {
			return 0, fmt.Errorf("%w: it starts with %q", ErrNotGzip, g.head)
		}
	}
	return g.w.Write(p)
}

package bosh

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
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
	n, sum, err := c.DownloadResource(ctx, id, &gzipSniffer{w: &writebackFile{f: part}}, progress)
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
	keep = true
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

package bosh

import (
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// follower lets the bundle be verified while it downloads: the writer
// side counts what reached the file, and a followReader reads the file up
// to there, waiting for more until the writer finishes. Verifying then
// costs max(download, scan) instead of their sum.
type follower struct {
	mu      sync.Mutex
	cond    *sync.Cond
	written int64
	ended   bool
	err     error // the writer's failure
}

func newFollower() *follower {
	fw := &follower{}
	fw.cond = sync.NewCond(&fw.mu)
	return fw
}

// writer passes writes on to w and tells the readers.
func (fw *follower) writer(w io.Writer) io.Writer { return followWriter{w: w, fw: fw} }

type followWriter struct {
	w  io.Writer
	fw *follower
}

func (w followWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.fw.mu.Lock()
	w.fw.written += int64(n)
	w.fw.cond.Broadcast()
	w.fw.mu.Unlock()
	return n, err
}

// finish says the writer is done; with err, readers fail with it.
func (fw *follower) finish(err error) {
	fw.mu.Lock()
	fw.ended, fw.err = true, err
	fw.cond.Broadcast()
	fw.mu.Unlock()
}

// followReader reads f as the follower's writer fills it.
type followReader struct {
	f   *os.File
	fw  *follower
	off atomic.Int64
}

func (r *followReader) Read(p []byte) (int, error) {
	off := r.off.Load()
	r.fw.mu.Lock()
	for off >= r.fw.written && !r.fw.ended {
		r.fw.cond.Wait()
	}
	avail, ended, err := r.fw.written-off, r.fw.ended, r.fw.err
	r.fw.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if avail <= 0 && ended {
		return 0, io.EOF
	}
	n, rerr := r.f.ReadAt(p[:min(int64(len(p)), avail)], off)
	r.off.Add(int64(n))
	if rerr == io.EOF && n > 0 {
		rerr = nil
	}
	return n, rerr
}

// scanResult is the outcome of verifying a bundle.
type scanResult struct {
	files []BundleFile
	err   error
}

// followScan starts ScanBundle on the file at path as fw's writer fills
// it. It returns the reader (for progress) and where the result arrives.
func followScan(path string, fw *follower) (*followReader, <-chan scanResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	r := &followReader{f: f, fw: fw}
	out := make(chan scanResult, 1)
	go func() {
		defer f.Close()
		files, err := ScanBundle(r)
		out <- scanResult{files, err}
	}()
	return r, out, nil
}

// awaitScan waits for the verification, reporting its progress every
// 200 ms while it lags behind the finished download.
func awaitScan(r *followReader, out <-chan scanResult, total int64, report func(Progress)) scanResult {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case res := <-out:
			return res
		case <-tick.C:
			report(Progress{Done: r.off.Load(), Total: total})
		}
	}
}

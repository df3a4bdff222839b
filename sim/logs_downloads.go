package sim

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
)

// LogDownloads counts what GET /resources/:id served, for tests of
// resumed downloads.
type LogDownloads struct {
	Requests int   // downloads asked for
	Ranged   int   // of which with a Range header (a resumption)
	Bytes    int64 // blob bytes sent (bodies of 200 and 206), over all downloads
	// Each is every download in the order they were asked for; the bytes
	// of one still being sent keep growing in later snapshots.
	Each []Download
}

// Download is one GET /resources/:id.
type Download struct {
	Blob   string
	From   int64 // the Range start; -1 without a Range header
	Status int
	Bytes  int64 // blob bytes sent
}

// LogDownloads returns the download counters.
func (f *Foundation) LogDownloads() LogDownloads {
	ls := f.logs
	ls.mu.Lock()
	defer ls.mu.Unlock()
	d := ls.served
	d.Each = append([]Download(nil), d.Each...)
	return d
}

// ForgetLogBlob removes a blob from the blobstore, as the director's
// cleanup of log bundles does after some days: GET /resources/:id then
// answers 404. It reports whether the blob was there.
func (f *Foundation) ForgetLogBlob(id string) bool {
	ls := f.logs
	ls.mu.Lock()
	defer ls.mu.Unlock()
	_, ok := ls.blobs[id]
	delete(ls.blobs, id)
	return ok
}

// LogBlobs lists the blobstore ids the director serves.
func (f *Foundation) LogBlobs() []string {
	ls := f.logs
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ids := make([]string, 0, len(ls.blobs))
	for id := range ls.blobs {
		ids = append(ids, id)
	}
	return ids
}

// downloadHold stops downloads at a byte until the client goes away.
type downloadHold struct {
	at      int64
	reached chan struct{}
	once    sync.Once
}

// HoldDownloadsAt makes every later download send the blob's bytes up to
// byte n and then send nothing more until the client goes away (or
// ReleaseDownloads), as a stalled transfer does: a test can kill the
// client there. The channel is closed when a download first reaches n.
func (f *Foundation) HoldDownloadsAt(n int64) <-chan struct{} {
	h := &downloadHold{at: n, reached: make(chan struct{})}
	f.logs.mu.Lock()
	f.logs.hold = h
	f.logs.mu.Unlock()
	return h.reached
}

// ReleaseDownloads ends HoldDownloadsAt for later downloads.
func (f *Foundation) ReleaseDownloads() {
	f.logs.mu.Lock()
	f.logs.hold = nil
	f.logs.mu.Unlock()
}

// countDownload records one GET /resources/:id and returns the writer
// that counts its body bytes, and the hold in force.
func (ls *logStore) countDownload(w http.ResponseWriter, r *http.Request, id string) (*countingWriter, *downloadHold) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.served.Requests++
	d := Download{Blob: id, From: -1}
	if rng := r.Header.Get("Range"); rng != "" {
		ls.served.Ranged++
		d.From = rangeStart(rng)
	}
	ls.served.Each = append(ls.served.Each, d)
	return &countingWriter{ResponseWriter: w, ls: ls, i: len(ls.served.Each) - 1}, ls.hold
}

// rangeStart is N of "bytes=N-", -1 for any other form.
func rangeStart(h string) int64 {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok {
		return -1
	}
	first, _, ok := strings.Cut(spec, "-")
	n, err := strconv.ParseInt(first, 10, 64)
	if !ok || err != nil {
		return -1
	}
	return n
}

// countingWriter counts the blob bytes of one download into the store:
// the body of a 200 or 206, not an error's.
type countingWriter struct {
	http.ResponseWriter
	ls     *logStore
	i      int // in ls.served.Each
	status int
}

func (c *countingWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
		c.ls.mu.Lock()
		c.ls.served.Each[c.i].Status = code
		c.ls.mu.Unlock()
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	n, err := c.ResponseWriter.Write(p)
	if c.status == http.StatusOK || c.status == http.StatusPartialContent {
		c.ls.mu.Lock()
		c.ls.served.Bytes += int64(n)
		c.ls.served.Each[c.i].Bytes += int64(n)
		c.ls.mu.Unlock()
	}
	return n, err
}

func (c *countingWriter) Flush() {
	if fl, ok := c.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

// serveHeld answers a download under a hold when it starts before the
// hold's byte: the headers of the whole answer, the bytes up to the hold,
// then nothing until the client or the foundation goes away. It reports
// false when the hold does not apply.
func (ls *logStore) serveHeld(w http.ResponseWriter, r *http.Request, h *downloadHold, file *os.File, size int64) bool {
	start := int64(0)
	if rng := r.Header.Get("Range"); rng != "" {
		if start = rangeStart(rng); start < 0 {
			return false
		}
	}
	if h == nil || start >= h.at || start >= size {
		return false
	}
	w.Header().Set("Content-Length", strconv.FormatInt(size-start, 10))
	if start > 0 {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, size-1, size))
		w.WriteHeader(http.StatusPartialContent)
	} else {
		w.WriteHeader(http.StatusOK)
	}
	if _, err := io.Copy(w, io.NewSectionReader(file, start, min(h.at, size)-start)); err != nil {
		return true
	}
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	h.once.Do(func() { close(h.reached) })
	select {
	case <-r.Context().Done():
	case <-ls.f.closing:
	}
	return true
}

package bosh

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// downloadAttempts is how often a download is tried: after a dropped
// connection the next attempt resumes where the last one stopped.
const downloadAttempts = 4

// copyBuffer is the size of the reads from the connection: a few TLS
// records, so memory stays constant however large the bundle is.
const copyBuffer = 256 << 10

// Progress of a download: bytes written so far and the resource's size
// (-1 when the director does not say).
type Progress struct {
	Done, Total int64
}

// writeError marks a failure of the destination (disk full), which no
// retry can help.
type writeError struct{ err error }

func (e writeError) Error() string { return e.err.Error() }
func (e writeError) Unwrap() error { return e.err }

// statusError is a director answer other than 200/206 to a download.
type statusError struct{ err error }

func (e statusError) Error() string { return e.err.Error() }
func (e statusError) Unwrap() error { return e.err }

// DownloadResource streams GET /resources/:id into w with constant memory
// and returns the bytes written and their sha256 (hex), computed while
// streaming. A connection dropped mid-stream is resumed with a Range
// request (or, when the director ignores Range, by skipping what was
// already written) up to 4 attempts in all. A failing w ends the
// download at once. progress, if set, is called after each write.
func (c *Client) DownloadResource(ctx context.Context, id string, w io.Writer, progress func(Progress)) (int64, string, error) {
	return c.downloadResource(ctx, id, w, 0, sha256.New(), progress)
}

// errRangeMismatch is a resumption the director cannot serve: the bytes
// already held are more than the blob has.
var errRangeMismatch = errors.New("the partial download is larger than the director's blob")

// downloadResource downloads the resource from byte start on (the bytes
// before it are already held, and already in h) into w, and returns the
// size of the whole resource and the sha256 of all of it.
func (c *Client) downloadResource(ctx context.Context, id string, w io.Writer, start int64, h hash.Hash, progress func(Progress)) (int64, string, error) {
	op := "download resource " + id
	if id == "" {
		return 0, "", &Error{Kind: KindConfig, Op: op, Description: "no blobstore id"}
	}
	s, err := c.session(ctx, op)
	if err != nil {
		return 0, "", err
	}
	d := newDownload(w, h, progress)
	d.done = start
	defer d.stop()
	for attempt := 1; ; attempt++ {
		err := d.once(ctx, s, id)
		if err == nil {
			err = d.flush()
		}
		if err == nil {
			return d.done, hex.EncodeToString(d.h.Sum(nil)), nil
		}
		var we writeError
		var se statusError
		switch {
		case errors.As(err, &we) && errors.Is(we.err, ErrNotGzip):
			return d.done, "", &Error{Kind: KindBadResponse, Op: op, URL: c.target.URL, Err: err,
				Description: "the director sent something that is " + oneLine(we.err.Error())}
		case errors.As(err, &we):
			return d.written(), "", &Error{Kind: KindConfig, Op: op, URL: c.target.URL, Err: err,
				Description: fmt.Sprintf("writing the bundle failed after %s: %v", ByteCount(d.written()), we.err)}
		case ctx.Err() != nil:
			return d.done, "", classify(op, c.target.URL, ctx.Err())
		case errors.Is(err, errRangeMismatch):
			return d.done, "", &Error{Kind: KindBadResponse, Op: op, URL: c.target.URL, Err: err, Description: oneLine(err.Error())}
		case errors.As(err, &se):
			return d.done, "", classify(op, c.target.URL, se.err)
		case attempt >= downloadAttempts:
			return d.done, "", &Error{Kind: KindUnreachable, Op: op, URL: c.target.URL, Err: err,
				Description: fmt.Sprintf("download broke off after %s of %s, %d attempts: %s", ByteCount(d.done), ByteCount(d.total), attempt, networkReason(err.Error(), strings.ToLower(err.Error())))}
		}
		select {
		case <-time.After(c.retryDelay):
		case <-ctx.Done():
			return d.done, "", classify(op, c.target.URL, ctx.Err())
		}
	}
}

// download is the state of one resource download across attempts. Three
// goroutines share the work: the caller's reads the connection (TLS), a
// second writes, a third hashes, so on a machine with cores to spare the
// sha256 costs no time. pipeDepth buffers bound memory.
type download struct {
	w        io.Writer
	h        hash.Hash
	done     int64 // bytes read from the director and handed to the writer
	total    int64
	progress func(Progress)

	free    chan []byte // empty buffers
	full    chan []byte // read, to write
	hashq   chan []byte // written, to hash
	sunk    chan error  // the writer's result, after full is closed and all is hashed
	werr    chan error  // the writer's first failure, at once
	n       atomic.Int64
	flushed sync.Once
}

const pipeDepth = 8

func newDownload(w io.Writer, h hash.Hash, progress func(Progress)) *download {
	d := &download{w: w, h: h, total: -1, progress: progress,
		free: make(chan []byte, pipeDepth), full: make(chan []byte, pipeDepth), hashq: make(chan []byte, pipeDepth),
		sunk: make(chan error, 1), werr: make(chan error, 1)}
	for range pipeDepth {
		d.free <- make([]byte, copyBuffer)
	}
	hashed := make(chan struct{})
	go d.write(hashed)
	go d.hash(hashed)
	return d
}

// write writes what was read and passes it on to be hashed; after a
// failure it only hands buffers back.
func (d *download) write(hashed <-chan struct{}) {
	var failed error
	for b := range d.full {
		if failed == nil {
			if _, err := d.w.Write(b); err != nil {
				failed = writeError{err}
				d.werr <- failed
			} else {
				d.n.Add(int64(len(b)))
				d.hashq <- b
				continue
			}
		}
		d.free <- b[:cap(b)]
	}
	close(d.hashq)
	<-hashed
	d.sunk <- failed
}

// hash adds what was written to the sha256, in order.
func (d *download) hash(hashed chan<- struct{}) {
	for b := range d.hashq {
		d.h.Write(b)
		d.free <- b[:cap(b)]
	}
	close(hashed)
}

// flush waits until everything read is written and hashed.
func (d *download) flush() error {
	var err error
	d.flushed.Do(func() {
		close(d.full)
		err = <-d.sunk
	})
	return err
}

func (d *download) stop() { d.flush() }

// written is how many bytes reached the destination.
func (d *download) written() int64 { return d.n.Load() }

// once makes one attempt, from d.done on.
func (d *download) once(ctx context.Context, s *session, id string) error {
	resp, err := s.wire.httpClient(ctx).GetCustomized(s.wire.endpoint+"/resources/"+url.PathEscape(id), func(req *http.Request) {
		if d.done > 0 {
			req.Header.Set("Range", fmt.Sprintf("bytes=%d-", d.done))
		}
	})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	skip := int64(0)
	switch resp.StatusCode {
	case http.StatusOK:
		skip = d.done // the director sent it all again
		if resp.ContentLength >= 0 {
			d.total = resp.ContentLength
		}
	case http.StatusPartialContent:
		start, size, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != d.done {
			return statusError{fmt.Errorf("director answered a resume from byte %d with Content-Range %q", d.done, resp.Header.Get("Content-Range"))}
		}
		d.total = size
	case http.StatusRequestedRangeNotSatisfiable:
		// Asked from byte d.done: "bytes */SIZE". All of it is here when
		// SIZE is d.done.
		size, err := strconv.ParseInt(strings.TrimPrefix(resp.Header.Get("Content-Range"), "bytes */"), 10, 64)
		if err == nil && size == d.done {
			d.total = size
			return nil
		}
		if err == nil && size < d.done {
			return fmt.Errorf("%w (%s held, the blob has %s)", errRangeMismatch, ByteCount(d.done), ByteCount(size))
		}
		return statusError{fmt.Errorf("director answered a resume from byte %d with 416 and Content-Range %q", d.done, resp.Header.Get("Content-Range"))}
	default:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		//lint:ignore ST1005 the bosh CLI's own wording, which operators search for
		return statusError{fmt.Errorf("Director responded with non-successful status code '%d' response '%s'", resp.StatusCode, body)}
	}
	if skip > 0 {
		if n, err := io.CopyN(io.Discard, resp.Body, skip); err != nil {
			return fmt.Errorf("skipping the %s already written: got %s: %w", ByteCount(skip), ByteCount(n), err)
		}
	}
	for {
		var buf []byte
		select {
		case buf = <-d.free:
		case err := <-d.werr:
			return err
		}
		n, rerr := fill(resp.Body, buf)
		if n > 0 {
			d.full <- buf[:n]
			d.done += int64(n)
			if d.progress != nil {
				d.progress(Progress{Done: d.done, Total: d.total})
			}
		} else {
			d.free <- buf
		}
		if rerr == io.EOF {
			if d.total >= 0 && d.done < d.total {
				return io.ErrUnexpectedEOF
			}
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

// parseContentRange reads "bytes START-END/SIZE".
func parseContentRange(h string) (start, size int64, ok bool) {
	spec, found := strings.CutPrefix(h, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, total, found := strings.Cut(spec, "/")
	if !found {
		return 0, 0, false
	}
	first, _, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(first, 10, 64)
	size, err2 := strconv.ParseInt(total, 10, 64)
	if err2 != nil {
		size = -1
	}
	return start, size, err1 == nil
}

// ByteCount renders a size for people, in powers of 1024: "512 B",
// "3.2 MiB"; a negative size is "unknown size".
func ByteCount(n int64) string {
	if n < 0 {
		return "unknown size"
	}
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// fill reads into buf until it is full or r fails; the error is r's own.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

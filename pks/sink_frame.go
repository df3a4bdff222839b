package pks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// FrameError is a frame the receiver could not take as it came. The
// connection goes on with the next frame.
type FrameError struct {
	Kind   string // one of the Frame* constants, or Conn* for a connection
	Detail string
	Raw    []byte // the start of what was skipped (at most rawExcerpt bytes)
}

// Kinds of FrameError.
const (
	FrameBadCount  = "bad-octet-count" // the length prefix is not a number
	FrameOversized = "oversized"       // longer than the receiver's limit; skipped
	FrameTruncated = "truncated"       // the connection ended inside the frame
	FrameNotSyslog = "not-syslog"      // neither an octet count nor "<PRI>"
	FrameBadSyslog = "bad-rfc5424"     // framed, but not an RFC 5424 message
	FrameRecounted = "wrong-count"     // the octet count did not match; the frame was recovered
)

// Kinds of FrameError for a connection the receiver refused or closed,
// rather than a frame it read: Rejection.Err names them too.
const (
	ConnSourceLimit = "source-limit" // over ReceiverConfig.MaxConnsPerSource; reset at once
	ConnEvicted     = "evicted"      // closed at ReceiverConfig.MaxConns: the longest without a complete frame
)

func (e *FrameError) Error() string { return e.Kind + ": " + e.Detail }

// rawExcerpt bounds how much of a bad frame is kept for the operator.
const rawExcerpt = 512

func excerpt(b []byte) []byte {
	if len(b) > rawExcerpt {
		b = b[:rawExcerpt]
	}
	return bytes.Clone(b)
}

// maxCountDigits bounds the octet count prefix: 9 digits is far beyond
// any frame limit.
const maxCountDigits = 9

// framer splits a TCP stream into syslog frames: octet-counted ones
// ("LEN SP MSG", RFC 6587 3.4.1, as PKS sends them) and newline-terminated
// ones ("<PRI>...\n", RFC 6587 3.4.2, from other senders), in any mix. It
// owns one buffer of the frame limit; frames it returns are valid until
// the next call.
type framer struct {
	src  io.Reader
	buf  []byte
	r, w int
	max  int
	err  error // sticky read error
}

func newFramer(src io.Reader, maxFrame int) *framer {
	return &framer{src: src, buf: make([]byte, maxFrame+maxCountDigits+1), max: maxFrame}
}

// fill reads more bytes, moving unread ones to the front when the buffer
// end is reached. It returns false when no byte could be added.
func (f *framer) fill() bool {
	if f.err != nil {
		return false
	}
	if f.r > 0 && (f.w == len(f.buf) || f.r == f.w) {
		copy(f.buf, f.buf[f.r:f.w])
		f.w -= f.r
		f.r = 0
	}
	if f.w == len(f.buf) {
		return false
	}
	n, err := f.src.Read(f.buf[f.w:])
	f.w += n
	if err != nil {
		f.err = err
	}
	return n > 0 || err == nil
}

// ensure makes n unread bytes available, or as many as the stream has.
func (f *framer) ensure(n int) bool {
	for f.w-f.r < n {
		if !f.fill() {
			return false
		}
	}
	return true
}

// end is the error that ends the stream: io.EOF for a clean close.
func (f *framer) end() error {
	if f.err == nil {
		return io.EOF
	}
	return f.err
}

// next returns the next frame. A non-nil *FrameError means the frame was
// bad (skipped) or recovered from a wrong count (frame non-nil); err ends
// the stream (io.EOF when the peer closed cleanly).
func (f *framer) next() (frame []byte, ferr *FrameError, err error) {
	// Blank lines between frames are not frames.
	for {
		for f.r < f.w && (f.buf[f.r] == '\n' || f.buf[f.r] == '\r' || f.buf[f.r] == ' ') {
			f.r++
		}
		if f.r < f.w {
			break
		}
		if !f.fill() {
			return nil, nil, f.end()
		}
	}
	switch c := f.buf[f.r]; {
	case c >= '0' && c <= '9':
		return f.counted()
	case c == '<':
		return f.lineFrame()
	default:
		raw := f.skipLine()
		return nil, &FrameError{Kind: FrameNotSyslog, Detail: fmt.Sprintf("frame starts with %q, not an octet count or <PRI>", c), Raw: raw}, nil
	}
}

// counted reads an octet-counted frame.
func (f *framer) counted() ([]byte, *FrameError, error) {
	digits := 0
	for {
		if f.r+digits >= f.w && !f.fill() {
			raw := excerpt(f.buf[f.r:f.w])
			f.r = f.w
			return nil, &FrameError{Kind: FrameTruncated, Detail: "connection closed inside the octet count", Raw: raw}, nil
		}
		c := f.buf[f.r+digits]
		if c == ' ' && digits > 0 {
			break
		}
		if c < '0' || c > '9' || digits == maxCountDigits {
			raw := f.skipLine()
			return nil, &FrameError{Kind: FrameBadCount, Detail: "octet count is not a number followed by a space", Raw: raw}, nil
		}
		digits++
	}
	n, _ := strconv.Atoi(string(f.buf[f.r : f.r+digits]))
	if n == 0 {
		f.r += digits + 1
		return nil, &FrameError{Kind: FrameBadCount, Detail: "octet count 0"}, nil
	}
	if n > f.max {
		f.r += digits + 1
		raw := f.discard(n)
		return nil, &FrameError{Kind: FrameOversized, Detail: fmt.Sprintf("frame of %d bytes is over the %d byte limit; skipped", n, f.max), Raw: raw}, nil
	}
	start := f.r + digits + 1
	if !f.ensure(digits + 1 + n) {
		raw := excerpt(f.buf[start:f.w])
		got := f.w - start
		f.r = f.w
		return nil, &FrameError{Kind: FrameTruncated, Detail: fmt.Sprintf("connection closed after %d of %d bytes", got, n), Raw: raw}, nil
	}
	start = f.r + digits + 1 // ensure may have moved the bytes
	frame := f.buf[start : start+n]
	// A count too long swallows the start of the next frame: split there.
	if i := nextFrameInside(frame); i > 0 {
		f.r = start + i
		return frame[:i], &FrameError{Kind: FrameRecounted, Detail: fmt.Sprintf("octet count %d, frame was %d bytes", n, i)}, nil
	}
	f.r = start + n
	// A count too short leaves the frame's tail in front of the next one:
	// take it up to the end of its line. Only bytes already here are
	// looked at, so a correct frame never waits for the next.
	if frame[n-1] != '\n' && f.r < f.w && !mayStartFrame(f.buf[f.r:f.w]) {
		if i := bytes.IndexByte(f.buf[f.r:f.w], '\n'); i >= 0 && start+n+i+1-start <= f.max {
			f.r += i + 1
			return f.buf[start:f.r], &FrameError{Kind: FrameRecounted, Detail: fmt.Sprintf("octet count %d, frame was %d bytes", n, f.r-start)}, nil
		}
	}
	return frame, nil, nil
}

// lineFrame reads a newline-terminated frame.
func (f *framer) lineFrame() ([]byte, *FrameError, error) {
	scanned := 0
	for {
		if i := bytes.IndexByte(f.buf[f.r+scanned:f.w], '\n'); i >= 0 {
			end := f.r + scanned + i + 1
			frame := f.buf[f.r:end]
			f.r = end
			return frame, nil, nil
		}
		scanned = f.w - f.r
		if scanned > f.max {
			raw := f.skipLine()
			return nil, &FrameError{Kind: FrameOversized, Detail: fmt.Sprintf("line longer than the %d byte limit; skipped", f.max), Raw: raw}, nil
		}
		if !f.fill() {
			if f.r == f.w {
				return nil, nil, f.end()
			}
			// The last line of a stream may lack its newline.
			frame := f.buf[f.r:f.w]
			f.r = f.w
			if errors.Is(f.end(), io.EOF) {
				return frame, nil, nil
			}
			return nil, &FrameError{Kind: FrameTruncated, Detail: "connection failed inside a line", Raw: excerpt(frame)}, nil
		}
	}
}

// skipLine drops bytes through the next newline and returns the start of
// what it dropped.
func (f *framer) skipLine() []byte {
	var raw []byte
	for {
		chunk := f.buf[f.r:f.w]
		i := bytes.IndexByte(chunk, '\n')
		if i >= 0 {
			chunk = chunk[:i+1]
		}
		if len(raw) < rawExcerpt {
			raw = append(raw, chunk[:min(len(chunk), rawExcerpt-len(raw))]...)
		}
		f.r += len(chunk)
		if i >= 0 || !f.fill() {
			return raw
		}
	}
}

// discard drops n bytes (or what is left of the stream).
func (f *framer) discard(n int) []byte {
	var raw []byte
	for n > 0 {
		if f.r == f.w && !f.fill() {
			return raw
		}
		k := min(n, f.w-f.r)
		if len(raw) < rawExcerpt {
			raw = append(raw, f.buf[f.r:f.r+min(k, rawExcerpt-len(raw))]...)
		}
		f.r += k
		n -= k
	}
	return raw
}

// nextFrameInside finds, inside a frame read by its count, a newline
// followed by the start of another syslog frame, and returns the length up
// to and including that newline; 0 when there is none.
func nextFrameInside(frame []byte) int {
	for off := 0; ; {
		i := bytes.IndexByte(frame[off:len(frame)-1], '\n')
		if i < 0 {
			return 0
		}
		at := off + i + 1
		if looksLikeFrameStart(frame[at:]) {
			return at
		}
		off = at
	}
}

// looksLikeFrameStart says whether b begins "LEN <PRI>" or "<PRI>VERSION".
func looksLikeFrameStart(b []byte) bool {
	i := 0
	for i < len(b) && i < maxCountDigits && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i > 0 {
		if i+2 >= len(b) || b[i] != ' ' {
			return false
		}
		b = b[i+1:]
	}
	return len(b) >= 3 && b[0] == '<' && b[1] >= '0' && b[1] <= '9'
}

// mayStartFrame says whether the bytes at hand could be the beginning of a
// frame: a prefix of "LEN SP <PRI>" or of "<PRI>", or a blank line.
func mayStartFrame(b []byte) bool {
	switch {
	case len(b) == 0 || b[0] == '\n' || b[0] == '\r':
		return true
	case b[0] == '<':
		return len(b) == 1 || b[1] >= '0' && b[1] <= '9'
	}
	i := 0
	for i < len(b) && i < maxCountDigits && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	switch {
	case i == 0:
		return false
	case i == len(b):
		return true
	case b[i] != ' ':
		return false
	case i+1 == len(b):
		return true
	}
	return b[i+1] == '<'
}

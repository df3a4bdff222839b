package tui

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"sync"
	"time"

	"bosun/bosh"
)

// spoolEvery is how many lines lie between two remembered line offsets:
// a 200 MB log of 2 million lines keeps 16,000 offsets, and any line is
// found by reading at most this many lines.
const spoolEvery = 128

// maxLineShown caps how much of one line is read for the screen or a
// search, so a log with a huge line cannot blow memory up.
const maxLineShown = 64 << 10

// spool is one file of a bundle, copied as it is decompressed into an
// unlinked temporary file with a sparse index of line offsets, so the
// viewer can jump anywhere in a file of hundreds of MB while holding only
// the lines on screen. Lines are readable as soon as they arrive.
type spool struct {
	f       *os.File
	changed chan struct{} // a value is waiting when something arrived

	mu    sync.Mutex
	size  int64
	lines int     // complete lines
	marks []int64 // offset of line i*spoolEvery
	done  bool
	err   error
	seek  bosh.Progress // how much of the bundle was read to find the file
}

// openSpool starts copying name from the bundle at path. The copy runs
// until the file ends or ctx ends.
func openSpool(ctx context.Context, path, name string) (*spool, error) {
	f, err := os.CreateTemp("", "bosun-view-*")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name()) // unlinked: gone with the last descriptor, even after a crash
	sp := &spool{f: f, changed: make(chan struct{}, 1), marks: []int64{0}}
	go sp.fill(ctx, path, name)
	return sp, nil
}

func (sp *spool) fill(ctx context.Context, path, name string) {
	var lastSeek time.Time
	entry, err := bosh.OpenBundleFile(ctx, path, name, func(p bosh.Progress) {
		sp.mu.Lock()
		sp.seek = p
		sp.mu.Unlock()
		if now := time.Now(); now.Sub(lastSeek) > 100*time.Millisecond {
			lastSeek = now
			sp.note()
		}
	})
	if err != nil {
		sp.finish(err)
		return
	}
	defer entry.Close()
	buf := make([]byte, 256<<10)
	var off int64
	lines := 0
	var marks []int64
	lastNote := time.Time{}
	for {
		if err := ctx.Err(); err != nil {
			sp.finish(err)
			return
		}
		n, rerr := entry.Read(buf)
		if n > 0 {
			if _, err := sp.f.WriteAt(buf[:n], off); err != nil {
				sp.finish(err)
				return
			}
			chunk := buf[:n]
			base := off
			for {
				i := bytes.IndexByte(chunk, '\n')
				if i < 0 {
					break
				}
				lines++
				if lines%spoolEvery == 0 {
					marks = append(marks, base+int64(i)+1)
				}
				base += int64(i) + 1
				chunk = chunk[i+1:]
			}
			off += int64(n)
			sp.mu.Lock()
			sp.size, sp.lines = off, lines
			sp.marks = append(sp.marks, marks...)
			sp.mu.Unlock()
			marks = marks[:0]
			// The first lines go out at once; then at most ten notes a second.
			if now := time.Now(); lastNote.IsZero() || now.Sub(lastNote) > 100*time.Millisecond {
				lastNote = now
				sp.note()
			}
		}
		if rerr == io.EOF {
			sp.finish(nil)
			return
		}
		if rerr != nil {
			sp.finish(rerr)
			return
		}
	}
}

func (sp *spool) finish(err error) {
	sp.mu.Lock()
	sp.done, sp.err = true, err
	if err == nil && sp.size > 0 {
		// A last line without a newline still counts.
		last := make([]byte, 1)
		if _, rerr := sp.f.ReadAt(last, sp.size-1); rerr == nil && last[0] != '\n' {
			sp.lines++
		}
	}
	sp.mu.Unlock()
	sp.note()
}

func (sp *spool) note() {
	select {
	case sp.changed <- struct{}{}:
	default:
	}
}

// seeking is how much of the bundle was read to find the file.
func (sp *spool) seeking() bosh.Progress {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.seek
}

// state is how far the copy has got.
func (sp *spool) state() (lines int, size int64, done bool, err error) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.lines, sp.size, sp.done, sp.err
}

// reader reads lines from line onward.
func (sp *spool) reader(line int) (*bufio.Reader, int, int) {
	sp.mu.Lock()
	lines, size := sp.lines, sp.size
	m := min(line/spoolEvery, len(sp.marks)-1)
	off := sp.marks[m]
	sp.mu.Unlock()
	r := bufio.NewReaderSize(io.NewSectionReader(sp.f, off, size-off), 64<<10)
	return r, m * spoolEvery, lines
}

// readLine reads one line, keeping at most maxLineShown bytes of it.
func readLine(r *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(out) < maxLineShown {
			out = append(out, chunk[:min(len(chunk), maxLineShown-len(out))]...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(out) > 0 {
			err = nil
		}
		return bytes.TrimRight(out, "\r\n"), err
	}
}

// Lines returns up to n lines from line from.
func (sp *spool) Lines(from, n int) []string {
	if from < 0 {
		from = 0
	}
	r, at, total := sp.reader(from)
	var out []string
	for at < total && len(out) < n {
		b, err := readLine(r)
		if err != nil {
			break
		}
		if at >= from {
			out = append(out, string(b))
		}
		at++
	}
	return out
}

// Find looks for the first line after from (forward) or before from
// (backward) that contains pattern, reading the spool a block at a time.
// match reports whether a line matches.
func (sp *spool) Find(ctx context.Context, from int, forward bool, match func([]byte) bool) (int, bool) {
	if forward {
		r, at, total := sp.reader(from + 1)
		for ; at < total; at++ {
			if at%4096 == 0 && ctx.Err() != nil {
				return 0, false
			}
			b, err := readLine(r)
			if err != nil {
				return 0, false
			}
			if at > from && match(b) {
				return at, true
			}
		}
		return 0, false
	}
	for block := (from - 1) / spoolEvery; block >= 0 && from > 0; block-- {
		if ctx.Err() != nil {
			return 0, false
		}
		r, at, _ := sp.reader(block * spoolEvery)
		found := -1
		for ; at < min(from, (block+1)*spoolEvery); at++ {
			b, err := readLine(r)
			if err != nil {
				break
			}
			if match(b) {
				found = at
			}
		}
		if found >= 0 {
			return found, true
		}
	}
	return 0, false
}

func (sp *spool) Close() { sp.f.Close() }

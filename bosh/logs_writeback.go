package bosh

import "os"

// writebackChunk is how much of a bundle is written before the kernel is
// asked to start putting it on disk.
const writebackChunk = 8 << 20

// writebackFile writes to f and has the kernel start writing every
// writebackChunk to disk as soon as it is written, without waiting for it.
// The fsync that ends a download then finds little left to do, instead of
// the whole bundle, and dirty pages do not pile up on a jump host with
// little memory while hundreds of MB arrive.
type writebackFile struct {
	f          *os.File
	off, flush int64
}

func (w *writebackFile) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.off += int64(n)
	if w.off-w.flush >= writebackChunk {
		startWriteback(w.f, w.flush, w.off-w.flush)
		w.flush = w.off
	}
	return n, err
}

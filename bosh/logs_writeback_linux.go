package bosh

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback starts writing n bytes of f from off to disk and returns
// at once (sync_file_range with SYNC_FILE_RANGE_WRITE only). It is a hint:
// a filesystem that refuses it loses nothing, the final fsync still runs.
func startWriteback(f *os.File, off, n int64) {
	_ = unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}

//go:build linux || darwin || freebsd || netbsd || openbsd

package bosh

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// lockPart takes an exclusive lock on an open .part file without waiting:
// false when another process holds it (a bosun downloading into it). The
// lock ends with the file's close or the process, however it ends.
func lockPart(f *os.File) (bool, error) {
	err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package bosh

import "os"

// lockPart cannot lock here: two bosun processes fetching the same logs
// into one directory at once are not told apart.
func lockPart(*os.File) (bool, error) { return true, nil }

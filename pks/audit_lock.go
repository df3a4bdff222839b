package pks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"time"

	"bosun/bosh"
)

// The roll's lock is a directory on the cluster's first master; a file in
// it says who holds it, so that a lock left by a killed bosun can be told
// from one held by a bosun that still runs.

const lockHolderFile = lockPath + "/holder"

// LockHolder is who took a roll's lock, and when.
type LockHolder struct {
	User string    `json:"user"`
	Host string    `json:"host"`
	PID  int       `json:"pid"`
	At   time.Time `json:"at"`
}

func (h LockHolder) String() string {
	if h.Host == "" {
		return "an unknown holder"
	}
	return fmt.Sprintf("bosun pid %d of %s on %s since %s", h.PID, h.User, h.Host, h.At.UTC().Format(time.RFC3339))
}

// line is the holder file's text.
func (h LockHolder) line() string {
	return fmt.Sprintf("user=%s host=%s pid=%d at=%s\n", h.User, h.Host, h.PID, h.At.UTC().Format(time.RFC3339))
}

func parseHolder(b []byte) LockHolder {
	var h LockHolder
	for _, f := range strings.Fields(string(b)) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "user":
			h.User = v
		case "host":
			h.Host = v
		case "pid":
			h.PID, _ = strconv.Atoi(v)
		case "at":
			h.At, _ = time.Parse(time.RFC3339, v)
		}
	}
	return h
}

// thisProcess is the holder a roll of this process writes.
func thisProcess() LockHolder {
	h := LockHolder{PID: os.Getpid(), At: time.Now()}
	h.Host, _ = os.Hostname()
	if u, err := user.Current(); err == nil {
		h.User = u.Username
	}
	return h
}

// stale says whether the holder was a bosun process of this machine that
// no longer runs: its lock is left over from a kill and can be taken.
func (h LockHolder) stale() bool {
	me, _ := os.Hostname()
	if h.Host == "" || h.Host != me || h.PID <= 0 || h.PID == os.Getpid() {
		return false
	}
	return errors.Is(syscall.Kill(h.PID, 0), syscall.ESRCH)
}

// readLock is who holds the lock on m; nil when it is free.
func (m master) readLock(ctx context.Context) (*LockHolder, error) {
	b, err := m.read(ctx, lockHolderFile)
	switch {
	case err == nil:
		h := parseHolder(b)
		return &h, nil
	case !errors.Is(err, errNotFound):
		return nil, err
	}
	// No holder file: the lock is free, or was taken by a bosun killed
	// before it wrote one (or one of an older version).
	_, code, err := m.run(ctx, m.layout.sudo("test -d "+m.path(lockPath)), nil)
	if err != nil && code == 1 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &LockHolder{}, nil
}

// ReadLock is who holds the audit roll's lock on the cluster's first
// master (the host a roll locks), nil when nobody does.
func ReadLock(ctx context.Context, r Runner, first bosh.SSHHost, layout MasterLayout) (*LockHolder, error) {
	return master{r: r, h: first, layout: layout}.readLock(ctx)
}

// UnlockCommand is the command that clears a lock left behind, by hand.
func UnlockCommand(dep, instance string) string {
	return fmt.Sprintf("bosh -d %s ssh %s -c 'sudo rm -rf %s'", dep, instance, lockPath)
}

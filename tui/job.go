package tui

import (
	"context"
	"time"
)

// job tracks one kind of background fetch of a screen (its cheap listing or
// its details sweep). Every start bumps the generation; results stamped with
// an older generation are dropped, so a slow answer never overwrites a newer
// one, and a tick never starts a second fetch while one is in flight.
type job struct {
	label  string // "refreshing", "fetching details"
	gen    int
	busy   bool
	ctx    context.Context // of the run in flight
	cancel context.CancelFunc

	done, total int
	owed        map[string]bool // deployments claimed in the store, not yet answered

	fails  int       // consecutive failures, for back-off
	err    error     // last failure of the current or last run
	lastOK time.Time // when a run last finished without failure
}

// start begins a new generation and returns its context. Any run in flight
// is cancelled first.
func (j *job) start(total int) (context.Context, int) {
	j.stop()
	ctx, cancel := context.WithCancel(context.Background())
	j.gen++
	j.busy, j.ctx, j.cancel = true, ctx, cancel
	j.done, j.total = 0, total
	j.err = nil
	return ctx, j.gen
}

// current says whether a result of generation gen belongs to the run in
// flight.
func (j *job) current(gen int) bool { return j.busy && gen == j.gen }

// finish ends the run in flight.
func (j *job) finish(now time.Time) {
	if j.cancel != nil {
		j.cancel()
	}
	j.cancel, j.busy = nil, false
	if j.err != nil {
		j.fails++
		return
	}
	j.fails = 0
	j.lastOK = now
}

// stop cancels the run in flight without judging it; it returns the
// deployments the run still owed so the caller can release them.
func (j *job) stop() []string {
	if j.cancel != nil {
		j.cancel()
	}
	j.cancel, j.busy = nil, false
	var owed []string
	for d := range j.owed {
		owed = append(owed, d)
	}
	j.owed = nil
	return owed
}

// progress is the footer text for a run in flight, "fetching details 12/50".
func (j *job) progress() string {
	if !j.busy {
		return ""
	}
	if j.total > 1 {
		return j.label + " " + count(j.done) + "/" + count(j.total)
	}
	return j.label
}

// backoff stretches the refresh interval after failures: ×2, ×4, ×8 at most.
func (j *job) backoff(every time.Duration) time.Duration {
	return every << min(j.fails, 3)
}

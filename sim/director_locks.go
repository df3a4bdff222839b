package sim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Lock timing as the director's Lock class has it: a lock expires 241 s
// after its last renewal and is renewed every 120 s while held.
const (
	lockExpiration = 241 * time.Second
	lockRenewEvery = 120 * time.Second
	lockPoll       = 500 * time.Millisecond
)

type lockRecord struct {
	name     string
	uid      string
	taskID   int
	acquired time.Time
}

// expiresAt is the expiry after the latest renewal before now.
func (l *lockRecord) expiresAt(now time.Time) time.Time {
	renewals := now.Sub(l.acquired) / lockRenewEvery
	if renewals < 0 {
		renewals = 0
	}
	return l.acquired.Add(renewals*lockRenewEvery + lockExpiration)
}

// lockJSON is one element of GET /locks.
type lockJSON struct {
	Type     string   `json:"type"`
	Resource []string `json:"resource"`
	Timeout  string   `json:"timeout"`
	TaskID   string   `json:"task_id"`
}

func (l *lockRecord) json(now time.Time) lockJSON {
	parts := strings.Split(l.name, ":")
	j := lockJSON{Resource: []string{}, TaskID: strconv.Itoa(l.taskID)}
	if len(parts) > 1 {
		j.Type = parts[1]
	}
	if len(parts) > 2 {
		j.Resource = parts[2:]
	}
	exp := l.expiresAt(now)
	j.Timeout = fmt.Sprintf("%d.%06d", exp.Unix(), exp.Nanosecond()/1000)
	return j
}

// locksLocked lists the held locks, oldest first.
func (f *Foundation) locksLocked() []*lockRecord {
	out := make([]*lockRecord, 0, len(f.locks))
	for _, l := range f.locks {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].acquired.Equal(out[j].acquired) {
			return out[i].acquired.Before(out[j].acquired)
		}
		return out[i].name < out[j].name
	})
	return out
}

// holdLockLocked records a lock held by t and its "acquire" event.
func (f *Foundation) holdLockLocked(spec *lockSpec, t *task, at time.Time) {
	uid := newRNG(int64(t.ID), spec.name).uuid()
	f.locks[spec.name] = &lockRecord{name: spec.name, uid: uid, taskID: t.ID, acquired: at}
	f.addEventLocked(event{Time: at, User: t.User, Action: "acquire", ObjectType: "lock", ObjectName: spec.name,
		Task: strconv.Itoa(t.ID), Deployment: spec.deployment})
}

// acquireLock takes the job's lock for a running task, waiting up to the
// spec's timeout while another task holds it.
func (f *Foundation) acquireLock(x *taskRun, spec *lockSpec) error {
	deadline := time.Now().Add(spec.timeout)
	for {
		f.mu.Lock()
		holder, busy := f.locks[spec.name]
		if !busy {
			f.holdLockLocked(spec, x.t, time.Now())
			f.changed.Broadcast()
			f.mu.Unlock()
			x.debug("DirectorJobRunner", "Acquired lock: %s", spec.name)
			return nil
		}
		msg := spec.busyMsg
		if msg == "" {
			desc := ""
			if ht := f.byID[holder.taskID]; ht != nil {
				desc = ht.Description
			}
			msg = fmt.Sprintf("Failed to acquire lock for %s uid: %s. Locking task id is %d, description: '%s'",
				spec.name, newRNG(int64(x.t.ID), spec.name).uuid(), holder.taskID, desc)
		}
		f.mu.Unlock()
		if !time.Now().Before(deadline) {
			return &taskFailure{code: 100, msg: msg}
		}
		if err := x.wait(lockPoll); err != nil {
			return err
		}
	}
}

// releaseLock drops the task's lock and records the "release" event.
func (f *Foundation) releaseLock(x *taskRun, spec *lockSpec) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.releaseLockLocked(spec, x.t, time.Now())
}

func (f *Foundation) releaseLockLocked(spec *lockSpec, t *task, at time.Time) {
	if l := f.locks[spec.name]; l != nil && l.taskID == t.ID {
		delete(f.locks, spec.name)
		f.addEventLocked(event{Time: at, User: t.User, Action: "release", ObjectType: "lock", ObjectName: spec.name,
			Task: strconv.Itoa(t.ID), Deployment: spec.deployment})
		f.changed.Broadcast()
	}
}

// deploymentLockedLocked reports whether a deployment lock is held. Call
// with f.mu held.
func (f *Foundation) deploymentLockedLocked(name string) bool {
	_, ok := f.locks["lock:deployment:"+name]
	return ok
}

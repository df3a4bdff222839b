package sim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Task states.
const (
	stateQueued     = "queued"
	stateProcessing = "processing"
	stateCancelling = "cancelling"
	stateCancelled  = "cancelled"
	stateDone       = "done"
	stateError      = "error"
	stateTimeout    = "timeout"
)

// task is one director task. All fields are guarded by Foundation.mu.
type task struct {
	ID          int
	State       string
	Description string
	Type        string // director job type: vms, update_deployment, ssh, ...
	User        string
	Deployment  string // "" is null
	Teams       []string
	ContextID   string
	StartedAt   time.Time // zero until processing
	stamp       time.Time // the director's timestamp column: created, started, finished
	Result      *string

	event, result, debug []byte
	lazyEvent            func() []byte // seeded tasks build their event log on first read
	lazyResult           func() []byte // and their result output

	kind      taskKind
	cancelReq chan struct{} // closed when a cancel is requested
}

// taskJSON is the director's task hash (TaskManager#task_to_hash).
type taskJSON struct {
	ID          int     `json:"id"`
	State       string  `json:"state"`
	Description string  `json:"description"`
	Timestamp   *int64  `json:"timestamp"`
	StartedAt   *int64  `json:"started_at"`
	Result      *string `json:"result"`
	User        string  `json:"user"`
	Deployment  *string `json:"deployment"`
	ContextID   string  `json:"context_id"`
}

func (t *task) json() taskJSON {
	j := taskJSON{ID: t.ID, State: t.State, Description: t.Description, Result: t.Result, User: t.User, ContextID: t.ContextID}
	if j.User == "" {
		j.User = "admin"
	}
	if t.State != stateQueued && t.State != stateProcessing {
		j.Timestamp = ptr(t.stamp.Unix())
	}
	if !t.StartedAt.IsZero() {
		j.StartedAt = ptr(t.StartedAt.Unix())
	}
	if t.Deployment != "" {
		j.Deployment = ptr(t.Deployment)
	}
	return j
}

func (t *task) running() bool {
	return t.State == stateQueued || t.State == stateProcessing || t.State == stateCancelling
}

// eventOutput returns the event log, building a seeded one on first use.
// Call with f.mu held.
func (t *task) eventOutput() []byte {
	if t.lazyEvent != nil {
		t.event = t.lazyEvent()
		t.lazyEvent = nil
	}
	return t.event
}

// resultOutput returns the result output, building a seeded one on first
// use. Call with f.mu held.
func (t *task) resultOutput() []byte {
	if t.lazyResult != nil {
		t.result = t.lazyResult()
		t.lazyResult = nil
	}
	return t.result
}

// enqueueLocked creates a task and puts it at the end of the queue.
func (f *Foundation) enqueueLocked(kind taskKind, user, deployment, contextID string, teams []string) *task {
	t := f.addTaskLocked(kind.description(), kind.jobType(), user, deployment, contextID, teams, time.Now())
	t.kind = kind
	f.queue = append(f.queue, t)
	f.stats.TasksStarted[deployment]++
	f.changed.Broadcast()
	return t
}

// addTaskLocked records a new queued task with the next id.
func (f *Foundation) addTaskLocked(desc, typ, user, deployment, contextID string, teams []string, at time.Time) *task {
	f.nextTaskID++
	t := &task{
		ID: f.nextTaskID, State: stateQueued, Description: desc, Type: typ, User: user,
		Deployment: deployment, Teams: teams, ContextID: contextID, stamp: at, cancelReq: make(chan struct{}),
	}
	f.tasks = append(f.tasks, t)
	f.byID[t.ID] = t
	return t
}

// cancelLocked moves a queued or processing task to cancelling.
func (f *Foundation) cancelLocked(t *task) error {
	if t.State != stateQueued && t.State != stateProcessing {
		return fmt.Errorf("Cannot cancel task %d: invalid state (%s)", t.ID, t.State)
	}
	t.State = stateCancelling
	t.stamp = time.Now()
	close(t.cancelReq)
	f.changed.Broadcast()
	return nil
}

// ErrClosed is returned by WaitTask when the foundation closes first.
var ErrClosed = errors.New("sim: foundation closed")

// WaitTask blocks until task id is in one of states, ctx ends or the
// foundation closes. It returns the state reached. Tests use it to
// synchronise with the worker pool without sleeping.
func (f *Foundation) WaitTask(ctx context.Context, id int, states ...string) (string, error) {
	stop := context.AfterFunc(ctx, func() {
		f.mu.Lock()
		f.changed.Broadcast()
		f.mu.Unlock()
	})
	defer stop()
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		t := f.byID[id]
		if t == nil {
			return "", fmt.Errorf("sim: task %d not found", id)
		}
		for _, s := range states {
			if t.State == s {
				return s, nil
			}
		}
		if f.closed {
			return t.State, ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return t.State, fmt.Errorf("sim: task %d still %s: %w", id, t.State, err)
		}
		f.changed.Wait()
	}
}

// truncateResult cuts a task result to about 128 characters as the
// director's JobRunner does.
func truncateResult(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= 128 {
		return s
	}
	s = s[:129]
	if i := strings.LastIndexAny(s, " \t\n"); i > 0 {
		s = s[:i]
	}
	return s + "..."
}

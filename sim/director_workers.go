package sim

import (
	"errors"
	"fmt"
	"time"
)

// taskKind is one kind of director job. New kinds (cloud-check scans,
// problem resolution, log fetches, SSH setup) implement it and are
// enqueued by their routes; the worker pool runs them all the same way.
type taskKind interface {
	jobType() string     // e.g. "vms"
	description() string // e.g. "retrieve vm-stats"
	lock() *lockSpec     // nil when the job takes no lock
	// run does the job. It returns the task result, or an error: a
	// *taskFailure for director errors, errCancelled when cancelled.
	run(x *taskRun) (string, error)
}

// lockSpec is the lock a job takes before it runs.
type lockSpec struct {
	name       string        // e.g. "lock:deployment:<name>"
	deployment string        // recorded on the lock events
	timeout    time.Duration // how long to wait for a busy lock
	busyMsg    string        // error when it stays busy; "" for the generic message
}

// taskFailure is a director error that ends a task in state error.
type taskFailure struct {
	code int
	msg  string
}

func (e *taskFailure) Error() string { return e.msg }

var (
	errCancelled = errors.New("task cancelled")
	errClosing   = errors.New("foundation closing")
)

// worker takes queued tasks in order until the foundation closes.
func (f *Foundation) worker() {
	defer f.wg.Done()
	for {
		f.mu.Lock()
		for len(f.queue) == 0 && !f.closed {
			f.changed.Wait()
		}
		if f.closed {
			f.mu.Unlock()
			return
		}
		t := f.queue[0]
		f.queue = f.queue[1:]
		f.mu.Unlock()
		f.runTask(t, true)
	}
}

// taskRun is a task's view of the foundation while it runs.
type taskRun struct {
	f *Foundation
	t *task
}

// wait lets time pass in a task. It returns errCancelled as soon as the
// task is cancelled and errClosing when the foundation closes.
func (x *taskRun) wait(d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-x.t.cancelReq:
		return errCancelled
	case <-x.f.closing:
		return errClosing
	}
}

// event appends a line to the task's event output.
func (x *taskRun) event(v any) {
	var e eventWriter
	e.line(v)
	x.f.mu.Lock()
	x.t.event = append(x.t.event, e.out...)
	x.f.mu.Unlock()
}

// writeResult appends to the task's result output.
func (x *taskRun) writeResult(b []byte) {
	x.f.mu.Lock()
	x.t.result = append(x.t.result, b...)
	x.f.mu.Unlock()
}

// debug appends a line to the task's debug log.
func (x *taskRun) debug(component, format string, args ...any) {
	line := debugLine(time.Now(), x.t.ID, "INFO", component, fmt.Sprintf(format, args...))
	x.f.mu.Lock()
	x.t.debug = append(x.t.debug, line...)
	x.f.mu.Unlock()
}

// runTask runs one task from start to finish. pooled tasks count towards
// the worker pool's concurrency.
func (f *Foundation) runTask(t *task, pooled bool) {
	x := &taskRun{f: f, t: t}
	x.debug("DirectorJobRunner", "Looking for task with task id %d", t.ID)
	f.mu.Lock()
	if t.State == stateCancelling {
		f.finishLocked(t, stateCancelled, "task cancelled", &errorBody{Code: 10001, Message: fmt.Sprintf("Task %d cancelled", t.ID)})
		f.mu.Unlock()
		return
	}
	now := time.Now()
	t.State, t.StartedAt, t.stamp = stateProcessing, now, now
	if pooled {
		f.processing++
		f.stats.MaxConcurrent = max(f.stats.MaxConcurrent, f.processing)
	}
	faults := f.faults
	f.changed.Broadcast()
	f.mu.Unlock()

	x.debug("DirectorJobRunner", "Starting task: %d", t.ID)
	result, err := f.perform(x, faults)

	f.mu.Lock()
	defer f.mu.Unlock()
	if pooled {
		f.processing--
	}
	var failure *taskFailure
	switch {
	case err == nil:
		f.finishLocked(t, stateDone, result, nil)
	case errors.Is(err, errCancelled), errors.Is(err, errClosing):
		f.finishLocked(t, stateCancelled, "task cancelled", &errorBody{Code: 10001, Message: fmt.Sprintf("Task %d cancelled", t.ID)})
	case errors.As(err, &failure):
		f.finishLocked(t, stateError, failure.msg, &errorBody{Code: failure.code, Message: failure.msg})
	default:
		f.finishLocked(t, stateError, err.Error(), &errorBody{Code: 100, Message: err.Error()})
	}
}

// perform takes the job's lock, runs it (or fails it under the FailTasks
// fault) and releases the lock.
func (f *Foundation) perform(x *taskRun, faults Faults) (string, error) {
	if spec := x.t.kind.lock(); spec != nil {
		if err := f.acquireLock(x, spec); err != nil {
			return "", err
		}
		defer f.releaseLock(x, spec)
	}
	if faults.FailTasks {
		if err := x.wait(f.opts.TaskTime); err != nil {
			return "", err
		}
		return "", f.injectedFailure(x.t)
	}
	x.debug("DirectorJobRunner", "Performing task: %d", x.t.ID)
	return x.t.kind.run(x)
}

// finishLocked ends a task: state, result, finish time, and for failures
// the task-level error line.
func (f *Foundation) finishLocked(t *task, state, result string, errLine *errorBody) {
	now := time.Now()
	if errLine != nil {
		var e eventWriter
		e.taskError(now, errLine.Code, errLine.Message)
		t.event = append(t.event, e.out...)
	}
	t.debug = append(t.debug, debugLine(now, t.ID, "INFO", "DirectorJobRunner", "Task took "+
		durationText(now.Sub(t.StartedAt), t.StartedAt.IsZero())+" to process.")...)
	t.State = state
	t.Result = ptr(truncateResult(result))
	t.stamp = now
	f.changed.Broadcast()
}

func durationText(d time.Duration, notStarted bool) string {
	if notStarted {
		return "0 seconds"
	}
	return fmt.Sprintf("%.3f seconds", d.Seconds())
}

// injectedFailure is the error a FailTasks task ends with: an agent that
// did not answer, as on a real foundation.
func (f *Foundation) injectedFailure(t *task) error {
	if d := f.content.byName[t.Deployment]; d != nil {
		for _, in := range d.Instances {
			if in.VM != nil {
				return &taskFailure{code: 450002, msg: fmt.Sprintf(
					"Timed out sending 'get_state' to instance: '%s', agent-id: '%s' after 45 seconds",
					in.name(), in.VM.AgentID)}
			}
		}
	}
	return &taskFailure{code: 100, msg: "Director error: injected failure"}
}

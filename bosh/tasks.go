package bosh

import (
	"context"
	"strconv"
	"time"

	boshdir "github.com/cloudfoundry/bosh-cli/v7/director"
)

// Task is a director task as GET /tasks and GET /tasks/:id give it.
// Unknown times are zero; Result is "" until the task ends.
type Task struct {
	ID          int
	State       string // queued, processing, cancelling, cancelled, done, error, timeout
	Description string
	User        string
	Deployment  string // "" when the task has none
	StartedAt   time.Time
	FinishedAt  time.Time // the director's timestamp: zero while queued or processing
	Result      string
	ContextID   string
}

// Task states as the director names them.
const (
	TaskQueued     = "queued"
	TaskProcessing = "processing"
	TaskCancelling = "cancelling"
	TaskCancelled  = "cancelled"
	TaskDone       = "done"
	TaskError      = "error"
	TaskTimeout    = "timeout"
)

// Running says whether the task has not ended yet.
func (t Task) Running() bool { return TaskRunning(t.State) }

// TaskRunning says whether a task in state s has not ended yet.
func TaskRunning(s string) bool {
	return s == TaskQueued || s == TaskProcessing || s == TaskCancelling
}

// Duration is how long the task ran (until now while it runs), 0 before
// it started.
func (t Task) Duration(now time.Time) time.Duration {
	switch {
	case t.StartedAt.IsZero():
		return 0
	case t.FinishedAt.IsZero() || t.Running():
		return now.Sub(t.StartedAt)
	}
	return t.FinishedAt.Sub(t.StartedAt)
}

func taskFromResp(r boshdir.TaskResp) Task {
	t := Task{ID: r.ID, State: r.State, Description: r.Description, User: r.User, Deployment: r.Deployment,
		Result: r.Result, ContextID: r.ContextId}
	if r.StartedAt > 0 {
		t.StartedAt = time.Unix(r.StartedAt, 0)
	}
	if r.FinishedAt > 0 && !TaskRunning(r.State) {
		t.FinishedAt = time.Unix(r.FinishedAt, 0)
	}
	return t
}

// TasksFilter picks tasks as `bosh tasks` does.
type TasksFilter struct {
	// Recent > 0 lists the Recent newest tasks of any state
	// (GET /tasks?limit=N); 0 lists the running ones
	// (state=processing,cancelling,queued).
	Recent int
	// All includes the director's internal task types (verbose=2:
	// instance details, logs, SSH, cloud-check) besides the user-visible
	// ones (verbose=1).
	All        bool
	Deployment string
}

// Tasks lists tasks, newest first. It never creates a task.
func (c *Client) Tasks(ctx context.Context, f TasksFilter) ([]Task, error) {
	const op = "list tasks"
	s, err := c.session(ctx, op)
	if err != nil {
		return nil, err
	}
	df := boshdir.TasksFilter{All: f.All, Deployment: f.Deployment}
	resps, err := await(ctx, func() ([]boshdir.TaskResp, error) {
		if f.Recent > 0 {
			return s.wire.client(ctx).RecentTasks(f.Recent, df)
		}
		return s.wire.client(ctx).CurrentTasks(df)
	})
	if err != nil {
		return nil, classify(op, c.target.URL, err)
	}
	out := make([]Task, 0, len(resps))
	for _, r := range resps {
		out = append(out, taskFromResp(r))
	}
	return out, nil
}

// Task reads one task (GET /tasks/:id). An unknown id is KindNotFound.
func (c *Client) Task(ctx context.Context, id int) (Task, error) {
	op := "read task " + strconv.Itoa(id)
	s, err := c.session(ctx, op)
	if err != nil {
		return Task{}, err
	}
	r, err := await(ctx, func() (boshdir.TaskResp, error) { return s.wire.client(ctx).Task(id) })
	if err != nil {
		return Task{}, classify(op, c.target.URL, err)
	}
	return taskFromResp(r), nil
}

// CancelTask asks the director to cancel a task (DELETE /task/:id): a
// queued or processing task becomes cancelling. A task that has ended, or
// is already cancelling, gives a KindDirector error with the director's
// message (e.g. "Cannot cancel task 7: invalid state (done)").
func (c *Client) CancelTask(ctx context.Context, id int) error {
	op := "cancel task " + strconv.Itoa(id)
	s, err := c.session(ctx, op)
	if err != nil {
		return err
	}
	_, err = await(ctx, func() (struct{}, error) { return struct{}{}, s.wire.client(ctx).CancelTask(id) })
	return classify(op, c.target.URL, err)
}

// Lock is one lock the director holds (GET /locks).
type Lock struct {
	Type      string   // deployment, release, stemcells, compile, ...
	Resource  []string // e.g. the deployment name
	Timeout   string   // the director's text: Unix seconds with a fraction
	ExpiresAt time.Time
	TaskID    string // the holding task, possibly ""
}

// Locks lists the director's live locks.
func (c *Client) Locks(ctx context.Context) ([]Lock, error) {
	const op = "list locks"
	s, err := c.session(ctx, op)
	if err != nil {
		return nil, err
	}
	resps, err := await(ctx, func() ([]boshdir.LockResp, error) { return s.wire.client(ctx).Locks() })
	if err != nil {
		return nil, classify(op, c.target.URL, err)
	}
	out := make([]Lock, 0, len(resps))
	for _, r := range resps {
		l := Lock{Type: r.Type, Resource: append([]string{}, r.Resource...), Timeout: r.Timeout, TaskID: r.TaskID}
		if secs, err := strconv.ParseFloat(r.Timeout, 64); err == nil {
			l.ExpiresAt = time.Unix(int64(secs), 0)
		}
		out = append(out, l)
	}
	return out, nil
}

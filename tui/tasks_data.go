package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

var errNoTasks = errors.New("tasks need the director (offline)")

// recentTasks is how many ended tasks the tasks screen shows under the
// running ones.
const recentTasks = 50

// tasksLoadedMsg: the tasks screen's listing came back.
type tasksLoadedMsg struct {
	screen int
	tasks  []bosh.Task
	at     time.Time
	err    error
}

func (m tasksLoadedMsg) target() int { return m.screen }

// loadTasks reads the running tasks of every type and the recent
// user-visible ones: two cheap listings, no director task.
func loadTasks(src TaskSource, now func() time.Time, screen int) tea.Cmd {
	return func() tea.Msg {
		if src == nil {
			return tasksLoadedMsg{screen: screen, err: errNoTasks}
		}
		ctx := context.Background()
		running, err := src.Tasks(ctx, bosh.TasksFilter{All: true})
		if err != nil {
			return tasksLoadedMsg{screen: screen, err: err, at: now()}
		}
		recent, err := src.Tasks(ctx, bosh.TasksFilter{Recent: recentTasks})
		return tasksLoadedMsg{screen: screen, tasks: mergeTasks(running, recent), at: now(), err: err}
	}
}

// mergeTasks puts the running tasks first, then the others, each newest
// first, every task once.
func mergeTasks(running, recent []bosh.Task) []bosh.Task {
	seen := map[int]bool{}
	var out []bosh.Task
	for _, t := range slices.Concat(running, recent) {
		if !seen[t.ID] {
			seen[t.ID] = true
			out = append(out, t)
		}
	}
	slices.SortStableFunc(out, func(a, b bosh.Task) int {
		if a.Running() != b.Running() {
			if a.Running() {
				return -1
			}
			return 1
		}
		return b.ID - a.ID
	})
	return out
}

// The header's count of running tasks: the cheap listing, read at the
// listing refresh interval and no more often.

// taskCountMsg: the running tasks were counted.
type taskCountMsg struct {
	running []bosh.Task
	err     error
}

// taskCountTickMsg: time to count the running tasks again.
type taskCountTickMsg struct{}

func countTasks(src TaskSource) tea.Cmd {
	return func() tea.Msg {
		running, err := src.Tasks(context.Background(), bosh.TasksFilter{All: true})
		return taskCountMsg{running: running, err: err}
	}
}

// taskCount is what the header knows of the director's running tasks.
type taskCount struct {
	known  bool
	n      int
	byDep  map[string]int
	oldest map[string]bosh.Task // per deployment, the running task that started first: the lock's holder
}

func (c *common) setTaskCount(running []bosh.Task) {
	tc := taskCount{known: true, n: len(running), byDep: map[string]int{}, oldest: map[string]bosh.Task{}}
	for _, t := range running {
		if t.Deployment == "" {
			continue
		}
		tc.byDep[t.Deployment]++
		if o, ok := tc.oldest[t.Deployment]; !ok || t.ID < o.ID {
			tc.oldest[t.Deployment] = t
		}
	}
	c.tasks = tc
}

// taskMark is what a deployment's row says of the director's work on it:
// the task holding its lock (its id, what it does, who started it), or
// how many tasks run on it; "" when none does.
func (c *common) taskMark(dep string, locked bool) string {
	t, ok := c.tasks.oldest[dep]
	switch {
	case ok && locked:
		return fmt.Sprintf(" (locked by task %d, %s, %s)", t.ID, t.Description, t.User)
	case locked:
		return " (locked)"
	case ok:
		return fmt.Sprintf(" (task %d running)", t.ID)
	}
	return ""
}

// startTaskCount is the first count, at start.
func (m *Model) startTaskCount() tea.Cmd {
	if !m.c.online() || m.c.opts.Data.Tasks == nil {
		return nil
	}
	return countTasks(m.c.opts.Data.Tasks)
}

// onTaskCount takes a count and schedules the next one.
func (m *Model) onTaskCount(msg taskCountMsg) tea.Cmd {
	if msg.err == nil {
		m.c.setTaskCount(msg.running)
		m.c.store.ver++ // the rows' task marks changed: list screens rebuild
	}
	return m.c.schedule(m.c.opts.RefreshEvery, taskCountTickMsg{})
}

// taskFollow carries a followed task's output from the goroutine that
// polls the director to the screen.
type taskFollow struct {
	ch chan followUpdate
}

type followUpdate struct {
	data  []byte
	state *bosh.Task // a fresh read of the task
	end   bool
	err   error
}

// taskOutputMsg: output (and the task's state) arrived for a followed
// task; end says the follow is over.
type taskOutputMsg struct {
	screen, gen int
	data        []byte
	state       *bosh.Task
	end         bool
	err         error
}

func (m taskOutputMsg) target() int { return m.screen }

// startFollow follows output typ of task id on its own goroutine until
// the task ends or ctx ends.
func startFollow(ctx context.Context, src TaskSource, id int, typ string) *taskFollow {
	f := &taskFollow{ch: make(chan followUpdate, 256)}
	go func() {
		defer close(f.ch)
		send := func(u followUpdate) {
			select {
			case f.ch <- u:
			case <-ctx.Done():
			}
		}
		t, err := src.FollowTask(ctx, id, typ, func(b []byte) {
			send(followUpdate{data: append([]byte(nil), b...)})
		}, bosh.FollowOptions{OnState: func(t bosh.Task) { send(followUpdate{state: &t}) }})
		if ctx.Err() != nil {
			return
		}
		if t.ID != 0 {
			send(followUpdate{state: &t})
		}
		send(followUpdate{end: true, err: err})
	}()
	return f
}

// wait delivers what arrived since the last message, all of it at once.
func (f *taskFollow) wait(screen, gen int) tea.Cmd {
	return func() tea.Msg {
		u, ok := <-f.ch
		if !ok {
			return nil
		}
		msg := taskOutputMsg{screen: screen, gen: gen}
		add := func(u followUpdate) {
			msg.data = append(msg.data, u.data...)
			if u.state != nil {
				msg.state = u.state
			}
			if u.end {
				msg.end, msg.err = true, u.err
			}
		}
		add(u)
		for !msg.end {
			select {
			case u, ok := <-f.ch:
				if !ok {
					return msg
				}
				add(u)
			default:
				return msg
			}
		}
		return msg
	}
}

// taskCancelledMsg: the director answered a cancel.
type taskCancelledMsg struct {
	screen int
	task   bosh.Task
	id     int
	err    error
}

func (m taskCancelledMsg) target() int { return m.screen }

func cancelTask(src TaskSource, id, screen int) tea.Cmd {
	return func() tea.Msg {
		t, err := src.StopTask(context.Background(), id)
		return taskCancelledMsg{screen: screen, task: t, id: id, err: err}
	}
}

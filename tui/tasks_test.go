package tui

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

// fakeTasks serves fixed tasks; following a task gives its event log in
// two chunks that split a line, then the task done.
type fakeTasks struct {
	mu        sync.Mutex
	tasks     []bosh.Task
	follows   []string // output types followed
	cancelled []int
	listings  int
}

func (f *fakeTasks) Tasks(_ context.Context, flt bosh.TasksFilter) ([]bosh.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listings++
	var out []bosh.Task
	for _, t := range f.tasks {
		if flt.Recent > 0 || t.Running() {
			out = append(out, t)
		}
	}
	return out, nil
}

const fakeEventLog = `{"time":1712400101,"stage":"Updating instance","tags":[],"total":1,"task":"master/abc (0) (canary)","index":1,"state":"started","progress":0}
{"time":1712400131,"stage":"Updating instance","tags":[],"total":1,"task":"master/abc (0) (canary)","index":1,"state":"finished","progress":100}
`

func (f *fakeTasks) FollowTask(_ context.Context, id int, typ string, onChunk func([]byte), _ bosh.FollowOptions) (bosh.Task, error) {
	f.mu.Lock()
	f.follows = append(f.follows, typ)
	f.mu.Unlock()
	out := fakeEventLog
	if typ == bosh.OutputDebug {
		out = "I, [2024-04-06T10:00:01] INFO -- DirectorJobRunner: Acquired lock\nI, [2024-04-06T10:00:31] INFO -- DirectorJobRunner: Task took 30 seconds\n"
	}
	onChunk([]byte(out[:50]))
	onChunk([]byte(out[50:]))
	return bosh.Task{ID: id, State: bosh.TaskDone, StartedAt: t0.Add(-time.Minute), FinishedAt: t0}, nil
}

func (f *fakeTasks) StopTask(_ context.Context, id int) (bosh.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancelled = append(f.cancelled, id)
	return bosh.Task{ID: id, State: bosh.TaskCancelling}, nil
}

func (f *fakeTasks) snapshot() (follows []string, cancelled []int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.follows...), append([]int(nil), f.cancelled...)
}

func newFakeTasks() *fakeTasks {
	return &fakeTasks{tasks: []bosh.Task{
		{ID: 5, State: bosh.TaskDone, Description: "scan cloud", User: "admin", Deployment: "harbor", StartedAt: t0.Add(-time.Hour), FinishedAt: t0.Add(-59 * time.Minute)},
		{ID: 7, State: bosh.TaskProcessing, Description: "create deployment", User: "pks-broker", Deployment: "service-instance_abc", StartedAt: t0.Add(-90 * time.Second)},
		{ID: 6, State: bosh.TaskError, Description: "run errand", User: "admin", Deployment: "harbor", StartedAt: t0.Add(-30 * time.Minute), FinishedAt: t0.Add(-29 * time.Minute)},
	}}
}

func openTasks(t *testing.T, o Options) *harness {
	h := newHarness(t, o, 140, 30).start()
	h.keys(":")
	h.typeText("tasks")
	h.keys("enter")
	h.settle()
	return h
}

func TestTasksScreenRunningFirstAndHeaderCount(t *testing.T) {
	ft := newFakeTasks()
	h := openTasks(t, Options{Director: newFakeDirector(nil, nil), Data: Data{Tasks: ft}})
	v := h.view()
	i7, i6, i5 := strings.Index(v, "create deployment"), strings.Index(v, "run errand"), strings.Index(v, "scan cloud")
	if i7 < 0 || i6 < 0 || i5 < 0 || !(i7 < i6 && i6 < i5) {
		t.Fatalf("want the running task first, then the others newest first:\n%s", v)
	}
	for _, want := range []string{"processing", "pks-broker", "00:01:30", "1 running"} {
		if !strings.Contains(v, want) {
			t.Errorf("tasks screen lacks %q:\n%s", want, v)
		}
	}
	if !strings.Contains(h.line(0), "1 task") {
		t.Errorf("header %q does not count the running task", h.line(0))
	}
	// The header's count is read once at start, then at the listing
	// refresh interval: never more often.
	before := ft.listings
	if n := h.fire(func(m tea.Msg) bool { _, ok := m.(taskCountTickMsg); return ok }); n != 1 {
		t.Fatalf("%d task count timers pending, want 1", n)
	}
	if ft.listings != before+1 {
		t.Errorf("a count tick made %d listings, want 1", ft.listings-before)
	}
	for _, tm := range h.timers {
		if _, ok := tm.msg.(taskCountTickMsg); ok && tm.after < DefaultRefreshEvery {
			t.Errorf("task count scheduled after %v, sooner than the listing refresh", tm.after)
		}
	}
}

func TestTasksCancelAsksFirst(t *testing.T) {
	ft := newFakeTasks()
	h := openTasks(t, Options{Director: newFakeDirector(nil, nil), Data: Data{Tasks: ft}})
	h.keys("X")
	if v := h.view(); !strings.Contains(v, "Cancel task 7?") || !strings.Contains(v, "bosh cancel-task 7") {
		t.Fatalf("X does not show the plan:\n%s", v)
	}
	h.keys("enter") // the default is No
	if _, c := ft.snapshot(); len(c) != 0 {
		t.Fatalf("enter cancelled task %v", c)
	}
	h.keys("X", "y")
	if _, c := ft.snapshot(); len(c) != 1 || c[0] != 7 {
		t.Fatalf("cancelled %v, want task 7", c)
	}
	h.keys("down", "X") // an ended task: nothing to cancel
	if v := h.view(); strings.Contains(v, "Cancel task 6?") {
		t.Errorf("X offers to cancel an ended task:\n%s", v)
	}
}

func TestTasksCancelOffWhenReadOnly(t *testing.T) {
	ft := newFakeTasks()
	h := openTasks(t, Options{Director: newFakeDirector(nil, nil), ReadOnly: true, Data: Data{Tasks: ft}})
	h.keys("X")
	if v := h.view(); strings.Contains(v, "Cancel task") {
		t.Fatalf("read-only mode offers to cancel:\n%s", v)
	}
}

func TestTaskOutputFollowsSearchesAndShowsDebug(t *testing.T) {
	ft := newFakeTasks()
	h := openTasks(t, Options{Director: newFakeDirector(nil, nil), Data: Data{Tasks: ft}})
	h.keys("enter")
	h.settle()
	v := h.view()
	if !strings.Contains(v, "Updating instance: master/abc (0) (canary)") || !strings.Contains(v, "(00:00:30) done") {
		t.Fatalf("the followed task's events are not shown as stage lines:\n%s", v)
	}
	if !strings.Contains(v, "done") || !strings.Contains(v, "event log, 2 lines") {
		t.Errorf("status line lacks the end state and line count:\n%s", v)
	}
	h.keys("D")
	h.settle()
	follows, _ := ft.snapshot()
	if len(follows) != 2 || follows[0] != bosh.OutputEvent || follows[1] != bosh.OutputDebug {
		t.Fatalf("followed %v, want event then debug", follows)
	}
	if v := h.view(); !strings.Contains(v, "Task took 30 seconds") {
		t.Fatalf("D does not show the debug log:\n%s", v)
	}
	h.keys("/")
	h.typeText("acquired")
	h.keys("enter")
	if st := h.line(28); strings.Contains(st, "not found") {
		t.Errorf("search found nothing: %q", st)
	}
	if h.top().(*taskOutputScreen).match != 0 {
		t.Errorf("search matched line %d, want 0", h.top().(*taskOutputScreen).match)
	}
}

// fakeActivity serves numbered events and records what was asked.
type fakeActivity struct {
	mu    sync.Mutex
	asked []bosh.EventsFilter
}

func (f *fakeActivity) Activity(_ context.Context, flt bosh.EventsFilter, _ int) ([]bosh.Event, error) {
	f.mu.Lock()
	f.asked = append(f.asked, flt)
	f.mu.Unlock()
	top := 500
	if flt.BeforeID != "" {
		top = 300
	}
	var out []bosh.Event
	for i := top; i > top-bosh.EventsPage; i-- {
		out = append(out, bosh.Event{ID: strconv.Itoa(i), Time: t0.Add(-time.Duration(600-i) * time.Minute), User: "admin",
			Action: "recreate", ObjectType: "instance", ObjectName: "master/abc", Task: "42", Deployment: flt.Deployment})
	}
	return out, nil
}

func TestActivityFromDeploymentsWithPaging(t *testing.T) {
	deps, insts := fixture(2, 2)
	fa := &fakeActivity{}
	h := newHarness(t, Options{Director: newFakeDirector(deps, insts), Data: Data{Activity: fa, Tasks: newFakeTasks()}}, 140, 30).start()
	h.keys("E")
	h.settle()
	if len(fa.asked) != 1 || fa.asked[0].Deployment != deps[0].Name {
		t.Fatalf("E asked %+v, want the activity of %s", fa.asked, deps[0].Name)
	}
	if v := h.view(); !strings.Contains(v, "recreate") || !strings.Contains(v, "200 events") {
		t.Fatalf("activity screen:\n%s", v)
	}
	h.keys("m")
	h.settle()
	if len(fa.asked) != 2 || fa.asked[1].BeforeID != "301" || fa.asked[1].Deployment != deps[0].Name {
		t.Fatalf("m asked %+v, want the page before event 301 of the same deployment", fa.asked)
	}
	if v := h.view(); !strings.Contains(v, "400 events") {
		t.Errorf("after m the screen does not hold both pages:\n%s", v)
	}
	h.keys("enter")
	h.settle()
	if _, ok := h.top().(*taskOutputScreen); !ok {
		t.Errorf("enter on an event with a task does not follow the task")
	}
}

// The deployments screen names the task holding a locked deployment (id,
// what it does, who started it) and marks one a task runs on; the
// instances screen of that deployment says it too.
func TestDeploymentsShowTheLockHolderAndRunningTasks(t *testing.T) {
	deps := []bosh.Deployment{{Name: "service-instance_abc", Locked: true}, {Name: "harbor"}, {Name: "cf"}}
	ft := newFakeTasks()
	ft.tasks = append(ft.tasks, bosh.Task{ID: 9, State: bosh.TaskQueued, Description: "run errand", User: "admin", Deployment: "harbor", StartedAt: t0})
	insts := map[string][]bosh.Instance{"service-instance_abc": {{Deployment: "service-instance_abc", Group: "master", ID: "0123456789",
		Name: "master/0123456789", ProcessState: "running"}}}
	h := newHarness(t, Options{Director: newFakeDirector(deps, insts), Data: Data{Tasks: ft}}, 160, 30).start()
	s, ok := h.top().(*deploymentsScreen)
	if !ok {
		t.Fatalf("top is %T", h.top())
	}
	var names []string
	for i := range s.Len() {
		names = append(names, s.Cell(i, depColName, 0).text)
	}
	got := strings.Join(names, "\n")
	if want := "cf\nharbor (task 9 running)\nservice-instance_abc (locked by task 7, create deployment, pks-broker)"; got != want {
		t.Errorf("deployment names:\n%s\nwant:\n%s", got, want)
	}
	h.keys(":")
	h.typeText("instances service-instance_abc")
	h.keys("enter")
	h.settle()
	if !strings.Contains(h.view(), "task 7 create deployment (pks-broker)") {
		t.Errorf("instances screen does not name the task:\n%s", h.view())
	}
}

package bosh_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/sim"
)

// backgroundTask is the simulated upgrade running when the foundation
// starts: a processing task holding its deployment's lock.
func backgroundTask(t *testing.T, c *bosh.Client) bosh.Task {
	t.Helper()
	running, err := c.Tasks(context.Background(), bosh.TasksFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range running {
		if tk.State == bosh.TaskProcessing && tk.Deployment != "" {
			return tk
		}
	}
	t.Fatalf("no processing task among %+v", running)
	return bosh.Task{}
}

func TestSimTaskListingsCreateNoTask(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1})
	c := simClient(f, bosh.Options{})
	ctx := context.Background()
	bg := backgroundTask(t, c)
	if bg.StartedAt.IsZero() || !bg.FinishedAt.IsZero() || bg.User == "" || bg.Description == "" {
		t.Errorf("running task %+v: want a start time, no finish time, a user and a description", bg)
	}
	before := f.Stats()
	recent, err := c.Tasks(ctx, bosh.TasksFilter{Recent: 5, All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 5 {
		t.Fatalf("recent 5: got %d", len(recent))
	}
	for i := 1; i < len(recent); i++ {
		if recent[i].ID > recent[i-1].ID && recent[i].FinishedAt.After(recent[i-1].FinishedAt) {
			t.Errorf("recent tasks not newest first: %d before %d", recent[i-1].ID, recent[i].ID)
		}
	}
	byDep, err := c.Tasks(ctx, bosh.TasksFilter{Deployment: bg.Deployment})
	if err != nil {
		t.Fatal(err)
	}
	if len(byDep) != 1 || byDep[0].ID != bg.ID {
		t.Errorf("running tasks of %s: %+v, want task %d alone", bg.Deployment, byDep, bg.ID)
	}
	one, err := c.Task(ctx, recent[0].ID)
	if err != nil || one.ID != recent[0].ID || one.State != recent[0].State {
		t.Errorf("task %d: %+v, %v", recent[0].ID, one, err)
	}
	after := f.Stats()
	if sum(after.TasksStarted) != sum(before.TasksStarted) {
		t.Errorf("listing tasks started director tasks: %v -> %v", before.TasksStarted, after.TasksStarted)
	}
	if got := after.Requests["GET /tasks"] - before.Requests["GET /tasks"]; got != 2 {
		t.Errorf("GET /tasks requests: %d, want 2", got)
	}
	if _, err := c.Task(ctx, 999999); bosh.KindOf(err) != bosh.KindNotFound {
		t.Errorf("unknown task: %v (kind %v), want not found", err, bosh.KindOf(err))
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestSimFollowTaskReadsEachByteOnce follows a cloud-check scan while it
// runs: the chunks put together are the whole event output, nothing
// repeated, and the follow ends with the task.
func TestSimFollowTaskReadsEachByteOnce(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1, TaskTime: 600 * time.Millisecond})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	ctx := context.Background()
	deps, err := c.Deployments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := make(chan int, 1)
	var once sync.Once
	scanDone := make(chan error, 1)
	go func() {
		_, err := c.ScanProblems(ctx, deps[len(deps)-1].Name, func(ev bosh.TaskEvent) {
			once.Do(func() { ids <- ev.TaskID })
		})
		scanDone <- err
	}()
	id := <-ids
	var got bytes.Buffer
	var states []string
	end, err := c.FollowTask(ctx, id, bosh.OutputEvent, func(b []byte) { got.Write(b) },
		bosh.FollowOptions{FastStep: 20 * time.Millisecond, OnState: func(tk bosh.Task) { states = append(states, tk.State) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-scanDone; err != nil {
		t.Fatal(err)
	}
	if end.State != bosh.TaskDone || end.FinishedAt.IsZero() {
		t.Errorf("followed task ended %+v, want done with a finish time", end)
	}
	var whole bytes.Buffer
	if _, err := c.FollowTask(ctx, id, bosh.OutputEvent, func(b []byte) { whole.Write(b) }, bosh.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	if whole.Len() == 0 || got.String() != whole.String() {
		t.Errorf("followed output (%d bytes) differs from the whole output (%d bytes):\n%s\n---\n%s",
			got.Len(), whole.Len(), got.String(), whole.String())
	}
	if n := strings.Count(got.String(), "\n"); n < 4 {
		t.Errorf("followed %d event lines, want the scan's stages", n)
	}
	if len(states) == 0 || states[len(states)-1] != bosh.TaskDone {
		t.Errorf("states seen %v, want the last one done", states)
	}
}

// TestSimFollowIdleTaskBacksOff follows the long-running upgrade, which
// writes nothing for minutes: the polls back off to the idle step.
func TestSimFollowIdleTaskBacksOff(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1})
	c := simClient(f, bosh.Options{})
	bg := backgroundTask(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	before := f.Stats().Requests
	polls := 0
	var first bytes.Buffer
	_, err := c.FollowTask(ctx, bg.ID, bosh.OutputEvent, func(b []byte) { first.Write(b) }, bosh.FollowOptions{
		FastStep: time.Millisecond, IdleStep: 8 * time.Millisecond,
		OnState: func(bosh.Task) {
			if polls++; polls == 12 {
				cancel()
			}
		},
	})
	if bosh.KindOf(err) != bosh.KindCanceled {
		t.Fatalf("follow ended with %v, want canceled", err)
	}
	if first.Len() == 0 {
		t.Error("the upgrade's events so far were not read")
	}
	after := f.Stats().Requests
	out := after["GET /tasks/:id/output"] - before["GET /tasks/:id/output"]
	state := after["GET /tasks/:id"] - before["GET /tasks/:id"]
	// One output read before the first state read, then one per poll.
	if state != 12 || out < 11 || out > 12 {
		t.Errorf("idle follow made %d state and %d output requests; want 12 and one output read per poll", state, out)
	}
}

func TestSimCancelTaskAndLocks(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1})
	c := simClient(f, bosh.Options{})
	ctx := context.Background()
	bg := backgroundTask(t, c)
	locks, err := c.Locks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	held := false
	for _, l := range locks {
		if l.Type == "deployment" && len(l.Resource) == 1 && l.Resource[0] == bg.Deployment && l.TaskID == strconv.Itoa(bg.ID) {
			held = !l.ExpiresAt.IsZero() && l.Timeout != ""
		}
	}
	if !held {
		t.Fatalf("locks %+v: want %s's deployment lock held by task %d with a timeout", locks, bg.Deployment, bg.ID)
	}
	if err := c.CancelTask(ctx, bg.ID); err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	if st, err := f.WaitTask(wctx, bg.ID, "cancelled"); err != nil {
		t.Fatalf("task %d after cancel: %s, %v", bg.ID, st, err)
	}
	err = c.CancelTask(ctx, bg.ID)
	if bosh.KindOf(err) != bosh.KindDirector || !strings.Contains(err.Error(), "Cannot cancel task "+strconv.Itoa(bg.ID)) {
		t.Errorf("cancelling a cancelled task: %v (kind %v), want the director's refusal", err, bosh.KindOf(err))
	}
	if err := c.CancelTask(ctx, 999999); bosh.KindOf(err) != bosh.KindNotFound {
		t.Errorf("cancelling an unknown task: %v, want not found", err)
	}
	locks, err = c.Locks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range locks {
		if l.TaskID == strconv.Itoa(bg.ID) {
			t.Errorf("cancelled task %d still holds %+v", bg.ID, l)
		}
	}
}

func TestSimEventsPaging(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1, Deployments: 3, InstancesPerDeployment: 5})
	c := simClient(f, bosh.Options{})
	ctx := context.Background()
	page, err := c.Events(ctx, bosh.EventsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) < 10 || len(page) > bosh.EventsPage {
		t.Fatalf("first page: %d events, want some and at most %d", len(page), bosh.EventsPage)
	}
	mid := len(page) / 2
	next, err := c.Events(ctx, bosh.EventsFilter{BeforeID: page[mid].ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(next) != len(page)-mid-1 {
		t.Fatalf("page before %s: %d events, want %d", page[mid].ID, len(next), len(page)-mid-1)
	}
	for i, e := range next {
		if e.ID != page[mid+1+i].ID {
			t.Fatalf("page before %s: event %d is %s, want %s", page[mid].ID, i, e.ID, page[mid+1+i].ID)
		}
	}
	dep := page[0].Deployment
	for _, e := range page {
		if e.Deployment != "" {
			dep = e.Deployment
			break
		}
	}
	only, err := c.Events(ctx, bosh.EventsFilter{Deployment: dep, After: time.Now().Add(-48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(only) == 0 {
		t.Fatalf("no events of %s in the last two days", dep)
	}
	for _, e := range only {
		if e.Deployment != dep || e.Time.Before(time.Now().Add(-48*time.Hour)) || e.Context == nil && e.Action == "" {
			t.Fatalf("filtered page holds %+v", e)
		}
	}
}

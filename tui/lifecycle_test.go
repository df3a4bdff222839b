package tui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/cache"
)

// fakeLifecycle plans from the fake director's rows and, when applied,
// gives every target a new VM that runs, as a recreate does.
type fakeLifecycle struct {
	d       *fakeDirector
	mu      sync.Mutex
	applied []bosh.LifecycleRequest
	silent  bool // the agent does not answer: a recreate without --fix fails as the director's does
}

func (l *fakeLifecycle) PlanLifecycle(ctx context.Context, r bosh.LifecycleRequest) ([]string, []bosh.LifecycleBatch, error) {
	insts, err := l.d.Instances(ctx, r.Deployment)
	if err != nil {
		return nil, nil, err
	}
	targets, err := bosh.LifecycleTargets(insts, r)
	if err != nil {
		return nil, nil, err
	}
	batches := bosh.LifecycleOrder(targets, bosh.UpdateSettings{}, r)
	steps := []string{"delete each VM and create it anew"}
	for i, b := range batches {
		steps = append(steps, fmt.Sprintf("%d. %s", i+1, b.Instances[0].Name))
	}
	return steps, batches, nil
}

func (l *fakeLifecycle) ChangeState(ctx context.Context, r bosh.LifecycleRequest, batches []bosh.LifecycleBatch,
	progress func(bosh.TaskEvent)) (int, cache.Outcome, string, error) {
	l.mu.Lock()
	l.applied = append(l.applied, r)
	silent := l.silent && !r.Fix
	l.mu.Unlock()
	if silent {
		return 78, cache.OutcomeFailed, "", fmt.Errorf("task 78 failed (state error): %s: Timed out sending 'get_state' to instance after 45 seconds", batches[0].Instances[0].Name)
	}
	progress(bosh.TaskEvent{TaskID: 77, Stage: "Preparing deployment", Task: "Preparing deployment", State: "finished"})
	l.d.mu.Lock()
	for _, b := range batches {
		for _, t := range b.Instances {
			for i, in := range l.d.insts[r.Deployment] {
				if in.Name == t.Name {
					in.VMCID, in.ProcessState, in.VMCreatedAt = "vm-new-"+in.ID[:8], bosh.StateRunning, t0.Add(-time.Minute)
					l.d.insts[r.Deployment][i] = in
				}
			}
		}
	}
	l.d.mu.Unlock()
	progress(bosh.TaskEvent{TaskID: 77, Stage: "Updating instance", Task: batches[0].Instances[0].Name + " (0) (canary)", State: "finished"})
	return 77, cache.OutcomeApplied, "", nil
}

func (l *fakeLifecycle) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.applied)
}

func newLifecycleHarness(t *testing.T, o Options) (*harness, *fakeLifecycle) {
	t.Helper()
	deps, insts := fixture(2, 8)
	d := newFakeDirector(deps, insts)
	lc := &fakeLifecycle{d: d}
	o.Director, o.Cache = d, newFakeCache(deps, insts, t0.Add(-time.Hour))
	o.StartScreen, o.StartDeployment = StartInstances, "cf-00"
	o.Data.Lifecycle = lc
	return newHarness(t, o, 140, 40).start(), lc
}

// cursorInstance is the instance under the instances screen's cursor.
func cursorInstance(t *testing.T, h *harness) bosh.Instance {
	t.Helper()
	s, ok := h.top().(*instancesScreen)
	if !ok {
		t.Fatalf("top is %T", h.top())
	}
	return *s.set.at(s.tbl.Cursor()).in
}

func TestRecreateFromTheInstancesScreen(t *testing.T) {
	h, lc := newLifecycleHarness(t, Options{})
	in := cursorInstance(t, h)
	h.keys("V")
	if _, ok := h.top().(*lifecycleScreen); !ok {
		t.Fatalf("V opened %T", h.top())
	}
	v := h.view()
	for _, want := range []string{"Recreate 1 instance(s) of cf-00?", "1. " + in.Name,
		"equivalent: bosh -d cf-00 recreate " + in.Group + "/" + in.ID, "(default: No)", "[instance "} {
		if !strings.Contains(v, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, v)
		}
	}
	h.keys("enter") // the default: No
	if lc.count() != 0 {
		t.Fatal("enter applied the recreate")
	}
	if _, ok := h.top().(*instancesScreen); !ok {
		t.Fatalf("after declining the top is %T", h.top())
	}

	h.keys("V", "tab")
	if v := h.view(); !strings.Contains(v, "[instance group "+in.Group+"]") || !strings.Contains(v, "Recreate 2 instance(s) of cf-00?") {
		t.Errorf("tab did not widen to the group:\n%s", v)
	}
	h.keys("tab", "tab") // deployment, then the instance again
	h.keys("y")
	if lc.count() != 1 || lc.applied[0].IndexOrID != in.ID || lc.applied[0].Action != bosh.ActionRecreate {
		t.Fatalf("applied %+v", lc.applied)
	}
	v = h.view()
	for _, want := range []string{"recreate instance " + instanceLabel(&in) + ": applied (task 77)", "vm-new-" + in.ID[:8],
		"was " + in.VMCID, "● running", "1m", "Updating instance › " + in.Name} {
		if !strings.Contains(v, want) {
			t.Errorf("after the task the screen lacks %q:\n%s", want, v)
		}
	}
	h.keys("esc")
	row := ""
	for _, l := range strings.Split(h.view(), "\n") {
		if strings.Contains(l, "vm-new-"+in.ID[:8]) {
			row = l
		}
	}
	if !strings.HasSuffix(strings.TrimSpace(row), " 1m") || !strings.Contains(row, "● running") {
		t.Errorf("the instances screen does not show the new VM, its state and age: %q\n%s", row, h.view())
	}
}

func TestLifecycleKeysOffInReadOnlyAndNamedInProduction(t *testing.T) {
	h, lc := newLifecycleHarness(t, Options{ReadOnly: true})
	h.keys("R")
	if _, ok := h.top().(*lifecycleScreen); ok || lc.count() != 0 {
		t.Fatalf("read-only: R opened %T", h.top())
	}
	if !strings.Contains(h.view(), "off in read-only mode") {
		t.Errorf("read-only: no word on R:\n%s", h.view())
	}

	h, lc = newLifecycleHarness(t, Options{Production: true})
	h.keys("O")
	if !strings.Contains(h.view(), "type cf-00 to confirm") {
		t.Fatalf("production: no typed-name confirmation:\n%s", h.view())
	}
	h.typeText("cf-01")
	h.keys("enter")
	if lc.count() != 0 {
		t.Fatal("a wrong name applied the stop")
	}
	h.typeText("cf-00")
	h.keys("enter")
	if lc.count() != 1 || lc.applied[0].Action != bosh.ActionStop {
		t.Fatalf("the right name did not apply: %+v", lc.applied)
	}
}

func TestRestartADeploymentFromTheDeploymentsScreen(t *testing.T) {
	h, lc := newLifecycleHarness(t, Options{})
	h.keys("esc") // the deployments screen
	h.keys("R")
	s, ok := h.top().(*lifecycleScreen)
	if !ok {
		t.Fatalf("R opened %T", h.top())
	}
	if len(s.scopes) != 1 || !strings.Contains(h.view(), "Restart 8 instance(s) of cf-00?") {
		t.Errorf("deployment restart plan:\n%s", h.view())
	}
	h.keys("y")
	if lc.count() != 1 || lc.applied[0].Group != "" {
		t.Errorf("applied %+v", lc.applied)
	}
}

// blockingLifecycle runs a task that goes on until it is cancelled.
type blockingLifecycle struct {
	fakeLifecycle
	release chan struct{}
}

func (l *blockingLifecycle) ChangeState(ctx context.Context, r bosh.LifecycleRequest, batches []bosh.LifecycleBatch,
	progress func(bosh.TaskEvent)) (int, cache.Outcome, string, error) {
	progress(bosh.TaskEvent{TaskID: 78, Stage: "Preparing deployment", Task: "Preparing deployment", State: "started"})
	<-l.release
	return 78, cache.OutcomeCancelled, "director task 78 was cancelled", fmt.Errorf("task 78 failed (state cancelled)")
}

// releasingTasks lets the blocked task end when it is cancelled.
type releasingTasks struct {
	*fakeTasks
	release chan struct{}
}

func (t releasingTasks) StopTask(ctx context.Context, id int) (bosh.Task, error) {
	task, err := t.fakeTasks.StopTask(ctx, id)
	close(t.release)
	return task, err
}

func TestCancelTheRunningTaskFromTheLifecycleScreen(t *testing.T) {
	deps, insts := fixture(1, 4)
	d := newFakeDirector(deps, insts)
	release := make(chan struct{})
	lc := &blockingLifecycle{fakeLifecycle: fakeLifecycle{d: d}, release: release}
	tasks := releasingTasks{fakeTasks: newFakeTasks(), release: release}
	o := Options{Director: d, Cache: newFakeCache(deps, insts, t0.Add(-time.Hour)), StartScreen: StartInstances,
		StartDeployment: "cf-00", Data: Data{Lifecycle: lc, Tasks: tasks}}
	h := newHarness(t, o, 120, 35).start()
	h.keys("V")
	s, ok := h.top().(*lifecycleScreen)
	if !ok {
		t.Fatalf("V opened %T", h.top())
	}
	h.post(keyMsg("y"))
	h.await("the task to start", func() bool { return s.taskID == 78 })
	h.post(keyMsg("X"))
	if v := h.view(); !strings.Contains(v, "Cancel task 78?") || !strings.Contains(v, "bosh cancel-task 78") {
		t.Fatalf("no cancel confirmation:\n%s", v)
	}
	h.post(keyMsg("n")) // the default: leave it running
	if _, cancelled := tasks.snapshot(); len(cancelled) != 0 || s.asking {
		t.Fatalf("n cancelled the task (%v)", cancelled)
	}
	h.post(keyMsg("X"))
	h.post(keyMsg("y"))
	h.await("the task to end", func() bool { return s.phase == lcDone })
	h.settle()
	if _, cancelled := tasks.snapshot(); len(cancelled) != 1 || cancelled[0] != 78 {
		t.Errorf("cancelled %v", cancelled)
	}
	if v := h.view(); !strings.Contains(v, "cancelled (task 78)") {
		t.Errorf("outcome not shown:\n%s", v)
	}
}

// A recreate of a silent agent without --fix fails as the director's does;
// the screen says what to do next, and F then makes it work.
func TestRecreateOfASilentAgentSuggestsFix(t *testing.T) {
	h, lc := newLifecycleHarness(t, Options{})
	lc.silent = true
	h.keys("V", "y")
	h.await("the failure", func() bool { return strings.Contains(h.view(), "failed") })
	if v := h.view(); !strings.Contains(v, "recreate again with --fix (F in the confirmation)") {
		t.Fatalf("no hint:\n%s", v)
	}
	h.keys("esc", "V", "F", "y")
	h.await("the recreate with --fix", func() bool { return lc.count() == 2 && strings.Contains(h.view(), "applied") })
	if r := lc.applied[1]; !r.Fix {
		t.Fatalf("second recreate without --fix: %+v", r)
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/sim"
)

// The tasks, locks and activity commands against the simulated director.

func simBoshClient(f *sim.Foundation) *bosh.Client {
	return bosh.New(bosh.Target{URL: f.DirectorURL(), CACert: f.CACertPEM(), Client: f.ClientID(), ClientSecret: f.ClientSecret()}, bosh.Options{})
}

func keysOf(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func wantKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s lacks key %q; has %v", what, k, keysOf(m))
		}
	}
}

var taskKeys = []string{"id", "state", "description", "user", "deployment", "started_at", "timestamp", "result", "context_id"}

func totalStarted(f *sim.Foundation) int {
	n := 0
	for _, v := range f.Stats().TasksStarted {
		n += v
	}
	return n
}

func TestTasksListingJSONAndNoTaskCreated(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAt(f)
	before := totalStarted(f)
	running := decode[[]map[string]any](t, e.run("tasks", "--json"))
	if len(running) != 1 || running[0]["state"] != "processing" {
		t.Fatalf("running tasks %v, want the upgrade in progress", running)
	}
	wantKeys(t, "running task", running[0], append(taskKeys, "source", "fetched_at")...)
	if running[0]["timestamp"] != nil || running[0]["result"] != nil {
		t.Errorf("a processing task has timestamp %v and result %v, want null", running[0]["timestamp"], running[0]["result"])
	}
	recent := decode[[]map[string]any](t, e.run("tasks", "--recent", "4", "--json"))
	if len(recent) != 4 {
		t.Fatalf("--recent 4: %d tasks", len(recent))
	}
	for _, r := range recent[1:] {
		wantKeys(t, "recent task", r, taskKeys...)
		if r["timestamp"] == nil || r["result"] == nil {
			t.Errorf("ended task %v: want its finish time and result", r["id"])
		}
	}
	def := decode[[]map[string]any](t, e.run("tasks", "--recent", "--json"))
	if len(def) != 30 {
		t.Errorf("--recent without a number: %d tasks, want 30", len(def))
	}
	dep := running[0]["deployment"].(string)
	byDep := decode[[]map[string]any](t, e.run("tasks", "-d", dep, "--json"))
	if len(byDep) != 1 {
		t.Errorf("tasks -d %s: %d, want 1", dep, len(byDep))
	}
	if got := totalStarted(f); got != before {
		t.Errorf("listing tasks started %d director tasks", got-before)
	}
	if r := e.run("tasks", "--recent", "0"); r.code != 2 {
		t.Errorf("--recent 0: exit %d, want 2", r.code)
	}
	if r := e.run("tasks", "--offline"); r.code != 2 || !strings.Contains(r.stderr, "offline") {
		t.Errorf("tasks --offline: exit %d %q, want 2 saying it needs the director", r.code, r.stderr)
	}
}

// pksDeployment is the PKS control plane's deployment, which no task holds.
func pksDeployment(t *testing.T, f *sim.Foundation) string {
	t.Helper()
	deps, err := simBoshClient(f).Deployments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deps {
		if strings.HasPrefix(d.Name, "pivotal-container-service-") {
			return d.Name
		}
	}
	t.Fatal("no PKS deployment")
	return ""
}

// startScan starts a cloud-check scan through the director and returns its
// task id as soon as the task has started.
func startScan(t *testing.T, f *sim.Foundation, dep string) (int, <-chan error) {
	t.Helper()
	c := simBoshClient(f)
	ids := make(chan int, 1)
	done := make(chan error, 1)
	go func() {
		sent := false
		_, err := c.ScanProblems(context.Background(), dep, func(ev bosh.TaskEvent) {
			if !sent {
				sent = true
				ids <- ev.TaskID
			}
		})
		done <- err
	}()
	select {
	case id := <-ids:
		return id, done
	case err := <-done:
		t.Fatalf("scan of %s ended before it started: %v", dep, err)
	}
	return 0, nil
}

func TestTaskFollowsUntilDone(t *testing.T) {
	f := startSim(t, sim.Options{TaskTime: 1200 * time.Millisecond})
	e := newEnv(t)
	e.pointAt(f)
	id, done := startScan(t, f, pksDeployment(t, f))
	r := e.run("task", fmt.Sprint(id))
	if r.code != 0 {
		t.Fatalf("task %d: exit %d, stderr %s", id, r.code, r.stderr)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.stdout, fmt.Sprintf("Task %d done", id)) || strings.Count(r.stdout, ": done\n") < 2 {
		t.Errorf("followed output lacks the finished steps and the end:\n%s", r.stdout)
	}
	raw := e.run("task", fmt.Sprint(id), "--event")
	lines := strings.Split(strings.TrimSpace(raw.stdout), "\n")
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Fatalf("--event line %q is not JSON", l)
		}
	}
	if strings.Count(r.stdout, "Task ") < len(lines) {
		t.Errorf("rendered %d lines for %d events: some were lost", strings.Count(r.stdout, "Task "), len(lines))
	}
	one := decode[map[string]any](t, e.run("task", fmt.Sprint(id), "--json"))
	wantKeys(t, "task", one, taskKeys...)
	if one["state"] != "done" {
		t.Errorf("task --json state %v", one["state"])
	}
	if r := e.run("task", "987654"); r.code != 2 || !strings.Contains(r.stderr, "no task 987654") {
		t.Errorf("unknown task: exit %d %q, want 2", r.code, r.stderr)
	}
	if r := e.run("task", "abc"); r.code != 2 {
		t.Errorf("task abc: exit %d, want 2", r.code)
	}
	if r := e.run("task", "1", "--debug", "--cpi"); r.code != 2 {
		t.Errorf("two output types: exit %d, want 2", r.code)
	}
}

func TestTaskFailedExitsOne(t *testing.T) {
	f := startSim(t, sim.Options{})
	f.SetFaults(sim.Faults{FailTasks: true})
	e := newEnv(t)
	e.pointAt(f)
	id, done := startScan(t, f, pksDeployment(t, f))
	<-done
	r := e.run("task", fmt.Sprint(id))
	if r.code != 1 || !strings.Contains(r.stdout, fmt.Sprintf("Task %d error", id)) {
		t.Errorf("failed task: exit %d, stdout %s, stderr %s; want 1 and the end state", r.code, r.stdout, r.stderr)
	}
	if r := e.run("task", fmt.Sprint(id), "--json"); r.code != 1 {
		t.Errorf("failed task --json: exit %d, want 1", r.code)
	}
}

func TestCancelTaskThroughTheGate(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAt(f)
	running := decode[[]map[string]any](t, e.run("tasks", "--json"))
	id := fmt.Sprint(running[0]["id"])
	if r := e.run("cancel-task", id, "--read-only"); r.code != 2 || !strings.Contains(r.stderr, "read-only") {
		t.Errorf("--read-only: exit %d %q, want 2", r.code, r.stderr)
	}
	if r := e.run("cancel-task", id); r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("no terminal, no --yes: exit %d %q, want 2 asking for --yes", r.code, r.stderr)
	}
	if st := decode[[]map[string]any](t, e.run("tasks", "--json")); len(st) != 1 || st[0]["state"] != "processing" {
		t.Fatalf("the task changed without a confirmation: %v", st)
	}
	r := e.run("cancel-task", id, "--yes", "--json")
	out := decode[map[string]any](t, r)
	if out["state"] != "cancelling" && out["state"] != "cancelled" {
		t.Errorf("after cancel-task the task is %v", out["state"])
	}
	ctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	n := int(running[0]["id"].(float64))
	if _, err := f.WaitTask(ctx, n, "cancelled"); err != nil {
		t.Fatal(err)
	}
	again := e.run("cancel-task", id, "--yes")
	if again.code != 2 || !strings.Contains(again.stderr, "Cannot cancel task "+id+": invalid state (cancelled)") {
		t.Errorf("cancelling a finished task: exit %d %q, want 2 with the director's message", again.code, again.stderr)
	}
	if r := e.run("cancel-task", "987654", "--yes"); r.code != 2 {
		t.Errorf("unknown task: exit %d, want 2", r.code)
	}
	hist := decode[[]map[string]any](t, e.run("history", "--json"))
	var outcomes []string
	for _, h := range hist {
		if h["action"] == "cancel-task" {
			outcomes = append(outcomes, h["outcome"].(string))
			if h["command"] != "bosh cancel-task "+id && h["command"] != "bosh cancel-task 987654" {
				t.Errorf("recorded command %v", h["command"])
			}
		}
	}
	want := "refused,applied,refused,refused"
	if got := strings.Join(outcomes, ","); !strings.HasPrefix(got, want) {
		t.Errorf("history outcomes newest first %s, want %s...", got, want)
	}
}

func TestLocksAndActivityJSON(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAt(f)
	locks := decode[[]map[string]any](t, e.run("locks", "--json"))
	if len(locks) != 1 {
		t.Fatalf("locks %v, want the upgrade's deployment lock", locks)
	}
	wantKeys(t, "lock", locks[0], "type", "resource", "timeout", "task_id", "source", "fetched_at")
	res := locks[0]["resource"].([]any)
	dep := res[0].(string)
	task := locks[0]["task_id"].(string)

	acts := decode[[]map[string]any](t, e.run("activity", "--json", "-d", dep, "--since", "7d"))
	if len(acts) == 0 {
		t.Fatalf("no activity on %s in 7 days", dep)
	}
	for _, a := range acts {
		wantKeys(t, "event", a, "id", "parent_id", "timestamp", "user", "action", "object_type", "object_name",
			"task", "deployment", "instance", "context", "error")
		if a["deployment"] != dep {
			t.Fatalf("activity -d %s holds %v", dep, a)
		}
	}
	byTask := decode[[]map[string]any](t, e.run("activity", "--json", "--task", task, "--action", "acquire"))
	if len(byTask) != 1 || byTask[0]["object_type"] != "lock" {
		t.Errorf("the lock's acquire event of task %s: %v", task, byTask)
	}
	few := decode[[]map[string]any](t, e.run("activity", "--json", "--limit", "3"))
	if len(few) != 3 {
		t.Fatalf("--limit 3: %d events", len(few))
	}
	older := decode[[]map[string]any](t, e.run("activity", "--json", "--limit", "1", "--before-id", few[1]["id"].(string)))
	if len(older) != 1 || older[0]["id"] != few[2]["id"] {
		t.Errorf("--before-id %v: %v, want event %v", few[1]["id"], older, few[2]["id"])
	}
	if r := e.run("activity", "--since", "soon"); r.code != 2 {
		t.Errorf("bad --since: exit %d, want 2", r.code)
	}
	if r := e.run("locks", "--offline"); r.code != 2 {
		t.Errorf("locks --offline: exit %d, want 2", r.code)
	}
}

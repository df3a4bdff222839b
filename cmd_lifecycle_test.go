package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"bosun/sim"
)

// lifecycleOut is `bosun restart|recreate|stop|start --json`.
type lifecycleOut struct {
	Action     string   `json:"action"`
	Deployment string   `json:"deployment"`
	Targets    []string `json:"targets"`
	TaskID     *int     `json:"task_id"`
	Outcome    string   `json:"outcome"`
}

func lifecycleJSON(t *testing.T, r result) lifecycleOut {
	t.Helper()
	var raw map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		t.Fatalf("exit %d, not JSON: %v\nstdout %s\nstderr %s", r.code, err, r.stdout, r.stderr)
	}
	for _, k := range []string{"action", "deployment", "targets", "task_id", "outcome"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, r.stdout)
		}
	}
	var v lifecycleOut
	json.Unmarshal([]byte(r.stdout), &v)
	return v
}

type instOut struct {
	Deployment   string `json:"deployment"`
	Instance     string `json:"instance"`
	Index        int    `json:"index"`
	ProcessState string `json:"process_state"`
	VMCID        string `json:"vm_cid"`
	Processes    []struct {
		Name  string `json:"name"`
		State string `json:"state"`
	} `json:"processes"`
}

// instanceWith is the first instance in process state ps outside the
// locked deployments.
func instanceWith(t *testing.T, e *env, f *sim.Foundation, ps string) instOut {
	t.Helper()
	locked := strings.Join(f.LockedDeployments(), " ")
	for _, in := range decode[[]instOut](t, e.run("instances", "--json")) {
		if in.ProcessState == ps && !strings.Contains(locked, in.Deployment) {
			return in
		}
	}
	t.Fatalf("no %s instance", ps)
	return instOut{}
}

func instanceNamed(t *testing.T, e *env, dep, name string) instOut {
	t.Helper()
	for _, in := range decode[[]instOut](t, e.run("instances", "-d", dep, "--json")) {
		if in.Instance == name {
			return in
		}
	}
	t.Fatalf("%s not in %s", name, dep)
	return instOut{}
}

func lastHistory(t *testing.T, e *env, dep string) map[string]any {
	t.Helper()
	hist := decode[[]map[string]any](t, e.run("history", "--json", "-d", dep))
	if len(hist) == 0 {
		t.Fatalf("no history for %s", dep)
	}
	return hist[0]
}

func TestRecreateFixesAFailingInstanceAndIsRecorded(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAt(f)
	in := instanceWith(t, e, f, "failing")

	// A restart leaves it failing: the task fails, exit 1.
	r := e.run("restart", "-d", in.Deployment, in.Instance, "--yes", "--json")
	if out := lifecycleJSON(t, r); r.code != 1 || out.Outcome != "failed" || out.TaskID == nil {
		t.Fatalf("restart of a failing instance: exit %d %+v\n%s", r.code, out, r.stderr)
	}

	r = e.run("recreate", "-d", in.Deployment, in.Instance, "--yes", "--json")
	out := lifecycleJSON(t, r)
	if r.code != 0 || out.Outcome != "applied" || out.Action != "recreate" || out.TaskID == nil ||
		len(out.Targets) != 1 || out.Targets[0] != in.Instance {
		t.Fatalf("recreate: exit %d %+v\n%s", r.code, out, r.stderr)
	}
	if !strings.Contains(r.stderr, "Updating instance > "+in.Instance) {
		t.Errorf("task events not on stderr:\n%s", r.stderr)
	}
	after := instanceNamed(t, e, in.Deployment, in.Instance)
	if after.ProcessState != "running" || after.VMCID == "" || after.VMCID == in.VMCID {
		t.Errorf("after recreate: %s %s (was %s)", after.ProcessState, after.VMCID, in.VMCID)
	}
	h := lastHistory(t, e, in.Deployment)
	ids, _ := h["task_ids"].([]any)
	if h["action"] != "recreate" || h["outcome"] != "applied" || len(ids) != 1 || int(ids[0].(float64)) != *out.TaskID ||
		!strings.Contains(h["command"].(string), "bosh -d "+in.Deployment+" recreate "+in.Instance) {
		t.Errorf("history %v", h)
	}
}

func TestStopStopsProcessesAndStartBringsThemBack(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAt(f)
	dep := ""
	for _, d := range decode[[]map[string]any](t, e.run("deployments", "--json")) {
		if name := d["name"].(string); strings.HasPrefix(name, "harbor-") {
			dep = name
		}
	}
	// The errand instance group has no state to change.
	if r := e.run("restart", "-d", dep, "smoke-testing", "--yes"); r.code != 2 || !strings.Contains(r.stderr, "errand") {
		t.Errorf("restart of the errand group: exit %d %s", r.code, r.stderr)
	}
	dry := e.run("recreate", "-d", dep, "--dry-run", "--yes", "--json")
	if out := lifecycleJSON(t, dry); dry.code != 0 || out.Outcome != "unchanged" || len(out.Targets) != 1 ||
		!strings.HasPrefix(out.Targets[0], "harbor-app/") {
		t.Errorf("recreate --dry-run of the deployment: exit %d %+v\n%s", dry.code, out, dry.stderr)
	}
	r := e.run("stop", "-d", dep, "harbor-app", "--yes", "--json")
	out := lifecycleJSON(t, r)
	if r.code != 0 || out.Outcome != "applied" || len(out.Targets) != 1 {
		t.Fatalf("stop: exit %d %+v\n%s", r.code, out, r.stderr)
	}
	in := instanceNamed(t, e, dep, out.Targets[0])
	if in.ProcessState != "stopped" || len(in.Processes) == 0 {
		t.Fatalf("after stop: %+v", in)
	}
	for _, p := range in.Processes {
		if p.State != "stopped" {
			t.Errorf("process %s %s after stop", p.Name, p.State)
		}
	}
	if r := e.run("start", "-d", dep, "harbor-app/0", "--yes"); r.code != 0 || !strings.Contains(r.stdout, "applied") {
		t.Fatalf("start: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if in = instanceNamed(t, e, dep, out.Targets[0]); in.ProcessState != "running" {
		t.Errorf("after start: %s", in.ProcessState)
	}
}

func TestLifecycleRefusals(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAt(f)
	in := instanceWith(t, e, f, "running")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"restart", "-d", in.Deployment, "nosuchgroup", "--yes"}, "no instance group"},
		{[]string{"restart", "-d", in.Deployment, strings.Split(in.Instance, "/")[0] + "/99", "--yes"}, "no instance"},
		{[]string{"restart", "-d", f.LockedDeployments()[0], "--yes"}, "is locked by task"},
		{[]string{"restart", "-d", in.Deployment}, "--yes"},
		{[]string{"stop", "-d", in.Deployment, "--no-converge", "--yes"}, "--no-converge"},
		{[]string{"restart", "-d", in.Deployment, "--fix", "--yes"}, "unknown flag"},
		{[]string{"--read-only", "recreate", "-d", in.Deployment, in.Instance, "--yes"}, "--read-only"},
	}
	for _, c := range cases {
		r := e.run(c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %s", c.args, r.code, r.stderr)
		}
	}
	h := lastHistory(t, e, in.Deployment)
	if h["action"] != "recreate" || h["outcome"] != "refused" || !strings.Contains(h["detail"].(string), "--read-only") {
		t.Errorf("read-only refusal not recorded: %v", h)
	}
	locked := f.LockedDeployments()[0]
	r := e.run("stop", "-d", locked, "--yes", "--json")
	if out := lifecycleJSON(t, r); r.code != 2 || out.Outcome != "refused" || out.TaskID != nil {
		t.Errorf("locked deployment, --json: exit %d %+v", r.code, out)
	}
	if h := lastHistory(t, e, locked); h["action"] != "stop" || h["outcome"] != "refused" || !strings.Contains(h["detail"].(string), "locked by task") {
		t.Errorf("lock refusal not recorded: %v", h)
	}
	if after := instanceNamed(t, e, in.Deployment, in.Instance); after.VMCID != in.VMCID {
		t.Errorf("a refused recreate changed the VM: %s -> %s", in.VMCID, after.VMCID)
	}
}

func TestRestartInterruptedLeavesTheTaskRunning(t *testing.T) {
	f := startSim(t, sim.Options{TaskTime: 2 * time.Second})
	e := newEnv(t)
	e.pointAt(f)
	in := instanceWith(t, e, f, "running")
	cmd := exec.Command(bosunBin, "restart", "-d", in.Deployment, in.Instance, "--yes")
	for k, v := range e.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var rest strings.Builder
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "Task ") { // the task runs: its first event came
			cmd.Process.Signal(syscall.SIGINT)
			break
		}
	}
	for sc.Scan() {
		rest.WriteString(sc.Text() + "\n")
	}
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(rest.String(), "bosun cancel-task") {
		t.Fatalf("exit %d, stderr after the signal:\n%s", code, rest.String())
	}
	h := lastHistory(t, e, in.Deployment)
	ids, _ := h["task_ids"].([]any)
	if h["outcome"] != "interrupted" || len(ids) != 1 || !strings.Contains(h["detail"].(string), "goes on") {
		t.Fatalf("history %v", h)
	}
	id := int(ids[0].(float64))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if state, err := f.WaitTask(ctx, id, "done", "cancelled", "error"); state != "done" {
		t.Errorf("task %d after the interruption: %s %v; want it to go on to done", id, state, err)
	}
}

func TestRestartCancelledByCancelTaskIsRecordedCancelled(t *testing.T) {
	f := startSim(t, sim.Options{TaskTime: 2 * time.Second})
	e := newEnv(t)
	e.pointAt(f)
	in := instanceWith(t, e, f, "running")
	cmd := exec.Command(bosunBin, "restart", "-d", in.Deployment, in.Instance, "--yes", "--json")
	for k, v := range e.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	id := 0
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "Task %d", &id); err == nil {
			break
		}
	}
	if r := e.run("cancel-task", strconv.Itoa(id), "--yes"); r.code != 0 {
		t.Fatalf("cancel-task %d: exit %d %s", id, r.code, r.stderr)
	}
	for sc.Scan() {
	}
	cmd.Wait()
	out := lifecycleJSON(t, result{stdout: stdout.String()})
	if code := cmd.ProcessState.ExitCode(); code != 1 || out.Outcome != "cancelled" || out.TaskID == nil || *out.TaskID != id {
		t.Errorf("exit %d, %+v", code, out)
	}
	var restart map[string]any
	for _, h := range decode[[]map[string]any](t, e.run("history", "--json", "-d", in.Deployment)) {
		if h["action"] == "restart" {
			restart = h
			break
		}
	}
	if restart["outcome"] != "cancelled" || !strings.Contains(fmt.Sprint(restart["detail"]), "cancelled") {
		t.Errorf("history of the restart %v", restart)
	}
}

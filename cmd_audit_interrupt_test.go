package main

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"bosun/sim"
)

// The audit roll interrupted on the built binary: by SIGINT (finish the
// master, stop, exit 130), by SIGINT twice (roll the master back at
// once), by kill -9 (the next status names the lock, the rerun completes).

// startAudit runs `bosun audit ACTION` in the background; lines is its
// stderr line by line.
func startAudit(t *testing.T, e *env, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(bosunBin, args...)
	for k, v := range e.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 256)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, lines
}

// waitLine reads lines until one contains want; it returns what was read.
func waitLine(t *testing.T, lines <-chan string, want string) string {
	t.Helper()
	var seen []string
	for l := range lines {
		seen = append(seen, l)
		if strings.Contains(l, want) {
			return strings.Join(seen, "\n")
		}
	}
	t.Fatalf("never printed %q:\n%s", want, strings.Join(seen, "\n"))
	return ""
}

func rest(lines <-chan string) string {
	var b strings.Builder
	for l := range lines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

type historyAction struct {
	Action, Outcome, Detail string
	Targets                 []struct {
		Name    string
		Outcome *string
	}
}

func lastAction(t *testing.T, e *env, dep string) historyAction {
	t.Helper()
	acts := decode[[]historyAction](t, e.run("history", "--json", "-d", dep))
	if len(acts) == 0 {
		t.Fatal("no action recorded")
	}
	return acts[0]
}

func outcomeOf(a historyAction, i int) string {
	if o := a.Targets[i].Outcome; o != nil {
		return *o
	}
	return "not reached"
}

func interruptFixture(t *testing.T) (*env, string, []string) {
	t.Helper()
	f := startSim(t, sim.Options{Seed: 1, APIServerStart: 500 * time.Millisecond})
	e := newEnv(t)
	e.pointAt(f)
	dep, ids := threeMasterClusterOff(t, e)
	return e, dep, ids
}

func TestAuditRollSIGINTFinishesTheMasterAndStops(t *testing.T) {
	e, dep, ids := interruptFixture(t)
	cmd, lines := startAudit(t, e, "audit", "enable", "-c", dep, "--yes", "--health-poll", "20ms")
	waitLine(t, lines, "master/"+ids[0]+": waiting for health")
	cmd.Process.Signal(syscall.SIGINT)
	out := rest(lines)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 || !strings.Contains(out, "finishing the master being changed") {
		t.Fatalf("exit %v, stderr:\n%s", err, out)
	}
	a := lastAction(t, e, dep)
	if a.Action != "audit enable" || a.Outcome != "interrupted" || outcomeOf(a, 0) != "applied" || outcomeOf(a, 1) != "not reached" ||
		outcomeOf(a, 2) != "not reached" || !strings.Contains(a.Detail, "not reached") {
		t.Fatalf("recorded %+v", a)
	}
	st := decode[auditStatusJSON](t, e.run("audit", "status", "-c", dep, "--json"))
	if !st.Masters[0].Enabled || st.Masters[1].Enabled || st.Masters[2].Enabled {
		t.Fatalf("after the stop: %+v", st.Masters)
	}
	for _, m := range st.Masters {
		if m.Reverted || m.Differs {
			t.Fatalf("a false revert after the stop: %+v", m)
		}
	}
	if r := e.run("audit", "enable", "-c", dep, "--yes", "--health-poll", "20ms"); r.code != 0 || strings.Count(r.stdout, " changed ") != 2 {
		t.Fatalf("the rerun: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestAuditRollSecondSIGINTRollsBackAtOnce(t *testing.T) {
	e, dep, ids := interruptFixture(t)
	cmd, lines := startAudit(t, e, "audit", "enable", "-c", dep, "--yes", "--health-poll", "20ms", "--health-timeout", "10m")
	waitLine(t, lines, "master/"+ids[0]+": waiting for health")
	cmd.Process.Signal(syscall.SIGINT)
	waitLine(t, lines, "again to stop at once")
	cmd.Process.Signal(syscall.SIGINT)
	out := rest(lines)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("exit %v, stderr:\n%s", err, out)
	}
	a := lastAction(t, e, dep)
	if a.Outcome != "interrupted" || outcomeOf(a, 0) != "rolled_back" || outcomeOf(a, 1) != "not reached" {
		t.Fatalf("recorded %+v", a)
	}
	st := decode[auditStatusJSON](t, e.run("audit", "status", "-c", dep, "--json"))
	for _, m := range st.Masters {
		if m.Enabled {
			t.Fatalf("a master kept the change after the rollback: %+v", st.Masters)
		}
	}
}

func TestAuditRollKilledLeavesATraceAndTheRerunCompletes(t *testing.T) {
	e, dep, ids := interruptFixture(t)
	cmd, lines := startAudit(t, e, "audit", "enable", "-c", dep, "--yes", "--health-poll", "20ms")
	waitLine(t, lines, "master/"+ids[1]+": waiting for health")
	cmd.Process.Kill()
	cmd.Wait()
	a := lastAction(t, e, dep)
	if a.Outcome != "interrupted" || outcomeOf(a, 0) != "applied" || outcomeOf(a, 1) != "not reached" {
		t.Fatalf("after kill -9 the history says %+v", a)
	}
	r := e.run("audit", "status", "-c", dep)
	if !strings.Contains(r.stdout, "lock is held on master/"+ids[0]) || strings.Contains(r.stdout, "reverted") {
		t.Fatalf("status after kill -9:\n%s", r.stdout)
	}
	var st auditStatusJSON
	json.Unmarshal([]byte(e.run("audit", "status", "-c", dep, "--json").stdout), &st)
	on := 0
	for _, m := range st.Masters {
		if m.Enabled {
			on++
		}
	}
	if on < 1 || on > 2 {
		t.Fatalf("%d masters on after a kill during the second", on)
	}
	r = e.run("audit", "enable", "-c", dep, "--yes", "--health-poll", "20ms")
	if r.code != 0 || !strings.Contains(r.stderr, "taking it over") {
		t.Fatalf("the rerun: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	st = decode[auditStatusJSON](t, e.run("audit", "status", "-c", dep, "--json"))
	for _, m := range st.Masters {
		if !m.Enabled {
			t.Fatalf("after the rerun: %+v", st.Masters)
		}
	}
}

// SIGINT while the director applies cloud-check resolutions: bosun stops
// following, the task goes on, the action is recorded interrupted with the
// task id, and bosun says how to cancel it.
func TestCCKResolveSIGINTLeavesTheTaskAndSaysSo(t *testing.T) {
	f := startSim(t, sim.Options{Drift: true, TaskTime: 1500 * time.Millisecond})
	e := newEnv(t)
	e.pointAt(f)
	dep := driftedNamed(t, f, "harbor-")
	cmd, lines := startAudit(t, e, "cck", "-d", dep, "--auto", "--yes")
	waitLine(t, lines, "Task ")                              // the scan
	waitLine(t, lines, "Scanning 1 persistent disks > 0 OK") // its last step
	seen := waitLine(t, lines, "Task ")                      // the resolution's task
	cmd.Process.Signal(syscall.SIGINT)
	out := rest(lines)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 || !strings.Contains(out, "goes on; `bosun cancel-task ") {
		t.Fatalf("exit %v, stderr:\n%s\n%s", err, seen, out)
	}
	acts := decode[[]struct {
		Action, Outcome, Detail string
		TaskIDs                 []int64 `json:"task_ids"`
	}](t, e.run("history", "--json", "-d", dep))
	if len(acts) != 1 || acts[0].Action != "cck resolve" || acts[0].Outcome != "interrupted" || len(acts[0].TaskIDs) != 1 ||
		!strings.Contains(acts[0].Detail, "cancel-task") {
		t.Fatalf("recorded %+v", acts)
	}
}

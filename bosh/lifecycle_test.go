package bosh_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/sim"
)

// instanceIn finds an instance in process state ps, outside the locked
// deployments.
func instanceIn(t *testing.T, f *sim.Foundation, c *bosh.Client, ps string) bosh.Instance {
	t.Helper()
	ctx := context.Background()
	deps, err := c.Deployments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	locked := strings.Join(f.LockedDeployments(), " ")
	for _, d := range deps {
		if strings.Contains(locked, d.Name) {
			continue
		}
		insts, err := c.InstanceDetails(ctx, d.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range insts {
			if in.ProcessState == ps {
				return in
			}
		}
	}
	t.Fatalf("no %s instance", ps)
	return bosh.Instance{}
}

func detailsOf(t *testing.T, c *bosh.Client, dep, id string) bosh.Instance {
	t.Helper()
	insts, err := c.InstanceDetails(context.Background(), dep)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range insts {
		if in.ID == id {
			return in
		}
	}
	t.Fatalf("%s not in %s", id, dep)
	return bosh.Instance{}
}

func TestChangeStateRecreatesAndStreamsTheTask(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1, TaskTime: 20 * time.Millisecond})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	in := instanceIn(t, f, c, bosh.StateFailing)
	var mu sync.Mutex
	var startedID int
	var stages []string
	progress := func(ev bosh.TaskEvent) {
		mu.Lock()
		defer mu.Unlock()
		if startedID == 0 {
			t.Errorf("event before the task id was reported: %+v", ev)
		}
		if ev.State == "finished" {
			stages = append(stages, ev.Stage+": "+ev.Task)
		}
	}
	started := func(id int) {
		mu.Lock()
		startedID = id
		mu.Unlock()
	}
	r := bosh.LifecycleRequest{Action: bosh.ActionRecreate, Deployment: in.Deployment, Group: in.Group, IndexOrID: in.ID}
	id, err := c.ChangeState(context.Background(), r, progress, started)
	if err != nil {
		t.Fatal(err)
	}
	if id == 0 || id != startedID {
		t.Errorf("task %d, reported %d", id, startedID)
	}
	joined := strings.Join(stages, "\n")
	if !strings.Contains(joined, "Preparing deployment: Preparing deployment") ||
		!strings.Contains(joined, "Updating instance: "+in.Name+" (") {
		t.Errorf("stages:\n%s", joined)
	}
	after := detailsOf(t, c, in.Deployment, in.ID)
	if after.ProcessState != bosh.StateRunning || after.VMCID == in.VMCID || after.VMCID == "" || !after.VMCreatedAt.After(in.VMCreatedAt) {
		t.Errorf("after recreate: %s %s %v (before %s %v)", after.ProcessState, after.VMCID, after.VMCreatedAt, in.VMCID, in.VMCreatedAt)
	}

	// Stop, no converge, on the same instance: its processes stop.
	r = bosh.LifecycleRequest{Action: bosh.ActionStop, Deployment: in.Deployment, Group: in.Group, IndexOrID: in.ID, NoConverge: true}
	if _, err := c.ChangeState(context.Background(), r, nil, nil); err != nil {
		t.Fatal(err)
	}
	if st := detailsOf(t, c, in.Deployment, in.ID); st.ProcessState != bosh.StateStopped || st.State != "stopped" {
		t.Errorf("after stop: %s, desired %s", st.ProcessState, st.State)
	}
}

func TestChangeStateRefusalsAndFailures(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1, TaskTime: 20 * time.Millisecond})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	ctx := context.Background()
	locked := f.LockedDeployments()
	if len(locked) == 0 {
		t.Fatal("the simulator holds no deployment lock")
	}
	_, err := c.ChangeState(ctx, bosh.LifecycleRequest{Action: bosh.ActionRestart, Deployment: locked[0]}, nil, nil)
	var le *bosh.LockError
	if !errors.As(err, &le) || le.TaskID == 0 || le.TaskDesc != "create deployment" {
		t.Errorf("locked deployment: %v", err)
	}

	in := instanceIn(t, f, c, bosh.StateFailing)
	r := bosh.LifecycleRequest{Action: bosh.ActionRestart, Deployment: in.Deployment, Group: in.Group, IndexOrID: in.ID}
	id, err := c.ChangeState(ctx, r, nil, nil)
	if bosh.KindOf(err) != bosh.KindTaskFailed || id == 0 || !strings.Contains(err.Error(), "is not running after update") {
		t.Errorf("restart of a failing instance: task %d, %v", id, err)
	}

	r.IndexOrID = "77"
	if _, err := c.ChangeState(ctx, r, nil, nil); bosh.KindOf(err) != bosh.KindNotFound {
		t.Errorf("unknown index: %v (%v)", err, bosh.KindOf(err))
	}
	for _, bad := range []bosh.LifecycleRequest{
		{Action: bosh.ActionRestart, Deployment: in.Deployment, Fix: true},
		{Action: bosh.ActionStop, Deployment: in.Deployment, Group: in.Group, NoConverge: true},
		{Action: bosh.ActionRecreate, Deployment: in.Deployment, Canaries: "lots"},
		{Action: "reboot", Deployment: in.Deployment},
	} {
		if _, err := c.ChangeState(ctx, bad, nil, nil); bosh.KindOf(err) != bosh.KindConfig {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

func TestLifecycleOrderCanariesThenMaxInFlight(t *testing.T) {
	var insts []bosh.Instance
	for i, az := range []string{"z1", "z2", "z1", "z2", "z1", "z3"} {
		insts = append(insts, bosh.Instance{Group: "worker", Index: i, AZ: az, Name: "worker/" + string(rune('a'+i))})
	}
	insts = append(insts, bosh.Instance{Group: "master", Index: 0, AZ: "z1", Name: "master/m"},
		bosh.Instance{Group: "smoke-tests", Index: 0, AZ: "z1", Name: "smoke-tests/s"})
	r := bosh.LifecycleRequest{Action: bosh.ActionRestart, Deployment: "d", MaxInFlight: "2"}
	got := bosh.LifecycleOrder(insts, bosh.UpdateSettings{Canaries: "1", MaxInFlight: "1", Errands: map[string]bool{"smoke-tests": true}}, r)
	var text []string
	for _, b := range got {
		var names []string
		for _, in := range b.Instances {
			names = append(names, in.Name)
		}
		s := strings.Join(names, "+")
		if b.Canary {
			s += "(c)"
		}
		text = append(text, s)
	}
	want := "worker/a(c) worker/c+worker/e worker/b+worker/d worker/f master/m(c)"
	if strings.Join(text, " ") != want {
		t.Errorf("order %v, want %s", text, want)
	}
}

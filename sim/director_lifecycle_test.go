package sim

import (
	"strings"
	"testing"

	"github.com/cloudfoundry/bosh-cli/v7/director"
)

// instanceWhere finds the first instance matching ok, with its deployment.
func instanceWhere(t *testing.T, f *Foundation, ok func(*instance) bool) (*deployment, *instance) {
	t.Helper()
	for _, d := range f.content.deployments {
		for _, in := range d.Instances {
			if ok(in) {
				return d, in
			}
		}
	}
	t.Fatal("no such instance in the content")
	return nil, nil
}

// quiet says whether d can be updated: no lock held and every agent
// answers.
func quiet(f *Foundation, d *deployment) bool {
	f.mu.Lock()
	locked := f.deploymentLockedLocked(d.Name)
	f.mu.Unlock()
	if locked {
		return false
	}
	for _, in := range d.Instances {
		if in.Health == healthUnresponsive && in.VM != nil {
			return false
		}
	}
	return true
}

// vmInfoOf is the format=full line of one instance.
func vmInfoOf(t *testing.T, d director.Director, dep, id string) director.VMInfo {
	t.Helper()
	deployment, err := d.FindDeployment(dep)
	if err != nil {
		t.Fatal(err)
	}
	infos, err := deployment.InstanceInfos()
	if err != nil {
		t.Fatal(err)
	}
	for _, vi := range infos {
		if vi.ID == id {
			return vi
		}
	}
	t.Fatalf("instance %s not listed in %s", id, dep)
	return director.VMInfo{}
}

// lastTaskEvents are the event lines of the task the recorder saw last.
func lastTaskEvents(t *testing.T, rec *taskRecorder) (int, []map[string]any) {
	t.Helper()
	var id int
	for {
		select {
		case id = <-rec.started:
			continue
		default:
		}
		break
	}
	if id == 0 {
		t.Fatal("no task started")
	}
	return id, eventLines(t, rec.output(id))
}

func taskLines(lines []map[string]any) []string {
	var out []string
	for _, l := range lines {
		if l["stage"] != nil {
			out = append(out, l["stage"].(string)+" > "+l["task"].(string)+" "+l["state"].(string))
		}
	}
	return out
}

func TestRecreateFixesAFailingInstanceWithANewVM(t *testing.T) {
	f := startSim(t, Options{Seed: 1})
	dep, in := instanceWhere(t, f, func(in *instance) bool { return in.Failing == "kubelet" })
	rec := newTaskRecorder()
	d := adminDirector(t, f, rec)
	before := vmInfoOf(t, d, dep.Name, in.ID)
	if before.ProcessState != "failing" || before.VMID == "" {
		t.Fatalf("seeded instance: %+v", before)
	}
	deployment, _ := d.FindDeployment(dep.Name)
	slug := director.NewAllOrInstanceGroupOrInstanceSlug(in.Group.Name, in.ID)

	// A restart on the same VM fails as the process fails again.
	err := deployment.Restart(slug, director.RestartOpts{Converge: true})
	if err == nil || !strings.Contains(err.Error(), "Expected task") {
		t.Fatalf("restart of a failing instance: %v", err)
	}
	id, lines := lastTaskEvents(t, rec)
	last := lines[len(lines)-1]["error"].(map[string]any)["message"].(string)
	if !strings.Contains(last, "is not running after update. Review logs for failed jobs: kubelet") {
		t.Errorf("task %d error: %q", id, last)
	}

	if err := deployment.Recreate(slug, director.RecreateOpts{Converge: true}); err != nil {
		t.Fatal(err)
	}
	id, lines = lastTaskEvents(t, rec)
	got := strings.Join(taskLines(lines), "\n")
	want := "Updating instance > " + in.name() + " (" + itoa(in.Index) + ") (canary) finished"
	if !strings.HasPrefix(got, "Preparing deployment > Preparing deployment started") || !strings.Contains(got, want) {
		t.Errorf("task %d event log:\n%s\nwant %q", id, got, want)
	}
	after := vmInfoOf(t, d, dep.Name, in.ID)
	if after.ProcessState != "running" || after.VMID == before.VMID || after.AgentID == before.AgentID ||
		after.VMCreatedAt.IsZero() || !after.VMCreatedAt.After(before.VMCreatedAt) || after.State != "started" {
		t.Errorf("after recreate: %+v (before %+v)", after, before)
	}
	task, err := d.FindTask(id)
	if err != nil || task.Description() != "create deployment" || task.DeploymentName() != dep.Name {
		t.Errorf("task %d: %v %v", id, task, err)
	}
	evs, err := d.Events(director.EventsFilter{Task: itoa(id)})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action()+" "+e.ObjectType()+" "+e.ObjectName())
	}
	joined := strings.Join(actions, "\n")
	if !strings.Contains(joined, "recreate instance "+in.name()) || !strings.Contains(joined, "update deployment "+dep.Name) {
		t.Errorf("events of task %d:\n%s", id, joined)
	}
}

func TestStopStopsProcessesAndHardStopDeletesTheVM(t *testing.T) {
	f := startSim(t, Options{Seed: 1})
	dep, in := instanceWhere(t, f, func(in *instance) bool {
		return strings.HasPrefix(in.Deployment, "service-instance_") && in.Group.Name == "master" && in.Health == healthRunning &&
			quiet(f, f.content.byName[in.Deployment])
	})
	d := adminDirector(t, f, nil)
	deployment, _ := d.FindDeployment(dep.Name)
	slug := director.NewAllOrInstanceGroupOrInstanceSlug(in.Group.Name, itoa(in.Index))
	if err := deployment.Stop(slug, director.StopOpts{Converge: true}); err != nil {
		t.Fatal(err)
	}
	vi := vmInfoOf(t, d, dep.Name, in.ID)
	if vi.ProcessState != "stopped" || vi.State != "stopped" || len(vi.Processes) == 0 {
		t.Fatalf("after stop: %+v", vi)
	}
	for _, p := range vi.Processes {
		if p.State != "stopped" {
			t.Errorf("process %s is %s after stop", p.Name, p.State)
		}
	}
	if err := deployment.Stop(slug, director.StopOpts{Converge: true, Hard: true}); err != nil {
		t.Fatal(err)
	}
	vi = vmInfoOf(t, d, dep.Name, in.ID)
	if vi.VMID != "" || vi.State != "detached" {
		t.Fatalf("after stop --hard: %+v", vi)
	}
	insts, err := deployment.Instances()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range insts {
		if i.ID == in.ID && (i.ExpectsVM || i.VMID != "") {
			t.Errorf("detached instance listed %+v", i)
		}
	}
	if err := deployment.Start(slug, director.StartOpts{Converge: true}); err != nil {
		t.Fatal(err)
	}
	if vi = vmInfoOf(t, d, dep.Name, in.ID); vi.VMID == "" || vi.ProcessState != "running" || vi.State != "started" {
		t.Fatalf("after start: %+v", vi)
	}
}

func TestCanariesThenMaxInFlightBatches(t *testing.T) {
	f := startSim(t, Options{Seed: 1, Deployments: 1, InstancesPerDeployment: 8})
	dep, in := instanceWhere(t, f, func(in *instance) bool {
		if !quiet(f, f.content.byName[in.Deployment]) {
			return false
		}
		members := groupMembers(f.content.byName[in.Deployment], in.Group)
		for _, o := range members {
			if o.Failing != "" || o.Group.Errand {
				return false
			}
		}
		return len(members) >= 4
	})
	rec := newTaskRecorder()
	d := adminDirector(t, f, rec)
	deployment, _ := d.FindDeployment(dep.Name)
	err := deployment.Restart(director.NewAllOrInstanceGroupOrInstanceSlug(in.Group.Name, ""),
		director.RestartOpts{Converge: true, Canaries: "1", MaxInFlight: "2"})
	if err != nil {
		t.Fatal(err)
	}
	_, lines := lastTaskEvents(t, rec)
	var seq []string // s/f per instance line of the stage
	for _, l := range lines {
		if l["stage"] == "Updating instance" {
			seq = append(seq, l["state"].(string)[:1])
			if l["index"].(float64) == 1 && !strings.HasSuffix(l["task"].(string), "(canary)") {
				t.Errorf("first update is not the canary: %v", l)
			}
		}
	}
	// The canary alone, then two at a time within each availability zone.
	if got := strings.Join(seq, ""); !strings.HasPrefix(got, "sf") || !strings.Contains(got, "ssff") || strings.Contains(got, "sss") {
		t.Errorf("update order %s: want the canary alone, then two at a time", got)
	}
}

func groupMembers(d *deployment, g *instanceGroup) []*instance {
	var out []*instance
	for _, in := range d.Instances {
		if in.Group == g {
			out = append(out, in)
		}
	}
	return out
}

func TestNoConvergeActionsAndBadInstances(t *testing.T) {
	f := startSim(t, Options{Seed: 1})
	dep, in := instanceWhere(t, f, func(in *instance) bool { return in.Failing == "kubelet" })
	rec := newTaskRecorder()
	d := adminDirector(t, f, rec)
	deployment, _ := d.FindDeployment(dep.Name)
	before := vmInfoOf(t, d, dep.Name, in.ID)
	slug := director.NewAllOrInstanceGroupOrInstanceSlug(in.Group.Name, in.ID)
	if err := deployment.Recreate(slug, director.RecreateOpts{}); err != nil {
		t.Fatal(err)
	}
	id, lines := lastTaskEvents(t, rec)
	stage := "Updating instance " + in.name() + " (" + itoa(in.Index) + ")"
	want := []string{"Stopping instance", "Deleting VM", "Creating VM", "Starting instance"}
	var got []string
	for _, l := range lines {
		if l["stage"] == stage && l["state"] == "finished" {
			got = append(got, l["task"].(string))
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("steps %v, want %v", got, want)
	}
	if task, _ := d.FindTask(id); task == nil || task.Description() != "recreate instance" {
		t.Errorf("task %d: %v", id, task)
	}
	after := vmInfoOf(t, d, dep.Name, in.ID)
	if after.VMID == before.VMID || after.ProcessState != "running" {
		t.Errorf("after no-converge recreate: %+v", after)
	}

	err := deployment.Restart(director.NewAllOrInstanceGroupOrInstanceSlug(in.Group.Name, "99"), director.RestartOpts{Converge: true})
	if err == nil || !strings.Contains(err.Error(), "doesn't exist") {
		t.Errorf("unknown index: %v", err)
	}
	err = deployment.Stop(director.NewAllOrInstanceGroupOrInstanceSlug(in.Group.Name, "nope"), director.StopOpts{})
	if err == nil || !strings.Contains(err.Error(), "Invalid instance index or id 'nope'") {
		t.Errorf("bad id: %v", err)
	}
}

func TestUnresponsiveAgentFailsTheUpdateUnlessFixed(t *testing.T) {
	f := startSim(t, Options{Seed: 1})
	dep, in := instanceWhere(t, f, func(in *instance) bool { return in.Health == healthUnresponsive && in.VM != nil })
	d := adminDirector(t, f, nil)
	deployment, _ := d.FindDeployment(dep.Name)
	err := deployment.Restart(director.NewAllOrInstanceGroupOrInstanceSlug("", ""), director.RestartOpts{Converge: true})
	if err == nil {
		t.Fatal("restart with an unresponsive agent succeeded")
	}
	slug := director.NewAllOrInstanceGroupOrInstanceSlug(in.Group.Name, in.ID)
	if err := deployment.Recreate(slug, director.RecreateOpts{Converge: true, Fix: true}); err != nil {
		t.Fatal(err)
	}
	if vi := vmInfoOf(t, d, dep.Name, in.ID); vi.ProcessState != "running" || vi.VMID == in.VM.CID {
		t.Errorf("after recreate --fix: %+v", vi)
	}
}

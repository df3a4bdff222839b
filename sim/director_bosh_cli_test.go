package sim

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudfoundry/bosh-cli/v7/director"
)

// These tests drive the simulation with the real bosh-cli v7.5.6 director
// package, as bosun and the bosh CLI do.

func TestInfoAnonymousAndAuthenticated(t *testing.T) {
	f := startSim(t, Options{})
	info, err := directorWith(t, f, nil, nil).Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.Auth.Type != "uaa" || info.Auth.Options["url"] != f.UAAURL() {
		t.Errorf("auth = %+v, want uaa at %s", info.Auth, f.UAAURL())
	}
	if info.User != "" || info.UUID != f.UUID() || info.Version != "280.0.22 (00000000)" || info.CPI != "vsphere_cpi" {
		t.Errorf("anonymous info = %+v", info)
	}
	if !info.Features["local_dns"] || info.Features["snapshots"] || !info.Features["config_server"] {
		t.Errorf("features = %v", info.Features)
	}
	d := adminDirector(t, f, nil)
	if ok, err := d.IsAuthenticated(); err != nil || !ok {
		t.Fatalf("IsAuthenticated = %v, %v", ok, err)
	}
	if info, err := d.Info(); err != nil || info.User != f.ClientID() {
		t.Errorf("authenticated user = %q, %v; want %q", info.User, err, f.ClientID())
	}
}

func TestDeploymentsListingAndManifest(t *testing.T) {
	f := startSim(t, Options{Deployments: 2, InstancesPerDeployment: 5})
	d := adminDirector(t, f, nil)
	list, err := d.ListDeployments()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	counts := map[string]int{}
	for _, dep := range list {
		names = append(names, dep.Name)
		switch {
		case strings.HasPrefix(dep.Name, "pivotal-container-service-"):
			counts["pks"]++
			if len(dep.Name) != len("pivotal-container-service-")+20 {
				t.Errorf("PKS deployment name %q: want 20 hex digits", dep.Name)
			}
		case strings.HasPrefix(dep.Name, "service-instance_"):
			counts["cluster"]++
			if len(dep.Teams) != 1 || dep.Teams[0] != f.content.pks.Name {
				t.Errorf("cluster %s teams %v, want [%s]", dep.Name, dep.Teams, f.content.pks.Name)
			}
		case strings.HasPrefix(dep.Name, "harbor-container-registry-"):
			counts["harbor"]++
		case strings.HasPrefix(dep.Name, "filler-"):
			counts["filler"]++
		}
		if dep.CloudConfig != "" {
			t.Errorf("%s: cloud_config %q despite exclude_configs", dep.Name, dep.CloudConfig)
		}
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("deployments not sorted by name: %v", names)
	}
	if counts["pks"] != 1 || counts["cluster"] < 3 || counts["harbor"] != 1 || counts["filler"] != 2 {
		t.Errorf("deployment kinds %v", counts)
	}

	all, err := d.Deployments()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range all {
		rels, err := dep.Releases()
		if err != nil || len(rels) == 0 {
			t.Errorf("%s releases: %v, %v", dep.Name(), rels, err)
		}
		scs, err := dep.Stemcells()
		if err != nil || len(scs) != 1 || !strings.HasPrefix(scs[0].Name(), "bosh-vsphere-esxi-ubuntu-jammy-go_agent") {
			t.Errorf("%s stemcells: %v, %v", dep.Name(), scs, err)
		}
		man, err := dep.Manifest()
		if err != nil || !strings.Contains(man, "name: "+dep.Name()) || !strings.Contains(man, "instance_groups:") {
			t.Errorf("%s manifest: %v\n%s", dep.Name(), err, man)
		}
	}
	stemcells, err := d.Stemcells()
	if err != nil || len(stemcells) != 2 {
		t.Fatalf("stemcells %v, %v", stemcells, err)
	}
	releases, err := d.Releases()
	if err != nil || len(releases) < 15 {
		t.Fatalf("releases: %d, %v", len(releases), err)
	}
	missing, _ := d.FindDeployment("nope")
	if _, err := missing.Instances(); err == nil || !strings.Contains(err.Error(), "Deployment 'nope' doesn't exist") {
		t.Errorf("unknown deployment: %v", err)
	}
}

func TestCheapInstanceListing(t *testing.T) {
	f := startSim(t, Options{})
	d := adminDirector(t, f, nil)
	harbor, _ := d.FindDeployment(f.content.harbor.Name)
	insts, err := harbor.Instances()
	if err != nil {
		t.Fatal(err)
	}
	var withVM, without int
	for _, in := range insts {
		switch {
		case in.Group == "smoke-testing" && !in.ExpectsVM && in.VMID == "" && in.AgentID == "" && len(in.IPs) == 0:
			without++
		case in.ExpectsVM && strings.HasPrefix(in.VMID, "vm-") && len(in.IPs) == 1 && strings.HasPrefix(in.IPs[0], "10."):
			withVM++
		default:
			t.Errorf("unexpected instance %+v", in)
		}
	}
	if withVM != 1 || without != 1 {
		t.Errorf("harbor: %d with VM, %d without", withVM, without)
	}
}

func TestInstanceInfosThroughTask(t *testing.T) {
	f := startSim(t, Options{})
	d := adminDirector(t, f, nil)
	byState := func(name string, vms bool) (map[string][]director.VMInfo, []director.VMInfo) {
		t.Helper()
		dep, _ := d.FindDeployment(name)
		var infos []director.VMInfo
		var err error
		if vms {
			infos, err = dep.VMInfos()
		} else {
			infos, err = dep.InstanceInfos()
		}
		if err != nil {
			t.Fatal(err)
		}
		m := map[string][]director.VMInfo{}
		for _, in := range infos {
			m[in.ProcessState] = append(m[in.ProcessState], in)
			if in.Deployment != name || in.Index == nil {
				t.Errorf("info %s: deployment %q index %v", in.ID, in.Deployment, in.Index)
			}
		}
		return m, infos
	}

	c0 := f.content.clusters[0]
	states, infos := byState(c0.Name, false)
	if len(infos) != len(c0.Instances) || len(states["running"]) != len(c0.Instances)-1 || len(states["failing"]) != 1 {
		t.Fatalf("cluster 0 states: %v", keys(states))
	}
	failing := states["failing"][0]
	if failing.IsRunning() || failing.JobName != "worker" {
		t.Errorf("failing instance %+v", failing)
	}
	var kubelet *director.VMInfoProcess
	for i, p := range failing.Processes {
		if p.Name == "kubelet" {
			kubelet = &failing.Processes[i]
		}
	}
	if kubelet == nil || kubelet.State != "failing" {
		t.Errorf("failing instance processes %+v", failing.Processes)
	}
	for _, in := range states["running"] {
		v := in.Vitals
		if len(v.Load) != 3 || v.Uptime.Seconds == nil || *v.Uptime.Seconds == 0 || v.CPU.User == "" || v.Mem.KB == "" {
			t.Errorf("%s vitals %+v", in.ID, v)
		}
		for _, disk := range []director.VMInfoVitalsDiskSize{v.SystemDisk(), v.EphemeralDisk(), v.PersistentDisk()} {
			if _, err := strconv.Atoi(disk.Percent); err != nil {
				t.Errorf("%s disk percent %q", in.ID, disk.Percent)
			}
		}
		if _, err := strconv.ParseFloat(v.CPU.Sys, 64); err != nil {
			t.Errorf("%s cpu sys %q", in.ID, v.CPU.Sys)
		}
		if len(in.Processes) == 0 || !in.IsRunning() || in.VMCreatedAt.IsZero() || in.Active == nil || !*in.Active {
			t.Errorf("%s: processes %d running %v created %v", in.ID, len(in.Processes), in.IsRunning(), in.VMCreatedAt)
		}
		for _, p := range in.Processes {
			if p.Mem.KB == nil || *p.Mem.KB == 0 || p.Mem.Percent == nil || p.CPU.Total == nil || p.Uptime.Seconds == nil {
				t.Errorf("%s process %s figures missing: %+v", in.ID, p.Name, p)
			}
		}
		if (in.Index != nil && *in.Index == 0) != in.Bootstrap {
			t.Errorf("%s: index %d bootstrap %v", in.ID, *in.Index, in.Bootstrap)
		}
	}

	states, _ = byState(f.content.clusters[1].Name, false)
	if u := states["unresponsive agent"]; len(u) != 1 || len(u[0].Processes) != 0 || u[0].Vitals.Load != nil || len(u[0].IPs) != 1 {
		t.Errorf("cluster 1 unresponsive: %+v", u)
	}
	states, _ = byState(f.content.clusters[2].Name, false)
	if s := states["stopped"]; len(s) != 1 || s[0].State != "stopped" || s[0].Processes[0].State != "stopped" {
		t.Errorf("cluster 2 stopped: %+v", s)
	}

	states, infos = byState(f.content.harbor.Name, false)
	if len(infos) != 2 || len(states[""]) != 1 {
		t.Fatalf("harbor instances by state %v", keys(states))
	}
	noVM := states[""][0]
	if noVM.VMID != "" || noVM.AgentID != "" || len(noVM.IPs) != 0 || noVM.Active != nil || len(noVM.Processes) != 0 || noVM.JobName != "smoke-testing" {
		t.Errorf("VM-less instance %+v", noVM)
	}
	_, vms := byState(f.content.harbor.Name, true)
	if len(vms) != 1 || vms[0].JobName != "harbor-app" || vms[0].Active == nil || !*vms[0].Active {
		t.Errorf("harbor VMs %+v", vms)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestTaskListsAndEventOutput(t *testing.T) {
	f := startSim(t, Options{})
	rec := newTaskRecorder()
	d := adminDirector(t, f, rec)
	bgID := f.bg.t.ID

	recent, err := d.RecentTasks(30, director.TasksFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) == 0 || len(recent) > 30 {
		t.Fatalf("recent tasks: %d", len(recent))
	}
	for _, task := range recent {
		if !slices.Contains(userVisibleTypes, taskType(f, task.ID())) {
			t.Errorf("task %d (%s) listed at verbose 1", task.ID(), task.Description())
		}
	}
	if recent[0].ID() != bgID || recent[0].State() != "processing" || !recent[0].FinishedAt().Equal(time.Unix(0, 0).UTC()) {
		t.Errorf("newest task %d %s finished %v, want the running deploy %d", recent[0].ID(), recent[0].State(), recent[0].FinishedAt(), bgID)
	}
	all, err := d.RecentTasks(1000, director.TasksFilter{All: true})
	if err != nil {
		t.Fatal(err)
	}
	descs := map[string]int{}
	for _, task := range all {
		descs[task.Description()]++
	}
	for _, want := range []string{"retrieve vm-stats", "scan cloud", "fetch logs", "create deployment", "create release", "create stemcell"} {
		if descs[want] == 0 {
			t.Errorf("no %q task in %v", want, descs)
		}
	}
	current, err := d.CurrentTasks(director.TasksFilter{All: true})
	if err != nil || len(current) != 1 || current[0].ID() != bgID {
		t.Fatalf("current tasks %v, %v", current, err)
	}

	byDep, err := d.RecentTasks(10, director.TasksFilter{Deployment: f.content.clusters[0].Name})
	if err != nil {
		t.Fatal(err)
	}
	var deployID int
	for _, task := range byDep {
		if task.DeploymentName() != f.content.clusters[0].Name {
			t.Errorf("task %d of %s in the listing of cluster 0", task.ID(), task.DeploymentName())
		}
		if task.Description() == "create deployment" {
			deployID = task.ID()
		}
	}
	task, err := d.FindTask(deployID)
	if err != nil || task.State() != "done" || task.Result() != "/deployments/"+f.content.clusters[0].Name {
		t.Fatalf("FindTask(%d) = %v %v", deployID, task, err)
	}
	if err := task.EventOutput(rec); err != nil {
		t.Fatal(err)
	}
	out := rec.output(deployID)
	lines := bytes.SplitAfter(out, []byte("\n"))
	if len(lines) < 5 || len(lines[len(lines)-1]) != 0 {
		t.Fatalf("event output has %d lines or does not end in a newline:\n%s", len(lines), out)
	}
	updating := 0
	for _, l := range lines[:len(lines)-1] {
		var ev stageLine
		if err := json.Unmarshal(l, &ev); err != nil || ev.Time == 0 || ev.Total == nil {
			t.Errorf("event line %q: %v", l, err)
		}
		if ev.Stage == "Updating instance" {
			updating++
		}
	}
	if updating != 2*len(f.content.clusters[0].Instances) {
		t.Errorf("%d updating-instance lines for %d instances", updating, len(f.content.clusters[0].Instances))
	}
	if _, err := d.FindTask(999999); err == nil || !strings.Contains(err.Error(), "Task 999999 not found") {
		t.Errorf("missing task: %v", err)
	}
}

func TestLocksAndEvents(t *testing.T) {
	f := startSim(t, Options{Deployments: 60, InstancesPerDeployment: 2})
	d := adminDirector(t, f, nil)
	locks, err := d.Locks()
	if err != nil {
		t.Fatal(err)
	}
	c3 := f.content.clusters[3].Name
	if len(locks) != 1 || locks[0].Type != "deployment" || len(locks[0].Resource) != 1 || locks[0].Resource[0] != c3 ||
		locks[0].TaskID != strconv.Itoa(f.bg.t.ID) || !locks[0].ExpiresAt.After(time.Now()) {
		t.Errorf("locks %+v", locks)
	}

	events, err := d.Events(director.EventsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != eventLimit {
		t.Fatalf("%d events, want the limit %d", len(events), eventLimit)
	}
	for i := 1; i < len(events); i++ {
		a, _ := strconv.Atoi(events[i-1].ID())
		b, _ := strconv.Atoi(events[i].ID())
		if a <= b {
			t.Fatalf("events not in descending id order: %s then %s", events[i-1].ID(), events[i].ID())
		}
	}
	ssh, err := d.Events(director.EventsFilter{Action: "setup ssh"})
	if err != nil || len(ssh) != 1 {
		t.Fatalf("setup ssh events %v, %v", ssh, err)
	}
	if u, _ := ssh[0].Context()["user"].(string); !strings.HasPrefix(u, "bosh_") || len(u) != 20 || ssh[0].ObjectType() != "instance" || ssh[0].TaskID() == "" {
		t.Errorf("setup ssh event %+v", ssh[0])
	}
	mine, err := d.Events(director.EventsFilter{Deployment: c3, Task: strconv.Itoa(f.bg.t.ID)})
	if err != nil || len(mine) < 3 {
		t.Fatalf("events of the running deploy: %d, %v", len(mine), err)
	}
	var acquire, children int
	for _, e := range mine {
		if e.DeploymentName() != c3 || e.TaskID() != strconv.Itoa(f.bg.t.ID) {
			t.Errorf("event %s: deployment %s task %s", e.ID(), e.DeploymentName(), e.TaskID())
		}
		if e.Action() == "acquire" && e.ObjectType() == "lock" {
			acquire++
		}
		if e.ParentID() != "" {
			children++
		}
	}
	if acquire != 1 || children == 0 {
		t.Errorf("running deploy events: %d acquire, %d with a parent", acquire, children)
	}
	before, err := d.Events(director.EventsFilter{BeforeID: ssh[0].ID()})
	if err != nil || len(before) == 0 {
		t.Fatalf("before_id %s: %v, %v", ssh[0].ID(), before, err)
	}
	first, _ := strconv.Atoi(before[0].ID())
	limit, _ := strconv.Atoi(ssh[0].ID())
	if first != limit-1 {
		t.Errorf("before_id %d: first event %d, want %d", limit, first, limit-1)
	}
}

func TestCancelProcessingTask(t *testing.T) {
	f := startSim(t, Options{TaskTime: time.Hour})
	rec := newTaskRecorder()
	d := adminDirector(t, f, rec)
	dep, _ := d.FindDeployment(f.content.pks.Name)
	errc := make(chan error, 1)
	go func() {
		_, err := dep.InstanceInfos()
		errc <- err
	}()
	var id int
	select {
	case id = <-rec.started:
	case <-time.After(20 * time.Second):
		t.Fatal("the task never started")
	}
	waitState(t, f, id, stateProcessing)
	task, err := d.FindTask(id)
	if err != nil || task.State() != "processing" || task.StartedAt().Unix() == 0 {
		t.Fatalf("task %d: %v %v", id, task, err)
	}
	if err := task.Cancel(); err != nil {
		t.Fatal(err)
	}
	waitState(t, f, id, stateCancelled)
	if err := <-errc; err == nil || !strings.Contains(err.Error(), "Expected task '"+strconv.Itoa(id)+"' to succeed but state is 'cancelled'") {
		t.Errorf("InstanceInfos error: %v", err)
	}
	task, _ = d.FindTask(id)
	if task.State() != "cancelled" || task.Result() != "task cancelled" || task.FinishedAt().Unix() == 0 {
		t.Errorf("cancelled task %+v", task)
	}
	if err := task.Cancel(); err == nil || !strings.Contains(err.Error(), "Cannot cancel task "+strconv.Itoa(id)+": invalid state (cancelled)") {
		t.Errorf("second cancel: %v", err)
	}
	f.mu.Lock()
	ev := string(f.byID[id].eventOutput())
	f.mu.Unlock()
	if !strings.Contains(ev, `"error":{"code":10001,"message":"Task `+strconv.Itoa(id)+` cancelled"}`) || !strings.HasSuffix(ev, "\n") {
		t.Errorf("cancelled task event output %q", ev)
	}
}

func TestCancelRunningDeployReleasesLock(t *testing.T) {
	f := startSim(t, Options{})
	d := adminDirector(t, f, nil)
	id := f.bg.t.ID
	task, err := d.FindTask(id)
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Cancel(); err != nil {
		t.Fatal(err)
	}
	waitState(t, f, id, stateCancelled)
	if locks, err := d.Locks(); err != nil || len(locks) != 0 {
		t.Errorf("locks after cancel: %v, %v", locks, err)
	}
	ev, err := d.Events(director.EventsFilter{Task: strconv.Itoa(id), ObjectType: "deployment"})
	if err != nil || len(ev) != 2 || ev[0].Error() != "Task "+strconv.Itoa(id)+" cancelled" || ev[0].ParentID() != ev[1].ID() {
		t.Errorf("deployment events of the cancelled deploy: %+v %v", ev, err)
	}
	rel, err := d.Events(director.EventsFilter{Task: strconv.Itoa(id), Action: "release"})
	if err != nil || len(rel) != 1 {
		t.Errorf("release events: %v %v", rel, err)
	}
}

func TestCancelTasksBySelector(t *testing.T) {
	f := startSim(t, Options{Workers: 1, TaskTime: time.Hour})
	c := rawClient(t, f)
	auth := adminToken(t, f)
	var ids []int
	for _, dep := range []*deployment{f.content.pks, f.content.harbor, f.content.clusters[0]} {
		r := do(t, c, f, "GET", "/deployments/"+dep.Name+"/vms?format=full", auth, nil, "")
		id, err := strconv.Atoi(strings.TrimPrefix(r.header.Get("Location"), f.DirectorURL()+"/tasks/"))
		if r.status != 302 || err != nil {
			t.Fatalf("vms format=full: %d %q", r.status, r.header.Get("Location"))
		}
		ids = append(ids, id)
	}
	waitState(t, f, ids[0], stateProcessing)
	d := adminDirector(t, f, nil)
	if err := d.CancelTasks(director.TasksFilter{Deployment: f.content.harbor.Name}); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"processing", "cancelling", "queued"} {
		task, err := d.FindTask(ids[i])
		if err != nil || task.State() != want {
			t.Errorf("task %d: %v %v, want %s", ids[i], task.State(), err, want)
		}
	}
	r := do(t, c, f, "POST", "/tasks/cancel", auth, map[string]string{"Content-Type": "application/json"}, `{"states":["done"]}`)
	if r.status != 400 || r.body != "done is not one of the cancellable states: queued, processing" {
		t.Errorf("cancel done tasks: %d %q", r.status, r.body)
	}
	r = do(t, c, f, "POST", "/tasks/cancel", auth, map[string]string{"Content-Type": "application/json"}, `{"states":["processing"],"types":["vms"]}`)
	if r.status != 204 {
		t.Errorf("cancel processing vms tasks: %d %q", r.status, r.body)
	}
	waitState(t, f, ids[0], stateCancelled)
}

func taskType(f *Foundation, id int) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byID[id].Type
}

package bosh

import (
	"testing"

	boshdir "github.com/cloudfoundry/bosh-cli/v7/director"
)

func dirProblem(typ, desc string, data any, names ...string) boshdir.Problem {
	p := boshdir.Problem{ID: 7, Type: typ, Description: desc, InstanceGroup: "worker", Data: data}
	for _, n := range names {
		n := n
		p.Resolutions = append(p.Resolutions, boshdir.ProblemResolution{Name: &n, Plan: n + " plan"})
	}
	return p
}

func TestProblemFromEachType(t *testing.T) {
	cases := []struct {
		name          string
		in            boshdir.Problem
		inst          string
		expect, found CheckState
		invalid       bool
	}{
		{"missing vm", dirProblem("missing_vm", "VM for 'worker/abc-1 (2)' with cloud ID 'vm-9' missing.", map[string]any{}, "ignore"),
			"worker/abc-1", CheckState{VMCID: "vm-9", VM: "exists", Agent: "responding"}, CheckState{VMCID: "vm-9", VM: "missing", Agent: "not responding"}, false},
		{"missing vm without cid", dirProblem("missing_vm", "VM for 'worker/abc-1 (2)' missing.", nil),
			"worker/abc-1", CheckState{VMCID: "(none on record)", VM: "exists", Agent: "responding"}, CheckState{VM: "missing", Agent: "not responding"}, false},
		{"unresponsive", dirProblem("unresponsive_agent", "VM for 'master/m-1 (0)' with cloud ID 'vm-2' is not responding.", nil),
			"master/m-1", CheckState{VMCID: "vm-2", VM: "exists", Agent: "responding"}, CheckState{VMCID: "vm-2", VM: "exists", Agent: "not responding"}, false},
		{"missing disk", dirProblem("missing_disk", "Disk 'disk-1' (harbor-app/h-1, 102400M) is missing", nil),
			"harbor-app/h-1", CheckState{DiskCID: "disk-1", Disk: "exists"}, CheckState{DiskCID: "disk-1", Disk: "missing"}, false},
		{"inactive disk", dirProblem("inactive_disk", "Disk 'disk-2' (20480M) for instance 'pks-db/d-1 (0)' is inactive", nil),
			"pks-db/d-1", CheckState{DiskCID: "disk-2", Disk: "active"}, CheckState{DiskCID: "disk-2", Disk: "inactive"}, false},
		{"mount mismatch", dirProblem("mount_info_mismatch", "Inconsistent mount information:\nRecord shows that disk 'disk-3' should be mounted on vm-4.\nHowever it is currently :\n\tMounted on: vm-5, vm-6",
			map[string]any{"owner_vms": []any{"vm-5", "vm-6"}}),
			"", CheckState{DiskCID: "disk-3", Mount: "vm-4"}, CheckState{DiskCID: "disk-3", Mount: "vm-5, vm-6"}, false},
		{"invalid", dirProblem("unresponsive_agent", "Problem (unresponsive_agent 12) is no longer valid: VM '' is no longer in the database", nil, "close"),
			"", CheckState{}, CheckState{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := problemFrom(c.in)
			if p.Instance != c.inst || p.Expected != c.expect || p.Actual != c.found || p.Invalid != c.invalid {
				t.Errorf("got instance %q expected %+v actual %+v invalid %v", p.Instance, p.Expected, p.Actual, p.Invalid)
			}
			if p.Resolutions == nil {
				t.Error("nil resolutions")
			}
		})
	}
	if p := problemFrom(cases[0].in); p.Default != "recreate_vm_without_wait" || p.Plan("ignore") != "ignore plan" || !p.HasResolution("ignore") || p.HasResolution("x") {
		t.Errorf("default/plan %+v", p)
	}
	if p := problemFrom(cases[6].in); p.Default != "close" {
		t.Errorf("invalid default %q", p.Default)
	}
}

func TestEventReporterJoinsSplitLines(t *testing.T) {
	var got []TaskEvent
	r := newEventReporter(func(ev TaskEvent) { got = append(got, ev) })
	r.TaskStarted(9)
	line := `{"time":1,"stage":"Scanning 3 VMs","tags":[],"total":2,"task":"Checking VM states","index":1,"state":"started","progress":0}` + "\n"
	r.TaskOutputChunk(9, []byte(line[:30]))
	if len(got) != 0 {
		t.Fatal("a partial line was reported")
	}
	r.TaskOutputChunk(9, []byte(line[30:]+`{"time":2,"type":"warning","message":"w"}`+"\n"+`not json`+"\n"+
		`{"time":3,"error":{"code":100,"message":"boom\nbang"}}`+"\n"))
	if len(got) != 2 || got[0].Task != "Checking VM states" || got[0].Total != 2 || got[0].TaskID != 9 {
		t.Fatalf("events %+v", got)
	}
	if got[1].State != "error" || got[1].Error != "boom\nbang" {
		t.Errorf("task error event %+v", got[1])
	}
	if r.id() != 9 || len(r.all()) != 2 {
		t.Errorf("reporter state %d %d", r.id(), len(r.all()))
	}
}

func TestOutcomeFromEvents(t *testing.T) {
	r := newEventReporter(nil)
	r.TaskStarted(4)
	r.TaskOutputChunk(4, []byte(
		`{"time":1,"stage":"Applying problem resolutions","total":3,"task":"Ignoring problem 1 (state is 'closed')","index":1,"state":"finished","progress":100}`+"\n"+
			`{"time":1,"stage":"Applying problem resolutions","total":3,"task":"Disk 'd' (10M) for instance 'g/u (0)' is inactive (inactive_disk 5): Activate disk","index":2,"state":"failed","progress":100,"data":{"error":"Disk is not mounted"}}`+"\n"+
			`{"time":1,"stage":"Applying problem resolutions","total":3,"task":"VM for 'g/v (1)' with cloud ID 'vm-1' missing. (missing_vm 6): Recreate VM","index":3,"state":"finished","progress":100}`+"\n"+
			`{"time":2,"error":{"code":100,"message":"Error resolving problem '2': Disk is not mounted"}}`+"\n"))
	byID := map[int]Problem{
		2: {ID: 2, Type: "inactive_disk", Description: "Disk 'd' (10M) for instance 'g/u (0)' is inactive"},
		3: {ID: 3, Type: "missing_vm", Description: "VM for 'g/v (1)' with cloud ID 'vm-1' missing."},
		1: {ID: 1, Type: "missing_vm", Description: "VM for 'g/w (2)' missing."},
	}
	out := outcomeFrom(r, byID, []Answer{{ProblemID: 1}, {ProblemID: 2}, {ProblemID: 3}})
	if out.TaskID != 4 || len(out.Applied) != 2 || out.Applied[0] != 2 || out.Applied[1] != 3 ||
		len(out.Ignored) != 1 || out.Ignored[0] != 1 || out.Failed[2] != "Disk is not mounted" {
		t.Errorf("outcome %+v", out)
	}
	if s := out.Succeeded(); len(s) != 1 || s[0] != 3 {
		t.Errorf("succeeded %v", s)
	}
}

func TestLockErrorMessage(t *testing.T) {
	e := &LockError{Deployment: "d", TaskID: 12, TaskDesc: "create deployment", TaskUser: "pks"}
	want := "deployment d is locked by task 12 ('create deployment', by pks); try again when it has finished"
	if e.Error() != want {
		t.Errorf("%q", e.Error())
	}
}

func TestCloudCheckCommand(t *testing.T) {
	mk := func(id int, typ, def string, names ...string) Problem {
		p := Problem{ID: id, Type: typ, Default: def}
		for _, n := range names {
			p.Resolutions = append(p.Resolutions, Resolution{Name: n})
		}
		return p
	}
	missing := mk(1, "missing_vm", "recreate_vm_without_wait", "ignore", "recreate_vm_without_wait", "recreate_vm", "delete_vm_reference")
	unresp := mk(2, "unresponsive_agent", "ignore", "ignore", "reboot_vm", "recreate_vm_without_wait", "recreate_vm", "delete_vm", "delete_vm_reference")
	missing2 := mk(3, "missing_vm", "recreate_vm_without_wait", "ignore", "recreate_vm_without_wait", "recreate_vm", "delete_vm_reference")
	disk := mk(4, "missing_disk", "ignore", "ignore", "delete_disk_reference")
	probs := []Problem{missing, unresp}
	cases := []struct {
		name    string
		probs   []Problem
		answers []Answer
		want    string
	}{
		{"all defaults", probs, []Answer{{ProblemID: 1}, {ProblemID: 2}}, "bosh -d dep cloud-check --auto"},
		{"named", probs, []Answer{{ProblemID: 1, Resolution: "recreate_vm"}, {ProblemID: 2, Resolution: "reboot_vm"}},
			"bosh -d dep cloud-check --resolution reboot_vm --resolution recreate_vm"},
		{"default and ignore", []Problem{missing, disk}, []Answer{{ProblemID: 1}, {ProblemID: 4, Resolution: "ignore"}},
			"bosh -d dep cloud-check --resolution recreate_vm_without_wait"},
		{"ignore is not reproducible where the name applies", probs, []Answer{{ProblemID: 1}, {ProblemID: 2, Resolution: "ignore"}},
			"bosh -d dep cloud-check --resolution recreate_vm_without_wait  (closest: bosh applies each --resolution to every problem that has it)"},
		{"only ignore", probs, []Answer{{ProblemID: 2, Resolution: "ignore"}}, "bosh -d dep cloud-check --resolution ignore"},
		{"not reproducible", []Problem{missing, missing2}, []Answer{{ProblemID: 1, Resolution: "recreate_vm"}, {ProblemID: 3}},
			"bosh -d dep cloud-check --resolution recreate_vm --resolution recreate_vm_without_wait  (closest: bosh applies each --resolution to every problem that has it)"},
	}
	for _, c := range cases {
		if got := CloudCheckCommand("dep", c.probs, c.answers); got != c.want {
			t.Errorf("%s: %q\nwant %q", c.name, got, c.want)
		}
	}
	if got := CloudCheckCommand("my dep", probs, []Answer{{ProblemID: 1}, {ProblemID: 2}}); got != "bosh -d 'my dep' cloud-check --auto" {
		t.Errorf("quoting: %q", got)
	}
}

func TestCheckStateString(t *testing.T) {
	for c, want := range map[CheckState]string{
		{}:                                       "",
		{VMCID: "vm-1", VM: "missing"}:           "VM vm-1 missing",
		{VMCID: "vm-1", Agent: "not responding"}: "VM vm-1, agent not responding",
		{DiskCID: "disk-2", Disk: "inactive", Mount: "not mounted"}: "disk disk-2 inactive, not mounted",
		{DiskCID: "disk-2", Mount: "vm-1"}:                          "disk disk-2, mounted on vm-1",
	} {
		if got := c.String(); got != want {
			t.Errorf("%+v: %q, want %q", c, got, want)
		}
	}
}

package sim

import (
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/cloudfoundry/bosh-cli/v7/director"
	"golang.org/x/crypto/ssh"
)

// After a cloud-check recreate_vm, the listings, the logs task and the
// SSH setup all see the new VM of the one instance state model.
func TestRecreatedVMIsWhatListingsLogsAndSSHSee(t *testing.T) {
	f := startSim(t, Options{})
	dep := f.content.clusters[1].Name // its worker 3 has an unresponsive agent
	d := adminDirector(t, f, nil)
	dd, err := d.FindDeployment(dep)
	if err != nil {
		t.Fatal(err)
	}
	probs := scan(t, d, dep)
	if len(probs) != 1 || probs[0].Type != probUnresponsiveAgent {
		t.Fatalf("problems %v, want the seeded unresponsive agent", problemTypes(probs))
	}
	var sick *instance
	for _, in := range f.content.byName[dep].Instances {
		if in.Health == healthUnresponsive {
			sick = in
		}
	}
	slug := director.NewAllOrInstanceGroupOrInstanceSlug(sick.Group.Name, sick.ID)
	if _, err := dd.FetchLogs(slug, nil, "job"); err == nil || !strings.Contains(err.Error(), "state is 'error'") {
		t.Fatalf("logs from the unresponsive agent: %v", err)
	}
	old := *sick.VM

	if err := resolve(d, dep, map[int]string{probs[0].ID: "recreate_vm"}); err != nil {
		t.Fatalf("recreate_vm: %v", err)
	}

	find := func(what string, infos []director.VMInfo, err error) director.VMInfo {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		for _, vi := range infos {
			if vi.ID == sick.ID {
				return vi
			}
		}
		t.Fatalf("%s: no line for %s", what, sick.name())
		return director.VMInfo{}
	}
	instances, err := dd.InstanceInfos()
	viaInstances := find("instances?format=full", instances, err)
	vms, err := dd.VMInfos()
	viaVMs := find("vms?format=full", vms, err)
	for what, vi := range map[string]director.VMInfo{"instances": viaInstances, "vms": viaVMs} {
		if vi.VMID == "" || vi.VMID == old.CID || vi.AgentID == "" || vi.AgentID == old.AgentID {
			t.Errorf("%s: VM %q agent %q, want new ones (old %q, %q)", what, vi.VMID, vi.AgentID, old.CID, old.AgentID)
		}
		if !vi.VMCreatedAt.After(old.CreatedAt) || vi.ProcessState != "running" {
			t.Errorf("%s: created %v (old %v), state %q", what, vi.VMCreatedAt, old.CreatedAt, vi.ProcessState)
		}
	}
	if viaInstances.VMID != viaVMs.VMID || viaInstances.AgentID != viaVMs.AgentID || !viaInstances.VMCreatedAt.Equal(viaVMs.VMCreatedAt) {
		t.Errorf("the listings disagree: %+v vs %+v", viaInstances, viaVMs)
	}
	cheap, err := dd.Instances()
	if err != nil {
		t.Fatal(err)
	}
	for _, ci := range cheap {
		if ci.ID == sick.ID && (ci.VMID != viaInstances.VMID || ci.AgentID != viaInstances.AgentID) {
			t.Errorf("cheap listing: VM %q agent %q, want %q %q", ci.VMID, ci.AgentID, viaInstances.VMID, viaInstances.AgentID)
		}
	}
	if again := scan(t, d, dep); len(again) != 0 {
		t.Errorf("rescan after recreate: %v", problemTypes(again))
	}

	res, err := dd.FetchLogs(slug, nil, "job")
	if err != nil || res.BlobstoreID == "" {
		t.Fatalf("logs from the recreated VM: %+v %v", res, err)
	}
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	setup, err := dd.SetUpSSH(slug, director.SSHOpts{Username: "bosh_fixed", PublicKey: string(ssh.MarshalAuthorizedKey(key))})
	if err != nil || len(setup.Hosts) != 1 || !strings.HasSuffix(setup.Hosts[0].HostPublicKey, " root@"+viaInstances.AgentID) {
		t.Fatalf("SSH setup on the recreated VM: %+v %v", setup, err)
	}
}

// A stopped instance's processes are stopped: in the vm-stats listing and
// in monit on the VM.
func TestStoppedInstanceProcessesAreStopped(t *testing.T) {
	f := startSim(t, Options{})
	var stopped *instance
	for _, in := range f.content.clusters[2].Instances {
		if in.Health == healthStopped {
			stopped = in
		}
	}
	s := f.instanceNow(stopped)
	line := vmInfo(s, s.vm, f.content.epoch)
	if line.JobState == nil || *line.JobState != "stopped" || len(line.Processes) == 0 {
		t.Fatalf("stopped instance listed as %+v", line)
	}
	for _, p := range line.Processes {
		if p.State != "stopped" {
			t.Errorf("process %s: %q, want stopped", p.Name, p.State)
		}
	}
	sh := &shell{h: &sshVM{f: f, inst: stopped, fs: newVMFS()}, user: "bosh_x", root: true}
	out, errOut, st := runLine(sh, "monit summary", "")
	if st != 0 || !strings.Contains(out, "not monitored") {
		t.Fatalf("monit summary: %d %q %q", st, out, errOut)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Process '") && !strings.HasSuffix(l, "not monitored") {
			t.Errorf("monit on a stopped instance: %q", l)
		}
	}
}

package sim

import (
	"slices"
	"sort"
	"sync"
)

// The instance state model: one per instance, read and changed by
// cloud-check, the listings (instances and vms, cheap and format=full),
// the logs and SSH tasks and the VMs' shells. It keeps two states: the
// director's record (which VM -- CID, agent id, creation time -- each
// instance has, which persistent disks it owns and whether they are
// active) and the actual state of the IaaS and the agents (which VMs
// exist, which agents answer, the state of the processes, where each disk
// is mounted). A scan compares them; a resolution changes one or both.
//
// Each deployment's state is built from the content on first use, so the
// seeded foundation (unresponsive agents included) scans as its listings
// show it. Drift (Options.Drift) is laid over it at start. Readers outside
// cloud-check take a snapshot (instanceNow, sim/vm_state.go).

// cckWorld is the run-time state of the whole foundation's instances.
type cckWorld struct {
	mu          sync.Mutex
	f           *Foundation
	deps        map[string]*cckDeployment
	cloud       map[string]*cloudVM // actual VMs by CID
	nextProblem int
	nextDBID    int
	rng         *rng     // new CIDs and agent ids for recreated VMs
	drifted     []string // deployment names with drift laid over them at start
}

// cloudVM is a VM as the IaaS has it.
type cloudVM struct {
	agentOK bool // its agent answers get_state
}

// cckDeployment is one deployment's record, disks and problems.
type cckDeployment struct {
	d        *deployment
	insts    []*cckInstance
	disks    []*cckDisk
	problems []*problem // creation order
}

// cckInstance is one instance's state: the director's record of it and
// the state of its processes.
type cckInstance struct {
	in    *instance
	dbID  int
	vm    *vm    // record: the active VM (CID, agent id, IPs, created at); nil when none
	state string // record: the desired state, started, stopped or detached
	procs string // actual: its processes, healthRunning, healthFailing or healthStopped
}

// vmCID is the recorded VM's CID, "" when the record has no VM.
func (ci *cckInstance) vmCID() string {
	if ci.vm == nil {
		return ""
	}
	return ci.vm.CID
}

// agentID is the recorded VM's agent id, "" when the record has no VM.
func (ci *cckInstance) agentID() string {
	if ci.vm == nil {
		return ""
	}
	return ci.vm.AgentID
}

// cckDisk is a persistent disk: its record and where it actually is.
type cckDisk struct {
	dbID      int
	cid       string
	sizeMB    int
	owner     *cckInstance
	active    bool     // record: the instance's managed disk
	gone      bool     // record deleted (orphaned)
	exists    bool     // actual: the IaaS has it
	mountedOn []string // actual: CIDs of the VMs it is mounted on
}

func newCCKWorld(f *Foundation) *cckWorld {
	return &cckWorld{f: f, deps: map[string]*cckDeployment{}, cloud: map[string]*cloudVM{},
		rng: newRNG(f.opts.Seed, "cck-recreate")}
}

// deployment returns d's cloud-check state, building it on first use.
// Call with w.mu held.
func (w *cckWorld) deployment(d *deployment) *cckDeployment {
	if cd := w.deps[d.Name]; cd != nil {
		return cd
	}
	cd := &cckDeployment{d: d}
	for _, in := range d.Instances {
		w.nextDBID++
		seed := seededNow(in)
		ci := &cckInstance{in: in, dbID: w.nextDBID, vm: seed.vm, state: seed.state, procs: seed.procs}
		if in.VM != nil {
			w.cloud[in.VM.CID] = &cloudVM{agentOK: seed.agentOK}
		}
		cd.insts = append(cd.insts, ci)
		if in.DiskCID != "" {
			w.nextDBID++
			disk := &cckDisk{dbID: w.nextDBID, cid: in.DiskCID, sizeMB: in.Group.PersistentMB, owner: ci,
				active: true, exists: true}
			if ci.vmCID() != "" {
				disk.mountedOn = []string{ci.vmCID()}
			}
			cd.disks = append(cd.disks, disk)
		}
	}
	w.deps[d.Name] = cd
	return cd
}

// agentAlive says whether the instance's recorded VM exists and its agent
// answers. Call with w.mu held.
func (w *cckWorld) agentAlive(ci *cckInstance) bool {
	if ci.vmCID() == "" {
		return false
	}
	v := w.cloud[ci.vmCID()]
	return v != nil && v.agentOK
}

// hasVM is the CPI's has_vm for the instance's recorded VM.
func (w *cckWorld) hasVM(ci *cckInstance) bool {
	return ci.vmCID() != "" && w.cloud[ci.vmCID()] != nil
}

// listDisk is the agent's list_disk: the disks mounted on vmCID, in
// record order.
func (cd *cckDeployment) listDisk(vmCID string) []string {
	var out []string
	for _, d := range cd.disks {
		if d.exists && slices.Contains(d.mountedOn, vmCID) {
			out = append(out, d.cid)
		}
	}
	return out
}

// activeDisk is the instance's managed persistent disk, or nil.
func (cd *cckDeployment) activeDisk(ci *cckInstance) *cckDisk {
	for _, d := range cd.disks {
		if d.owner == ci && d.active && !d.gone {
			return d
		}
	}
	return nil
}

// liveDisks are the disks still on record, in record order.
func (cd *cckDeployment) liveDisks() []*cckDisk {
	out := make([]*cckDisk, 0, len(cd.disks))
	for _, d := range cd.disks {
		if !d.gone && !d.owner.in.Ignore {
			out = append(out, d)
		}
	}
	return out
}

// DriftedDeployments names the deployments that drift was laid over at
// start (Options.Drift), sorted.
func (f *Foundation) DriftedDeployments() []string {
	f.cck.mu.Lock()
	defer f.cck.mu.Unlock()
	out := append([]string(nil), f.cck.drifted...)
	sort.Strings(out)
	return out
}

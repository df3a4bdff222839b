package sim

import (
	"slices"
	"sort"
	"sync"
)

// The cloud-check model keeps two states per deployment: the director's
// record (which VM and agent each instance has, which persistent disks it
// owns and whether they are active) and the actual state of the IaaS and
// the agents (which VMs exist, which agents answer, where each disk is
// mounted). A scan compares them; a resolution changes one or both.
//
// Each deployment's state is built from the content on first use, so the
// seeded foundation (unresponsive agents included) scans as its listings
// show it. Drift (Options.Drift) is laid over it at start.

// cckWorld is the cloud-check state of the whole foundation.
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

// cckInstance is the director's record of one instance.
type cckInstance struct {
	in      *instance
	dbID    int
	vmCID   string // "" when the record has no VM
	agentID string
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
		ci := &cckInstance{in: in, dbID: w.nextDBID}
		if in.VM != nil {
			ci.vmCID, ci.agentID = in.VM.CID, in.VM.AgentID
			w.cloud[in.VM.CID] = &cloudVM{agentOK: in.health() != healthUnresponsive}
		}
		cd.insts = append(cd.insts, ci)
		if in.DiskCID != "" {
			w.nextDBID++
			disk := &cckDisk{dbID: w.nextDBID, cid: in.DiskCID, sizeMB: in.Group.PersistentMB, owner: ci,
				active: true, exists: true}
			if ci.vmCID != "" {
				disk.mountedOn = []string{ci.vmCID}
			}
			cd.disks = append(cd.disks, disk)
		}
	}
	w.deps[d.Name] = cd
	return cd
}

// health is the instance's health as the agent reports it now: the
// seeded one, or what a cloud-check resolution made of it.
func (in *instance) health() string {
	if h := in.live.Load(); h != nil {
		return *h
	}
	return in.Health
}

// setHealth changes the instance's health at run time.
func (in *instance) setHealth(h string) { in.live.Store(&h) }

// agentAlive says whether the instance's recorded VM exists and its agent
// answers. Call with w.mu held.
func (w *cckWorld) agentAlive(ci *cckInstance) bool {
	if ci.vmCID == "" {
		return false
	}
	v := w.cloud[ci.vmCID]
	return v != nil && v.agentOK
}

// hasVM is the CPI's has_vm for the instance's recorded VM.
func (w *cckWorld) hasVM(ci *cckInstance) bool {
	return ci.vmCID != "" && w.cloud[ci.vmCID] != nil
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

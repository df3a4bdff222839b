package sim

import (
	"fmt"
	"time"
)

// scanLockBusy is the scan's error when its deployment lock is held.
const scanLockBusy = "Unable to get deployment lock, maybe a deployment is in progress. Try again later."

// cckScanKind is the director's CloudCheck::Scan job behind
// POST /deployments/:d/scans: it closes the deployment's open problems,
// then scans VMs and disks, opening a problem for each fault found.
type cckScanKind struct{ d *deployment }

func (k cckScanKind) jobType() string     { return "cck_scan" }
func (k cckScanKind) description() string { return "scan cloud" }
func (k cckScanKind) lock() *lockSpec {
	return &lockSpec{name: "lock:deployment:" + k.d.Name, deployment: k.d.Name, busyMsg: scanLockBusy}
}

// scanTally counts scan results per outcome.
type scanTally struct {
	ok, unresponsive, missing, inactive, mismatch int
}

func (k cckScanKind) run(x *taskRun) (string, error) {
	w := x.f.cck
	w.mu.Lock()
	cd := w.deployment(k.d)
	for _, p := range cd.problems {
		if p.state == problemOpen {
			p.state = problemClosed
		}
	}
	var vms []*cckInstance
	for _, ci := range cd.insts {
		if ci.in.expectsVM() && ci.state != "detached" {
			vms = append(vms, ci)
		}
	}
	w.mu.Unlock()

	step := x.f.opts.TaskTime / 4
	vmStage := fmt.Sprintf("Scanning %d VMs", len(vms))
	var agentDisks map[string][]string
	var vt scanTally
	err := x.stageStep(vmStage, 2, 1, "Checking VM states", step, func() {
		w.mu.Lock()
		agentDisks, vt = w.scanVMs(cd, vms)
		w.mu.Unlock()
	})
	if err != nil {
		return "", err
	}
	if err := x.stageStep(vmStage, 2, 2, fmt.Sprintf("%d OK, %d unresponsive, %d missing, 0 unbound", vt.ok, vt.unresponsive, vt.missing), step, nil); err != nil {
		return "", err
	}

	w.mu.Lock()
	disks := cd.liveDisks()
	w.mu.Unlock()
	diskStage := fmt.Sprintf("Scanning %d persistent disks", len(disks))
	var dt scanTally
	err = x.stageStep(diskStage, 2, 1, "Looking for inactive disks", step, func() {
		w.mu.Lock()
		dt = w.scanDisks(cd, disks, agentDisks)
		w.mu.Unlock()
	})
	if err != nil {
		return "", err
	}
	summary := fmt.Sprintf("%d OK, %d missing, %d inactive, %d mount-info mismatch", dt.ok, dt.missing, dt.inactive, dt.mismatch)
	if err := x.stageStep(diskStage, 2, 2, summary, step, nil); err != nil {
		return "", err
	}
	return "scan complete", nil
}

// stageStep writes a stage task's started line, lets d pass, runs work and
// writes its finished line.
func (x *taskRun) stageStep(stage string, total, index int, name string, d time.Duration, work func()) error {
	x.event(stageLine{Time: time.Now().Unix(), Stage: stage, Tags: []string{}, Total: ptr(total), Task: name, Index: index, State: "started"})
	if err := x.wait(d); err != nil {
		return err
	}
	if work != nil {
		work()
	}
	x.event(stageLine{Time: time.Now().Unix(), Stage: stage, Tags: []string{}, Total: ptr(total), Task: name, Index: index, State: "finished", Progress: 100})
	return nil
}

// scanVMs is the VM scan stage: an agent that does not answer is a
// missing VM when the IaaS has no such VM, else an unresponsive agent. It
// returns which VMs each disk is mounted on, as far as the agents (or, for
// silent agents, the record) say. Call with w.mu held.
func (w *cckWorld) scanVMs(cd *cckDeployment, vms []*cckInstance) (map[string][]string, scanTally) {
	owners := map[string][]string{}
	var t scanTally
	for _, ci := range vms {
		if ci.in.Ignore {
			continue
		}
		if w.agentAlive(ci) {
			if list := cd.listDisk(ci.vmCID()); len(list) > 0 {
				owners[list[0]] = append(owners[list[0]], ci.vmCID())
			}
			t.ok++
			continue
		}
		if disk := cd.activeDisk(ci); disk != nil {
			owners[disk.cid] = append(owners[disk.cid], ci.vmCID())
		}
		if !w.hasVM(ci) {
			w.openProblem(cd, probMissingVM, ci, nil, nil)
			t.missing++
			continue
		}
		w.openProblem(cd, probUnresponsiveAgent, ci, nil, nil)
		t.unresponsive++
	}
	return owners, t
}

// scanDisks is the disk scan stage. Call with w.mu held.
func (w *cckWorld) scanDisks(cd *cckDeployment, disks []*cckDisk, owners map[string][]string) scanTally {
	var t scanTally
	for _, d := range disks {
		switch {
		case !d.exists:
			w.openProblem(cd, probMissingDisk, nil, d, nil)
			t.missing++
		case !d.active:
			w.openProblem(cd, probInactiveDisk, nil, d, nil)
			t.inactive++
		case d.owner.vmCID() == "":
			t.ok++
		default:
			on := owners[d.cid]
			if len(on) != 1 || on[0] != d.owner.vmCID() {
				w.openProblem(cd, probMountInfoMismatch, nil, d, map[string]any{"owner_vms": append([]string{}, on...)})
				t.mismatch++
				continue
			}
			t.ok++
		}
	}
	return t
}

// openProblem records a new open problem. Call with w.mu held.
func (w *cckWorld) openProblem(cd *cckDeployment, typ string, ci *cckInstance, d *cckDisk, data map[string]any) {
	w.nextProblem++
	cd.problems = append(cd.problems, &problem{id: w.nextProblem, typ: typ, inst: ci, disk: d, data: data, state: problemOpen})
}

package sim

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// applyLockTimeout is how long resolutions wait for the deployment lock.
const applyLockTimeout = 10 * time.Second

// cckApplyKind is the director's CloudCheck::ApplyResolutions job behind
// PUT /deployments/:d/problems. answers maps problem ids (as strings) to
// a resolution name, or nil for the handler's auto resolution.
type cckApplyKind struct {
	d       *deployment
	answers map[string]*string
}

func (k cckApplyKind) jobType() string     { return "cck_apply" }
func (k cckApplyKind) description() string { return "apply resolutions" }
func (k cckApplyKind) lock() *lockSpec {
	return &lockSpec{name: "lock:deployment:" + k.d.Name, deployment: k.d.Name, timeout: applyLockTimeout}
}

func (k cckApplyKind) run(x *taskRun) (string, error) {
	w := x.f.cck
	w.mu.Lock()
	cd := w.deployment(k.d)
	var todo []*problem
	for _, p := range cd.problems {
		if _, ok := k.answers[strconv.Itoa(p.id)]; ok {
			todo = append(todo, p)
		}
	}
	w.mu.Unlock()
	sort.Slice(todo, func(i, j int) bool { return todo[i].id < todo[j].id })

	const stage = "Applying problem resolutions"
	step := x.f.opts.TaskTime / time.Duration(max(len(todo), 1))
	var errs []string
	resolved := 0
	for i, p := range todo {
		w.mu.Lock()
		line, apply := w.prepare(cd, p, k.answers[strconv.Itoa(p.id)])
		w.mu.Unlock()
		start := stageLine{Time: time.Now().Unix(), Stage: stage, Tags: []string{}, Total: ptr(len(todo)), Task: line, Index: i + 1, State: "started"}
		x.event(start)
		if err := x.wait(step); err != nil {
			return "", err
		}
		end := start
		end.Time, end.State, end.Progress = time.Now().Unix(), "finished", 100
		if apply != nil {
			w.mu.Lock()
			err := apply()
			p.state = problemResolved
			w.mu.Unlock()
			resolved++
			if err != nil {
				end.State, end.Data = "failed", map[string]string{"error": err.Error()}
				errs = append(errs, fmt.Sprintf("Error resolving problem '%d': %s", p.id, err))
			}
		}
		x.event(end)
	}
	if len(errs) > 0 {
		return "", &taskFailure{code: 100, msg: strings.Join(errs, "\n")}
	}
	return fmt.Sprintf("%d resolved", resolved), nil
}

// prepare names what will be done for p (the event line) and returns the
// action, or nil when the problem is not open. Call with w.mu held; call
// the action with w.mu held too.
func (w *cckWorld) prepare(cd *cckDeployment, p *problem, answer *string) (string, func() error) {
	if p.state != problemOpen {
		return fmt.Sprintf("Ignoring problem %d (state is '%s')", p.id, p.state), nil
	}
	h, err := w.handlerFor(cd, p)
	valid := err == nil
	if !valid {
		h = invalidHandler(p, err)
	}
	res := h.auto
	if answer != nil {
		res = *answer
	}
	plan, known := h.plan(res)
	if !known {
		plan = "no resolution"
	}
	line := fmt.Sprintf("%s (%s %d): %s", h.description, p.typ, p.resourceID(), plan)
	return line, func() error {
		switch {
		case !known:
			return fmt.Errorf("Cannot find '%s' resolution for '%s'", res, p.typ)
		case !valid:
			return nil // close
		}
		return w.resolve(cd, p, res)
	}
}

// resolve carries out a resolution on the record and the actual state.
// Call with w.mu held.
func (w *cckWorld) resolve(cd *cckDeployment, p *problem, res string) error {
	if res == "ignore" {
		return nil
	}
	switch p.typ {
	case probMissingVM:
		switch res {
		case "recreate_vm", "recreate_vm_without_wait":
			w.recreate(cd, p.inst)
		case "delete_vm_reference":
			p.inst.vm = nil
		}
		return nil
	case probUnresponsiveAgent:
		if w.agentAlive(p.inst) {
			return errors.New("Agent is responding now, skipping resolution")
		}
		switch res {
		case "reboot_vm":
			v := w.cloud[p.inst.vmCID()]
			if v == nil {
				return fmt.Errorf("VM '%s' not found", p.inst.vmCID())
			}
			v.agentOK = true
			p.inst.procs = healthRunning
		case "recreate_vm", "recreate_vm_without_wait":
			w.recreate(cd, p.inst)
		case "delete_vm":
			w.deleteVM(cd, p.inst.vmCID())
			p.inst.vm = nil
		case "delete_vm_reference":
			p.inst.vm = nil
		}
		return nil
	case probMissingDisk:
		w.orphan(p.disk)
		return nil
	case probInactiveDisk:
		return w.resolveInactive(cd, p.disk, res)
	case probMountInfoMismatch:
		v := w.cloud[p.disk.owner.vmCID()]
		if v == nil {
			return fmt.Errorf("VM '%s' not found", p.disk.owner.vmCID())
		}
		p.disk.mountedOn = []string{p.disk.owner.vmCID()}
		if res == "reattach_disk_and_reboot" {
			v.agentOK = true
			p.disk.owner.procs = healthRunning
		}
		return nil
	}
	return nil
}

func (w *cckWorld) resolveInactive(cd *cckDeployment, d *cckDisk, res string) error {
	ci := d.owner
	mounted := false
	if ci.vmCID() != "" {
		if !w.agentAlive(ci) {
			return fmt.Errorf("Timed out sending 'list_disk' to instance: '%s', agent-id: '%s' after 45 seconds", ci.in.name(), ci.agentID())
		}
		mounted = slices.Contains(cd.listDisk(ci.vmCID()), d.cid)
	}
	switch res {
	case "delete_disk":
		if mounted {
			return errors.New("Disk is currently in use")
		}
		w.orphan(d)
	case "activate_disk":
		if !mounted {
			return errors.New("Disk is not mounted")
		}
		if cd.activeDisk(ci) != nil {
			return errors.New("Instance already has an active disk")
		}
		d.active = true
	}
	return nil
}

// recreate replaces the instance's VM with a new one -- new CID, agent id
// and creation time, the same IPs and stemcell -- whose agent answers and
// whose processes run, and attaches the instance's disk to it.
func (w *cckWorld) recreate(cd *cckDeployment, ci *cckInstance) {
	nv := &vm{CID: "vm-" + w.rng.uuid(), AgentID: w.rng.uuid(), CreatedAt: time.Now().UTC().Truncate(time.Second),
		Stemcell: cd.d.Stemcell, Active: true}
	if old := ci.vm; old != nil {
		nv.IPs, nv.Stemcell = append([]string(nil), old.IPs...), old.Stemcell
		w.deleteVM(cd, old.CID)
	} else if ci.in.VM != nil {
		nv.IPs = append([]string(nil), ci.in.VM.IPs...)
	}
	ci.vm = nv
	w.cloud[nv.CID] = &cloudVM{agentOK: true}
	ci.procs = healthRunning
	if d := cd.activeDisk(ci); d != nil && d.exists {
		d.mountedOn = []string{ci.vmCID()}
	}
}

// deleteVM deletes a VM in the IaaS; disks mounted on it are detached.
func (w *cckWorld) deleteVM(cd *cckDeployment, cid string) {
	delete(w.cloud, cid)
	for _, d := range cd.disks {
		if i := indexOf(d.mountedOn, cid); i >= 0 {
			d.mountedOn = append(d.mountedOn[:i:i], d.mountedOn[i+1:]...)
		}
	}
}

// orphan removes a disk from the record (the director orphans it).
func (w *cckWorld) orphan(d *cckDisk) {
	d.gone, d.active, d.mountedOn = true, false, nil
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

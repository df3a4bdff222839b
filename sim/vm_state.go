package sim

// instanceNow is a snapshot of one instance's state model (cckInstance,
// sim/director_cck_model.go): the director's record of its VM, whether
// the IaaS has that VM, whether its agent answers and the state of its
// processes.
type instanceNow struct {
	in      *instance
	vm      *vm    // the active VM on record; nil when none
	state   string // the desired state on record: started, stopped or detached
	exists  bool   // the IaaS has the recorded VM
	agentOK bool   // the recorded VM's agent answers
	procs   string // healthRunning, healthFailing or healthStopped
}

// health is what the director makes of the instance's agent: unresponsive
// when no agent answers for the recorded VM, else its processes' state.
func (s instanceNow) health() string {
	if s.vm == nil || !s.exists || !s.agentOK {
		return healthUnresponsive
	}
	return s.procs
}

// vms lists the instance's VMs, the active one first.
func (s instanceNow) vms() []*vm {
	var out []*vm
	if s.vm != nil {
		out = append(out, s.vm)
	}
	return append(out, s.in.OldVMs...)
}

// agentIDOf is the recorded VM's agent id, "" when there is none.
func agentIDOf(s instanceNow) string {
	if s.vm == nil {
		return ""
	}
	return s.vm.AgentID
}

// seededNow is an instance's state as the content seeds it: the state
// model starts from it.
func seededNow(in *instance) instanceNow {
	s := instanceNow{in: in, vm: in.VM, state: in.State, exists: in.VM != nil, agentOK: in.Health != healthUnresponsive, procs: in.Health}
	if s.procs == healthUnresponsive || s.procs == "" {
		s.procs = healthRunning
	}
	return s
}

// now is ci's snapshot. Call with w.mu held.
func (w *cckWorld) now(ci *cckInstance) instanceNow {
	s := instanceNow{in: ci.in, vm: ci.vm, state: ci.state, procs: ci.procs}
	if ci.vm != nil {
		if v := w.cloud[ci.vm.CID]; v != nil {
			s.exists, s.agentOK = true, v.agentOK
		}
	}
	return s
}

// deploymentNow is the state of every instance of d, in instance order.
func (f *Foundation) deploymentNow(d *deployment) []instanceNow {
	out := make([]instanceNow, 0, len(d.Instances))
	if f == nil || f.cck == nil {
		for _, in := range d.Instances {
			out = append(out, seededNow(in))
		}
		return out
	}
	w := f.cck
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ci := range w.deployment(d).insts {
		out = append(out, w.now(ci))
	}
	return out
}

// instanceNow is the state of one instance.
func (f *Foundation) instanceNow(in *instance) instanceNow {
	if f == nil || f.cck == nil || f.content.byName[in.Deployment] == nil {
		return seededNow(in)
	}
	w := f.cck
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ci := range w.deployment(f.content.byName[in.Deployment]).insts {
		if ci.in == in {
			return w.now(ci)
		}
	}
	return seededNow(in)
}

package sim

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// lcStep is one instance's update in a converging state change.
type lcStep struct {
	ci     *cckInstance
	op     string // restart, recreate, started, stopped, detached
	canary bool
}

// lcGroup is one instance group's updates, in batches that run together.
type lcGroup struct {
	g       *instanceGroup
	batches [][]lcStep
	total   int
}

// eventAction is the instance event's action for an op.
func eventAction(op string) string {
	switch op {
	case "started":
		return "start"
	case "stopped", "detached":
		return "stop"
	}
	return op
}

// rpcTimeout is the director's error when an agent does not answer.
func rpcTimeout(ci *cckInstance, method string) error {
	return &taskFailure{code: 450002, msg: fmt.Sprintf("Timed out sending '%s' to instance: '%s', agent-id: '%s' after 45 seconds",
		method, ci.in.name(), ci.agentID())}
}

// notRunning is the director's error when a job does not come up.
func notRunning(ci *cckInstance) error {
	proc := ci.in.Failing
	if proc == "" {
		proc = "unknown"
	}
	return &taskFailure{code: 400007, msg: fmt.Sprintf("'%s (%d)' is not running after update. Review logs for failed jobs: %s",
		ci.in.name(), ci.in.Index, proc)}
}

// change carries out one state change on the record and the actual
// state. Call with w.mu held.
func (w *cckWorld) change(cd *cckDeployment, ci *cckInstance, op string) error {
	switch op {
	case "recreate":
		w.recreate(cd, ci)
		ci.state = "started"
		return nil
	case "detached":
		if ci.vm != nil {
			w.deleteVM(cd, ci.vmCID())
			ci.vm = nil
		}
		ci.state, ci.procs = "detached", healthStopped
		return nil
	}
	if ci.vm == nil {
		w.recreate(cd, ci) // converge_vm: an instance without a VM gets one
	} else if !w.agentAlive(ci) {
		return rpcTimeout(ci, "apply")
	}
	if op == "stopped" {
		ci.state, ci.procs = "stopped", healthStopped
		return nil
	}
	ci.state = "started"
	// A process that fails on its VM fails again when restarted there;
	// only a new VM (a recreate) brings it up.
	if ci.procs == healthFailing || (ci.in.Failing != "" && ci.vm == ci.in.VM) {
		ci.procs = healthFailing
		return notRunning(ci)
	}
	ci.procs = healthRunning
	return nil
}

// changes says whether a converging state change updates ci, and how.
// Call with w.mu held.
func (k lifecycleKind) opFor(w *cckWorld, ci *cckInstance) (string, bool) {
	if ci.in.Ignore || !ci.in.expectsVM() {
		return "", false
	}
	if k.fix && ci.vm != nil && !w.agentAlive(ci) {
		return "recreate", true // --fix recreates every unresponsive instance
	}
	if (k.group != "*" && ci.in.Group.Name != k.group) || (k.inst != nil && ci.in != k.inst) {
		return "", false
	}
	switch k.state {
	case "restart", "recreate":
		return k.state, true
	case "started", "stopped", "detached":
		return k.state, ci.state != k.state
	}
	return "", false
}

// planGroups lays out the converging update: groups in manifest order;
// in each, instances by availability zone in order of first appearance,
// the first zone's first instances as canaries, then batches of
// max_in_flight (InstanceGroupUpdater). Call with w.mu held.
func (k lifecycleKind) planGroups(w *cckWorld, cd *cckDeployment) ([]lcGroup, error) {
	canaries, mif := "1", "1" // the deployments' update block
	if k.canariesSet {
		canaries = k.canaries
	}
	if k.maxInFlightSet {
		mif = k.maxInFlight
	}
	if _, ok := numericalValue(canaries, 1); !ok {
		return nil, &taskFailure{code: 100, msg: "canaries value should be integer or percent"}
	}
	if _, ok := numericalValue(mif, 1); !ok {
		return nil, &taskFailure{code: 100, msg: "max_in_flight value should be integer or percent"}
	}
	var out []lcGroup
	for _, g := range cd.d.Groups {
		var azs []string
		byAZ := map[string][]lcStep{}
		for _, ci := range cd.insts {
			if ci.in.Group != g {
				continue
			}
			if op, ok := k.opFor(w, ci); ok {
				if _, seen := byAZ[ci.in.AZ]; !seen {
					azs = append(azs, ci.in.AZ)
				}
				byAZ[ci.in.AZ] = append(byAZ[ci.in.AZ], lcStep{ci: ci, op: op})
			}
		}
		if len(azs) == 0 {
			continue
		}
		lg := lcGroup{g: g}
		for i, az := range azs {
			steps := byAZ[az]
			lg.total += len(steps)
			batch, _ := numericalValue(mif, len(steps))
			batch = max(batch, 1)
			if i == 0 {
				n, _ := numericalValue(canaries, len(steps))
				n = max(min(n, len(steps)), 0)
				for j := range steps[:n] {
					steps[j].canary = true
				}
				lg.batches = append(lg.batches, chunk(steps[:n], batch)...)
				steps = steps[n:]
			}
			lg.batches = append(lg.batches, chunk(steps, batch)...)
		}
		out = append(out, lg)
	}
	return out, nil
}

func chunk(steps []lcStep, size int) [][]lcStep {
	var out [][]lcStep
	for len(steps) > 0 {
		n := min(size, len(steps))
		out = append(out, steps[:n])
		steps = steps[n:]
	}
	return out
}

// runConverge is Jobs::UpdateDeployment with job states overridden.
func (k lifecycleKind) runConverge(x *taskRun) (string, error) {
	w := x.f.cck
	step := x.f.opts.TaskTime
	parent := x.f.deploymentEvent(x, k.d, 0, "")
	result, err := k.converge1(x, w, step, parent)
	errText := ""
	if err != nil && !errors.Is(err, errCancelled) && !errors.Is(err, errClosing) {
		errText = err.Error()
	}
	x.f.deploymentEvent(x, k.d, parent, errText)
	return result, err
}

func (k lifecycleKind) converge1(x *taskRun, w *cckWorld, step time.Duration, parent int) (string, error) {
	prep := stageLine{Time: time.Now().Unix(), Stage: "Preparing deployment", Tags: []string{}, Total: ptr(1),
		Task: "Preparing deployment", Index: 1, State: "started"}
	x.event(prep)
	if err := x.wait(step / 2); err != nil {
		return "", err
	}
	w.mu.Lock()
	cd := w.deployment(k.d)
	var prepErr error
	for _, ci := range cd.insts {
		if ci.vm != nil && !ci.in.Ignore && !k.fix && !w.agentAlive(ci) {
			prepErr = rpcTimeout(ci, "get_state")
			prepErr.(*taskFailure).msg = ci.in.name() + ": " + prepErr.Error()
			break
		}
	}
	var groups []lcGroup
	if prepErr == nil {
		groups, prepErr = k.planGroups(w, cd)
	}
	w.mu.Unlock()
	end := prep
	end.Time, end.State, end.Progress = time.Now().Unix(), "finished", 100
	if prepErr != nil {
		end.State, end.Data = "failed", map[string]string{"error": prepErr.Error()}
		x.event(end)
		return "", prepErr
	}
	x.event(end)
	result := "/deployments/" + k.d.Name
	if k.dryRun {
		return result, nil
	}
	var e eventWriter
	e.stageTask(time.Now(), 0, "Preparing package compilation", nil, 1, 1, "Finding packages to compile")
	x.f.mu.Lock()
	x.t.event = append(x.t.event, e.out...)
	x.f.mu.Unlock()
	for _, lg := range groups {
		index := 0
		for _, batch := range lg.batches {
			if err := k.runBatch(x, w, cd, lg, batch, &index, step, parent); err != nil {
				return "", err
			}
		}
	}
	return result, nil
}

// runBatch updates a batch of instances together; the first failure ends
// the update once the batch is done.
func (k lifecycleKind) runBatch(x *taskRun, w *cckWorld, cd *cckDeployment, lg lcGroup, batch []lcStep, index *int, step time.Duration, parent int) error {
	starts := make([]stageLine, len(batch))
	events := make([]int, len(batch))
	for i, s := range batch {
		*index++
		name := fmt.Sprintf("%s (%d)", s.ci.in.name(), s.ci.in.Index)
		if s.canary {
			name += " (canary)"
		}
		starts[i] = stageLine{Time: time.Now().Unix(), Stage: "Updating instance", Tags: []string{lg.g.Name},
			Total: ptr(lg.total), Task: name, Index: *index, State: "started"}
		x.event(starts[i])
		events[i] = lifecycleEvent(x, s.ci.in, eventAction(s.op), parent, "")
	}
	if err := x.wait(step); err != nil {
		return err
	}
	var first error
	for i, s := range batch {
		w.mu.Lock()
		err := w.change(cd, s.ci, s.op)
		w.mu.Unlock()
		end := starts[i]
		end.Time, end.State, end.Progress = time.Now().Unix(), "finished", 100
		errText := ""
		if err != nil {
			end.State, end.Data, errText = "failed", map[string]string{"error": err.Error()}, err.Error()
			if first == nil {
				first = err
			}
		}
		x.event(end)
		lifecycleEvent(x, s.ci.in, eventAction(s.op), events[i], errText)
	}
	return first
}

// deploymentEvent records the update's opening event (parent 0) or its
// closing one, and returns its id.
func (f *Foundation) deploymentEvent(x *taskRun, d *deployment, parent int, errText string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addEventLocked(event{Time: time.Now(), User: x.t.User, Action: "update", ObjectType: "deployment",
		ObjectName: d.Name, Task: strconv.Itoa(x.t.ID), Deployment: d.Name, ParentID: parent, Error: errText})
}

// runAction is Jobs::UpdateInstance: one instance, no converge.
func (k lifecycleKind) runAction(x *taskRun) (string, error) {
	in := k.inst
	label := k.action
	switch {
	case in.Group.Errand:
		return "", &taskFailure{code: 100, msg: fmt.Sprintf(
			"Isolated %s can not be run on instances of type errand. Try the bosh run-errand command.", label)}
	case in.Ignore:
		return "", &taskFailure{code: 100, msg: fmt.Sprintf("You are trying to change the state of the ignored instance '%s'."+
			"This operation is not allowed. You need to unignore it first.", in.name())}
	}
	a := &actionRun{k: k, x: x, w: x.f.cck, step: x.f.opts.TaskTime / 3,
		stage: fmt.Sprintf("Updating instance %s (%d)", in.name(), in.Index)}
	a.w.mu.Lock()
	a.cd = a.w.deployment(k.d)
	for _, ci := range a.cd.insts {
		if ci.in == in {
			a.ci = ci
		}
	}
	a.w.mu.Unlock()
	var err error
	switch k.action {
	case "stop":
		err = a.stop(k.hard)
	case "start":
		err = a.start()
	default: // restart, recreate
		parent := lifecycleEvent(x, in, label, 0, "")
		if err = a.stop(k.hard); err == nil {
			err = a.start()
		}
		errText := ""
		if err != nil {
			errText = err.Error()
		}
		lifecycleEvent(x, in, label, parent, errText)
	}
	if err != nil {
		return "", err
	}
	return in.name(), nil
}

// actionRun is one UpdateInstance job's progress.
type actionRun struct {
	k     lifecycleKind
	x     *taskRun
	w     *cckWorld
	cd    *cckDeployment
	ci    *cckInstance
	step  time.Duration
	stage string
	index int
}

// track logs one step of the stage and runs do with w.mu held.
func (a *actionRun) track(name string, do func() error) error {
	a.index++
	start := stageLine{Time: time.Now().Unix(), Stage: a.stage, Tags: []string{}, Task: name, Index: a.index, State: "started"}
	a.x.event(start)
	if err := a.x.wait(a.step); err != nil {
		return err
	}
	a.w.mu.Lock()
	err := do()
	a.w.mu.Unlock()
	end := start
	end.Time, end.State, end.Progress = time.Now().Unix(), "finished", 100
	if err != nil {
		end.State, end.Data = "failed", map[string]string{"error": err.Error()}
	}
	a.x.event(end)
	return err
}

func (a *actionRun) stop(hard bool) error {
	a.w.mu.Lock()
	state := a.ci.state
	a.w.mu.Unlock()
	if (state == "stopped" && !hard) || state == "detached" {
		return nil
	}
	parent := lifecycleEvent(a.x, a.ci.in, "stop", 0, "")
	err := a.track("Stopping instance", func() error {
		if a.ci.vm != nil && !a.w.agentAlive(a.ci) && !a.k.ignoreUnresponsive {
			if a.k.skipDrain {
				return rpcTimeout(a.ci, "stop")
			}
			return rpcTimeout(a.ci, "drain")
		}
		a.ci.state, a.ci.procs = "stopped", healthStopped
		return nil
	})
	errText := ""
	if err != nil {
		errText = err.Error()
	}
	lifecycleEvent(a.x, a.ci.in, "stop", parent, errText)
	if err != nil || !hard {
		return err
	}
	return a.track("Deleting VM", func() error { return a.w.change(a.cd, a.ci, "detached") })
}

func (a *actionRun) start() error {
	a.w.mu.Lock()
	noVM, state := a.ci.vm == nil, a.ci.state
	a.w.mu.Unlock()
	if noVM {
		err := a.track("Creating VM", func() error {
			a.w.recreate(a.cd, a.ci)
			a.ci.procs = healthStopped
			return nil
		})
		if err != nil {
			return err
		}
	}
	if state == "started" && !noVM {
		return nil
	}
	parent := lifecycleEvent(a.x, a.ci.in, "start", 0, "")
	err := a.track("Starting instance", func() error { return a.w.change(a.cd, a.ci, "started") })
	errText := ""
	if err != nil {
		errText = err.Error()
	}
	lifecycleEvent(a.x, a.ci.in, "start", parent, errText)
	return err
}

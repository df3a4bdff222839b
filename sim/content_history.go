package sim

import (
	"fmt"
	"time"
)

const day = 24 * time.Hour

// seedHistory writes the foundation's past: stemcell and release uploads,
// deploys by Ops Manager and by the PKS broker, errands, an SSH session, a
// cloud check, a log fetch, the PKS API's vm-stats polls, a cancelled and
// a failed task, and the cluster upgrade still running now.
func (f *Foundation) seedHistory(now time.Time) {
	c := f.content
	hb := &historyBuilder{f: f, r: newRNG(f.opts.Seed, "history")}
	epoch := c.epoch
	pksUser := c.pks.Name

	hb.stemcellUpload(epoch.Add(-45*day), c.stemcells[0])
	hb.stemcellUpload(epoch.Add(-22*day), c.stemcells[1])
	for k, s := range c.releases {
		for _, v := range s.Versions {
			at := epoch.Add(-60 * day)
			if v.deployed {
				at = epoch.Add(-22 * day)
			}
			hb.releaseUpload(at.Add(time.Duration(k)*3*time.Minute), s.Name, v)
		}
	}

	cancelled := hb.task(c.harbor.DeployedAt.Add(-40*time.Minute), "create deployment", "update_deployment", "ops_manager", c.harbor)
	hb.finish(cancelled, created(cancelled), created(cancelled).Add(3*time.Minute), stateCancelled, "task cancelled")
	cancelled.lazyEvent = func() []byte {
		var e eventWriter
		steps := planDeploy(c.harbor, created(cancelled), func(*instance) time.Duration { return time.Minute })
		e.line(steps[0].startedLine())
		e.line(steps[0].finishedLine(steps[0].end))
		e.taskError(created(cancelled).Add(3*time.Minute), 10001, fmt.Sprintf("Task %d cancelled", cancelled.ID))
		return e.out
	}
	hb.lockEvents(cancelled, c.harbor, created(cancelled), created(cancelled).Add(3*time.Minute))

	hb.deploy(c.harbor, c.harbor.DeployedAt, "ops_manager", true)
	hb.deploy(c.pks, c.pks.DeployedAt, "ops_manager", true)
	for _, d := range c.clusters {
		end := hb.deploy(d, d.DeployedAt, pksUser, true)
		hb.errand(d, end.Add(20*time.Second), pksUser, "apply-addons")
	}
	for _, d := range c.fillers {
		hb.deploy(d, d.DeployedAt, d.DeployedBy, false)
	}

	hb.sshSession(c.clusters[0], c.clusters[0].Instances[0], epoch.Add(-2*day-3*time.Hour), "admin")
	hb.scan(c.clusters[1], epoch.Add(-3*time.Hour), "admin")
	hb.fetchLogs(c.clusters[0], c.clusters[0].Instances[c.clusterWorkerIndex(0, 2)], epoch.Add(-70*time.Minute), "admin")
	for i := 3; i >= 1; i-- {
		for k, d := range c.clusters {
			hb.vmStats(d, epoch.Add(-time.Duration(i)*10*time.Minute+time.Duration(k)*7*time.Second), pksUser)
		}
	}

	bg := hb.backgroundDeploy(c.clusters[3], epoch.Add(-370*time.Second), pksUser)
	hb.scanBusy(c.clusters[3], epoch.Add(-3*time.Minute), "admin")

	f.mu.Lock()
	hb.commit()
	bg.install(f)
	f.bg = bg
	f.mu.Unlock()
}

// clusterWorkerIndex is the position in Instances of worker w of cluster k.
func (c *content) clusterWorkerIndex(k, w int) int {
	return clusterShapes[k].masters + w
}

// deploy records a successful "create deployment" of every instance of d
// and returns when it ended. detailed adds the per-instance audit events.
func (hb *historyBuilder) deploy(d *deployment, start time.Time, user string, detailed bool) time.Time {
	t := hb.task(start, "create deployment", "update_deployment", user, d)
	r := newRNG(hb.f.opts.Seed, "deploy-"+d.Name+start.String())
	steps := planDeploy(d, start.Add(time.Second), func(*instance) time.Duration {
		return time.Duration(r.between(35, 110)) * time.Second
	})
	end := steps[len(steps)-1].end.Add(2 * time.Second)
	hb.finish(t, start, end, stateDone, "/deployments/"+d.Name)
	t.lazyEvent = func() []byte { return deployEventLog(steps) }
	name := "lock:deployment:" + d.Name
	hb.event(event{Time: start, Action: "acquire", ObjectType: "lock", ObjectName: name, Deployment: d.Name}, t, nil)
	parent := hb.event(event{Time: start, Action: "update", ObjectType: "deployment", ObjectName: d.Name, Deployment: d.Name}, t, nil)
	if detailed {
		for _, s := range steps {
			if s.inst == nil {
				continue
			}
			first := hb.event(instanceEvent(s.inst, s.start, "recreate", instanceChangeContext(s.inst)), t, parent)
			hb.event(instanceEvent(s.inst, s.end, "recreate", nil), t, first)
		}
	}
	hb.event(event{Time: end, Action: "update", ObjectType: "deployment", ObjectName: d.Name, Deployment: d.Name,
		Context: deployContext(d, d, olderVersionsOf(d))}, t, parent)
	hb.event(event{Time: end, Action: "release", ObjectType: "lock", ObjectName: name, Deployment: d.Name}, t, nil)
	return end
}

func instanceEvent(in *instance, at time.Time, action string, ctx map[string]any) event {
	return event{Time: at, Action: action, ObjectType: "instance", ObjectName: in.name(), Deployment: in.Deployment,
		Instance: in.name(), Context: ctx}
}

// olderVersionsOf maps the releases of d that have an older uploaded
// version to that version: what the deploy upgraded from.
func olderVersionsOf(d *deployment) map[string]string {
	out := map[string]string{}
	for _, r := range d.Releases {
		if old := olderReleaseVersions[r.Name]; len(old) > 0 {
			out[r.Name] = old[len(old)-1]
		}
	}
	return out
}

// errand records a successful errand run after a cluster deploy.
func (hb *historyBuilder) errand(d *deployment, start time.Time, user, name string) {
	t := hb.task(start, "run errand "+name+" from deployment "+d.Name, "run_errand", user, d)
	end := start.Add(74 * time.Second)
	hb.finish(t, start, end, stateDone, fmt.Sprintf("Errand '%s' completed successfully (exit code 0)", name))
	id := hb.r.uuid()
	t.lazyEvent = func() []byte {
		var e eventWriter
		e.stageTask(start, 3*time.Second, "Preparing deployment", nil, 1, 1, "Preparing deployment")
		e.stageTask(start.Add(4*time.Second), 68*time.Second, "Running errand", nil, 1, 1, fmt.Sprintf("%s/%s (0)", name, id))
		e.stageTask(start.Add(72*time.Second), 2*time.Second, "Fetching logs for "+name+"/"+id+" (0)", nil, 1, 1, "Finding and packing log files")
		return e.out
	}
	hb.lockEvents(t, d, start, end)
}

// stemcellUpload records "create stemcell".
func (hb *historyBuilder) stemcellUpload(start time.Time, sc *stemcell) {
	t := hb.task(start, "create stemcell", "update_stemcell", "ops_manager", nil)
	end := start.Add(4 * time.Minute)
	slug := sc.Name + "/" + sc.Version
	hb.finish(t, start, end, stateDone, "/stemcells/"+slug)
	t.lazyEvent = func() []byte {
		var e eventWriter
		names := []string{"Extracting stemcell archive", "Verifying stemcell manifest", "Checking if this stemcell already exists",
			"Uploading stemcell " + slug + " to the cloud", "Save stemcell " + slug + " (" + sc.CID + ")"}
		durs := []time.Duration{40 * time.Second, time.Second, time.Second, 190 * time.Second, time.Second}
		at := start
		for i, n := range names {
			e.stageTask(at, durs[i], "Update stemcell", nil, len(names), i+1, n)
			at = at.Add(durs[i])
		}
		return e.out
	}
}

// releaseUpload records "create release".
func (hb *historyBuilder) releaseUpload(start time.Time, name string, v *releaseVersion) {
	t := hb.task(start, "create release", "update_release", "ops_manager", nil)
	end := start.Add(50 * time.Second)
	hb.finish(t, start, end, stateDone, fmt.Sprintf("Created release '%s/%s'", name, v.Version))
	jobs := append([]string{}, v.JobNames...)
	shas := make([]string, len(jobs))
	for i := range shas {
		shas[i] = hb.r.hex(40)
	}
	t.lazyEvent = func() []byte {
		var e eventWriter
		e.stageTask(start, 20*time.Second, "Extracting release", nil, 1, 1, "Extracting release")
		e.stageTask(start.Add(20*time.Second), time.Second, "Verifying manifest", nil, 1, 1, "Verifying manifest")
		e.stageTask(start.Add(21*time.Second), time.Second, "Resolving package dependencies", nil, 1, 1, "Resolving package dependencies")
		for i, j := range jobs {
			e.stageTask(start.Add(22*time.Second), time.Second, "Creating new jobs", nil, len(jobs), i+1, j+"/"+shas[i])
		}
		e.stageTask(start.Add(49*time.Second), 0, "Release has been created", nil, 1, 1, name+"/"+v.Version)
		return e.out
	}
}

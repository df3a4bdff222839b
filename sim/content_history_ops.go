package sim

import (
	"encoding/base64"
	"fmt"
	"time"
)

// Past operator chores: SSH, cloud check, log fetch, vm-stats polls.

// sshTarget renders the target hash of an SSH task description as the
// director's Ruby does.
func sshTarget(in *instance) string {
	return fmt.Sprintf(`{"job"=>"%s", "indexes"=>["%d"], "ids"=>["%d"]}`, in.Group.Name, in.Index, in.Index)
}

// sshSession records a `bosh ssh` to one instance: setup, and cleanup a
// quarter of an hour later.
func (hb *historyBuilder) sshSession(d *deployment, in *instance, start time.Time, user string) {
	sshUser := "bosh_" + hb.r.hex(15)
	hostKey := "ssh-rsa " + base64.StdEncoding.EncodeToString([]byte(hb.r.hex(272)))
	ip := in.VM.IPs[0]
	for _, step := range []struct {
		cmd, action, ctxUser string
		at                   time.Time
	}{
		{"setup", "setup ssh", sshUser, start},
		{"cleanup", "cleanup ssh", "^" + sshUser, start.Add(16 * time.Minute)},
	} {
		t := hb.task(step.at, "ssh: "+step.cmd+":"+sshTarget(in), "ssh", user, d)
		hb.finish(t, step.at, step.at.Add(2*time.Second), stateDone, "")
		line := fmt.Sprintf(`[{"command":"%s","status":"success","ip":"%s","host_public_key":"%s","id":"%s","index":%d,"job":"%s"}]`+"\n",
			step.cmd, ip, hostKey, in.ID, in.Index, in.Group.Name)
		if step.cmd == "cleanup" {
			line = fmt.Sprintf(`[{"command":"cleanup","status":"success","ip":"%s","id":"%s","index":%d,"job":"%s"}]`+"\n",
				ip, in.ID, in.Index, in.Group.Name)
		}
		t.result = []byte(line)
		hb.event(event{Time: step.at.Add(time.Second), Action: step.action, ObjectType: "instance", ObjectName: in.name(),
			Deployment: d.Name, Instance: in.name(), Context: map[string]any{"user": step.ctxUser}}, t, nil)
	}
}

// scanCounts tallies what a cloud-check scan of d finds.
func scanCounts(d *deployment) (vms, unresponsive, disks int) {
	for _, in := range d.Instances {
		if in.VM != nil {
			vms++
			if in.Health == healthUnresponsive {
				unresponsive++
			}
		}
		if in.DiskCID != "" {
			disks++
		}
	}
	return
}

// scan records a successful "scan cloud".
func (hb *historyBuilder) scan(d *deployment, start time.Time, user string) {
	t := hb.task(start, "scan cloud", "cck_scan", user, d)
	end := start.Add(12 * time.Second)
	hb.finish(t, start, end, stateDone, "scan complete")
	vms, bad, disks := scanCounts(d)
	t.lazyEvent = func() []byte {
		var e eventWriter
		vmStage := fmt.Sprintf("Scanning %d VMs", vms)
		e.stageTask(start, 10*time.Second, vmStage, nil, 2, 1, "Checking VM states")
		e.stageTask(start.Add(10*time.Second), 0, vmStage, nil, 2, 2, fmt.Sprintf("%d OK, %d unresponsive, 0 missing, 0 unbound", vms-bad, bad))
		diskStage := fmt.Sprintf("Scanning %d persistent disks", disks)
		e.stageTask(start.Add(10*time.Second), time.Second, diskStage, nil, 2, 1, "Looking for inactive disks")
		e.stageTask(start.Add(11*time.Second), 0, diskStage, nil, 2, 2, fmt.Sprintf("%d OK, 0 missing, 0 inactive, 0 mount-info mismatch", disks))
		return e.out
	}
	hb.lockEvents(t, d, start, end)
}

// scanBusy records a scan refused because a deploy held the lock.
func (hb *historyBuilder) scanBusy(d *deployment, start time.Time, user string) {
	const msg = "Unable to get deployment lock, maybe a deployment is in progress. Try again later."
	t := hb.task(start, "scan cloud", "cck_scan", user, d)
	hb.finish(t, start, start.Add(time.Second), stateError, msg)
	t.lazyEvent = func() []byte {
		var e eventWriter
		e.taskError(start.Add(time.Second), 100, msg)
		return e.out
	}
}

// fetchLogs records a job-log fetch from one instance.
func (hb *historyBuilder) fetchLogs(d *deployment, in *instance, start time.Time, user string) {
	t := hb.task(start, "fetch logs", "fetch_logs", user, d)
	end := start.Add(9 * time.Second)
	hb.finish(t, start, end, stateDone, hb.r.uuid())
	t.lazyEvent = func() []byte {
		var e eventWriter
		e.stageTask(start, 8*time.Second, fmt.Sprintf("Fetching logs for %s (%d)", in.name(), in.Index), nil, 1, 1, "Finding and packing log files")
		return e.out
	}
}

// vmStats records a "retrieve vm-stats" with its NDJSON result.
func (hb *historyBuilder) vmStats(d *deployment, start time.Time, user string) {
	t := hb.task(start, "retrieve vm-stats", "vms", user, d)
	end := start.Add(2 * time.Second)
	hb.finish(t, start, end, stateDone, "")
	seed := hb.f.opts.Seed
	t.lazyResult = func() []byte {
		states := make([]instanceNow, 0, len(d.Instances))
		for _, in := range d.Instances {
			states = append(states, seededNow(in))
		}
		return vmStatsResult(seed, t.ID, states, true, end)
	}
}

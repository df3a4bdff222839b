package sim

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// lockingKind is a job that takes its deployment's lock, as cloud-check
// scans and resolutions will; it writes one stage and waits.
type lockingKind struct {
	d       *deployment
	timeout time.Duration
	busyMsg string
	hold    time.Duration
}

func (k lockingKind) jobType() string     { return "cck_scan" }
func (k lockingKind) description() string { return "scan cloud" }
func (k lockingKind) lock() *lockSpec {
	return &lockSpec{name: "lock:deployment:" + k.d.Name, deployment: k.d.Name, timeout: k.timeout, busyMsg: k.busyMsg}
}

func (k lockingKind) run(x *taskRun) (string, error) {
	x.event(stageLine{Time: time.Now().Unix(), Stage: "Scanning 1 VMs", Tags: []string{}, Total: ptr(1), Task: "Checking VM states", Index: 1, State: "started"})
	if err := x.wait(k.hold); err != nil {
		return "", err
	}
	return "scan complete", nil
}

func enqueue(f *Foundation, k taskKind, d *deployment) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.enqueueLocked(k, "admin", d.Name, "", d.Teams).ID
}

func TestJobsTakeDeploymentLocks(t *testing.T) {
	f := startSim(t, Options{})
	c := rawClient(t, f)
	auth := adminToken(t, f)
	c0, c3 := f.content.clusters[0], f.content.clusters[3]
	const busy = "Unable to get deployment lock, maybe a deployment is in progress. Try again later."

	refused := enqueue(f, lockingKind{d: c3, busyMsg: busy}, c3)
	waitState(t, f, refused, stateError)
	waited := enqueue(f, lockingKind{d: c3, timeout: 600 * time.Millisecond}, c3)
	waitState(t, f, waited, stateError)
	held := enqueue(f, lockingKind{d: c0, hold: time.Hour}, c0)
	waitState(t, f, held, stateProcessing)

	f.mu.Lock()
	results := []string{*f.byID[refused].Result, *f.byID[waited].Result}
	f.mu.Unlock()
	if results[0] != busy {
		t.Errorf("lock busy, timeout 0: %q", results[0])
	}
	// The task result is cut to about 128 characters; the event log has it all.
	want := "Failed to acquire lock for lock:deployment:" + c3.Name + " uid:"
	if !strings.HasPrefix(results[1], want) || !strings.HasSuffix(results[1], "...") || len(results[1]) > 132 {
		t.Errorf("lock busy after waiting: %q", results[1])
	}
	f.mu.Lock()
	waitedLog := string(f.byID[waited].eventOutput())
	f.mu.Unlock()
	if !strings.Contains(waitedLog, "Locking task id is "+itoa(f.bg.t.ID)+", description: 'create deployment'") {
		t.Errorf("event output of the task that waited: %q", waitedLog)
	}

	var locks []lockJSON
	json.Unmarshal([]byte(do(t, c, f, "GET", "/locks", auth, nil, "").body), &locks)
	if len(locks) != 2 || locks[1].Resource[0] != c0.Name || locks[1].TaskID != itoa(held) {
		t.Fatalf("locks %+v", locks)
	}
	if exp, err := strconv.ParseFloat(locks[1].Timeout, 64); err != nil || exp < float64(time.Now().Add(200*time.Second).Unix()) {
		t.Errorf("lock timeout %q", locks[1].Timeout)
	}
	var deps []deploymentJSON
	json.Unmarshal([]byte(do(t, c, f, "GET", "/deployments", auth, nil, "").body), &deps)
	for _, d := range deps {
		if want := d.Name == c0.Name || d.Name == c3.Name; *d.Locked != want {
			t.Errorf("%s locked %v", d.Name, *d.Locked)
		}
	}

	d := adminDirector(t, f, nil)
	task, _ := d.FindTask(held)
	if err := task.Cancel(); err != nil {
		t.Fatal(err)
	}
	waitState(t, f, held, stateCancelled)
	json.Unmarshal([]byte(do(t, c, f, "GET", "/locks", auth, nil, "").body), &locks)
	if len(locks) != 1 {
		t.Errorf("locks after the job ended: %+v", locks)
	}
	var evs []eventJSON
	json.Unmarshal([]byte(do(t, c, f, "GET", "/events?object_type=lock&task="+itoa(held), auth, nil, "").body), &evs)
	if len(evs) != 2 || evs[0].Action != "release" || evs[1].Action != "acquire" || evs[0].ObjectName != "lock:deployment:"+c0.Name {
		t.Errorf("lock events %+v", evs)
	}
	f.mu.Lock()
	ev := string(f.byID[held].eventOutput())
	f.mu.Unlock()
	lines := strings.Split(strings.TrimSuffix(ev, "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"stage":"Scanning 1 VMs"`) || !strings.Contains(lines[1], `"code":10001`) {
		t.Errorf("event output %q", ev)
	}
}

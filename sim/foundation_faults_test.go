package sim

import (
	"strings"
	"testing"
	"time"
)

func TestErrorBurst(t *testing.T) {
	f := startSim(t, Options{Faults: Faults{ErrorBurst: 2}})
	d := adminDirector(t, f, nil)
	if _, err := d.Info(); err != nil {
		t.Fatalf("/info is not an authenticated request and must not fail: %v", err)
	}
	for i := 0; i < 2; i++ {
		_, err := d.ListDeployments()
		if err == nil || !strings.Contains(err.Error(), "non-successful status code '500' response ''") {
			t.Fatalf("request %d in the burst: %v", i, err)
		}
	}
	if _, err := d.ListDeployments(); err != nil {
		t.Fatalf("after the burst: %v", err)
	}
	if s := f.Stats(); s.ServerErrors != 2 {
		t.Errorf("server errors %d", s.ServerErrors)
	}
	f.SetFaults(Faults{ErrorBurst: 1})
	c := rawClient(t, f)
	if r := do(t, c, f, "GET", "/locks", "", nil, ""); r.status != 401 {
		t.Errorf("unauthenticated request during a burst: %d", r.status)
	}
	if r := do(t, c, f, "GET", "/locks", adminToken(t, f), nil, ""); r.status != 500 || r.body != "" {
		t.Errorf("authenticated request during a burst: %d %q", r.status, r.body)
	}
}

func TestFailTasks(t *testing.T) {
	f := startSim(t, Options{Faults: Faults{FailTasks: true}})
	rec := newTaskRecorder()
	d := adminDirector(t, f, rec)
	dep, _ := d.FindDeployment(f.content.clusters[0].Name)
	_, err := dep.InstanceInfos()
	if err == nil || !strings.Contains(err.Error(), "state is 'error'") {
		t.Fatalf("InstanceInfos under FailTasks: %v", err)
	}
	id := <-rec.started
	task, err := d.FindTask(id)
	if err != nil || task.State() != "error" || !strings.HasPrefix(task.Result(), "Timed out sending 'get_state' to instance: '") {
		t.Fatalf("failed task %+v %v", task, err)
	}
	out := string(rec.output(id))
	if !strings.Contains(out, `"error":{"code":450002,"message":"Timed out sending 'get_state'`) || !strings.HasSuffix(out, "\n") {
		t.Errorf("event output of the failed task %q", out)
	}
	f.SetFaults(Faults{})
	if _, err := dep.InstanceInfos(); err != nil {
		t.Errorf("after clearing the fault: %v", err)
	}
}

func TestLatencyDelaysEveryRequest(t *testing.T) {
	const lat = 150 * time.Millisecond
	f := startSim(t, Options{Latency: lat})
	c := rawClient(t, f)
	start := time.Now()
	if r := do(t, c, f, "GET", "/info", "", nil, ""); r.status != 200 {
		t.Fatalf("/info %d", r.status)
	}
	if took := time.Since(start); took < lat {
		t.Errorf("/info answered in %v, before the %v latency", took, lat)
	}
	start = time.Now()
	if _, err := uaaFor(t, f, f.ClientID(), f.ClientSecret()).ClientCredentialsGrant(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < lat {
		t.Errorf("UAA answered in %v, before the %v latency", took, lat)
	}
}

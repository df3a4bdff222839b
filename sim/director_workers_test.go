package sim

import (
	"sync"
	"testing"
	"time"
)

func TestWorkerPoolTakesTasksInOrder(t *testing.T) {
	f := startSim(t, Options{Workers: 2, TaskTime: time.Hour})
	auth := adminToken(t, f)
	var ids []int
	for _, d := range []*deployment{f.content.pks, f.content.harbor, f.content.clusters[0], f.content.clusters[1], f.content.clusters[2]} {
		ids = append(ids, startTask(t, f, auth, "/deployments/"+d.Name+"/instances?format=full", nil))
	}
	waitState(t, f, ids[0], stateProcessing)
	waitState(t, f, ids[1], stateProcessing)
	states := func() []string {
		f.mu.Lock()
		defer f.mu.Unlock()
		var out []string
		for _, id := range ids {
			out = append(out, f.byID[id].State)
		}
		return out
	}
	want := []string{"processing", "processing", "queued", "queued", "queued"}
	if got := states(); !equal(got, want) {
		t.Fatalf("states %v, want %v", got, want)
	}
	d := adminDirector(t, f, nil)
	task, _ := d.FindTask(ids[0])
	if err := task.Cancel(); err != nil {
		t.Fatal(err)
	}
	waitState(t, f, ids[2], stateProcessing)
	want = []string{"cancelled", "processing", "processing", "queued", "queued"}
	if got := states(); !equal(got, want) {
		t.Errorf("after a cancel: %v, want %v", got, want)
	}
	if m := f.Stats().MaxConcurrent; m != 2 {
		t.Errorf("max concurrent %d, want 2", m)
	}
}

func TestWorkerPoolBoundsConcurrentClients(t *testing.T) {
	f := startSim(t, Options{Workers: 2, TaskTime: 50 * time.Millisecond})
	d := adminDirector(t, f, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := 0; i < 6; i++ {
		dep, _ := d.FindDeployment(f.content.clusters[i%len(f.content.clusters)].Name)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := dep.InstanceInfos(); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s := f.Stats()
	if s.MaxConcurrent < 1 || s.MaxConcurrent > 2 {
		t.Errorf("max concurrent %d with 2 workers", s.MaxConcurrent)
	}
	total := 0
	for _, n := range s.TasksStarted {
		total += n
	}
	if total != 6 || s.Requests["GET /deployments/:d/instances"] != 6 {
		t.Errorf("tasks started %v, requests %v", s.TasksStarted, s.Requests)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

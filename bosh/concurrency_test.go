package bosh

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"
)

// boundedDirector holds every task in "processing" until it sees maxTasks
// tasks in flight at once (or all n deployments started), so a client
// that keeps fewer in flight never finishes and one that keeps more is
// caught.
func boundedDirector(t *testing.T, maxTasks, n int) (*fakeDirector, []string) {
	f := newFakeDirector(t, "uaa")
	var deps []string
	for i := range n {
		d := fmt.Sprintf("dep-%02d", i)
		deps = append(deps, d)
		f.addDeployment(d, vmLine("web", 0, "id-"+d, "running"))
	}
	f.taskState = func(tk *fakeTask) string {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.inFlight >= maxTasks || f.started == n {
			return "done"
		}
		return "processing"
	}
	return f, deps
}

func checkFlight(t *testing.T, f *fakeDirector, maxTasks, n int) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.maxFlight != maxTasks {
		t.Fatalf("max tasks in flight seen by the director = %d, want %d", f.maxFlight, maxTasks)
	}
	if f.started != n {
		t.Fatalf("tasks started = %d, want %d", f.started, n)
	}
}

// Many concurrent callers share the Client's bound.
func TestTasksInFlightAreBounded(t *testing.T) {
	const maxTasks, n = 3, 10
	f, deps := boundedDirector(t, maxTasks, n)
	c := testClient(uaaTarget(f), Options{MaxTasks: maxTasks})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, d := range deps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			insts, err := c.InstanceDetails(ctx, d)
			if err != nil || len(insts) != 1 || insts[0].Deployment != d {
				t.Errorf("%s: %+v %v", d, insts, err)
			}
		}()
	}
	wg.Wait()
	checkFlight(t, f, maxTasks, n)
}

func TestAllInstanceDetailsRunsConcurrentlyWithinTheBound(t *testing.T) {
	const maxTasks, n = 4, 12
	f, deps := boundedDirector(t, maxTasks, n)
	c := testClient(uaaTarget(f), Options{MaxTasks: maxTasks})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got []string
	err := c.AllInstanceDetails(ctx, deps, func(dep string, insts []Instance, err error) {
		if err != nil || len(insts) != 1 || insts[0].Deployment != dep {
			t.Errorf("%s: %+v %v", dep, insts, err)
		}
		got = append(got, dep)
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	if fmt.Sprint(got) != fmt.Sprint(deps) {
		t.Fatalf("reported %v", got)
	}
	checkFlight(t, f, maxTasks, n)
}

func TestConcurrentDetailsOfOneDeploymentShareOneTask(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	f.addDeployment("d", vmLine("web", 0, "id-0", "running"), vmLine("web", 1, "id-1", "running"))
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	f.onTaskStart = func(*fakeTask) { started <- struct{}{} }
	f.taskState = func(tk *fakeTask) string {
		select {
		case <-release:
			return "done"
		default:
			return "processing"
		}
	}
	c := testClient(uaaTarget(f), Options{})
	joined := make(chan string, 1)
	c.tasks.onJoin = func(key string) { joined <- key }

	type res struct {
		insts []Instance
		err   error
	}
	results := make(chan res, 2)
	call := func() {
		insts, err := c.InstanceDetails(context.Background(), "d")
		results <- res{insts, err}
	}
	go call()
	<-started
	go call()
	select {
	case key := <-joined:
		if key != "d" {
			t.Fatalf("joined %q", key)
		}
	case <-started:
		close(release)
		t.Fatal("the second call started a second task")
	}
	close(release)
	for range 2 {
		r := <-results
		if r.err != nil || len(r.insts) != 2 {
			t.Fatalf("result %+v", r)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.started != 1 {
		t.Fatalf("tasks started = %d, want 1", f.started)
	}
}

func TestCancelledDetailsReturnAndFreeTheSlot(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	f.addDeployment("stuck", vmLine("web", 0, "id-s", "running"))
	f.addDeployment("other", vmLine("web", 0, "id-o", "running"))
	started := make(chan struct{}, 1)
	f.onTaskStart = func(tk *fakeTask) {
		if tk.dep == "stuck" {
			started <- struct{}{}
		}
	}
	f.taskState = func(tk *fakeTask) string {
		if tk.dep == "stuck" {
			return "processing"
		}
		return "done"
	}
	c := testClient(uaaTarget(f), Options{MaxTasks: 1})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.InstanceDetails(ctx, "stuck")
		errc <- err
	}()
	<-started
	cancel()
	err := <-errc
	if KindOf(err) != KindCanceled || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	// The only slot comes back once the abandoned task wait stops.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel2()
	insts, err := c.InstanceDetails(ctx2, "other")
	if err != nil || len(insts) != 1 {
		t.Fatalf("after cancel: %v %v", insts, err)
	}
}

func TestCancelledBeforeConnectReturnsCanceled(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := testClient(uaaTarget(f), Options{}).Deployments(ctx)
	if KindOf(err) != KindCanceled || err.Error() != "list deployments: canceled" {
		t.Fatalf("err = %v", err)
	}
	if f.count("GET /info") != 0 {
		t.Fatal("a cancelled call reached the director")
	}
}

func TestAllInstanceDetailsReportsEachDeployment(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	f.addDeployment("a", vmLine("web", 0, "id-a", "running"))
	f.addDeployment("b", vmLine("web", 0, "id-b", "failing"))
	c := testClient(uaaTarget(f), Options{})
	got := map[string]error{}
	counts := map[string]int{}
	err := c.AllInstanceDetails(context.Background(), []string{"a", "gone", "b"}, func(dep string, insts []Instance, err error) {
		got[dep] = err
		counts[dep] = len(insts)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got["a"] != nil || got["b"] != nil || KindOf(got["gone"]) != KindNotFound {
		t.Fatalf("got %v", got)
	}
	if counts["a"] != 1 || counts["b"] != 1 {
		t.Fatalf("counts %v", counts)
	}
}

func TestAllInstanceDetailsStopsWhenDirectorUnreachable(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	tg := uaaTarget(f)
	tg.CACert = otherCA(t)
	called := false
	err := testClient(tg, Options{}).AllInstanceDetails(context.Background(), []string{"a", "b"}, func(string, []Instance, error) { called = true })
	if KindOf(err) != KindTLS || called {
		t.Fatalf("err = %v, each called = %v", err, called)
	}
}

// Concurrent first calls connect once.
func TestConcurrentFirstCallsConnectOnce(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	f.addDeployment("a")
	c := testClient(uaaTarget(f), Options{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Deployments(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := f.count("GET /info"); n != 1 {
		t.Fatalf("anonymous /info calls = %d, want 1", n)
	}
}

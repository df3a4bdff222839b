package tui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
	"bosun/cache"
)

// eventsCache is the fake cache with stored events, as `bosun events
// listen` leaves them.
type eventsCache struct {
	*fakeCache
	mu  sync.Mutex
	evs []cache.K8sEvent
}

func (c *eventsCache) store(evs ...cache.K8sEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range evs {
		e.ID = int64(len(c.evs) + 1)
		c.evs = append(c.evs, e)
	}
}

func (c *eventsCache) Events(q cache.EventQuery) ([]cache.K8sEvent, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []cache.K8sEvent
	for _, e := range c.evs {
		if e.ID > q.AfterID && (q.Since.IsZero() || !e.Received.Before(q.Since)) {
			out = append(out, e)
		}
	}
	return out, nil
}

func k8sEvent(obj, class, reason, msg string, at time.Time) cache.K8sEvent {
	return cache.K8sEvent{Time: at, Received: at, Cluster: "payments-prod", Deployment: "cf-00", Instance: "router/00000000-1111-2222-3333-444455556666",
		Namespace: "payments", Object: obj, VMID: "vm-0-0", Class: class, Reason: reason, Message: msg,
		Raw: "<14>1 " + at.Format(time.RFC3339) + " payments-prod k8s.event/payments/" + obj + "/ - - [...] " + msg}
}

// eventsLogsDirector records the logs fetches asked of it.
type eventsLogsDirector struct {
	*fakeDirector
	mu   sync.Mutex
	reqs []bosh.LogsRequest
}

func (d *eventsLogsDirector) FetchLogs(ctx context.Context, req bosh.LogsRequest, progress func(bosh.LogsProgress)) (bosh.Bundle, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reqs = append(d.reqs, req)
	return bosh.Bundle{}, errors.New("test director: no bundle")
}

func eventsHarness(t *testing.T, w, h int) (*harness, *eventsCache, *eventsLogsDirector) {
	deps, insts := fixture(2, 4)
	ec := &eventsCache{fakeCache: newFakeCache(deps, insts, t0)}
	for i := 0; i < 500; i++ {
		ec.store(k8sEvent("api-7d9b-x2x7q", "crash-loop", "BackOff", "Back-off restarting failed container api", t0.Add(-time.Duration(500-i)*time.Second)))
	}
	ec.store(k8sEvent("api-7d9b-x2x7q", "started", "Started", "Started container api", t0.Add(-time.Second)),
		k8sEvent("web-55c-abcde", "image-pull", "Failed", "Error: ErrImagePull", t0.Add(-time.Minute)),
		k8sEvent("nginx-1", "started", "Started", "Started container nginx", t0.Add(-2*time.Minute)))
	dir := &eventsLogsDirector{fakeDirector: newFakeDirector(deps, insts)}
	hs := newHarness(t, Options{Director: dir, Cache: ec}, w, h).start()
	hs.keys(":")
	hs.typeText("events")
	hs.keys("enter")
	hs.await("the events screen", func() bool {
		s, ok := hs.top().(*eventsScreen)
		return ok && s.set.Len() > 0
	})
	return hs, ec, dir
}

func TestEventsScreenGroupsLiveEvents(t *testing.T) {
	hs, ec, _ := eventsHarness(t, 140, 30)
	v := hs.view()
	// 503 events, three rows: the crash-looping pod is one row.
	s := hs.top().(*eventsScreen)
	if s.set.Len() != 3 {
		t.Fatalf("%d rows, want 3:\n%s", s.set.Len(), v)
	}
	for _, want := range []string{"▲ 500 crash-loop", "▲ 1 image-pull", "● 2 started", "3 groups · 503 events",
		"▲ crash-loop", "api-7d9b-x2x7q", "501", "Started container api"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// The worst class leads; the detail pane shows the raw frames of the
	// row under the cursor.
	lines := strings.Split(v, "\n")
	if !strings.Contains(lines[4], "crash-loop") {
		t.Errorf("first row is not the crash loop:\n%s", v)
	}
	if !strings.Contains(v, "deployment cf-00") || !strings.Contains(v, "500 crash-loop, 1 started") || !strings.Contains(v, "<14>1 ") {
		t.Errorf("detail pane:\n%s", v)
	}

	// New events arrive on the next poll.
	ec.store(k8sEvent("node-vm-1", "node-not-ready", "NodeNotReady", "Node vm-1 status is now: NodeNotReady", t0))
	if n := hs.fire(func(m tea.Msg) bool { _, ok := m.(eventsTickMsg); return ok }); n == 0 {
		t.Fatal("no poll scheduled")
	}
	hs.settle()
	v = hs.view()
	if s.set.Len() != 4 || !strings.Contains(v, "✗ node-not-ready") || !strings.Contains(v, "✗ 1 node-not-ready") {
		t.Errorf("after a poll, %d rows:\n%s", s.set.Len(), v)
	}
}

func TestEventsScreenFilters(t *testing.T) {
	hs, _, _ := eventsHarness(t, 140, 30)
	s := hs.top().(*eventsScreen)
	hs.keys("f") // problems only
	if s.set.Len() != 2 || !strings.Contains(hs.view(), "class: problems") {
		t.Errorf("problems filter: %d rows\n%s", s.set.Len(), hs.view())
	}
	for s.classes.String() != "started" {
		hs.keys("f")
	}
	// A class filter lists the rows labelled with that class: the
	// crash-looping pod that also started once is a crash-loop row.
	if s.set.Len() != 1 || s.set.at(0).Object != "nginx-1" {
		t.Errorf("started filter: %d rows\n%s", s.set.Len(), hs.view())
	}
	for s.classes != 0 {
		hs.keys("f")
	}
	hs.keys("/")
	hs.typeText("web")
	hs.keys("enter")
	if s.set.Len() != 1 || !strings.Contains(hs.view(), "web-55c-abcde") {
		t.Errorf("text filter: %d rows\n%s", s.set.Len(), hs.view())
	}
}

func TestEventsScreenJumps(t *testing.T) {
	hs, _, dir := eventsHarness(t, 140, 30)
	hs.keys("d")
	in, ok := hs.top().(*instancesScreen)
	if !ok || in.dep != "cf-00" {
		t.Fatalf("d opened %T, want the instances of cf-00", hs.top())
	}
	hs.keys("esc")
	if _, ok := hs.top().(*eventsScreen); !ok {
		t.Fatalf("esc went to %T, want back to the events", hs.top())
	}
	hs.keys("C")
	if _, ok := hs.top().(*clustersScreen); !ok {
		t.Fatalf("C opened %T, want the clusters screen", hs.top())
	}
	hs.keys("esc", "l")
	if _, ok := hs.top().(*fetchScreen); !ok {
		t.Fatalf("l opened %T, want the logs fetch of the event's VM", hs.top())
	}
	hs.await("the logs fetch", func() bool { dir.mu.Lock(); defer dir.mu.Unlock(); return len(dir.reqs) == 1 })
	if r := dir.reqs[0]; r.Deployment != "cf-00" || r.Instance != "router/00000000-1111-2222-3333-444455556666" {
		t.Errorf("logs asked of %s %s", r.Deployment, r.Instance)
	}
}

func TestEventsScreenWithoutEventStore(t *testing.T) {
	deps, insts := fixture(1, 2)
	hs := newHarness(t, Options{Director: newFakeDirector(deps, insts), Cache: newFakeCache(deps, insts, t0)}, 100, 24).start()
	hs.keys(":")
	hs.typeText("ev")
	hs.keys("enter")
	if !strings.Contains(hs.view(), "cannot read events") {
		t.Errorf("no event store: view\n%s", hs.view())
	}
}

func TestEventsScreenFitsSmallTerminal(t *testing.T) {
	hs, _, _ := eventsHarness(t, 80, 24)
	lines := strings.Split(hs.view(), "\n")
	if len(lines) != 24 {
		t.Errorf("%d lines at 80x24", len(lines))
	}
	for i, l := range lines {
		if w := textWidth(l); w > 80 {
			t.Errorf("line %d is %d cells wide: %q", i, w, l)
		}
	}
}

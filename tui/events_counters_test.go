package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// While events arrive, the selection stays on its row, wherever the row
// moves.
func TestEventsSelectionStaysOnItsRow(t *testing.T) {
	hs, ec, _ := eventsHarness(t, 80, 24)
	s := hs.top().(*eventsScreen)
	hs.keys("j", "j")
	if g := s.current(); g == nil || g.Object != "nginx-1" {
		t.Fatalf("selected %+v", g)
	}
	ec.store(k8sEvent("node-vm-1", "node-not-ready", "NodeNotReady", "Node vm-1 status is now: NodeNotReady", t0),
		k8sEvent("db-0", "oom-killed", "OOMKilling", "Memory cgroup out of memory", t0))
	if hs.fire(func(m tea.Msg) bool { _, ok := m.(eventsTickMsg); return ok }) == 0 {
		t.Fatal("no poll scheduled")
	}
	hs.settle()
	if s.set.Len() != 5 {
		t.Fatalf("%d rows after the poll", s.set.Len())
	}
	if g := s.current(); g == nil || g.Object != "nginx-1" || s.tbl.Cursor() != 4 {
		t.Fatalf("selection moved off its row: %+v at %d\n%s", g, s.tbl.Cursor(), hs.view())
	}
}

func TestViewEventsDetailWraps(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		hs, ec, _ := eventsHarness(t, w, h)
		msg := "Node vm-cf0c1a98-2f09-42e5-a838-23b807e5746a status is now: NodeNotReady (kubelet stopped posting node status)"
		ec.store(k8sEvent("node-vm-1", "node-not-ready", "NodeNotReady", msg, t0))
		hs.fire(func(m tea.Msg) bool { _, ok := m.(eventsTickMsg); return ok })
		hs.settle()
		hs.keys("g")
		if v := strings.Join(strings.Fields(hs.view()), " "); !strings.Contains(v, "latest: NodeNotReady · "+msg) {
			t.Fatalf("latest message cut:\n%s", hs.view())
		}
		return hs.view()
	})
}

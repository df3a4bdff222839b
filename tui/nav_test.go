package tui

import (
	"strings"
	"testing"
)

func TestDrillInMovesCursorThenOpensThatInstance(t *testing.T) {
	deps, insts := fixture(3, 8)
	d := newFakeDirector(deps, insts)
	h := newHarness(t, Options{Director: d}, 120, 35).start()
	h.keys("enter")
	if got := h.top().Crumb(); got != "cf-00" {
		t.Fatalf("enter opened %q, want cf-00", got)
	}
	h.keys("j", "j", "enter")
	ps, ok := h.top().(*processesScreen)
	if !ok {
		t.Fatalf("top is %T, want processes", h.top())
	}
	if !strings.HasPrefix(ps.Crumb(), "diego-cell/") {
		t.Fatalf("opened %q, want the third row (diego-cell)", ps.Crumb())
	}
}

func TestRunesArrivingTogetherActAsSeparateKeys(t *testing.T) {
	deps, insts := fixture(3, 8)
	h := newHarness(t, Options{Director: newFakeDirector(deps, insts)}, 120, 35).start()
	h.keys("enter", "jj")
	is := h.top().(*instancesScreen)
	if got := is.tbl.Cursor(); got != 2 {
		t.Fatalf("cursor after \"jj\" = %d, want 2", got)
	}
}

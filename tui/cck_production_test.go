package tui

import (
	"strings"
	"testing"
	"time"
)

func TestCloudCheckProductionNeedsTheTypedName(t *testing.T) {
	deps, insts := fixture(2, 4)
	d := &cckDirector{fakeDirector: newFakeDirector(deps, insts), probs: cckProblems()}
	c := &cckCache{fakeCache: newFakeCache(deps, insts, t0.Add(-time.Hour))}
	h := newHarness(t, Options{Director: d, Cache: c, Production: true}, 120, 40).start()
	if !strings.Contains(h.line(0), "PROD") {
		t.Fatalf("no PROD badge: %q", h.line(0))
	}
	h.keys("c", "a")
	v := h.view()
	if !strings.Contains(v, "type cf-00 to confirm:") || !strings.Contains(v, "equivalent: bosh -d cf-00 cloud-check") || strings.Contains(v, "y applies") {
		t.Fatalf("production confirmation:\n%s", v)
	}
	h.keys("y", "enter")
	if _, n := d.counts(); n != 0 {
		t.Fatal("a wrong name applied")
	}
	if v := h.view(); !strings.Contains(v, `cloud-check refused: "y" is not the name cf-00; nothing applied`) || strings.Contains(v, "to confirm:") {
		t.Fatalf("wrong name not refused:\n%s", v)
	}
	h.keys("a")
	h.typeText("cf-00")
	h.keys("esc")
	if _, n := d.counts(); n != 0 {
		t.Fatal("esc applied")
	}
	if _, ok := h.top().(*cckScreen); !ok || strings.Contains(h.view(), "to confirm:") {
		t.Fatalf("esc did not just cancel: top %T\n%s", h.top(), h.view())
	}
	h.keys("a")
	h.typeText("cf-00")
	h.keys("enter")
	if _, n := d.counts(); n != 1 {
		t.Fatalf("the exact name did not apply (%d resolutions)", n)
	}
}

package tui

import (
	"strings"
	"testing"

	"bosun/pks"
)

// rollingAudit starts a 3-master roll on the audit screen and waits until
// the first master is being changed (held until the test lets it go).
func rollingAudit(t *testing.T) (*harness, *fakeAuditor) {
	t.Helper()
	a := &fakeAuditor{rollMasters: []string{"master/aaaaaaaa-0", "master/bbbbbbbb-1", "master/cccccccc-2"}, hold: make(chan struct{})}
	h, _ := auditHarnessWith(t, Options{}, a, 120, 30)
	h.keys("A", "e")
	h.post(keyMsg("y"))
	h.await("the first master under way", func() bool { return strings.Contains(h.view(), "waiting for health") })
	return h, a
}

// q during a roll asks; the default finishes the master being changed,
// stops, and only then quits.
func TestQuitDuringAuditRollAsksAndStopsBetweenMasters(t *testing.T) {
	h, a := rollingAudit(t)
	h.post(keyMsg("q"))
	v := h.view()
	if h.quit || !strings.Contains(v, "An action is under way") || !strings.Contains(v, "audit enable of service-instance_abc") ||
		!strings.Contains(v, "finish the current step and stop (default)") || !strings.Contains(v, "left: master/bbbbbbbb, master/cccccccc") {
		t.Fatalf("q did not ask (quit %v):\n%s", h.quit, v)
	}
	h.post(keyMsg("enter"))
	if h.quit {
		t.Fatal("quit before the master being changed was finished")
	}
	a.hold <- struct{}{} // master 0 finishes
	h.await("the quit once the roll stopped", func() bool { return h.quit })
	a.mu.Lock()
	defer a.mu.Unlock()
	want := []string{pks.OutcomeChanged, pks.OutcomeNotReached, pks.OutcomeNotReached}
	for i, r := range a.results {
		if r.Outcome != want[i] {
			t.Fatalf("master %d: %s, want %s", i, r.Outcome, want[i])
		}
	}
}

// esc during a roll asks; keep going leaves the screen and the roll goes
// on in the background, its progress in the footer, to the end.
func TestEscDuringAuditRollKeepsGoingInTheBackground(t *testing.T) {
	h, a := rollingAudit(t)
	h.post(keyMsg("esc"))
	if _, ok := h.top().(*auditScreen); !ok || !strings.Contains(h.view(), "keep going in the background") {
		t.Fatalf("esc did not ask:\n%s", h.view())
	}
	h.post(keyMsg("k"))
	if _, ok := h.top().(*auditScreen); ok {
		t.Fatal("keep going did not leave the screen")
	}
	if v := h.view(); !strings.Contains(v, "in the background: audit enable") {
		t.Fatalf("no background progress:\n%s", v)
	}
	for range 3 {
		a.hold <- struct{}{}
	}
	h.await("the roll's end", func() bool { return len(h.m.background) == 0 })
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range a.results {
		if r.Outcome != pks.OutcomeChanged {
			t.Fatalf("the roll stopped when its screen was left: %+v", a.results)
		}
	}
}

// esc on the question goes back to the roll; it is neither stopped nor left.
func TestEscOnStopQuestionGoesBack(t *testing.T) {
	h, a := rollingAudit(t)
	h.post(keyMsg("esc"))
	h.post(keyMsg("esc"))
	if _, ok := h.top().(*auditScreen); !ok || strings.Contains(h.view(), "An action is under way") {
		t.Fatalf("esc on the question:\n%s", h.view())
	}
	for range 3 {
		a.hold <- struct{}{}
	}
	h.await("the roll's end", func() bool { return !strings.Contains(h.view(), "left:") && h.pending == 0 })
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.results[2].Outcome != pks.OutcomeChanged {
		t.Fatalf("results %+v", a.results)
	}
}

// q while the director applies cloud-check resolutions asks too; the
// default waits for the task and quits once it has ended.
func TestQuitDuringCloudCheckApplyWaitsForTheTask(t *testing.T) {
	h, d, _ := newCCKHarness(t, false)
	d.hold = make(chan struct{})
	h.keys("c", "a")
	h.post(keyMsg("y"))
	h.await("the resolution under way", func() bool { return strings.Contains(h.view(), "Applying problem resolutions") })
	h.post(keyMsg("q"))
	if h.quit || !strings.Contains(h.view(), "cloud-check resolutions on cf-00: the director's task runs") {
		t.Fatalf("q did not ask:\n%s", h.view())
	}
	h.post(keyMsg("enter"))
	if h.quit {
		t.Fatal("quit before the director's task ended")
	}
	close(d.hold)
	h.await("the quit once the task ended", func() bool { return h.quit })
	if _, n := d.counts(); n != 1 {
		t.Fatalf("%d resolutions", n)
	}
}

package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
)

func TestAuditConfirmDiffFitsTheScreenAndScrolls(t *testing.T) {
	h, a := auditHarnessWith(t, Options{}, &fakeAuditor{policyLines: 60}, 80, 24)
	h.keys("A", "e")
	v := h.view()
	lines := strings.Split(v, "\n")
	if len(lines) != 24 {
		t.Fatalf("view is %d lines high, want 24:\n%s", len(lines), v)
	}
	for i, l := range lines {
		if w := lipgloss.Width(l); w > 80 {
			t.Errorf("line %d is %d cells wide: %q", i, w, l)
		}
	}
	for _, want := range []string{"more lines", "diff, lines 1-", "[y/N]", "monit restart kube-apiserver"} {
		if !strings.Contains(v, want) {
			t.Errorf("80x24 confirmation lacks %q:\n%s", want, v)
		}
	}
	h.keys("down", "down")
	if v2 := h.view(); !strings.Contains(v2, "diff, lines 3-") || v2 == v {
		t.Errorf("down did not scroll the diff:\n%s", v2)
	}
	h.keys("pgdown")
	if v3, want := h.view(), fmt.Sprintf("diff, lines %d-", 3+h.top().(*auditScreen).diffRoom()); !strings.Contains(v3, want) {
		t.Errorf("pgdown did not page:\n%s", v3)
	}
	h.keys("end")
	if v3 := h.view(); strings.Contains(v3, "more lines") || !strings.Contains(v3, "# rule 59") {
		t.Errorf("the diff's end is not reachable:\n%s", v3)
	}
	h.keys("y")
	h.await("the roll", func() bool { return a.toggleCount() == 1 })
}

func TestAuditConfirmPlanFailureChangesNothing(t *testing.T) {
	h, a := auditHarnessWith(t, Options{}, &fakeAuditor{planErr: errors.New("bpm.yml: no args list")}, 120, 30)
	h.keys("A", "e")
	if v := h.view(); !strings.Contains(v, "cannot work out the audit change: bpm.yml: no args list") || strings.Contains(v, "[y/N]") {
		t.Fatalf("plan failure not reported:\n%s", v)
	}
	h.keys("y")
	if a.toggleCount() != 0 {
		t.Fatal("toggled without a plan")
	}
	if v := h.view(); !strings.Contains(v, "y: no action on this screen") {
		t.Fatalf("y with no confirmation up:\n%s", v)
	}
}

func TestAuditConfirmNothingToDo(t *testing.T) {
	h, a := auditHarnessWith(t, Options{}, &fakeAuditor{alreadyAsked: true}, 120, 30)
	h.keys("A", "d")
	if v := h.view(); !strings.Contains(v, "every master is already as asked") {
		t.Fatalf("no note:\n%s", v)
	}
	h.keys("y")
	if a.toggleCount() != 0 {
		t.Fatal("rolled a change that changes nothing")
	}
}

func TestAuditProductionNeedsTheTypedName(t *testing.T) {
	h, a := auditHarnessWith(t, Options{Production: true}, &fakeAuditor{}, 120, 30)
	if !strings.Contains(h.line(0), "PROD") {
		t.Fatalf("no PROD badge: %q", h.line(0))
	}
	h.keys("A", "e")
	v := h.view()
	if !strings.Contains(v, "type service-instance_abc to confirm:") || !strings.Contains(v, "+kind: Policy") || strings.Contains(v, "[y/N]") {
		t.Fatalf("production confirmation:\n%s", v)
	}
	// y is text here, not a yes; a wrong name refuses.
	h.keys("y")
	h.typeText("service-instance_ab")
	h.keys("enter")
	if a.toggleCount() != 0 {
		t.Fatal("a wrong name applied")
	}
	if v := h.view(); !strings.Contains(v, `refused: "yservice-instance_ab" is not the name service-instance_abc`) || strings.Contains(v, "to confirm:") {
		t.Fatalf("wrong name not refused:\n%s", v)
	}
	// esc cancels, and the screen stays.
	h.keys("e")
	h.typeText("service-instance_abc")
	h.keys("esc")
	if a.toggleCount() != 0 {
		t.Fatal("esc applied")
	}
	if _, ok := h.top().(*auditScreen); !ok || strings.Contains(h.view(), "to confirm:") {
		t.Fatalf("esc did not just cancel: top %T\n%s", h.top(), h.view())
	}
	// q is typed into the name, it does not quit.
	h.keys("d", "q", "backspace")
	if h.quit {
		t.Fatal("q quit during the typed confirmation")
	}
	h.typeText("service-instance_abc")
	h.keys("enter")
	h.await("the roll", func() bool { return a.toggleCount() == 1 })
	if a.toggles[0] != "service-instance_abc disable Metadata" {
		t.Fatalf("toggles %v", a.toggles)
	}
}

func TestHeaderHasNoPRODBadgeByDefault(t *testing.T) {
	h, _ := auditHarness(t, false)
	if strings.Contains(h.line(0), "PROD") {
		t.Fatalf("PROD badge without --production: %q", h.line(0))
	}
}

func TestViewAuditConfirmProduction(t *testing.T) {
	eachSize(t, func(t *testing.T, w, ht int) string {
		h := goldenHarness(t, Options{Production: true, Audit: &fakeAuditor{policyLines: 30}}, w, ht)
		h.keys("G", "enter", "A", "e")
		h.typeText("service")
		return h.view()
	})
}

package tui

import (
	"bytes"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
)

// TestProgramFlow runs the real program loop (real commands, real timers)
// through start → cached rows → live rows → drill in → back → quit.
func TestProgramFlow(t *testing.T) {
	deps, insts := fixture(3, 4)
	d := newFakeDirector(deps, insts)
	d.gate = make(chan struct{})
	cache := newFakeCache(deps[:2], insts, t0.Add(-4*time.Minute))
	m := New(Options{Director: d, Cache: cache, Cached: cachedInfo(), Environment: "prod", NoColor: true,
		Now: func() time.Time { return t0 }})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 35))
	wait := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}

	wait("cached 4m ago")
	close(d.gate)
	wait("cf-02")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	wait("api/00000001")
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	wait("enter instances")
	tm.Type("q")

	final, ok := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	if !ok {
		t.Fatal("final model is not the root model")
	}
	if len(final.stack) != 1 || !final.c.store.depsLive || len(final.c.store.deps) != 3 {
		t.Fatalf("final state: stack=%d live=%v deps=%d", len(final.stack), final.c.store.depsLive, len(final.c.store.deps))
	}
}

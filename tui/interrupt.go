package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// runner is a screen whose action changes the foundation step by step (an
// audit roll): it stops only between two steps, and only when asked.
// q, ctrl+c and esc while it runs ask first: finish the current step and
// stop (the default), or keep going. Leaving its screen does not stop it:
// the screen goes on in the background, its progress in the footer.
type runner interface {
	// Running says what is being done and what is left; "" when nothing runs.
	Running() string
	// StopAfterStep asks the action to finish its current step and stop.
	StopAfterStep()
}

// stopQuestion is the question asked before a running action is left.
type stopQuestion struct {
	r    runner
	quit bool // asked by q or ctrl+c: bosun quits once the action stopped
}

func runningOf(s screen) (runner, bool) {
	r, ok := s.(runner)
	return r, ok && r.Running() != ""
}

// running is the first action under way: on the stack from the top, then
// in the background.
func (m *Model) running() runner {
	for i := len(m.stack) - 1; i >= 0; i-- {
		if r, ok := runningOf(m.stack[i]); ok {
			return r
		}
	}
	for _, s := range m.background {
		if r, ok := runningOf(s); ok {
			return r
		}
	}
	return nil
}

// interruptKey takes q, ctrl+c and esc while an action runs, and the
// answer to the question they ask; it reports whether it took the key.
func (m *Model) interruptKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	if q := m.stopAsk; q != nil {
		switch msg.String() {
		case "enter", "s", "y":
			m.stopAsk = nil
			q.r.StopAfterStep()
			if q.quit {
				m.quitWhenIdle = true
				return status("finishing the current step, then stopping; bosun quits when it has stopped", false), true
			}
			return status("finishing the current step, then stopping", false), true
		case "k", "n":
			m.stopAsk = nil
			if q.quit {
				return status("the action goes on", false), true
			}
			return m.leaveRunning(), true
		case "esc":
			m.stopAsk = nil
			return nil, true
		}
		return status("s: finish the current step and stop · k: keep going · esc: back to it", true), true
	}
	quit := msg.Type == tea.KeyCtrlC || key.Matches(msg, m.c.keys.Quit)
	back := key.Matches(msg, m.c.keys.Back)
	if !quit && !back {
		return nil, false
	}
	if back {
		r, ok := runningOf(m.top())
		if !ok || capturing(m.top()) {
			return nil, false
		}
		m.stopAsk = &stopQuestion{r: r}
		return nil, true
	}
	if r := m.running(); r != nil && !(msg.Type != tea.KeyCtrlC && capturing(m.top())) {
		m.stopAsk = &stopQuestion{r: r, quit: true}
		return nil, true
	}
	return nil, false
}

// leaveRunning pops the screen on top and keeps it in the background,
// where its action goes on and its messages still reach it.
func (m *Model) leaveRunning() tea.Cmd {
	if len(m.stack) == 1 {
		return nil
	}
	m.background = append(m.background, m.top())
	m.stack = m.stack[:len(m.stack)-1]
	m.c.activeID = m.top().id()
	return tea.Batch(status("the action goes on in the background; its progress is in the footer", false), m.initTop())
}

// retire takes a screen off the stack: a screen whose action runs goes to
// the background, any other is closed.
func (m *Model) retire(s screen) {
	if _, ok := runningOf(s); ok {
		m.background = append(m.background, s)
		return
	}
	closeScreen(s)
}

// routeBackground delivers a message to a background screen, and closes
// the screens whose action has ended.
func (m *Model) routeBackground(msg targeted) tea.Cmd {
	var cmd tea.Cmd
	kept := m.background[:0]
	for _, s := range m.background {
		if s.id() == msg.target() {
			cmd = s.Update(msg)
		}
		if _, ok := runningOf(s); ok {
			kept = append(kept, s)
		} else {
			closeScreen(s)
		}
	}
	m.background = kept
	return cmd
}

// quitIfIdle quits once the action asked to stop by q has stopped.
func (m *Model) quitIfIdle() tea.Cmd {
	if m.quitWhenIdle && m.running() == nil {
		return tea.Quit
	}
	return nil
}

// stopQuestionView is the question, in place of the screen.
func (m *Model) stopQuestionView(height int) string {
	q := m.stopAsk
	st := m.c.styles
	lines := []string{"", st.role(roleWarn).apply("An action is under way:"), "  " + q.r.Running(), ""}
	lines = append(lines, "  s / enter  finish the current step and stop (default)")
	if q.quit {
		lines = append(lines, "  k          keep going (bosun stays)")
	} else {
		lines = append(lines, "  k          keep going in the background (its progress stays in the footer)")
	}
	lines = append(lines, "  esc        back to it", "",
		"Stopping between steps leaves nothing half-done; the history records what was and was not done.")
	for i := range lines {
		lines[i] = truncateANSI(lines[i], m.c.width)
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:max(height, 1)], "\n")
}

// backgroundProgress is the progress of the actions in the background.
func (m *Model) backgroundProgress() string {
	var parts []string
	for _, s := range m.background {
		if r, ok := runningOf(s); ok {
			parts = append(parts, r.Running())
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("in the background: %s", strings.Join(parts, "; "))
}

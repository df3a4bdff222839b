package tui

import (
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// pushScreenMsg asks the router to put a screen on the stack; with
// replace, the screen on top is closed first.
type pushScreenMsg struct {
	s       screen
	replace bool
}

func pushScreen(s screen, replace bool) tea.Cmd {
	return func() tea.Msg { return pushScreenMsg{s: s, replace: replace} }
}

// push puts s on the stack, sized to the body.
func (m *Model) push(msg pushScreenMsg) tea.Cmd {
	if msg.replace && len(m.stack) > 1 {
		closeScreen(m.top())
		m.stack = m.stack[:len(m.stack)-1]
	}
	msg.s.SetSize(m.c.width, m.bodyHeight())
	m.stack = append(m.stack, msg.s)
	m.c.activeID = msg.s.id()
	return m.initTop()
}

// pageScreen holds what the screens that are not fed by the instance
// store share: identity and size.
type pageScreen struct {
	c             *common
	sid           int
	width, height int
}

func newPage(c *common) pageScreen { return pageScreen{c: c, sid: c.newID()} }

func (p *pageScreen) id() int          { return p.sid }
func (p *pageScreen) SetSize(w, h int) { p.width, p.height = w, h }

// DataAge: the log screens show what they fetched or read just now.
func (p *pageScreen) DataAge() (time.Time, bool, bool) { return p.c.now(), true, true }

// logsKey fetches the logs of an instance. Fetching logs changes nothing
// on the foundation, so it stays in read-only mode.
func logsKey() key.Binding {
	return key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "fetch logs"))
}

// groupLogsKey fetches the logs of an instance group; desc names the
// group as the screen knows it.
func groupLogsKey(desc string) key.Binding {
	return key.NewBinding(key.WithKeys("L"), key.WithHelp("L", desc))
}

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
		m.top().Close()
		m.stack = m.stack[:len(m.stack)-1]
	}
	msg.s.SetSize(m.c.width, m.bodyHeight())
	m.stack = append(m.stack, msg.s)
	m.c.activeID = msg.s.id()
	return m.initTop()
}

// pageScreen holds what the log screens that are not fed by the instance
// store share: identity and the defaults of the screen interface.
type pageScreen struct {
	c             *common
	sid           int
	width, height int
}

func newPage(c *common) pageScreen { return pageScreen{c: c, sid: c.newID()} }

func (p *pageScreen) id() int                   { return p.sid }
func (p *pageScreen) seen() int                 { return p.c.store.ver }
func (p *pageScreen) rowCount() int             { return 0 }
func (p *pageScreen) Reload()                   {}
func (p *pageScreen) Shown() tea.Cmd            { return nil }
func (p *pageScreen) Close()                    {}
func (p *pageScreen) Progress() string          { return "" }
func (p *pageScreen) Err() error                { return nil }
func (p *pageScreen) Capturing() bool           { return false }
func (p *pageScreen) Back() bool                { return false }
func (p *pageScreen) SetSize(w, h int)          { p.width, p.height = w, h }
func (p *pageScreen) FullHelp() [][]key.Binding { return p.c.keys.FullHelp() }

// DataAge: the log screens show what they fetched or read just now.
func (p *pageScreen) DataAge() (time.Time, bool, bool) { return p.c.now(), true, true }

// logsKeys are the log bindings of the instance screens and the viewer.
type logsKeys struct {
	Fetch      key.Binding // logs of the instance under the cursor
	FetchGroup key.Binding // logs of its instance group
	Cancel     key.Binding
	Search     key.Binding
	Next       key.Binding
	Prev       key.Binding
	Wrap       key.Binding
	Left       key.Binding
	Right      key.Binding
}

var lk = logsKeys{
	Fetch:      key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "fetch logs")),
	FetchGroup: key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "fetch group logs")),
	Cancel:     key.NewBinding(key.WithKeys("esc", "c"), key.WithHelp("esc/c", "cancel")),
	Search:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
	Next:       key.NewBinding(key.WithKeys("n"), key.WithHelp("n/N", "next/prev match")),
	Prev:       key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match")),
	Wrap:       key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "wrap")),
	Left:       key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "scroll left")),
	Right:      key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "scroll right")),
}

// logsActions are the log bindings listed among the screen actions in
// help. Fetching logs changes nothing on the foundation, so they stay in
// read-only mode.
func logsActions() []Action {
	return []Action{{Binding: lk.Fetch}, {Binding: lk.FetchGroup}}
}

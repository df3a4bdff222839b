package tui

import (
	"time"

	"github.com/charmbracelet/bubbles/key"
)

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

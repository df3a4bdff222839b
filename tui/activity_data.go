package tui

import (
	"context"
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

var errNoActivity = errors.New("the activity trail needs the director (offline)")

// activityLoadedMsg: a page of the director's activity trail came back;
// more says it continues an earlier page.
type activityLoadedMsg struct {
	screen int
	events []bosh.Event
	more   bool
	at     time.Time
	err    error
}

func (m activityLoadedMsg) target() int { return m.screen }

// loadActivity reads one page of events matching f, older than f.BeforeID
// when set.
func loadActivity(src ActivitySource, f bosh.EventsFilter, now func() time.Time, screen int) tea.Cmd {
	return func() tea.Msg {
		if src == nil {
			return activityLoadedMsg{screen: screen, err: errNoActivity}
		}
		evs, err := src.Activity(context.Background(), f, bosh.EventsPage)
		return activityLoadedMsg{screen: screen, events: evs, more: f.BeforeID != "", at: now(), err: err}
	}
}

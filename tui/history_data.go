package tui

import (
	"context"
	"errors"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/cache"
)

// historyLoadedMsg: the action history was read.
type historyLoadedMsg struct {
	screen int
	acts   []cache.Action
	err    error
}

func (m historyLoadedMsg) target() int { return m.screen }

var errNoHistory = errors.New("the history is kept in the cache, which is unavailable")

// loadHistory reads the newest recorded actions.
func loadHistory(h HistorySource, screen int) tea.Cmd {
	return func() tea.Msg {
		if h == nil {
			return historyLoadedMsg{screen: screen, err: errNoHistory}
		}
		acts, err := h.History(context.Background(), cache.HistoryFilter{Limit: historyRows})
		return historyLoadedMsg{screen: screen, acts: acts, err: err}
	}
}

// historyRows bounds what the screen reads: the newest actions.
const historyRows = 2000

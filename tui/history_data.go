package tui

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/aymanbagabas/go-osc52/v2"

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

// clipboardOut is where the OSC 52 sequence goes: the terminal, through
// stderr, which bubbletea leaves alone.
var clipboardOut io.Writer = os.Stderr

// copyToClipboard puts text on the terminal's clipboard with OSC 52 (through
// tmux when bosun runs in it), for pasting a command into a runbook.
func copyToClipboard(text string) tea.Cmd {
	return func() tea.Msg {
		seq := osc52.New(text)
		if os.Getenv("TMUX") != "" {
			seq = seq.Tmux()
		}
		if _, err := seq.WriteTo(clipboardOut); err != nil {
			return statusMsg{text: "copy: " + err.Error(), err: true}
		}
		return statusMsg{text: "copied: " + text}
	}
}

package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// lineInput is the one-line field of the filter and the command line: a
// bubbles textinput with a steady cursor, sized at render time.
type lineInput struct {
	prompt      string
	placeholder string
	ti          *textinput.Model
}

func (l *lineInput) model() *textinput.Model {
	if l.ti == nil {
		ti := textinput.New()
		ti.Prompt = l.prompt
		ti.Placeholder = l.placeholder
		ti.Cursor.SetMode(cursor.CursorStatic)
		l.ti = &ti
	}
	return l.ti
}

func (l *lineInput) Value() string { return l.model().Value() }

// SetValue replaces the text and puts the cursor at its end.
func (l *lineInput) SetValue(s string) {
	l.model().SetValue(s)
	l.model().CursorEnd()
}

func (l *lineInput) Focus() { l.model().Focus() }
func (l *lineInput) Blur()  { l.model().Blur() }

// Update edits the text with the usual readline keys.
func (l *lineInput) Update(msg tea.KeyMsg) {
	*l.model(), _ = l.model().Update(msg)
}

// View renders prompt, text and cursor within width cells; long text
// scrolls so the cursor stays visible.
func (l *lineInput) View(width int, _ paint) string {
	m := l.model()
	room := width - textWidth(l.prompt) - 1
	if room <= 0 {
		return truncate(l.prompt, width)
	}
	m.Width = room
	// textinput pads to its width; the palette writes candidates after it.
	return strings.TrimRight(m.View(), " ")
}

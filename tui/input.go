package tui

import (
	"strings"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"
)

// lineInput is a one-line text field for the filter and the command line.
// (bubbles/textinput would need a clipboard module the build does not
// carry; this covers what the two fields need.)
type lineInput struct {
	prompt      string
	placeholder string
	value       []rune
	pos         int
	focused     bool
}

func (l *lineInput) Value() string { return string(l.value) }

// SetValue replaces the text and puts the cursor at its end.
func (l *lineInput) SetValue(s string) {
	l.value = []rune(s)
	l.pos = len(l.value)
}

func (l *lineInput) Focus() { l.focused = true }
func (l *lineInput) Blur()  { l.focused = false }

// Update edits the text with the usual readline keys.
func (l *lineInput) Update(msg tea.KeyMsg) {
	switch msg.Type {
	case tea.KeyRunes, tea.KeySpace:
		r := msg.Runes
		if msg.Type == tea.KeySpace {
			r = []rune{' '}
		}
		ins := make([]rune, 0, len(r))
		for _, c := range r {
			if unicode.IsPrint(c) {
				ins = append(ins, c)
			}
		}
		l.value = append(l.value[:l.pos], append(ins, l.value[l.pos:]...)...)
		l.pos += len(ins)
	case tea.KeyBackspace:
		if l.pos > 0 {
			l.value = append(l.value[:l.pos-1], l.value[l.pos:]...)
			l.pos--
		}
	case tea.KeyDelete:
		if l.pos < len(l.value) {
			l.value = append(l.value[:l.pos], l.value[l.pos+1:]...)
		}
	case tea.KeyLeft, tea.KeyCtrlB:
		l.pos = max(l.pos-1, 0)
	case tea.KeyRight, tea.KeyCtrlF:
		l.pos = min(l.pos+1, len(l.value))
	case tea.KeyHome, tea.KeyCtrlA:
		l.pos = 0
	case tea.KeyEnd, tea.KeyCtrlE:
		l.pos = len(l.value)
	case tea.KeyCtrlU:
		l.value = l.value[l.pos:]
		l.pos = 0
	case tea.KeyCtrlK:
		l.value = l.value[:l.pos]
	case tea.KeyCtrlW:
		start := l.pos
		for start > 0 && l.value[start-1] == ' ' {
			start--
		}
		for start > 0 && l.value[start-1] != ' ' {
			start--
		}
		l.value = append(l.value[:start], l.value[l.pos:]...)
		l.pos = start
	}
}

// View renders prompt, text and a block cursor within width cells; long
// text scrolls so the cursor stays visible.
func (l *lineInput) View(width int, cur paint) string {
	room := width - textWidth(l.prompt) - 1
	if room <= 0 {
		return truncate(l.prompt, width)
	}
	if len(l.value) == 0 && !l.focused {
		return l.prompt + truncate(l.placeholder, room)
	}
	start := 0
	if l.pos > room {
		start = l.pos - room
	}
	end := min(len(l.value), start+room+1)
	var b strings.Builder
	b.WriteString(l.prompt)
	for i := start; i < end; i++ {
		ch := string(l.value[i])
		if l.focused && i == l.pos {
			ch = cur.apply(ch)
		}
		b.WriteString(ch)
	}
	if l.focused && l.pos >= end {
		b.WriteString(cur.apply(" "))
	}
	return b.String()
}

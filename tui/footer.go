package tui

import (
	"github.com/charmbracelet/bubbles/key"

	"bosun/cache"
)

// footerView is the two footer lines. The first is the command line when
// open, else work in flight with its spinner, then a transient message or
// the latest error with the age of the rows still shown. The second is the
// short help -- unless the message needs it to be read in full.
func (m *Model) footerView() string {
	c := m.c
	st := &c.styles
	w := c.width
	if m.palette.active {
		return m.palette.view(w, st) + "\n" + m.helpLine()
	}
	var lead string
	if p := m.progress(); p != "" {
		lead = st.Spinner.Render(m.spin.View()) + " " + p + "  "
	}
	text, style := m.status, st.StatusInfo
	if m.statusErr {
		style = st.StatusErr
	}
	if text == "" {
		text, style = m.errorLine(), st.StatusErr
	}
	text = clean(text)
	room := w - textWidthANSI(lead)
	if textWidth(text) <= room || room < 10 {
		return truncateANSI(lead+style.Render(truncate(text, max(room, 0))), w) + "\n" + m.helpLine()
	}
	first, rest := wrapAt(text, room)
	return lead + style.Render(first) + "\n" + style.Render(truncate(rest, w))
}

// wrapAt splits text at the last space that leaves the first part within
// w cells, or hard at w cells when there is none.
func wrapAt(text string, w int) (string, string) {
	last, hard, used := -1, len(text), 0
	for i, r := range text {
		if r == ' ' && used <= w {
			last = i
		}
		used += runeWidth(r)
		if used > w {
			hard = i
			break
		}
	}
	if last > 0 {
		return text[:last], text[last+1:]
	}
	return text[:hard], text[hard:]
}

// progress is the text of the work in flight nearest the top of the stack.
func (m *Model) progress() string {
	for i := len(m.stack) - 1; i >= 0; i-- {
		if p := progressOf(m.stack[i]); p != "" {
			return p
		}
	}
	if p := m.backgroundProgress(); p != "" {
		return p
	}
	if m.infoBusy {
		return "connecting"
	}
	return ""
}

// errorLine is the latest error of the screen on top (else of the director)
// with the age of the rows still shown: "… unreachable: connection refused
// · showing rows cached 4m ago".
func (m *Model) errorLine() string {
	err := errOf(m.top())
	if err == nil {
		err = m.c.dirErr
	}
	if err == nil {
		return ""
	}
	at, live, known := dataAge(m.top())
	switch {
	case !known:
		return err.Error() + " · nothing cached"
	case live:
		return err.Error() + " · rows fetched " + cache.Age(at, m.c.now()) + " ago"
	default:
		return err.Error() + " · showing rows cached " + cache.Age(at, m.c.now()) + " ago"
	}
}

// helpLine is the footer's second line: the short help of the screen on
// top, built from its key map, then the root's keys -- the same bindings
// the `?` overlay lists. While a text field or the command line has the
// keyboard, only its keys.
func (m *Model) helpLine() string {
	m.help.Width = m.c.width
	k := m.c.keys
	switch t := m.top(); {
	case m.palette.active:
		return m.help.ShortHelpView(paletteKeys().ShortHelp())
	case m.showHelp:
		closeHelp := k.Help
		closeHelp.SetHelp(k.Help.Help().Key+"/"+k.Back.Help().Key, "close help")
		return m.help.ShortHelpView([]key.Binding{closeHelp, k.Quit})
	case capturing(t):
		return m.help.ShortHelpView(t.KeyMap().ShortHelp())
	default:
		// The root's keys always show; the screen's get the room left.
		global := m.help.ShortHelpView(m.globalShortHelp())
		room := m.c.width - textWidthANSI(global) - textWidthANSI(m.help.ShortSeparator)
		if room < 12 {
			return global
		}
		m.help.Width = room
		own := m.help.ShortHelpView(t.KeyMap().ShortHelp())
		m.help.Width = m.c.width
		if own == "" {
			return global
		}
		return own + m.help.Styles.ShortSeparator.Inline(true).Render(m.help.ShortSeparator) + global
	}
}

// globalShortHelp is the root's part of the footer; back only when there
// is a screen to go back to.
func (m *Model) globalShortHelp() []key.Binding {
	out := m.c.keys.ShortHelp()
	if len(m.stack) == 1 {
		out = out[1:]
	}
	return out
}

package tui

import "github.com/charmbracelet/bubbles/key"

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
		if p := m.stack[i].Progress(); p != "" {
			return p
		}
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
	err := m.top().Err()
	if err == nil {
		err = m.c.dirErr
	}
	if err == nil {
		return ""
	}
	at, live, known := m.top().DataAge()
	switch {
	case !known:
		return err.Error() + " · nothing cached"
	case live:
		return err.Error() + " · rows fetched " + ago(m.c.now(), at) + " ago"
	default:
		return err.Error() + " · showing rows cached " + ago(m.c.now(), at) + " ago"
	}
}

// helpLine is the footer's second line: the short help of the screen on
// top, built from its key bindings.
func (m *Model) helpLine() string {
	m.help.Width = m.c.width
	if m.palette.active {
		k := m.c.keys
		return m.help.ShortHelpView([]key.Binding{withHelp(k.Complete, "complete"),
			withHelp(k.Enter, "run"), withHelp(k.Back, "cancel")})
	}
	if m.showHelp {
		k := m.c.keys
		closeHelp := k.Help
		closeHelp.SetHelp(k.Help.Help().Key+"/"+k.Back.Help().Key, "close help")
		return m.help.ShortHelpView([]key.Binding{closeHelp, k.Quit})
	}
	if c, ok := m.top().(interface{ CaptureHelp() []key.Binding }); ok && m.top().Capturing() {
		// a screen typing something other than a filter names its keys
		return m.help.ShortHelpView(c.CaptureHelp())
	}
	if m.top().Capturing() {
		k := m.c.keys
		return m.help.ShortHelpView([]key.Binding{withHelp(k.Enter, "keep filter"), withHelp(k.Back, "clear filter")})
	}
	return m.help.ShortHelpView(m.top().ShortHelp())
}

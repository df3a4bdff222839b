package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
)

// statusView is the footer's first line: the command line when open, else
// work in flight with its spinner, then a transient message or the latest
// error with the age of the rows still shown.
func (m *Model) statusView() string {
	c := m.c
	st := &c.styles
	w := c.width
	if m.palette.active {
		return m.palette.view(w, st)
	}
	var parts []string
	if p := m.progress(); p != "" {
		parts = append(parts, st.Spinner.Render(m.spin.View())+" "+p)
	}
	switch {
	case m.status != "" && m.statusErr:
		parts = append(parts, st.StatusErr.Render(m.status))
	case m.status != "":
		parts = append(parts, st.StatusInfo.Render(m.status))
	default:
		if e := m.errorLine(); e != "" {
			parts = append(parts, st.StatusErr.Render(e))
		}
	}
	return truncateANSI(strings.Join(parts, "  "), w)
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
		return m.help.ShortHelpView([]key.Binding{withHelp(k.Help, "close help"), withHelp(k.Back, "close help"), k.Quit})
	}
	if m.top().Capturing() {
		k := m.c.keys
		return m.help.ShortHelpView([]key.Binding{withHelp(k.Enter, "keep filter"), withHelp(k.Back, "clear filter")})
	}
	return m.help.ShortHelpView(m.top().ShortHelp())
}

// helpView is the `?` overlay: the full help of the screen on top, built
// from the very bindings Update matches on, in height lines.
func (m *Model) helpView(height int) string {
	st := &m.c.styles
	m.help.Width = m.c.width
	body := st.HelpTitle.Render("keys") + "  " + st.Toolbar.Render("(? or esc closes)") + "\n\n" +
		m.help.FullHelpView(m.top().FullHelp())
	return fitLines(body, m.c.width, height)
}

// fitLines makes text exactly height lines, each at most width cells.
func fitLines(s string, width, height int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > height {
		lines = lines[:height]
	}
	for i := range lines {
		lines[i] = truncateANSI(lines[i], width)
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

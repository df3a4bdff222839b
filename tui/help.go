package tui

import "strings"

// helpView is the `?` overlay: the full help of the screen on top, built
// from the very bindings its Update matches on, then the root's keys on a
// line of their own, in height lines.
func (m *Model) helpView(height int) string {
	st := &m.c.styles
	m.help.Width = m.c.width
	body := st.HelpTitle.Render("keys") + "  " + st.Toolbar.Render("(? or esc closes)") + "\n\n" +
		m.help.FullHelpView(m.top().KeyMap().FullHelp()) + "\n\n" +
		st.HelpTitle.Render("on every screen") + "  " + m.help.ShortHelpView(bindingsOf(m.c.keys.FullHelp()))
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

package tui

import tea "github.com/charmbracelet/bubbletea"

// followNote is the viewer's note while G follows a file still loading.
const followNote = "still loading: following the end as lines arrive"

// followEnd keeps the viewer at the end of the file as lines arrive after
// G; once loading has ended it stops following and drops its note.
func (v *viewer) followEnd() tea.Cmd {
	if v.done {
		v.stopFollowing()
	}
	top := max(v.total-v.bodyLines(), 0)
	if top == v.top && len(v.window) < v.bodyLines() {
		return v.readWindow()
	}
	return v.scrollTo(top)
}

// stopFollowing ends a G-while-loading, and its note.
func (v *viewer) stopFollowing() {
	v.follow = false
	if v.note == followNote {
		v.note = ""
	}
}

package tui

// keepStatus clears the footer message when the operator moved to another
// screen, unless the move itself set it: a message stays until it is
// replaced or its screen is left, however long it takes to read.
func (m *Model) keepStatus(wasActive, seq int) {
	if m.c.activeID != wasActive && m.statusSeq == seq {
		m.status, m.statusErr = "", false
	}
}

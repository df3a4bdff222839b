package tui

// keepStatus clears the footer message when the operator moved to another
// screen since it was set: a message stays until it is replaced or the
// operator leaves, however long it takes to read. A screen that opens
// with a message (a fetched bundle's files, say) keeps it, whichever of
// the two came first.
func (m *Model) keepStatus(wasActive int) {
	if m.c.activeID != wasActive && m.statusKey < m.keyCount {
		m.status, m.statusErr = "", false
	}
}

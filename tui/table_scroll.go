package tui

// ScrollCols scrolls the columns by one: to the right only while a column
// further right is off screen, so the columns dropped at this width can
// be seen; the first column (what the row is) always stays. It reports
// whether anything moved.
func (t *table) ScrollCols(by int) bool {
	switch {
	case by < 0 && t.hoff > 0:
		t.hoff--
	case by > 0 && t.hiddenRight():
		t.hoff++
	default:
		return false
	}
	t.layout()
	return true
}

// hiddenRight says whether a column right of the scrolled-off ones is not
// on screen.
func (t *table) hiddenRight() bool {
	for i := t.hoff + 1; i < len(t.cols); i++ {
		if t.widths[i] == 0 {
			return true
		}
	}
	return false
}

// scrolledNote is what the table title line starts with when columns are
// scrolled off to the left.
func (t *table) scrolledNote() string {
	if t.hoff == 0 {
		return ""
	}
	return "‹"
}

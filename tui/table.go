package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// column describes one table column. Columns with a higher prio number are
// dropped first when the terminal is narrow; the rest shrink to min.
type column struct {
	title string
	min   int
	max   int // widest it grows to fit its content; 0 means min
	prio  int
	right bool
	mid   bool // cut long text in the middle rather than at the end
}

// span is a run of text with one role; cells made of spans can mix colours.
type span struct {
	text string
	role role
}

// cell is what a table source returns for one row and column.
type cell struct {
	text  string
	role  role
	spans []span // when set, text and role are ignored
}

// tableSource gives the table the rows to show, already filtered and sorted:
// the table asks only for the rows on screen.
type tableSource interface {
	Len() int
	Cell(row, col, width int) cell
}

// Space between columns: two cells, one on narrow terminals.
const (
	colGap      = 2
	narrowGap   = 1
	narrowBelow = 100
)

// table is a light table that renders only the visible rows, so its cost is
// bounded by the terminal height, not by the number of rows.
type table struct {
	cols   []column
	want   []int // content widths, from the screen
	wide   []int // wider forms some cells have room for (else 0)
	widths []int // laid out widths; 0 = hidden
	width  int
	height int // rows, without the title line
	n      int
	cursor int
	offset int

	gap      int
	hoff     int // columns after the first scrolled off to the left
	sortCol  int
	sortDesc bool
	styles   *Styles
}

func newTable(cols []column, styles *Styles) *table {
	n := len(cols)
	return &table{cols: cols, styles: styles, gap: colGap, want: make([]int, n), wide: make([]int, n), widths: make([]int, n)}
}

// SetSize sets the table's outer size; one line goes to the column titles.
func (t *table) SetSize(w, h int) {
	t.width, t.height = w, max(h-1, 1)
	t.gap = colGap
	if w < narrowBelow {
		t.gap = narrowGap
	}
	t.layout()
	t.clamp()
}

// SetWant records content widths (and optional wider forms) and lays the
// columns out again.
func (t *table) SetWant(want, wide []int) {
	copy(t.want, want)
	clear(t.wide)
	copy(t.wide, wide)
	t.layout()
}

// SetLen sets the number of rows and keeps the cursor inside.
func (t *table) SetLen(n int) {
	t.n = n
	t.clamp()
}

// layout decides which columns show and how wide they are.
func (t *table) layout() {
	// The column the rows are sorted by is never dropped: a sort the
	// operator cannot see is no use.
	prio := func(i int) int {
		if i == t.sortCol {
			return 1
		}
		return t.cols[i].prio
	}
	show := make([]bool, len(t.cols))
	for i := range show {
		show[i] = i == 0 || i > t.hoff
	}
	need := func() int {
		sum, n := 0, 0
		for i, c := range t.cols {
			if show[i] {
				sum += c.min
				n++
			}
		}
		return sum + max(n-1, 0)*t.gap
	}
	for need() > t.width {
		drop, most := -1, 0
		for i := range t.cols {
			if show[i] && prio(i) > most {
				drop, most = i, prio(i)
			}
		}
		if drop < 0 || most <= 1 {
			break // only essential columns left; they get cut at the edge
		}
		show[drop] = false
	}
	t.grow(show, t.width-need())
	// Give an important column its content width by dropping nice-to-have
	// columns (prio 4 and up), least important first.
	for t.starved(show) {
		drop, most := -1, 3
		for i := range t.cols {
			if show[i] && prio(i) > most {
				drop, most = i, prio(i)
			}
		}
		if drop < 0 {
			break
		}
		show[drop] = false
		t.grow(show, t.width-need())
	}
}

// starvedBy is how many cells an important column may miss of its content
// before nice-to-have columns make way.
const starvedBy = 4

// starved says whether a shown column of prio 1-2 is narrower than its
// content by more than starvedBy.
func (t *table) starved(show []bool) bool {
	for i, c := range t.cols {
		if show[i] && c.prio <= 2 && t.widths[i]+starvedBy < min(t.want[i], max(c.max, c.min)) {
			return true
		}
	}
	return false
}

// grow sets the widths of the shown columns from their minimum, spending
// spare cells on them.
func (t *table) grow(show []bool, spare int) {
	for i, c := range t.cols {
		t.widths[i] = 0
		if show[i] {
			t.widths[i] = c.min
		}
	}
	// Grow the shown columns towards their content a cell at a time, in
	// turn, so one long column does not starve the others: first the
	// important columns (to their content, then to their wide form, such as
	// a health summary with words), then the rest.
	// Last, when the terminal has room to spare, columns grow past their
	// usual widest to their whole content, the important ones first: a
	// wide terminal shows long names and stemcells whole.
	tiers := []struct {
		target []int
		prio   int
		nomax  bool
		whole  bool // all or nothing: half of a wide form is no use
	}{{t.want, 2, false, false}, {t.wide, 2, false, true}, {t.want, 9, false, false}, {t.wide, 9, false, true},
		{t.want, 2, true, false}, {t.wide, 2, true, true},
		// Then whole values of the other columns, the shortest first
		// (a stemcell before a list of twenty releases), then the rest.
		{t.want, 9, true, true}, {t.want, 9, true, false}}
	for _, tier := range tiers {
		limit := func(i int) int {
			c := t.cols[i]
			if tier.nomax {
				return max(tier.target[i], c.min)
			}
			return min(max(tier.target[i], c.min), max(c.max, c.min))
		}
		if tier.whole {
			for {
				best := -1
				for i, c := range t.cols {
					need := limit(i) - t.widths[i]
					if show[i] && c.prio <= tier.prio && need > 0 && need <= spare &&
						(best < 0 || need < limit(best)-t.widths[best]) {
						best = i
					}
				}
				if best < 0 {
					break
				}
				spare -= limit(best) - t.widths[best]
				t.widths[best] = limit(best)
			}
			continue
		}
		for spare > 0 {
			grew := false
			for i, c := range t.cols {
				if spare > 0 && show[i] && c.prio <= tier.prio && t.widths[i] < limit(i) {
					t.widths[i]++
					spare--
					grew = true
				}
			}
			if !grew {
				break
			}
		}
	}
}

func (t *table) clamp() {
	if t.cursor >= t.n {
		t.cursor = t.n - 1
	}
	if t.cursor < 0 {
		t.cursor = 0
	}
	if t.offset > t.cursor {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+t.height {
		t.offset = t.cursor - t.height + 1
	}
	if t.offset > max(t.n-t.height, 0) {
		t.offset = max(t.n-t.height, 0)
	}
	if t.offset < 0 {
		t.offset = 0
	}
}

// MoveTo puts the cursor on row i.
func (t *table) MoveTo(i int) {
	t.cursor = i
	t.clamp()
}

// HandleKey moves the cursor; it reports whether the key was a movement.
func (t *table) HandleKey(msg tea.KeyMsg, k navKeys) bool {
	switch {
	case key.Matches(msg, k.Up):
		t.MoveTo(t.cursor - 1)
	case key.Matches(msg, k.Down):
		t.MoveTo(t.cursor + 1)
	case key.Matches(msg, k.PageUp):
		t.MoveTo(t.cursor - t.height)
	case key.Matches(msg, k.PageDown):
		t.MoveTo(t.cursor + t.height)
	case key.Matches(msg, k.Top):
		t.MoveTo(0)
	case key.Matches(msg, k.Bottom):
		t.MoveTo(t.n - 1)
	default:
		return false
	}
	return true
}

// View renders the title line and the visible rows, padded to the table's
// height; empty is shown when there are no rows.
func (t *table) View(src tableSource, empty string) string {
	var b strings.Builder
	b.Grow((t.width + 16) * (t.height + 1))
	b.WriteString(t.titles())
	lines := 1
	if t.n == 0 {
		b.WriteByte('\n')
		b.WriteString(t.styles.role(roleFaint).apply(truncate(empty, t.width)))
		lines++
	}
	for i := t.offset; i < t.n && i < t.offset+t.height; i++ {
		b.WriteByte('\n')
		t.writeRow(&b, src, i)
		lines++
	}
	for ; lines < t.height+1; lines++ {
		b.WriteByte('\n')
	}
	return b.String()
}

func (t *table) titles() string {
	var b strings.Builder
	first := true
	for i, c := range t.cols {
		w := t.widths[i]
		if w == 0 {
			continue
		}
		if !first {
			b.WriteString(spaces(t.gap))
		}
		title := c.title
		if !first && i > 0 && i == t.hoff+1 {
			title = t.scrolledNote() + title
		}
		first = false
		if i == t.sortCol {
			if t.sortDesc {
				title += "↓"
			} else {
				title += "↑"
			}
		}
		b.WriteString(fit(title, w, c.right))
	}
	return t.styles.header.apply(truncate(b.String(), t.width))
}

func (t *table) writeRow(b *strings.Builder, src tableSource, i int) {
	selected := i == t.cursor
	var line strings.Builder
	used, first := 0, true
	for col, c := range t.cols {
		w := t.widths[col]
		if w == 0 {
			continue
		}
		if !first {
			line.WriteString(spaces(t.gap))
			used += t.gap
		}
		first = false
		w = min(w, t.width-used)
		if w <= 0 {
			break
		}
		t.writeCell(&line, src.Cell(i, col, w), w, c, !selected)
		used += w
	}
	if selected {
		if used < t.width {
			line.WriteString(spaces(t.width - used))
		}
		b.WriteString(t.styles.selected.apply(line.String()))
		return
	}
	b.WriteString(line.String())
}

func (t *table) writeCell(b *strings.Builder, c cell, w int, col column, colour bool) {
	if c.spans == nil {
		var text string
		if col.mid {
			text = pad(truncateMid(clean(c.text), w), w, col.right)
		} else {
			text = fit(clean(c.text), w, col.right)
		}
		if colour {
			text = t.styles.role(c.role).apply(text)
		}
		b.WriteString(text)
		return
	}
	left := w
	for _, s := range c.spans {
		if left <= 0 {
			break
		}
		text := truncate(clean(s.text), left)
		left -= textWidth(text)
		if colour {
			text = t.styles.role(s.role).apply(text)
		}
		b.WriteString(text)
	}
	b.WriteString(spaces(left))
}

// Cursor is the selected row.
func (t *table) Cursor() int { return t.cursor }

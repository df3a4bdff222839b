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

// colGap is the space between columns.
const colGap = 2

// table is a light table that renders only the visible rows, so its cost is
// bounded by the terminal height, not by the number of rows.
type table struct {
	cols   []column
	want   []int // content widths, from the screen
	widths []int // laid out widths; 0 = hidden
	width  int
	height int // rows, without the title line
	n      int
	cursor int
	offset int

	sortCol  int
	sortDesc bool
	styles   *Styles
}

func newTable(cols []column, styles *Styles) *table {
	return &table{cols: cols, styles: styles, want: make([]int, len(cols)), widths: make([]int, len(cols))}
}

// SetSize sets the table's outer size; one line goes to the column titles.
func (t *table) SetSize(w, h int) {
	t.width, t.height = w, max(h-1, 1)
	t.layout()
	t.clamp()
}

// SetWant records content widths and lays the columns out again.
func (t *table) SetWant(want []int) {
	copy(t.want, want)
	t.layout()
}

// SetLen sets the number of rows and keeps the cursor inside.
func (t *table) SetLen(n int) {
	t.n = n
	t.clamp()
}

// layout decides which columns show and how wide they are.
func (t *table) layout() {
	show := make([]bool, len(t.cols))
	for i := range show {
		show[i] = true
	}
	need := func() int {
		sum, n := 0, 0
		for i, c := range t.cols {
			if show[i] {
				sum += c.min
				n++
			}
		}
		return sum + max(n-1, 0)*colGap
	}
	for need() > t.width {
		drop, prio := -1, 0
		for i, c := range t.cols {
			if show[i] && c.prio > prio {
				drop, prio = i, c.prio
			}
		}
		if drop < 0 || prio <= 1 {
			break // only essential columns left; they get cut at the edge
		}
		show[drop] = false
	}
	spare := t.width - need()
	for i, c := range t.cols {
		t.widths[i] = 0
		if show[i] {
			t.widths[i] = c.min
		}
	}
	// Grow columns towards their content, most important first.
	for p := 1; p <= 9 && spare > 0; p++ {
		for i, c := range t.cols {
			if !show[i] || c.prio != p {
				continue
			}
			limit := max(c.max, c.min)
			want := min(max(t.want[i], c.min), limit)
			grow := min(want-t.widths[i], spare)
			if grow > 0 {
				t.widths[i] += grow
				spare -= grow
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
func (t *table) HandleKey(msg tea.KeyMsg, k KeyMap) bool {
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
			b.WriteString(spaces(colGap))
		}
		first = false
		title := c.title
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
			line.WriteString(spaces(colGap))
			used += colGap
		}
		first = false
		w = min(w, t.width-used)
		if w <= 0 {
			break
		}
		t.writeCell(&line, src.Cell(i, col, w), w, c.right, !selected)
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

func (t *table) writeCell(b *strings.Builder, c cell, w int, right, colour bool) {
	if c.spans == nil {
		text := fit(c.text, w, right)
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
		text := truncate(s.text, left)
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

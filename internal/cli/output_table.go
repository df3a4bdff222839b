package cli

import (
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"golang.org/x/term"
)

// Tables fit the terminal (README, "Scripting"): by default long cells
// are cut with "…" so that each row fits the width of the terminal, or of
// COLUMNS, or 80 columns on a pipe; --wide prints every row whole.

// tableOpts is how wide a table may be; wide means no limit.
type tableOpts struct {
	width int
	wide  bool
}

// table returns the table options of this invocation.
func (g *globals) table() tableOpts {
	return tableOpts{width: outputWidth(os.Stdout, os.Getenv), wide: g.wide}
}

// outputWidth is the terminal's width when f is one, else COLUMNS, else 80.
func outputWidth(f *os.File, getenv func(string) string) int {
	if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
		return w
	}
	if n, err := strconv.Atoi(strings.TrimSpace(getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	return 80
}

const colGap = 2 // spaces between columns

// textTable collects rows and prints them aligned, cut to fit.
type textTable struct {
	opts tableOpts
	rows [][]string
}

func newTable(o tableOpts, header ...string) *textTable {
	return &textTable{opts: o, rows: [][]string{header}}
}

func (t *textTable) row(cells ...string) { t.rows = append(t.rows, cells) }

// widths are the columns' widths after fitting: while the row is too
// wide, the widest column gives up a column, down to its header's width
// (at least 8) or its widest cell; the first column, which names the row,
// keeps up to a third of the width.
func (t *textTable) widths() []int {
	n := 0
	for _, r := range t.rows {
		n = max(n, len(r))
	}
	w, floor := make([]int, n), make([]int, n)
	for _, r := range t.rows {
		for i, c := range r {
			w[i] = max(w[i], lipgloss.Width(c))
		}
	}
	for i := range w {
		floor[i] = w[i]
		if len(t.rows[0]) > i {
			floor[i] = min(w[i], max(lipgloss.Width(t.rows[0][i]), 8))
		}
	}
	if t.opts.wide || t.opts.width <= 0 {
		return w
	}
	if n > 1 {
		floor[0] = max(floor[0], min(w[0], t.opts.width/3))
	}
	total := func() int {
		s := 0
		for _, x := range w {
			s += x
		}
		return s + colGap*(len(w)-1)
	}
	for total() > t.opts.width {
		widest := -1
		for i := range w {
			if w[i] > floor[i] && (widest < 0 || w[i] > w[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break // as narrow as it goes
		}
		w[widest]--
	}
	return w
}

// flush prints the rows; the last column is not padded.
func (t *textTable) flush(out io.Writer) error {
	w := t.widths()
	var b strings.Builder
	for _, r := range t.rows {
		for i, c := range r {
			c = cut(c, w[i])
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", w[i]-lipgloss.Width(c)+colGap))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// cut shortens s to width columns, ending it with "…" when cut.
func cut(s string, width int) string {
	if lipgloss.Width(s) <= width {
		return s
	}
	if width <= 0 {
		return ""
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		rw := lipgloss.Width(string(r))
		if used+rw > width-1 {
			break
		}
		b.WriteRune(r)
		used += rw
	}
	return b.String() + "…"
}

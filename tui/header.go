package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"bosun/bosh"
	"bosun/cache"
)

// headerView is the top line: who and where on the left, how fresh the rows
// on screen are on the right.
//
//	bosun  prod · bosh-lite 280.0.14 · admin  PROD  [RO]   cached 4m ago
func (m *Model) headerView() string {
	c := m.c
	st := &c.styles
	fresh, freshStyle := m.freshness()
	right := freshStyle.Render(fresh)
	// Parts in the order shown, each with a rank: when the line is too
	// narrow the highest rank goes first, so parts are dropped whole
	// rather than cut into each other.
	type part struct {
		text string
		rank int
		who  bool // joined with " · " to its neighbours of the same kind
	}
	parts := []part{{st.App.Render("bosun"), 0, false}}
	if c.opts.Environment != "" {
		parts = append(parts, part{c.opts.Environment, 1, true})
	}
	if c.info.Name != "" {
		parts = append(parts, part{clean(c.info.Name), 3, true})
	}
	if c.info.Version != "" {
		parts = append(parts, part{clean(c.info.Version), 5, true})
	}
	if c.info.User != "" {
		parts = append(parts, part{clean(c.info.User), 4, true})
	}
	if c.tasks.known {
		parts = append(parts, part{tasksBadge(c), 2, false})
	}
	if c.opts.Production {
		parts = append(parts, part{st.role(roleErr).apply("PROD"), 0, false})
	}
	if c.opts.ReadOnly {
		parts = append(parts, part{st.Badge.Render("[RO]"), 0, false})
	}
	render := func(ps []part) string {
		var b strings.Builder
		for i, p := range ps {
			switch {
			case i == 0:
			case p.who && ps[i-1].who:
				if ps[i-1].rank == 3 && p.rank == 5 {
					b.WriteString(st.HeaderText.Render(" "))
				} else {
					b.WriteString(st.HeaderText.Render(" · "))
				}
			default:
				b.WriteString("  ")
			}
			if p.who {
				b.WriteString(st.HeaderText.Render(p.text))
			} else {
				b.WriteString(p.text)
			}
		}
		return b.String()
	}
	left := render(parts)
	for textWidthANSI(left)+1+textWidthANSI(right) > c.width {
		drop := -1
		for i, p := range parts {
			if p.rank > 0 && (drop < 0 || p.rank >= parts[drop].rank) {
				drop = i
			}
		}
		if drop < 0 {
			break
		}
		parts = append(parts[:drop], parts[drop+1:]...)
		left = render(parts)
	}
	return spread(left, right, c.width)
}

// freshness says where the rows on screen come from: "live",
// "cached 4m ago", "unreachable (cached 4m ago)", "offline (cached 4m ago)".
func (m *Model) freshness() (string, lipgloss.Style) {
	c := m.c
	at, live, known := dataAge(m.top())
	cached := "no cache"
	if known {
		cached = "cached " + cache.Age(at, c.now()) + " ago"
	}
	switch {
	case !c.online():
		return "offline (" + cached + ")", c.styles.Cached
	case c.dirErr != nil:
		return directorTrouble(c.dirErr) + " (" + cached + ")", c.styles.Unreachable
	case known && live:
		return "live", c.styles.Live
	case known:
		return cached, c.styles.Cached
	case errOf(m.top()) != nil:
		// The screen's load failed and there is nothing to show: it is
		// no longer connecting.
		return "failed (nothing cached)", c.styles.Unreachable
	default:
		return "connecting…", c.styles.Cached
	}
}

// directorTrouble is the header's word for a failed director call.
func directorTrouble(err error) string {
	switch bosh.KindOf(err) {
	case bosh.KindUnauthorized, bosh.KindScope:
		return "unauthorized"
	case bosh.KindDirector, bosh.KindBadResponse, bosh.KindNotFound:
		return "director error"
	default:
		return "unreachable"
	}
}

// textWidthANSI is the display width of styled text.
func textWidthANSI(s string) int { return lipgloss.Width(s) }

// truncateANSI cuts styled text to w cells.
func truncateANSI(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	return lipgloss.NewStyle().MaxWidth(w).Render(s)
}

// spread puts left and right on one line of width cells, cutting left
// first when they do not fit.
func spread(left, right string, width int) string {
	lw, rw := textWidthANSI(left), textWidthANSI(right)
	if lw+1+rw > width {
		room := width - rw - 1
		if room < 10 {
			return truncateANSI(left+" "+right, width)
		}
		left = truncateANSI(left, room)
		lw = textWidthANSI(left)
	}
	return left + spaces(width-lw-rw) + right
}

// tasksBadge is the header's count of the director's running tasks.
func tasksBadge(c *common) string {
	switch c.tasks.n {
	case 0:
		return c.styles.role(roleFaint).apply("no tasks")
	case 1:
		return c.styles.role(roleWarn).apply("1 task")
	}
	return c.styles.role(roleWarn).apply(fmt.Sprintf("%d tasks", c.tasks.n))
}

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
	left := []string{st.App.Render("bosun")}
	var who []string
	if c.opts.Environment != "" {
		who = append(who, c.opts.Environment)
	}
	if d := directorLabel(c.info); d != "" {
		who = append(who, d)
	}
	if c.info.User != "" {
		who = append(who, c.info.User)
	}
	if len(who) > 0 {
		left = append(left, st.HeaderText.Render(clean(strings.Join(who, " · "))))
	}
	if c.tasks.known {
		left = append(left, tasksBadge(c))
	}
	if c.opts.Production {
		left = append(left, st.role(roleErr).apply("PROD"))
	}
	if c.opts.ReadOnly {
		left = append(left, st.Badge.Render("[RO]"))
	}
	fresh, freshStyle := m.freshness()
	right := freshStyle.Render(fresh)
	return spread(strings.Join(left, "  "), right, c.width)
}

func directorLabel(info bosh.Info) string {
	return strings.TrimSpace(info.Name + " " + info.Version)
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

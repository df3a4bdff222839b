package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
)

// ellipsis marks text cut to fit a column.
const ellipsis = "…"

// clean makes text from the director or the cache safe to print on one
// line: control characters (newlines, escape sequences) become spaces. It
// allocates only when there is something to replace.
func clean(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f {
			return strings.Map(func(r rune) rune {
				if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
					return ' '
				}
				return r
			}, s)
		}
	}
	return s
}

// runeWidth is the display width of one rune.
func runeWidth(r rune) int {
	if r < utf8.RuneSelf {
		if r < ' ' || r == 0x7f {
			return 0
		}
		return 1
	}
	return lipgloss.Width(string(r))
}

// textWidth is the display width of plain text (no escape sequences).
func textWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf || s[i] < ' ' {
			return lipgloss.Width(s)
		}
	}
	return len(s)
}

// truncate cuts plain text to at most w cells, ending in "…" when cut.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if textWidth(s) <= w {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		rw := runeWidth(r)
		if used+rw > w-1 {
			break
		}
		b.WriteRune(r)
		used += rw
	}
	b.WriteString(ellipsis)
	return b.String()
}

// truncateMid cuts plain text to at most w cells by dropping its middle,
// so names that differ only at the end ("service-instance_<uuid>") stay
// apart.
func truncateMid(s string, w int) string {
	if textWidth(s) <= w {
		return s
	}
	if w < 8 {
		return truncate(s, w)
	}
	r := []rune(s)
	tail := (w - 1) / 2
	head := w - 1 - tail
	var b strings.Builder
	used := 0
	for _, c := range r {
		if used+runeWidth(c) > head {
			break
		}
		b.WriteRune(c)
		used += runeWidth(c)
	}
	b.WriteString(ellipsis)
	start, used := len(r), 0
	for start > 0 && used+runeWidth(r[start-1]) <= tail {
		start--
		used += runeWidth(r[start])
	}
	b.WriteString(string(r[start:]))
	return b.String()
}

// fit cuts or pads plain text to exactly w cells, right-aligned if asked.
func fit(s string, w int, right bool) string {
	return pad(truncate(s, w), w, right)
}

// pad pads text that fits w cells to exactly w.
func pad(s string, w int, right bool) string {
	gap := w - textWidth(s)
	if gap <= 0 {
		return s
	}
	if right {
		return spaces(gap) + s
	}
	return s + spaces(gap)
}

const blanks = "                                                                                                                                "

// spaces returns n blanks without allocating for common widths.
func spaces(n int) string {
	if n <= 0 {
		return ""
	}
	if n <= len(blanks) {
		return blanks[:n]
	}
	return strings.Repeat(" ", n)
}

// duration formats an uptime compactly: "45s", "12m", "3h4m", "12d3h".
func duration(secs int64) string {
	d := time.Duration(secs) * time.Second
	switch {
	case secs <= 0:
		return "-"
	case d < time.Minute:
		return fmt.Sprintf("%ds", secs)
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	default:
		return fmt.Sprintf("%dd%dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
	}
}

// count formats n with thousands separators: 50000 → "50,000".
func count(n int) string {
	s := strconv.Itoa(n)
	if n < 1000 && n > -1000 {
		return s
	}
	var b strings.Builder
	lead := len(s) % 3
	if lead == 0 {
		lead = 3
	}
	b.WriteString(s[:lead])
	for i := lead; i < len(s); i += 3 {
		b.WriteByte(',')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// kb formats a size in kilobytes as "512K", "3.2M", "1.5G".
func kb(n int64) string {
	switch {
	case n <= 0:
		return "-"
	case n < 1024:
		return fmt.Sprintf("%dK", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.1fM", float64(n)/1024)
	default:
		return fmt.Sprintf("%.1fG", float64(n)/(1024*1024))
	}
}

// usageRole colours a used-percentage: warn from 80 %, err from 90 %.
func usageRole(pct float64) role {
	switch {
	case pct >= 90:
		return roleErr
	case pct >= 80:
		return roleWarn
	default:
		return roleNone
	}
}

// shortID keeps the first 8 characters of a UUID, enough to tell instances
// apart on screen.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

package tui

import (
	"strconv"
	"strings"

	"bosun/pks"
)

// counterLines are the number of events of each class, in class colours:
// one line when every class fits, else the classes seen so far, wrapped
// onto a second line rather than cut.
func (s *eventsScreen) counterLines() []string {
	type part struct{ text, styled string }
	var all, seen []part
	for _, c := range pks.Classes {
		l := classLook(c)
		n := 0
		if s.groups != nil {
			n = s.groups.ClassCount(c)
		}
		text := l.glyph + " " + strconv.Itoa(n) + " " + l.word
		p := part{text, s.c.styles.role(l.role).apply(text)}
		all = append(all, p)
		if n > 0 {
			seen = append(seen, p)
		}
	}
	width := func(ps []part) int {
		w := 0
		for i, p := range ps {
			if i > 0 {
				w += 2
			}
			w += textWidth(p.text)
		}
		return w
	}
	parts := all
	if width(all) > s.width && len(seen) > 0 {
		parts = seen
	}
	var lines []string
	var line []string
	used := 0
	for _, p := range parts {
		pw := textWidth(p.text)
		if len(line) > 0 && used+2+pw > s.width {
			lines = append(lines, strings.Join(line, "  "))
			line, used = nil, 0
		}
		if len(line) > 0 {
			used += 2
		}
		line = append(line, p.styled)
		used += pw
	}
	lines = append(lines, strings.Join(line, "  "))
	for i, l := range lines {
		lines[i] = truncateANSI(l, s.width)
	}
	return lines
}

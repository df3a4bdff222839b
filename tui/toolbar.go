package tui

import "strings"

// toolbarView is the breadcrumb of the stack, the filter, and the row count
// and sort order on the right. When space is short the earlier crumbs
// shrink first, then the right part goes.
func (m *Model) toolbarView() string {
	st := &m.c.styles
	w := m.c.width
	f, right := toolbarOf(m.top())
	if f != "" {
		f = "  " + f
	}
	crumbs := make([]string, len(m.stack))
	for i, s := range m.stack {
		crumbs[i] = clean(s.Crumb())
	}
	last := crumbs[len(crumbs)-1]
	fitted := fitCrumbs(crumbs, w-textWidthANSI(f)-textWidth(right)-2)
	if fitted[len(fitted)-1] != last {
		right = "" // the current screen's name matters more than the count
		fitted = fitCrumbs(crumbs, w-textWidthANSI(f))
	}
	crumbs = fitted
	styled := make([]string, len(crumbs))
	for i, c := range crumbs {
		if i == len(crumbs)-1 {
			styled[i] = st.CrumbActive.Render(c)
		} else {
			styled[i] = st.Crumb.Render(c)
		}
	}
	left := strings.Join(styled, st.Crumb.Render(crumbSep)) + f
	if right == "" {
		return truncateANSI(left, w)
	}
	return spread(left, st.Toolbar.Render(right), w)
}

const crumbSep = " › "

func crumbsWidth(crumbs []string) int {
	w := 0
	for _, c := range crumbs {
		w += textWidth(c)
	}
	return w + (len(crumbs)-1)*textWidth(crumbSep)
}

// fitCrumbs shortens the crumbs before the last to fit room cells, then
// drops the first ones; the last is cut only when nothing else is left.
func fitCrumbs(crumbs []string, room int) []string {
	out := append([]string(nil), crumbs...)
	for i := 0; i < len(out)-1 && crumbsWidth(out) > room; i++ {
		out[i] = truncate(out[i], 16)
	}
	for len(out) > 1 && crumbsWidth(out) > room {
		if out[0] == ellipsis {
			out = out[1:]
			if len(out) > 1 {
				out[0] = ellipsis
			}
			continue
		}
		out[0] = ellipsis
	}
	if len(out) == 1 {
		out[0] = truncate(out[0], max(room, 1))
	}
	return out
}

package tui

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
)

// errorLine matches the lines the viewer marks as errors: ERROR, FATAL,
// panics, image pull and crash-loop failures, klog E/F lines and
// structured error levels.
var errorLine = regexp.MustCompile(`ERROR|FATAL|panic|Error: ErrImagePull|Back-off restarting failed container|^[EF]\d{4} \d\d:\d\d|level=(error|fatal)|"level":"(error|fatal)"`)

// viewer shows one file of a bundle. The file is copied into a spool as
// it is decompressed, so the first screen shows while the rest arrives
// and memory holds only the lines on screen; search streams through the
// spool.
type viewer struct {
	pageScreen
	keys         viewerKeys
	searchKeys   inputKeys
	bundle, name string
	size         int64

	ctx    context.Context
	cancel context.CancelFunc
	sp     *spool
	err    error

	top, xoff int
	wrap      bool
	window    []string // lines from top, as last read
	winTop    int
	total     int
	done      bool

	input     lineInput
	editing   bool
	pattern   string
	match     int // line of the current match, -1 for none
	searching bool
	searchGen int
	note      string
	follow    bool // G while loading: keep at the end as lines arrive

	vp viewport.Model
}

// viewerKeys are the log viewer's keys.
type viewerKeys struct {
	navKeys
	Left, Right key.Binding
	Search      key.Binding
	Next, Prev  key.Binding
	Wrap        key.Binding
}

func newViewerKeys() viewerKeys {
	k := viewerKeys{
		navKeys: defaultNavKeys(),
		Left:    key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "scroll left")),
		Right:   key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "scroll right")),
		Search:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
		Next:    key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next match")),
		Prev:    key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match")),
		Wrap:    key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "wrap")),
	}
	k.Top.SetHelp("g/home", "first line")
	k.Bottom.SetHelp("G/end", "end of file")
	return k
}

func (k viewerKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Search, k.Next, k.Prev, k.Wrap, k.Bottom}
}

func (k viewerKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		append(k.navKeys.column(), k.Left, k.Right),
		{k.Search, k.Next, k.Prev, k.Wrap},
	}
}

func newViewer(c *common, bundle, name string, size int64) *viewer {
	v := &viewer{pageScreen: newPage(c), bundle: bundle, name: name, size: size, match: -1,
		input: lineInput{prompt: "/", placeholder: "search"}, keys: newViewerKeys(),
		searchKeys: searchKeys()}
	v.ctx, v.cancel = context.WithCancel(context.Background())
	v.vp = viewport.New(0, 0)
	return v
}

func (v *viewer) Crumb() string {
	name := v.name
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	return name
}

func (v *viewer) Init() tea.Cmd { return openSpoolCmd(v.ctx, v.bundle, v.name, v.sid) }

func (v *viewer) waitSpool() tea.Cmd { return waitSpool(v.ctx, v.sp, v.sid) }

// bodyLines is how many lines the file gets: one goes to the status line.
func (v *viewer) bodyLines() int { return max(v.height-1, 1) }

// readWindow reads the lines of the screen from top, off the UI thread.
func (v *viewer) readWindow() tea.Cmd {
	if v.sp == nil {
		return nil
	}
	return readSpool(v.sp, v.top, v.bodyLines(), v.sid)
}

func (v *viewer) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case spoolOpenedMsg:
		if m.err != nil {
			v.err = m.err
			return nil
		}
		v.sp = m.sp
		return v.waitSpool()
	case spoolChangedMsg:
		if v.sp == nil {
			return nil
		}
		lines, _, done, err := v.sp.state()
		v.total, v.done = lines, done
		if err != nil && v.ctx.Err() == nil {
			v.err = err
		}
		var next tea.Cmd
		if !done {
			next = v.waitSpool()
		}
		if v.follow {
			return tea.Batch(next, v.followEnd())
		}
		// Refill the screen while it is not full yet.
		if len(v.window) < v.bodyLines() {
			return tea.Batch(next, v.readWindow())
		}
		return next
	case windowMsg:
		if m.top == v.top {
			v.window, v.winTop = m.lines, m.top
		}
		return nil
	case searchDoneMsg:
		if m.gen != v.searchGen {
			return nil
		}
		v.searching = false
		if !m.found {
			v.note = fmt.Sprintf("%q not found", v.pattern)
			if !v.done {
				v.note += " in the lines loaded so far"
			}
			return nil
		}
		v.note = ""
		v.match = m.line
		v.follow = false
		v.top = max(m.line-v.bodyLines()/3, 0)
		if v.wrap {
			// Lines above it may wrap onto several rows each: the
			// match leads the screen so it is always on it.
			v.top = m.line
		}
		return v.readWindow()
	case tea.KeyMsg:
		return v.key(m)
	}
	return nil
}

func (v *viewer) key(m tea.KeyMsg) tea.Cmd {
	k := v.keys
	if v.editing {
		switch {
		case key.Matches(m, v.searchKeys.Accept):
			v.editing = false
			v.input.Blur()
			v.pattern = v.input.Value()
			if v.pattern == "" {
				v.match = -1
				return nil
			}
			return v.search(v.top-1, true)
		case key.Matches(m, v.searchKeys.Cancel):
			v.editing = false
			v.input.Blur()
			return nil
		}
		v.input.Update(m)
		return nil
	}
	page := v.bodyLines()
	if key.Matches(m, k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Search, k.Next, k.Prev) {
		v.stopFollowing()
	}
	switch {
	case key.Matches(m, k.Search):
		v.editing = true
		v.input.SetValue("")
		v.input.Focus()
		return nil
	case key.Matches(m, k.Next):
		return v.searchFrom(true)
	case key.Matches(m, k.Prev):
		return v.searchFrom(false)
	case key.Matches(m, k.Wrap):
		v.wrap = !v.wrap
		v.xoff = 0
		return nil
	case key.Matches(m, k.Left):
		v.xoff = max(v.xoff-v.width/2, 0)
		return nil
	case key.Matches(m, k.Right):
		if !v.wrap {
			v.xoff += v.width / 2
		}
		return nil
	case key.Matches(m, k.Up):
		return v.scrollTo(v.top - 1)
	case key.Matches(m, k.Down):
		return v.scrollTo(v.top + 1)
	case key.Matches(m, k.PageUp):
		return v.scrollTo(v.top - page)
	case key.Matches(m, k.PageDown):
		return v.scrollTo(v.top + page)
	case key.Matches(m, k.Top):
		return v.scrollTo(0)
	case key.Matches(m, k.Bottom):
		if !v.done {
			v.follow = true
			v.note = followNote
		}
		return v.scrollTo(v.total - page)
	}
	return nil
}

func (v *viewer) scrollTo(top int) tea.Cmd {
	top = max(min(top, v.total-v.bodyLines()), 0)
	if top == v.top {
		return nil
	}
	v.top = top
	return v.readWindow()
}

// searchFrom repeats the search from the current match (or the screen).
func (v *viewer) searchFrom(forward bool) tea.Cmd {
	if v.pattern == "" {
		return status("no search yet: / searches", false)
	}
	from := v.match
	if from < 0 || from < v.top || from >= v.top+v.bodyLines() {
		from = v.top
		if forward {
			from--
		}
	}
	return v.search(from, forward)
}

// search streams through the spool for the pattern; it is case-blind
// when the pattern is all lower case.
func (v *viewer) search(from int, forward bool) tea.Cmd {
	if v.sp == nil {
		return nil
	}
	v.searchGen++
	v.searching = true
	v.note = ""
	return searchSpool(v.ctx, v.sp, from, forward, matcher(v.pattern), v.sid, v.searchGen)
}

func matcher(pattern string) func([]byte) bool {
	p := []byte(pattern)
	if strings.ToLower(pattern) != pattern {
		return func(b []byte) bool { return bytes.Contains(b, p) }
	}
	return func(b []byte) bool { return containsFold(b, p) }
}

// containsFold reports whether lower-case p occurs in b, ignoring ASCII
// case, without allocating.
func containsFold(b, p []byte) bool {
	if len(p) == 0 {
		return true
	}
	first := p[0]
	upper := first
	if first >= 'a' && first <= 'z' {
		upper = first - 32
	}
	for i := 0; i+len(p) <= len(b); i++ {
		c := b[i]
		if c != first && c != upper {
			continue
		}
		ok := true
		for j := 1; j < len(p); j++ {
			d := b[i+j]
			if d >= 'A' && d <= 'Z' {
				d += 32
			}
			if d != p[j] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (v *viewer) Capturing() bool { return v.editing }

func (v *viewer) Close() {
	v.cancel()
	if v.sp != nil {
		v.sp.Close()
	}
}

func (v *viewer) Err() error { return v.err }

func (v *viewer) Progress() string {
	switch {
	case v.searching:
		return "searching"
	case v.sp != nil && !v.done && v.err == nil:
		return "loading"
	}
	return ""
}

func (v *viewer) SetSize(w, h int) {
	v.width, v.height = w, h
	v.vp.Width, v.vp.Height = w, v.bodyLines()
}

// View renders the window: a line-number gutter, error lines in the error
// colour, the match marked in the gutter; then a status line.
func (v *viewer) View() string {
	st := &v.c.styles
	var rows []string
	body := v.bodyLines()
	switch {
	case v.err != nil && len(v.window) == 0:
		rows = append(rows, st.role(roleErr).apply(truncate("cannot read "+v.name+": "+v.err.Error(), v.width)))
	case v.sp == nil || (len(v.window) == 0 && !v.done):
		rows = append(rows, st.role(roleFaint).apply("opening "+v.name+"…"))
		if v.sp != nil {
			// A file deep in a large bundle is found by reading the
			// bundle up to it, which can take seconds.
			if p := v.sp.seeking(); p.Total > 0 && p.Done > 0 {
				rows = append(rows, "", "finding it in the bundle: "+sizeText(p.Done)+" of "+sizeText(p.Total)+" read",
					barLine(v.c, float64(p.Done)/float64(p.Total), v.width))
			}
		}
	case len(v.window) == 0:
		rows = append(rows, st.role(roleFaint).apply("(empty file)"))
	}
	gutter := len(strconv.Itoa(v.winTop+len(v.window))) + 1
	textW := max(v.width-gutter-1, 4)
	for i, line := range v.window {
		if len(rows) >= body {
			break
		}
		n := v.winTop + i
		mark := " "
		if n == v.match {
			mark = st.role(roleAccent).apply("▶")
		}
		num := st.role(roleFaint).apply(fmt.Sprintf("%*d", gutter, n+1))
		text := clean(line)
		r := roleNone
		if errorLine.MatchString(line) {
			r = roleErr
		}
		if n == v.match {
			r = roleAccent
		}
		if !v.wrap {
			rows = append(rows, num+mark+st.role(r).apply(truncate(skipCols(text, v.xoff), textW)))
			continue
		}
		for first := true; first || text != ""; first = false {
			head := truncate(text, textW)
			if textWidth(text) > textW {
				head = takeCols(text, textW)
			}
			text = text[len(head):]
			prefix := num + mark
			if !first {
				prefix = strings.Repeat(" ", gutter+1)
			}
			rows = append(rows, prefix+st.role(r).apply(head))
			if len(rows) >= body {
				break
			}
		}
	}
	v.vp.SetContent(strings.Join(rows, "\n"))
	return v.vp.View() + "\n" + v.statusLine()
}

func (v *viewer) statusLine() string {
	st := &v.c.styles
	if v.editing {
		return v.input.View(v.width, st.selected)
	}
	parts := []string{fmt.Sprintf("line %d of %d", min(v.top+1, max(v.total, 1)), v.total)}
	if !v.done {
		parts[0] += "+ (loading)"
	}
	if v.wrap {
		parts = append(parts, "wrap")
	} else if v.xoff > 0 {
		parts = append(parts, fmt.Sprintf("col %d", v.xoff+1))
	}
	if v.pattern != "" {
		parts = append(parts, "/"+v.pattern)
	}
	if v.note != "" {
		parts = append(parts, v.note)
	}
	return st.role(roleFaint).apply(truncate(strings.Join(parts, " · "), v.width))
}

// skipCols drops the first n display columns of s.
func skipCols(s string, n int) string {
	for n > 0 && s != "" {
		r, size := utf8.DecodeRuneInString(s)
		n -= runeWidth(r)
		s = s[size:]
	}
	return s
}

// takeCols is the longest prefix of s that fits in w columns.
func takeCols(s string, w int) string {
	used := 0
	for i, r := range s {
		rw := runeWidth(r)
		if used+rw > w {
			return s[:i]
		}
		used += rw
	}
	return s
}

func (v *viewer) Toolbar() (string, string) {
	return "", strings.TrimPrefix(v.name, "./") + " · " + sizeText(v.size)
}

// KeyMap is the search field's keys while a search is typed.
func (v *viewer) KeyMap() help.KeyMap {
	if v.editing {
		return v.searchKeys
	}
	return v.keys
}

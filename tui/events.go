package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
	"bosun/cache"
	"bosun/pks"
)

// Columns of the events screen.
const (
	evColClass = iota
	evColCluster
	evColNamespace
	evColObject
	evColCount
	evColLast
	evColReason
	evColMessage
)

func eventColumns() []column {
	return []column{
		evColClass:     {title: "CLASS", min: 16, prio: 1},
		evColCluster:   {title: "CLUSTER", min: 10, max: 24, prio: 1},
		evColNamespace: {title: "NAMESPACE", min: 9, max: 20, prio: 2},
		evColObject:    {title: "OBJECT", min: 14, max: 48, prio: 1, mid: true},
		evColCount:     {title: "COUNT", min: 5, prio: 1, right: true},
		evColLast:      {title: "LAST", min: 5, prio: 2, right: true},
		evColReason:    {title: "REASON", min: 8, max: 20, prio: 3},
		evColMessage:   {title: "MESSAGE", min: 20, max: 200, prio: 2},
	}
}

// eventsKeys are the events screen's keys: the list's, with enter
// enlarging the detail, and the screen's own.
type eventsKeys struct {
	listKeys
	Class, Deployment, Cluster, Logs key.Binding
}

func newEventsKeys() eventsKeys {
	k := eventsKeys{
		listKeys:   defaultListKeys("detail"),
		Class:      key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "class filter")),
		Deployment: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "deployment")),
		Cluster:    key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "clusters")),
		Logs:       key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "VM logs")),
	}
	k.Refresh.SetHelp("r", "read again")
	return k
}

func (k eventsKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Filter, k.Class, k.Open, k.Deployment, k.Logs}
}

func (k eventsKeys) FullHelp() [][]key.Binding {
	return append(k.listKeys.full(), []key.Binding{k.Class, k.Deployment, k.Cluster, k.Logs})
}

// eventsScreen shows the Kubernetes events from the PKS sinks, live: one
// row per cluster, namespace and object, with the counters per class above
// and the selected row's detail (with its raw frames) below.
type eventsScreen struct {
	base
	keys    eventsKeys
	src     EventSource
	groups  *pks.Groups
	set     rowSet[pks.Group]
	lastID  int64
	busy    bool
	err     error
	at      time.Time
	classes classFilter
	big     bool // the detail pane takes most of the body
	height  int
}

func newEvents(c *common) *eventsScreen {
	s := &eventsScreen{base: newBase(c, eventColumns()), src: c.eventSource(), groups: pks.NewGroups(),
		keys: newEventsKeys()}
	s.set = rowSet[pks.Group]{cmp: compareGroups,
		search: func(g *pks.Group) string {
			return strings.ToLower(g.Cluster + "\x00" + g.Deployment + "\x00" + g.Namespace + "\x00" + g.Object +
				"\x00" + string(g.Class) + "\x00" + g.Reason + "\x00" + g.Message)
		},
		key: func(g *pks.Group) string { return g.Cluster + "/" + g.Namespace + "/" + g.Object }}
	s.rows = &s.set
	return s
}

func compareGroups(a, b *pks.Group, col int) int {
	switch col {
	case evColCluster:
		return strings.Compare(a.Cluster, b.Cluster)
	case evColNamespace:
		return strings.Compare(a.Namespace, b.Namespace)
	case evColObject:
		return strings.Compare(a.Object, b.Object)
	case evColCount:
		return b.Total - a.Total
	case evColLast:
		return b.Last.Compare(a.Last)
	case evColReason:
		return strings.Compare(a.Reason, b.Reason)
	case evColMessage:
		return strings.Compare(a.Message, b.Message)
	}
	if d := a.Class.Severity() - b.Class.Severity(); d != 0 {
		return d
	}
	return b.Last.Compare(a.Last)
}

func (s *eventsScreen) Crumb() string { return "events" }

func (s *eventsScreen) Init() tea.Cmd {
	if s.src == nil {
		s.err = fmt.Errorf("events are read from the cache, which is unavailable")
		return nil
	}
	return tea.Batch(s.load(), s.c.schedule(eventsPoll, eventsTickMsg{screen: s.sid}))
}

func (s *eventsScreen) load() tea.Cmd {
	if s.busy || s.src == nil {
		return nil
	}
	s.busy = true
	return loadEvents(s.src, s.lastID, s.c.opts.Now, s.sid)
}

func (s *eventsScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tea.KeyMsg:
		return s.onKey(m)
	case eventsLoadedMsg:
		s.busy = false
		s.err = m.err
		if m.err == nil {
			s.add(m)
		}
		return nil
	case eventsTickMsg:
		var cmd tea.Cmd
		if s.isTop() {
			cmd = s.load()
		}
		return tea.Batch(cmd, s.c.schedule(eventsPoll, eventsTickMsg{screen: s.sid}))
	}
	return nil
}

// add groups newly read events and rebuilds the rows.
func (s *eventsScreen) add(m eventsLoadedMsg) {
	s.at = m.at
	for i := range m.evs {
		ev := storedToEvent(&m.evs[i])
		s.groups.Add(&ev)
		s.lastID = max(s.lastID, m.evs[i].ID)
	}
	if len(m.evs) > 0 || s.set.all == nil {
		s.rebuild()
		s.layout() // the class counters may take a line more
	}
}

func (s *eventsScreen) rebuild() {
	all := s.groups.List()
	kept := all[:0]
	want := make([]int, len(s.tbl.cols))
	for i := range all {
		g := &all[i]
		if !s.classes.keep(g) {
			continue
		}
		kept = append(kept, *g)
		want[evColCluster] = max(want[evColCluster], textWidth(g.Cluster))
		want[evColNamespace] = max(want[evColNamespace], textWidth(g.Namespace))
		want[evColObject] = max(want[evColObject], textWidth(g.Object))
		want[evColReason] = max(want[evColReason], textWidth(g.Reason))
		want[evColMessage] = max(want[evColMessage], textWidth(g.Message))
	}
	s.tbl.SetWant(want, nil)
	s.keep(func() { s.set.set(kept) })
}

func (s *eventsScreen) onKey(msg tea.KeyMsg) tea.Cmd {
	k := s.keys
	if s.editing {
		return s.handleKey(msg, k.listKeys, nil)
	}
	switch {
	case key.Matches(msg, k.Refresh):
		if cmd := s.load(); cmd != nil {
			return cmd
		}
		return status("a read is already running", false)
	case key.Matches(msg, k.Class):
		s.classes = s.classes.next()
		s.rebuild()
		return nil
	case key.Matches(msg, k.Open):
		s.big = !s.big
		s.layout()
		return nil
	}
	g := s.current()
	switch {
	case key.Matches(msg, k.Deployment):
		if g == nil || g.Deployment == "" {
			return status("no deployment known for this row (run bosun instances once)", true)
		}
		return navigate(route{kind: routeInstances, dep: g.Deployment}, false)
	case key.Matches(msg, k.Cluster):
		return navigate(route{kind: routeClusters}, false)
	case key.Matches(msg, k.Logs):
		return s.vmLogs(g)
	}
	return s.handleKey(msg, k.listKeys, func() tea.Cmd { return nil })
}

// vmLogs fetches the logs of the VM the selected row's events came from.
func (s *eventsScreen) vmLogs(g *pks.Group) tea.Cmd {
	if g == nil || g.Deployment == "" || g.Instance == "" {
		return status("no BOSH instance known for this row's VM", true)
	}
	if s.c.logsFetcher() == nil {
		return status("offline: logs can only be fetched from the director", true)
	}
	req := bosh.LogsRequest{Deployment: g.Deployment, Instance: g.Instance, Dir: logsDir()}
	return pushScreen(newFetchScreen(s.c, req), false)
}

func (s *eventsScreen) current() *pks.Group {
	if s.set.Len() == 0 {
		return nil
	}
	return s.set.at(s.tbl.Cursor())
}

func (s *eventsScreen) Shown() tea.Cmd { return s.load() }

func (s *eventsScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.layout()
}

// detailLines is the height of the detail pane.
func (s *eventsScreen) detailLines() int {
	if s.big {
		return max(s.height-5, 3)
	}
	return min(max(s.height/3, 3), 10)
}

// layout gives the table what the counters line and the detail pane
// leave.
func (s *eventsScreen) layout() {
	s.base.SetSize(s.width, max(s.height-len(s.counterLines())-s.detailLines(), 2))
}

func (s *eventsScreen) Len() int { return s.set.Len() }

func (s *eventsScreen) Cell(i, col, _ int) cell {
	g := s.set.at(i)
	switch col {
	case evColClass:
		l := classLook(g.Class)
		return cell{text: l.String(), role: l.role}
	case evColCluster:
		return cell{text: orDash(g.Cluster)}
	case evColNamespace:
		return cell{text: orDash(g.Namespace)}
	case evColObject:
		return cell{text: orDash(g.Object)}
	case evColCount:
		return cell{text: strconv.Itoa(g.Total)}
	case evColLast:
		return cell{text: cache.Age(g.Last, s.c.now())}
	case evColReason:
		return cell{text: orDash(g.Reason)}
	case evColMessage:
		return cell{text: clean(g.Message)}
	}
	return cell{}
}

func (s *eventsScreen) View() string {
	empty := "no events yet: run `bosun events listen` and point the PKS sinks at it"
	switch {
	case s.err != nil:
		empty = "cannot read events: " + s.err.Error()
	case s.set.filter != "":
		empty = fmt.Sprintf("no event group matches %q", s.set.filter)
	case s.classes != 0 && s.groups.Len() > 0:
		empty = "no " + s.classes.String() + " events (f changes the class filter)"
	}
	var b strings.Builder
	for _, l := range s.counterLines() {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	b.WriteString(s.tbl.View(s, truncate(empty, s.width)))
	b.WriteByte('\n')
	b.WriteString(strings.Join(s.detail(), "\n"))
	return b.String()
}

// detail describes the selected group in detailLines lines: where it
// comes from, its counts, and its latest raw frames.
func (s *eventsScreen) detail() []string {
	n := s.detailLines()
	out := make([]string, n)
	out[0] = strings.Repeat("─", max(s.width, 0))
	g := s.current()
	if g == nil || n < 2 {
		return out
	}
	where := []string{"cluster " + orDash(g.Cluster), "deployment " + orDash(g.Deployment)}
	if g.Instance != "" {
		where = append(where, g.Instance)
	}
	if g.VMID != "" {
		where = append(where, "vm "+g.VMID)
	}
	// Where it comes from, its counts and the latest message wrap: they
	// decide what to look at next. The raw frames below are cut.
	var lines []string
	for _, l := range []string{joinDot(where...),
		joinDot(fmt.Sprintf("%d events", g.Total), "first "+g.First.Local().Format("01-02 15:04:05"),
			"last "+g.Last.Local().Format("01-02 15:04:05"), classCounts(g)),
		"latest: " + orDash(g.Reason) + " · " + oneLineText(clean(g.Message))} {
		lines = append(lines, wrapText(clean(l), max(s.width, 20), "  ")...)
	}
	for i := len(g.Raw) - 1; i >= 0; i-- {
		lines = append(lines, "  "+g.Raw[i])
	}
	for i := 1; i < n && i-1 < len(lines); i++ {
		out[i] = truncate(clean(lines[i-1]), s.width)
	}
	return out
}

func classCounts(g *pks.Group) string {
	var parts []string
	for _, c := range pks.Classes {
		if n := g.Counts[c]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, c))
		}
	}
	return strings.Join(parts, ", ")
}

func (s *eventsScreen) Toolbar() (string, string) {
	left := s.filterView()
	if f := s.classes.String(); f != "" {
		left = strings.TrimSpace(left + "  class: " + f)
	}
	return left, s.shownOf(s.groups.Len(), "group", "groups") + " · " + count(s.groups.Total()) + " events · sort " +
		strings.ToLower(s.tbl.cols[s.sortCol].title)
}

func (s *eventsScreen) KeyMap() help.KeyMap { return s.keysFor(s.keys) }

func (s *eventsScreen) Err() error { return s.err }

func (s *eventsScreen) Progress() string { return "" }

func (s *eventsScreen) DataAge() (time.Time, bool, bool) {
	return s.at, s.err == nil, !s.at.IsZero()
}

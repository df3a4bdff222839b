package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// The etcd and usage views of the clusters screen: one fetch over SSH
// (etcdctl on a master, the billing query on pks-db), then a report. Both
// create a user on a VM, so their keys are hidden in read-only mode
// (clustersKeys).

// reportKeys are the report views' keys.
type reportKeys struct {
	Up, Down key.Binding // the cluster whose chart is shown (usage)
	Refetch  key.Binding
}

func newReportKeys() reportKeys {
	nav := defaultNavKeys()
	return reportKeys{Up: nav.Up, Down: nav.Down,
		Refetch: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "fetch again"))}
}

func (k reportKeys) ShortHelp() []key.Binding  { return []key.Binding{k.Up, k.Down, k.Refetch} }
func (k reportKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// reportScreen shows one fetched report; it has no table and no filter.
type reportScreen struct {
	c         *common
	sid       int
	keys      reportKeys
	crumb     string
	fetch     func(ctx context.Context) reportLoadedMsg
	job       job
	got       *reportLoadedMsg
	cursor    int    // usage: the cluster whose chart is shown
	focusName string // usage: the cluster to put the cursor on when the report comes
	width     int
	height    int
	render    func(s *reportScreen) []string
	rows      func(s *reportScreen) int
}

func (s *reportScreen) id() int             { return s.sid }
func (s *reportScreen) Crumb() string       { return s.crumb }
func (s *reportScreen) SetSize(w, h int)    { s.width, s.height = w, h }
func (s *reportScreen) Close()              { s.job.stop() }
func (s *reportScreen) Progress() string    { return s.job.progress() }
func (s *reportScreen) Err() error          { return s.job.err }
func (s *reportScreen) KeyMap() help.KeyMap { return s.keys }

func (s *reportScreen) DataAge() (time.Time, bool, bool) {
	if s.got == nil {
		return time.Time{}, false, false
	}
	return s.got.at, true, true
}

func (s *reportScreen) Init() tea.Cmd { return s.start() }

func (s *reportScreen) start() tea.Cmd {
	if s.job.busy {
		return nil
	}
	ctx, _ := s.job.start(1)
	return runReport(ctx, s.fetch, s.sid)
}

func (s *reportScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case reportLoadedMsg:
		s.job.err = m.err
		s.job.finish(s.c.now())
		if m.err == nil {
			s.got = &m
			for i, c := range m.usage.Clusters {
				if c.Cluster == s.focusName {
					s.cursor = i
				}
			}
		}
	case tea.KeyMsg:
		k := s.keys
		switch {
		case key.Matches(m, k.Refetch):
			if cmd := s.start(); cmd != nil {
				return tea.Batch(cmd, wantInfo)
			}
			return tea.Batch(status("a fetch is already running", false), wantInfo)
		case key.Matches(m, k.Down):
			s.cursor = min(s.cursor+1, max(s.rows(s)-1, 0))
		case key.Matches(m, k.Up):
			s.cursor = max(s.cursor-1, 0)
		}
	}
	return nil
}

func (s *reportScreen) Toolbar() (string, string) {
	if s.got == nil {
		return "", ""
	}
	return "", "fetched " + s.got.at.Format("15:04:05") + " · r again"
}

func (s *reportScreen) View() string {
	var lines []string
	switch {
	case s.got != nil:
		lines = s.render(s)
	case s.job.busy:
		lines = []string{"asking over SSH…"}
	case s.job.err != nil:
		lines = []string{"nothing to show: " + s.job.err.Error()}
	}
	for i := range lines {
		lines[i] = truncateANSI(lines[i], s.width)
	}
	for len(lines) < s.height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:s.height], "\n")
}

// newEtcdView shows the etcd members of one cluster.
func newEtcdView(c *common, cluster, dep string) *reportScreen {
	get := c.opts.Etcd
	keys := newReportKeys()
	keys.Up, keys.Down = key.Binding{}, key.Binding{} // one report, no cursor
	return &reportScreen{c: c, sid: c.newID(), keys: keys, crumb: "etcd " + cluster, job: job{label: "etcdctl on master/0"},
		fetch:  etcdReport(get, cluster, dep, c.opts.Now),
		rows:   func(s *reportScreen) int { return 0 },
		render: renderEtcd,
	}
}

func renderEtcd(s *reportScreen) []string {
	r := s.got.etcd
	st := &s.c.styles
	state := st.role(roleOK).apply("healthy")
	if !r.Healthy {
		state = st.role(roleErr).apply("UNHEALTHY")
	}
	// The verdict leads, so a long deployment name cannot push it off.
	out := []string{fmt.Sprintf("etcd %s, %d members · %s", state, len(r.Members), r.Cluster)}
	out = append(out, wrapText("deployment "+r.Deployment, max(s.width, 20), "  ")...)
	out = append(out, "")
	row := func(endpoint, leader, size, version string) string {
		return fmt.Sprintf("%-42s %-10s %-8s %-8s", truncateMid(endpoint, 42), leader, size, version)
	}
	// The health of a member goes beside it when it fits, else on a line
	// of its own under it, wrapped: it decides what to do.
	beside := s.width >= 42+1+10+1+8+1+8+1+24
	title := row("ENDPOINT", "LEADER", "DB SIZE", "VERSION")
	if beside {
		title += " HEALTH"
	}
	out = append(out, st.role(roleBold).apply(title))
	for _, m := range r.Members {
		leader := ""
		if m.Leader {
			leader = "leader"
		}
		health, role := "healthy "+m.Took, roleOK
		if !m.Healthy {
			health, role = "unhealthy: "+oneLineText(m.Error), roleErr
		}
		line := row(m.Endpoint, orDash(leader), orDash(m.DBSize), orDash(m.Version))
		if beside {
			parts := wrapText(health, max(s.width-len(line)-1, 10), "")
			out = append(out, line+" "+st.role(role).apply(parts[0]))
			for _, p := range parts[1:] {
				out = append(out, spaces(len(line)+1)+st.role(role).apply(p))
			}
		} else {
			out = append(out, line)
			for _, p := range wrapText("  health: "+health, max(s.width, 20), "    ") {
				out = append(out, st.role(role).apply(p))
			}
		}
		if m.Instance != "" {
			out = append(out, st.role(roleFaint).apply("  member "+m.ID+" on "+m.Instance))
		}
	}
	return out
}

// newUsageView shows pod usage of every cluster over the last two weeks,
// with a bar chart of the daily watermark of the cluster under the cursor.
func newUsageView(c *common, focus string) *reportScreen {
	get := c.opts.Usage
	s := &reportScreen{c: c, sid: c.newID(), keys: newReportKeys(), crumb: "pod usage", job: job{label: "billing query on pks-db"},
		render: renderUsage, focusName: focus}
	s.fetch = usageReport(get, c.opts.Now)
	s.rows = func(s *reportScreen) int {
		if s.got == nil {
			return 0
		}
		return len(s.got.usage.Clusters)
	}
	return s
}

func renderUsage(s *reportScreen) []string {
	r := s.got.usage
	st := &s.c.styles
	out := []string{fmt.Sprintf("pods %s to %s UTC · watermark = most pods alive at once: %d (%s) · %.0f pod-hours",
		r.Since.UTC().Format("01-02 15:04"), r.Until.UTC().Format("01-02 15:04"), r.Watermark,
		r.WatermarkAt.UTC().Format("01-02 15:04"), r.PodHours), ""}
	out = append(out, st.role(roleBold).apply(fmt.Sprintf("  %-36s %6s %10s %10s", "CLUSTER", "PODS", "WATERMARK", "POD-HOURS")))
	for i, c := range r.Clusters {
		line := fmt.Sprintf("%-36s %6d %10d %10.0f", truncate(c.Cluster, 36), c.Pods, c.Watermark, c.PodHours)
		if i == s.cursor {
			out = append(out, st.role(roleAccent).apply("▸ "+line))
		} else {
			out = append(out, "  "+line)
		}
	}
	if len(r.Clusters) == 0 {
		return append(out, "no pods in the period")
	}
	c := r.Clusters[min(s.cursor, len(r.Clusters)-1)]
	out = append(out, "", fmt.Sprintf("%s: pods alive at once, per day (watermark %d on %s)", c.Cluster, c.Watermark, c.WatermarkAt.UTC().Format("01-02")))
	room := max(s.width-20, 10)
	for _, d := range c.Daily {
		n := 0
		if c.Watermark > 0 {
			n = d.Pods * room / c.Watermark
		}
		bar := strings.Repeat("█", n)
		role := roleNone
		if d.Pods == c.Watermark {
			role = roleWarn
		}
		out = append(out, fmt.Sprintf("%s %s %d", d.Day[5:], st.role(role).apply(bar), d.Pods))
	}
	return out
}

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
)

// Columns of the deployments screen.
const (
	depColName = iota
	depColInstances
	depColHealth
	depColReleases
	depColStemcells
	depColTeams
)

func deploymentColumns() []column {
	return []column{
		depColName:      {title: "NAME", min: 14, max: 40, prio: 1, mid: true},
		depColInstances: {title: "INST", min: 5, prio: 2, right: true},
		depColHealth:    {title: "HEALTH", min: 12, max: 50, prio: 1},
		depColReleases:  {title: "RELEASES", min: 16, max: 40, prio: 3},
		depColStemcells: {title: "STEMCELLS", min: 14, max: 32, prio: 4, mid: true}, // the version is at the end
		depColTeams:     {title: "TEAMS", min: 6, max: 20, prio: 5},
	}
}

// depRow is one deployment with what the store knows of its instances.
type depRow struct {
	d      bosh.Deployment
	inst   *depRows // nil when no instances are known
	search string
}

// deploymentsKeys are the deployments screen's keys.
type deploymentsKeys struct {
	listKeys
	CloudCheck key.Binding // of the deployment under the cursor
	Logs       key.Binding // says where logs are fetched: on an instance
	Activity   key.Binding // the director's activity trail of the deployment
	lifecycleKeys
}

func newDeploymentsKeys() deploymentsKeys {
	return deploymentsKeys{
		listKeys:      defaultListKeys("instances"),
		CloudCheck:    cloudCheckKey(),
		Logs:          key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "logs (on an instance)")),
		Activity:      activityKey(),
		lifecycleKeys: newLifecycleKeys(false),
	}
}

func (k deploymentsKeys) ShortHelp() []key.Binding {
	return append(k.listKeys.short(), k.CloudCheck)
}

func (k deploymentsKeys) FullHelp() [][]key.Binding {
	return append(k.listKeys.full(), append([]key.Binding{k.CloudCheck, k.Logs, k.Activity}, k.lifecycleKeys.column()...))
}

// deploymentsScreen lists the director's deployments with a health summary
// from the latest known details.
type deploymentsScreen struct {
	base
	keys       deploymentsKeys
	set        rowSet[depRow]
	healthWide int // width of the widest health summary with words
}

func newDeployments(c *common) *deploymentsScreen {
	s := &deploymentsScreen{base: newBase(c, deploymentColumns()), keys: newDeploymentsKeys()}
	s.keys.lifecycleKeys = newLifecycleKeys(c.opts.ReadOnly)
	s.set = rowSet[depRow]{cmp: compareDepRows,
		search: func(r *depRow) string { return r.search },
		key:    func(r *depRow) string { return r.d.Name }}
	s.rows = &s.set
	s.Reload()
	return s
}

func (s *deploymentsScreen) Crumb() string { return "deployments" }

// Init starts the listing and the tick chains.
func (s *deploymentsScreen) Init() tea.Cmd {
	return tea.Batch(s.startList(), s.startTicks())
}

// startList asks the director for its deployments.
func (s *deploymentsScreen) startList() tea.Cmd {
	if !s.c.online() || s.list.busy {
		return nil
	}
	ctx, gen := s.list.start(1)
	return fetchDeployments(ctx, s.c.opts.Director, s.c.opts.Now, s.sid, gen)
}

// startDetails sweeps details over every deployment.
func (s *deploymentsScreen) startDetails(force bool) tea.Cmd {
	return s.sweepDetails(s.c.store.depNames(), force)
}

func (s *deploymentsScreen) refresh() tea.Cmd {
	return tea.Batch(s.startList(), s.startDetails(true))
}

func (s *deploymentsScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tea.KeyMsg:
		if !s.editing {
			if cmd, ok := s.action(m); ok {
				return cmd
			}
		}
		return s.handleKey(m, s.keys.listKeys, s.refresh)
	case deploymentsLoadedMsg:
		return s.onDeployments(m)
	case instancesLoadedMsg:
		return s.onInstances(m)
	case refreshTickMsg:
		return s.onRefreshTick(s.startList)
	case detailsTickMsg:
		return s.onDetailsTick(func() tea.Cmd { return s.startDetails(false) })
	}
	return nil
}

// action runs the screen's own keys on the deployment under the cursor.
func (s *deploymentsScreen) action(m tea.KeyMsg) (tea.Cmd, bool) {
	k := s.keys
	var dep string
	if s.set.Len() > 0 {
		dep = s.set.at(s.tbl.Cursor()).d.Name
	}
	switch {
	case key.Matches(m, k.Open):
		if dep == "" {
			return nil, true
		}
		return navigate(route{kind: routeInstances, dep: dep}, false), true
	case key.Matches(m, k.CloudCheck):
		return openCloudCheck(s.c, dep), true
	case key.Matches(m, k.Logs):
		return status("logs come from an instance: open a deployment (enter) and press l on one", false), true
	case key.Matches(m, k.Activity):
		return openActivity(s.c, bosh.EventsFilter{Deployment: dep}), true
	}
	return s.keys.lifecycleKeys.act(s.c, m, nil, dep)
}

func (s *deploymentsScreen) onDeployments(m deploymentsLoadedMsg) tea.Cmd {
	if !s.list.current(m.gen) {
		return nil
	}
	if s.listFailed(m.err) {
		return nil
	}
	s.list.done = 1
	s.list.finish(s.c.now())
	st := s.c.store
	st.setDeployments(m.deps, m.at, true)
	save := saveDeployments(s.c.opts.Cache, s.c.saveKey(), m.deps, m.at)
	if s.det.lastOK.IsZero() && !s.det.busy {
		// No sweep has worked yet (first listing, or the director is back).
		return tea.Batch(save, s.startDetails(false))
	}
	return save
}

// Shown refreshes the listing when it is due.
func (s *deploymentsScreen) Shown() tea.Cmd {
	if s.stale(s.c.store.depsAt) {
		return s.startList()
	}
	return nil
}

// Reload rebuilds the rows from the store.
func (s *deploymentsScreen) Reload() {
	st := s.c.store
	s.ver = st.ver
	rows := make([]depRow, 0, len(st.deps))
	for _, d := range st.deps {
		rows = append(rows, depRow{d: d, inst: st.rows(d.Name), search: strings.ToLower(
			d.Name + "\x00" + strings.Join(d.Releases, " ") + "\x00" +
				strings.Join(d.Stemcells, " ") + "\x00" + strings.Join(d.Teams, " "))})
	}
	want := make([]int, len(s.tbl.cols))
	wide := make([]int, len(s.tbl.cols))
	want[depColHealth] = textWidth(lookNoDetails.String())
	for i := range rows {
		r := &rows[i]
		want[depColName] = max(want[depColName], textWidth(r.d.Name+s.c.taskMark(r.d.Name, r.d.Locked)+s.c.cckMark(r.d.Name)))
		want[depColReleases] = max(want[depColReleases], textWidth(releasesText(r.d.Releases)))
		want[depColStemcells] = max(want[depColStemcells], textWidth(strings.Join(r.d.Stemcells, ", ")))
		want[depColTeams] = max(want[depColTeams], textWidth(strings.Join(r.d.Teams, ", ")))
		if r.inst != nil && r.inst.hasState {
			want[depColHealth] = max(want[depColHealth], spansWidth(healthSpans(r.inst.health, true)))
			wide[depColHealth] = max(wide[depColHealth], spansWidth(healthSpans(r.inst.health, false)))
		}
	}
	s.healthWide = wide[depColHealth]
	s.tbl.SetWant(want, wide)
	s.keep(func() { s.set.set(rows) })
}

func compareDepRows(a, b *depRow, col int) int {
	switch col {
	case depColInstances:
		return instCount(a) - instCount(b)
	case depColHealth:
		return healthScore(a) - healthScore(b)
	case depColReleases:
		return strings.Compare(releasesText(a.d.Releases), releasesText(b.d.Releases))
	case depColStemcells:
		return strings.Compare(strings.Join(a.d.Stemcells, ","), strings.Join(b.d.Stemcells, ","))
	case depColTeams:
		return strings.Compare(strings.Join(a.d.Teams, ","), strings.Join(b.d.Teams, ","))
	}
	return strings.Compare(a.d.Name, b.d.Name)
}

func instCount(r *depRow) int {
	if r.inst == nil {
		return -1
	}
	return len(r.inst.rows)
}

// healthScore orders the worst deployments first.
func healthScore(r *depRow) int {
	if r.inst == nil || !r.inst.hasState {
		return 0
	}
	h := r.inst.health
	return -(h.Failing*1_000_000 + h.Unresponsive*1_000 + h.Stopped)
}

// releasesText is the count and the first names: "3: capi, diego, garden".
func releasesText(rels []string) string {
	if len(rels) == 0 {
		return "-"
	}
	names := make([]string, len(rels))
	for i, r := range rels {
		names[i], _, _ = strings.Cut(r, "/")
	}
	return strconv.Itoa(len(rels)) + ": " + strings.Join(names, ", ")
}

// Len and Cell make the screen the table's source.
func (s *deploymentsScreen) Len() int { return s.set.Len() }

func (s *deploymentsScreen) Cell(i, col, w int) cell {
	r := s.set.at(i)
	switch col {
	case depColName:
		c := cell{text: r.d.Name + s.c.taskMark(r.d.Name, r.d.Locked)}
		if mark := s.c.cckMark(r.d.Name); mark != "" {
			c.text += mark
			c.role = roleWarn
		}
		return c
	case depColInstances:
		if r.inst == nil {
			return cell{text: "-", role: roleFaint}
		}
		return cell{text: count(len(r.inst.rows))}
	case depColHealth:
		if r.inst == nil || !r.inst.hasState {
			return cell{text: lookNoDetails.String(), role: roleFaint}
		}
		// One form for the whole column: words when every row's fit.
		return cell{spans: healthSpans(r.inst.health, s.healthWide > w)}
	case depColReleases:
		return cell{text: releasesText(r.d.Releases)}
	case depColStemcells:
		return cell{text: orDash(strings.Join(r.d.Stemcells, ", "))}
	case depColTeams:
		return cell{text: orDash(strings.Join(r.d.Teams, ", ")), role: roleFaint}
	}
	return cell{}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (s *deploymentsScreen) View() string {
	empty := "no deployments"
	switch {
	case s.set.filter != "":
		empty = fmt.Sprintf("no deployment matches %q", s.set.filter)
	case s.c.store.depsKnown:
	case !s.c.online():
		empty = "no cached deployments (offline)"
	case s.list.err != nil:
		empty = "no deployments: the director did not answer and nothing is cached"
	default:
		empty = "waiting for the director…"
	}
	return s.tbl.View(s, empty)
}

func (s *deploymentsScreen) Toolbar() (string, string) {
	right := s.shownOf(len(s.c.store.deps), "deployment", "deployments") + " · sort " +
		strings.ToLower(s.tbl.cols[s.sortCol].title)
	return s.filterView(), right
}

func (s *deploymentsScreen) KeyMap() help.KeyMap { return s.keysFor(s.keys) }

func (s *deploymentsScreen) DataAge() (time.Time, bool, bool) {
	st := s.c.store
	return st.depsAt, st.depsLive, st.depsKnown
}

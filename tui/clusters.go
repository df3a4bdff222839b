package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
	"bosun/pks"
)

// Columns of the clusters screen.
const (
	clColName = iota
	clColPlan
	clColAction
	clColMasters
	clColWorkers
	clColHealth
	clColAudit
	clColDeployment
)

func clusterColumns() []column {
	return []column{
		clColName:       {title: "NAME", min: 12, max: 48, prio: 1, mid: true},
		clColPlan:       {title: "PLAN", min: 6, max: 12, prio: 3},
		clColAction:     {title: "LAST ACTION", min: 12, max: 24, prio: 2},
		clColMasters:    {title: "MASTERS", min: 11, max: 44, prio: 4},
		clColWorkers:    {title: "WORKERS", min: 7, prio: 2, right: true},
		clColHealth:     {title: "HEALTH", min: 12, max: 40, prio: 1},
		clColAudit:      {title: "AUDIT", min: 5, max: 5, prio: 3},
		clColDeployment: {title: "DEPLOYMENT", min: 17, max: 54, prio: 5, mid: true},
	}
}

// Sources of the cluster names on screen.
const (
	clusterSourceAPI   = "PKS API"
	clusterSourceCache = "cache"
)

// clusterRow is one cluster (or cluster deployment) with what the store
// knows of its instances.
type clusterRow struct {
	e        pks.Entry
	roll     pks.Health
	health   bosh.Health
	hasState bool
	masters  []string // master IPs from the deployment's instances
	search   string

	auditState string // on, off, mixed from the cache's audit history, "" unknown
}

// clustersKeys are the clusters screen's keys. etcd and usage open SSH
// sessions (a user on a VM), so read-only mode disables them.
type clustersKeys struct {
	listKeys
	Etcd       key.Binding
	Usage      key.Binding
	CloudCheck key.Binding
	MasterLogs key.Binding
	Audit      key.Binding
}

func newClustersKeys(readOnly bool) clustersKeys {
	return clustersKeys{
		listKeys:   defaultListKeys("instances"),
		Etcd:       mutating(key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "etcd health")), readOnly),
		Usage:      mutating(key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "pod usage")), readOnly),
		CloudCheck: cloudCheckKey(),
		MasterLogs: groupLogsKey("master logs"),
		Audit:      auditKey(),
	}
}

func (k clustersKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Etcd, k.Usage, k.CloudCheck, k.MasterLogs, k.Audit, k.Filter, k.Refresh}
}

func (k clustersKeys) FullHelp() [][]key.Binding {
	return append(k.listKeys.full(), []key.Binding{k.Etcd, k.Usage, k.CloudCheck, k.MasterLogs, k.Audit})
}

// clustersScreen lists the PKS clusters joined to their deployments: the
// operator's second home. Names come from the PKS API, else the cache,
// else the deployments alone.
type clustersScreen struct {
	base
	keys clustersKeys
	set  rowSet[clusterRow]

	clusters   []pks.Cluster
	clustersAt time.Time
	source     string // clusterSourceAPI, clusterSourceCache, "" (none)
	apiErr     error
	cacheAsked string // director uuid whose cached clusters were asked for

	audit      map[string]string // deployment -> on, off, mixed (tui/clusters_audit.go)
	auditAsked string
	auditErr   error
}

func newClusters(c *common) *clustersScreen {
	s := &clustersScreen{base: newBase(c, clusterColumns()), keys: newClustersKeys(c.opts.ReadOnly)}
	s.list.label = "asking the PKS API"
	s.set = rowSet[clusterRow]{cmp: compareClusterRows,
		search: func(r *clusterRow) string { return r.search },
		key:    func(r *clusterRow) string { return r.e.Name }}
	s.rows = &s.set
	s.Reload()
	return s
}

func (s *clustersScreen) Crumb() string { return "clusters" }

func (s *clustersScreen) Init() tea.Cmd {
	return tea.Batch(s.loadCache(), s.startList(), s.startDetails(false), s.startTicks(), s.loadAudit(false))
}

// loadCache reads the cached clusters once the director is known.
func (s *clustersScreen) loadCache() tea.Cmd {
	uuid := s.c.uuid()
	if uuid == "" || uuid == s.cacheAsked {
		return nil
	}
	s.cacheAsked = uuid
	return loadCachedClusters(s.c.clusterCache(), uuid, s.sid)
}

// startList asks the director for its deployments and the PKS API for
// its clusters, at once.
func (s *clustersScreen) startList() tea.Cmd {
	if !s.c.online() || s.list.busy {
		return nil
	}
	n := 1
	if s.c.opts.PKS != nil {
		n = 2
	}
	ctx, gen := s.list.start(n)
	cmds := []tea.Cmd{fetchDeployments(ctx, s.c.opts.Director, s.c.opts.Now, s.sid, gen)}
	if s.c.opts.PKS != nil {
		cmds = append(cmds, fetchClusters(ctx, s.c.opts.PKS, s.c.opts.Now, s.sid, gen))
	}
	return tea.Batch(cmds...)
}

// clusterDeps are the cluster deployments the director has.
func (s *clustersScreen) clusterDeps() []string {
	var out []string
	for i := 0; i < len(s.set.all); i++ {
		if d := s.set.all[i].e.Deployment; d != "" && s.c.store.hasDeployment(d) {
			out = append(out, d)
		}
	}
	return out
}

func (s *clustersScreen) startDetails(force bool) tea.Cmd {
	return s.sweepDetails(s.clusterDeps(), force)
}

func (s *clustersScreen) refresh() tea.Cmd {
	return tea.Batch(s.startList(), s.startDetails(true))
}

func (s *clustersScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tea.KeyMsg:
		if cmd, ok := s.actionKey(m); ok {
			return cmd
		}
		return s.handleKey(m, s.keys.listKeys, s.refresh)
	case deploymentsLoadedMsg:
		return s.onDeployments(m)
	case clustersLoadedMsg:
		return s.onClusters(m)
	case cachedClustersMsg:
		if m.err == nil && m.uuid == s.c.uuid() && s.source != clusterSourceAPI {
			s.clusters, s.clustersAt, s.source = m.clusters, m.at, clusterSourceCache
			s.Reload()
			return tea.Batch(s.startDetails(false), s.loadAudit(false))
		}
		return nil
	case clusterAuditMsg:
		s.onAudit(m)
		return nil
	case instancesLoadedMsg:
		return s.onInstances(m)
	case refreshTickMsg:
		return tea.Batch(s.loadCache(), s.onRefreshTick(s.startList))
	case detailsTickMsg:
		return s.onDetailsTick(func() tea.Cmd { return s.startDetails(false) })
	}
	return nil
}

// actionKey opens the cluster's instances (enter), the etcd view (e),
// the usage view (u) or the cloud-check of the cluster's deployment (c).
func (s *clustersScreen) actionKey(m tea.KeyMsg) (tea.Cmd, bool) {
	k := s.keys
	if s.editing {
		return nil, false
	}
	var e *pks.Entry
	if s.set.Len() > 0 {
		e = &s.set.at(s.tbl.Cursor()).e
	}
	switch {
	case key.Matches(m, k.Open):
		if e == nil {
			return nil, true
		}
		if e.Deployment == "" || (s.c.store.depsKnown && !s.c.store.hasDeployment(e.Deployment)) {
			return status(fmt.Sprintf("%s has no deployment yet: %s", e.Name, clusterActionText(*e)), false), true
		}
		return navigate(route{kind: routeInstances, dep: e.Deployment}, false), true
	case key.Matches(m, k.Usage):
		if s.c.opts.Usage == nil || !s.c.online() {
			return status("pod usage needs the director and SSH (offline or not wired)", true), true
		}
		focus := ""
		if e != nil {
			focus = e.Name
		}
		return pushScreen(newUsageView(s.c, focus), false), true
	case e == nil:
		if key.Matches(m, k.Etcd, k.CloudCheck, k.MasterLogs, k.Audit) {
			return status("no cluster selected", true), true
		}
		return nil, false
	}
	if cmd, ok := s.jumpKey(m, e); ok {
		return cmd, true
	}
	switch {
	case key.Matches(m, k.Etcd, k.CloudCheck):
		if e.Deployment == "" || e.Link == pks.LinkNoDeployment {
			return status(e.Name+" has no deployment yet: nothing to ask", true), true
		}
		if !s.c.online() {
			return status("this needs the director (offline)", true), true
		}
		if key.Matches(m, k.CloudCheck) {
			return navigate(route{kind: routeCloudCheck, dep: e.Deployment}, false), true
		}
		if s.c.opts.Etcd == nil {
			return status("etcd health is not wired in this session", true), true
		}
		return pushScreen(newEtcdView(s.c, e.Name, e.Deployment), false), true
	}
	return nil, false
}

// partDone counts one answer of the listing and ends it after the last.
func (s *clustersScreen) partDone() {
	s.list.done++
	if s.list.done >= s.list.total {
		s.list.finish(s.c.now())
	}
}

func (s *clustersScreen) onDeployments(m deploymentsLoadedMsg) tea.Cmd {
	if !s.list.current(m.gen) {
		return nil
	}
	s.noteListErr(m.err)
	s.partDone()
	if m.err != nil {
		return nil
	}
	s.c.store.setDeployments(m.deps, m.at, true)
	s.Reload()
	return tea.Batch(saveDeployments(s.c.opts.Cache, s.c.saveKey(), m.deps, m.at), s.loadCache(), s.startDetails(false), s.loadAudit(false))
}

func (s *clustersScreen) onClusters(m clustersLoadedMsg) tea.Cmd {
	if !s.list.current(m.gen) {
		return nil
	}
	s.partDone()
	if m.err != nil {
		if !errors.Is(m.err, context.Canceled) {
			s.apiErr = m.err
		}
		return s.loadCache()
	}
	s.apiErr = nil
	s.clusters, s.clustersAt, s.source = m.clusters, m.at, clusterSourceAPI
	s.Reload()
	return tea.Batch(saveClusters(s.c.clusterCache(), s.c.saveKey(), s.c.opts.PKSAPI, m.clusters, m.at), s.startDetails(false), s.loadAudit(false))
}

// Shown refreshes the listing when it is due.
func (s *clustersScreen) Shown() tea.Cmd {
	audit := s.loadAudit(true) // the audit screen may have changed it
	if s.source == "" || s.stale(s.clustersAt) {
		return tea.Batch(s.startList(), audit)
	}
	return audit
}

// entries joins what is known: clusters (live or cached) with the
// deployments, or the cluster deployments alone.
func (s *clustersScreen) entries() []pks.Entry {
	st := s.c.store
	deps := st.depNames()
	if s.source != "" {
		return pks.Join(s.clusters, deps, st.depsKnown)
	}
	if st.depsKnown {
		return pks.FromDeployments(deps)
	}
	return nil
}

// Reload rebuilds the rows.
func (s *clustersScreen) Reload() {
	st := s.c.store
	s.ver = st.ver
	es := s.entries()
	rows := make([]clusterRow, len(es))
	want := make([]int, len(s.tbl.cols))
	for i, e := range es {
		r := clusterRow{e: e, auditState: s.audit[e.Deployment]}
		if d := st.rows(e.Deployment); e.Deployment != "" && d != nil {
			r.roll, r.health, r.hasState = pks.RollUp(d.rows), d.health, d.hasState
			for _, in := range d.rows {
				if in.Group == "master" {
					r.masters = append(r.masters, in.IPs...)
				}
			}
		}
		plan := ""
		if e.Cluster != nil {
			plan = e.Cluster.PlanName
		}
		r.search = strings.ToLower(e.Name + "\x00" + e.UUID + "\x00" + e.Deployment + "\x00" + plan + "\x00" +
			clusterActionText(e) + "\x00" + e.Link.Label())
		rows[i] = r
		want[clColName] = max(want[clColName], textWidth(e.Name)+textWidth(" (orphan)"))
		want[clColPlan] = max(want[clColPlan], textWidth(plan))
		want[clColAction] = max(want[clColAction], textWidth(clusterActionText(e)))
		want[clColMasters] = max(want[clColMasters], textWidth(mastersText(&r)))
		want[clColWorkers] = max(want[clColWorkers], textWidth(workersCell(&r)))
		want[clColHealth] = max(want[clColHealth], spansWidth(clusterHealthSpans(&r))+textWidth(s.c.cckMark(e.Deployment)))
		want[clColAudit] = 5
		want[clColDeployment] = max(want[clColDeployment], textWidth(deploymentText(e)))
	}
	s.tbl.SetWant(want, nil)
	s.keep(func() { s.set.set(rows) })
}

// clusterActionText is "UPGRADE in progress", or "-".
func (s *clustersScreen) View() string {
	empty := "no clusters"
	switch {
	case s.set.filter != "":
		empty = fmt.Sprintf("no cluster matches %q", s.set.filter)
	case s.source != "" || s.c.store.depsKnown:
	case s.list.busy:
		empty = "waiting for the PKS API and the director…"
	case !s.c.online():
		empty = "no cached clusters (offline)"
	default:
		empty = "no clusters: neither the PKS API nor the director answered, and nothing is cached"
	}
	return s.tbl.View(s, empty)
}

func (s *clustersScreen) Toolbar() (string, string) {
	src := "names from deployments (PKS API not reached)"
	switch s.source {
	case clusterSourceAPI:
		src = "PKS API"
	case clusterSourceCache:
		src = "cached clusters"
	}
	if s.c.opts.PKS == nil && s.source != clusterSourceCache {
		src = "no PKS API configured"
	}
	right := s.shownOf(len(s.set.all), "cluster", "clusters") + " · " + src + " · sort " +
		strings.ToLower(s.tbl.cols[s.sortCol].title)
	return s.filterView(), right
}

func (s *clustersScreen) KeyMap() help.KeyMap { return s.keysFor(s.keys) }

// Err is the PKS API's failure first (the screen then shows cached or
// deployment names), else the director's.
func (s *clustersScreen) Err() error {
	if s.apiErr != nil {
		what := "showing the cluster deployments without names"
		if s.source == clusterSourceCache {
			what = "showing cached clusters"
		}
		return fmt.Errorf("%w (%s)", s.apiErr, what)
	}
	if err := s.base.Err(); err != nil {
		return err
	}
	return s.auditErr
}

func (s *clustersScreen) DataAge() (time.Time, bool, bool) {
	if s.source == "" {
		st := s.c.store
		return st.depsAt, st.depsLive, st.depsKnown
	}
	return s.clustersAt, s.source == clusterSourceAPI, true
}

package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

// instRow is one instance on screen with its precomputed filter text.
type instRow struct {
	in     *bosh.Instance
	key    string
	search string
}

// instBlock caches the rows built from one deployment's instances, so a
// refresh of one deployment does not rebuild the rows of all the others.
type instBlock struct {
	src  *depRows
	rows []instRow
	want [numInstCols]int
}

// instancesKeys are the instances screen's keys.
type instancesKeys struct {
	listKeys
	instanceKeys
	CloudCheck key.Binding // of the deployment shown; absent on all instances
	Activity   key.Binding // the director's activity trail of the instance
}

func newInstancesKeys(readOnly, all bool) instancesKeys {
	k := instancesKeys{listKeys: defaultListKeys("processes"), instanceKeys: newInstanceKeys(readOnly),
		CloudCheck: cloudCheckKey(), Activity: activityKey()}
	if all {
		k.CloudCheck = key.Binding{}
	}
	return k
}

func (k instancesKeys) ShortHelp() []key.Binding {
	return append(k.listKeys.short(), k.Logs, k.Shell)
}

func (k instancesKeys) FullHelp() [][]key.Binding {
	return append(k.listKeys.full(), append(k.instanceKeys.column(), k.CloudCheck, k.Activity))
}

// instancesScreen lists the instances of one deployment, or of all of them
// (dep empty) with an extra deployment column.
type instancesScreen struct {
	base
	keys   instancesKeys
	dep    string
	ids    []int // table column → instance column id
	set    rowSet[instRow]
	blocks map[string]*instBlock
}

func newInstances(c *common, dep string) *instancesScreen {
	ids := instanceColumnIDs(dep == "")
	cols := make([]column, len(ids))
	for i, id := range ids {
		cols[i] = instColumns[id]
	}
	s := &instancesScreen{base: newBase(c, cols), dep: dep, ids: ids, blocks: map[string]*instBlock{},
		keys: newInstancesKeys(c.opts.ReadOnly, dep == "")}
	s.set = rowSet[instRow]{
		cmp:    func(a, b *instRow, col int) int { return compareInstRows(a, b, s.ids[col]) },
		search: func(r *instRow) string { return r.search },
		key:    func(r *instRow) string { return r.key },
	}
	s.rows = &s.set
	if s.all() {
		s.sortCol = 1 // the deployment column
		s.applySort()
	}
	s.Reload()
	return s
}

func (s *instancesScreen) all() bool { return s.dep == "" }

func (s *instancesScreen) Crumb() string {
	if s.all() {
		return "all instances"
	}
	return s.dep
}

// targets are the deployments the screen shows.
func (s *instancesScreen) targets() []string {
	if s.all() {
		return s.c.store.depNames()
	}
	return []string{s.dep}
}

func (s *instancesScreen) Init() tea.Cmd {
	return tea.Batch(s.startList(), s.startDetails(false), s.startTicks())
}

// startList refreshes the shape of the listing with the cheap call: for all
// deployments it lists the deployments first, then each one's instances.
func (s *instancesScreen) startList() tea.Cmd {
	if !s.c.online() || s.list.busy {
		return nil
	}
	ctx, gen := s.list.start(1)
	if s.all() {
		return fetchDeployments(ctx, s.c.opts.Director, s.c.opts.Now, s.sid, gen)
	}
	return s.sweepListing([]string{s.dep})
}

func (s *instancesScreen) startDetails(force bool) tea.Cmd {
	return s.sweepDetails(s.targets(), force)
}

func (s *instancesScreen) refresh() tea.Cmd {
	return tea.Batch(s.startList(), s.startDetails(true))
}

func (s *instancesScreen) Update(msg tea.Msg) tea.Cmd {
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

// action runs the screen's own keys on the instance under the cursor.
func (s *instancesScreen) action(m tea.KeyMsg) (tea.Cmd, bool) {
	var in *bosh.Instance
	dep := ""
	if s.set.Len() > 0 {
		in = s.set.at(s.tbl.Cursor()).in
		dep = in.Deployment
	}
	switch {
	case key.Matches(m, s.keys.Open):
		if in == nil {
			return nil, true
		}
		return navigate(route{kind: routeProcesses, dep: in.Deployment, instance: instanceKey(in)}, false), true
	case key.Matches(m, s.keys.CloudCheck):
		return openCloudCheck(s.c, s.dep), true
	case key.Matches(m, s.keys.Activity):
		if in == nil {
			return openActivity(s.c, bosh.EventsFilter{Deployment: s.dep}), true
		}
		return openActivity(s.c, bosh.EventsFilter{Deployment: dep, Instance: instanceGroup(in) + "/" + in.ID}), true
	}
	return s.keys.instanceKeys.act(s.c, m, in, dep)
}

// onDeployments is the first step of the all-instances listing.
func (s *instancesScreen) onDeployments(m deploymentsLoadedMsg) tea.Cmd {
	if !s.list.current(m.gen) {
		return nil
	}
	if s.listFailed(m.err) {
		return nil
	}
	s.c.store.setDeployments(m.deps, m.at, true)
	save := saveDeployments(s.c.opts.Cache, s.c.saveKey(), m.deps, m.at)
	// Now that the deployments are known, their details can be asked for
	// too (at Init they may not have been).
	return tea.Batch(save, s.sweepListing(s.c.store.depNames()), s.startDetails(false))
}

// Shown refreshes the listing when it is due.
func (s *instancesScreen) Shown() tea.Cmd {
	at, _ := s.c.store.oldest(s.targets())
	if s.stale(at) {
		return s.startList()
	}
	return nil
}

// Reload rebuilds the rows, reusing the blocks of unchanged deployments.
func (s *instancesScreen) Reload() {
	st := s.c.store
	s.ver = st.ver
	deps := s.targets()
	total := 0
	live := make(map[string]bool, len(deps))
	for _, d := range deps {
		r := st.rows(d)
		if r == nil {
			continue
		}
		live[d] = true
		b := s.blocks[d]
		if b == nil || b.src != r {
			b = newInstBlock(r, s.all())
			s.blocks[d] = b
		}
		total += len(b.rows)
	}
	for d := range s.blocks {
		if !live[d] {
			delete(s.blocks, d)
		}
	}
	rows := make([]instRow, 0, total)
	var want [numInstCols]int
	for _, d := range deps {
		if b := s.blocks[d]; b != nil {
			rows = append(rows, b.rows...)
			for i := range want {
				want[i] = max(want[i], b.want[i])
			}
		}
	}
	tw := make([]int, len(s.ids))
	for i, id := range s.ids {
		tw[i] = want[id]
	}
	s.tbl.SetWant(tw, nil)
	s.keep(func() { s.set.set(rows) })
}

func newInstBlock(r *depRows, all bool) *instBlock {
	b := &instBlock{src: r, rows: make([]instRow, len(r.rows))}
	var sb strings.Builder
	for i := range r.rows {
		in := &r.rows[i]
		label := instanceLabel(in)
		ips := strings.Join(in.IPs, ",")
		sb.Reset()
		for _, part := range []string{label, in.Deployment, instanceLook(in).word, in.AZ, ips, in.VMCID, in.VMType} {
			sb.WriteString(strings.ToLower(part))
			sb.WriteByte(0)
		}
		k := instanceKey(in)
		if all {
			k = in.Deployment + "/" + k
		}
		b.rows[i] = instRow{in: in, key: k, search: sb.String()}
		b.want[instColInstance] = max(b.want[instColInstance], textWidth(label))
		b.want[instColDeployment] = max(b.want[instColDeployment], textWidth(in.Deployment))
		b.want[instColAZ] = max(b.want[instColAZ], textWidth(in.AZ))
		b.want[instColIPs] = max(b.want[instColIPs], len(ips))
		b.want[instColVMCID] = max(b.want[instColVMCID], textWidth(in.VMCID))
		b.want[instColVMType] = max(b.want[instColVMType], textWidth(in.VMType))
	}
	return b
}

// Len and Cell make the screen the table's source.
func (s *instancesScreen) Len() int { return s.set.Len() }

func (s *instancesScreen) Cell(i, col, _ int) cell {
	if s.ids[col] == instColVMAge {
		return vmAgeCell(s.set.at(i).in, s.c.now())
	}
	return instanceCell(s.set.at(i).in, s.ids[col])
}

func (s *instancesScreen) View() string {
	empty := "no instances"
	switch {
	case s.set.filter != "":
		empty = fmt.Sprintf("no instance matches %q", s.set.filter)
	case s.list.busy || s.det.busy:
		empty = "waiting for the director…"
	case s.Err() != nil:
		empty = "no instances: the director did not answer and nothing is cached"
	case !s.c.online():
		empty = "no cached instances (offline)"
	}
	return s.tbl.View(s, empty)
}

func (s *instancesScreen) Toolbar() (string, string) {
	total := 0
	for _, b := range s.blocks {
		total += len(b.rows)
	}
	right := s.shownOf(total, "instance", "instances") + " · sort " + strings.ToLower(s.tbl.cols[s.sortCol].title)
	if t, ok := s.c.tasks.oldest[s.dep]; ok && !s.all() {
		right = fmt.Sprintf("task %d %s (%s) · ", t.ID, t.Description, t.User) + right
	}
	return s.filterView(), right
}

func (s *instancesScreen) KeyMap() help.KeyMap { return s.keysFor(s.keys) }

func (s *instancesScreen) DataAge() (time.Time, bool, bool) {
	at, live := s.c.store.oldest(s.targets())
	return at, live, !at.IsZero()
}

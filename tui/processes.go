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

// Columns of the processes screen.
const (
	procColName = iota
	procColState
	procColUptime
	procColMem
	procColMemPct
	procColCPU
)

func processColumns() []column {
	return []column{
		procColName:   {title: "PROCESS", min: 14, max: 40, prio: 1},
		procColState:  {title: "STATE", min: 14, prio: 1},
		procColUptime: {title: "UPTIME", min: 8, prio: 2, right: true},
		procColMem:    {title: "MEM", min: 7, prio: 2, right: true},
		procColMemPct: {title: "MEM%", min: 5, prio: 3, right: true},
		procColCPU:    {title: "CPU%", min: 5, prio: 3, right: true},
	}
}

// summaryLines is how many lines the instance summary takes above the table.
const summaryLines = 4

// processesKeys are the processes screen's keys: the list's (enter opens
// nothing) and the actions on the instance shown.
type processesKeys struct {
	listKeys
	instanceKeys
}

func newProcessesKeys(readOnly bool) processesKeys {
	return processesKeys{listKeys: defaultListKeys(""), instanceKeys: newInstanceKeys(readOnly)}
}

func (k processesKeys) ShortHelp() []key.Binding {
	return append(k.listKeys.short(), k.Logs, k.Shell)
}

func (k processesKeys) FullHelp() [][]key.Binding {
	return append(k.listKeys.full(), k.instanceKeys.column())
}

// processesScreen shows one instance: a summary of its VM and vitals, and
// its processes with state, uptime, memory and CPU.
type processesScreen struct {
	base
	keys processesKeys
	dep  string
	key  string
	in   *bosh.Instance // nil when the instance is gone
	from *depRows
	set  rowSet[bosh.Process]
}

func newProcesses(c *common, dep, instance string) *processesScreen {
	s := &processesScreen{base: newBase(c, processColumns()), dep: dep, key: instance,
		keys: newProcessesKeys(c.opts.ReadOnly)}
	s.set = rowSet[bosh.Process]{cmp: compareProcesses,
		search: func(p *bosh.Process) string { return strings.ToLower(p.Name + "\x00" + processLook(p.State).word) },
		key:    func(p *bosh.Process) string { return p.Name }}
	s.rows = &s.set
	s.Reload()
	return s
}

func (s *processesScreen) Crumb() string {
	if s.in != nil {
		return instanceLabel(s.in)
	}
	return shortID(s.key)
}

// Init fetches details when the deployment's are due; processes come only
// from details.
func (s *processesScreen) Init() tea.Cmd {
	return tea.Batch(s.startDetails(false), s.startTicks())
}

func (s *processesScreen) startDetails(force bool) tea.Cmd {
	return s.sweepDetails([]string{s.dep}, force)
}

func (s *processesScreen) refresh() tea.Cmd { return s.startDetails(true) }

func (s *processesScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tea.KeyMsg:
		if !s.editing {
			if cmd, ok := s.keys.instanceKeys.act(s.c, m, s.in, s.dep); ok {
				return cmd
			}
		}
		return s.handleKey(m, s.keys.listKeys, s.refresh)
	case instancesLoadedMsg:
		return s.onInstances(m)
	case refreshTickMsg:
		return s.onRefreshTick(func() tea.Cmd { return nil })
	case detailsTickMsg:
		return s.onDetailsTick(func() tea.Cmd { return s.startDetails(false) })
	}
	return nil
}

// Reload finds the instance again and rebuilds its process rows.
func (s *processesScreen) Reload() {
	s.ver = s.c.store.ver
	s.in, s.from = nil, s.c.store.rows(s.dep)
	if s.from != nil {
		for i := range s.from.rows {
			if instanceKey(&s.from.rows[i]) == s.key {
				s.in = &s.from.rows[i]
				break
			}
		}
	}
	var procs []bosh.Process
	want := make([]int, len(s.tbl.cols))
	if s.in != nil {
		procs = s.in.Processes
		for _, p := range procs {
			want[procColName] = max(want[procColName], textWidth(p.Name))
		}
	}
	s.tbl.SetWant(want, nil)
	s.keep(func() { s.set.set(procs) })
}

func compareProcesses(a, b *bosh.Process, col int) int {
	switch col {
	case procColState:
		return strings.Compare(a.State, b.State)
	case procColUptime:
		return int(a.UptimeSecs - b.UptimeSecs)
	case procColMem:
		return int(a.MemKB - b.MemKB)
	case procColMemPct:
		return compareFloat(a.MemPercent, b.MemPercent)
	case procColCPU:
		return compareFloat(a.CPUTotal, b.CPUTotal)
	}
	return strings.Compare(a.Name, b.Name)
}

func (s *processesScreen) SetSize(w, h int) {
	s.base.SetSize(w, h)
	s.tbl.SetSize(w, max(h-summaryLines, 2))
}

func (s *processesScreen) Len() int { return s.set.Len() }

func (s *processesScreen) Cell(i, col, _ int) cell {
	p := s.set.at(i)
	switch col {
	case procColName:
		return cell{text: p.Name}
	case procColState:
		l := processLook(p.State)
		return cell{text: l.String(), role: l.role}
	case procColUptime:
		return cell{text: duration(p.UptimeSecs)}
	case procColMem:
		return cell{text: kb(p.MemKB)}
	case procColMemPct:
		return cell{text: strconv.FormatFloat(p.MemPercent, 'f', 1, 64)}
	case procColCPU:
		return cell{text: strconv.FormatFloat(p.CPUTotal, 'f', 1, 64), role: usageRole(p.CPUTotal)}
	}
	return cell{}
}

func (s *processesScreen) View() string {
	lines := s.summary()
	for i := range lines {
		lines[i] = truncate(clean(lines[i]), s.width)
	}
	empty := "no processes"
	switch {
	case s.in == nil:
		empty = "this instance is no longer listed"
	case !s.in.Full && len(s.in.Processes) == 0:
		empty = "no process details yet (r fetches them)"
	case s.set.filter != "":
		empty = fmt.Sprintf("no process matches %q", s.set.filter)
	}
	return strings.Join(lines, "\n") + "\n" + s.tbl.View(s, empty)
}

// summary describes the instance's VM and vitals in summaryLines lines.
func (s *processesScreen) summary() []string {
	out := make([]string, summaryLines)
	in := s.in
	if in == nil {
		out[0] = s.dep + " / " + s.key
		return out
	}
	out[0] = joinDot(instanceLabel(in), instanceLook(in).String(), "deployment "+in.Deployment,
		"az "+orDash(in.AZ), orDash(strings.Join(in.IPs, ",")))
	out[1] = joinDot("vm "+orDash(in.VMCID), "type "+orDash(in.VMType),
		"disks "+orDash(strings.Join(in.DiskCIDs, ",")))
	v := in.Vitals
	if v == nil {
		out[2] = "no vitals yet"
		return out
	}
	out[2] = joinDot(
		fmt.Sprintf("load %.2f %.2f %.2f", v.Load[0], v.Load[1], v.Load[2]),
		fmt.Sprintf("cpu %.1f%% user %.1f%% sys %.1f%% wait", v.CPU.User, v.CPU.Sys, v.CPU.Wait),
		fmt.Sprintf("mem %.0f%% %s", v.Mem.Percent, kb(v.Mem.KB)),
		fmt.Sprintf("swap %.0f%%", v.Swap.Percent))
	out[3] = joinDot("disk system "+diskPct(v.System), "ephemeral "+diskPct(v.Ephemeral),
		"persistent "+diskPct(v.Persistent), "up "+duration(v.UptimeSecs))
	return out
}

func joinDot(parts ...string) string { return strings.Join(parts, " · ") }

func (s *processesScreen) Toolbar() (string, string) {
	total := 0
	if s.in != nil {
		total = len(s.in.Processes)
	}
	return s.filterView(), s.shownOf(total, "process", "processes") + " · sort " +
		strings.ToLower(s.tbl.cols[s.sortCol].title)
}

func (s *processesScreen) KeyMap() help.KeyMap { return s.keysFor(s.keys) }

func (s *processesScreen) DataAge() (time.Time, bool, bool) {
	if s.from == nil {
		return time.Time{}, false, false
	}
	return s.from.at, s.from.live, true
}

// diskPct is a disk's used percentage, "none" when it is not mounted.
func diskPct(u *bosh.Usage) string {
	if u == nil {
		return "none"
	}
	return diskText(u) + "%"
}

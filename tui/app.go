package tui

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

// Timings of the root model.
const (
	clockEvery  = time.Second // repaint of ages
	reloadAfter = 150 * time.Millisecond
	batchRows   = 5000 // screens with more rows rebuild at most every reloadAfter
	chromeLines = 4    // header, toolbar, status, help
)

// Model is the root of the TUI: a router over a stack of screens (enter
// pushes, esc pops) with the header and footer around the one on top. It
// handles the window size, global keys and the cache and director info, and
// hands everything else to the screens.
type Model struct {
	c     *common
	stack []screen
	init  map[int]bool // screens whose Init has run

	help     help.Model
	showHelp bool
	palette  palette
	spin     spinner.Model
	spinning bool

	status    string
	statusErr bool
	statusKey int // keyCount when the status was set
	keyCount  int // key presses so far

	infoBusy      bool
	reloadPending bool

	// Actions under way (interrupt.go): screens left while their action
	// runs, the question q, ctrl+c or esc asked, and a quit that waits
	// for an action to stop.
	background   []screen
	stopAsk      *stopQuestion
	quitWhenIdle bool
}

// New builds the root model. Bad options (or key maps that fail the check
// in keycheck.go) do not stop it: it starts on the deployments screen and
// says what was wrong in the footer.
func New(o Options) tea.Model { return newModel(o) }

func newModel(o Options) *Model {
	problem := o.Validate()
	o = o.withDefaults()
	if os.Getenv("NO_COLOR") != "" {
		o.NoColor = true
	}
	c := newCommon(o)
	m := &Model{c: c, init: map[int]bool{}, help: help.New(),
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot))}
	m.help.Styles = c.styles.Help
	m.spin.Style = c.styles.Spinner
	m.stack = []screen{newDeployments(c)}
	if problem == nil && o.StartScreen == StartInstances {
		m.stack = append(m.stack, newInstances(c, o.StartDeployment))
	}
	if problem == nil {
		problem = checkKeys(c.keys)
	}
	if problem != nil {
		m.status, m.statusErr = problem.Error(), true
	} else if o.Notice != "" {
		m.status, m.statusErr = o.Notice, true
	}
	c.activeID = m.top().id()
	return m
}

func (m *Model) top() screen { return m.stack[len(m.stack)-1] }

// Init reads the cache and asks the director at the same time.
func (m *Model) Init() tea.Cmd {
	c := m.c
	cmds := []tea.Cmd{
		loadCachedDeployments(c.opts.Cache, c.uuid()),
		loadCachedInstances(c.opts.Cache, c.uuid()),
		m.fetchInfo(),
		m.initTop(),
		c.schedule(clockEvery, clockTickMsg{}),
		loadCCKMarks(c.cckHistory(), c.uuid()),
		m.startTaskCount(),
	}
	return tea.Batch(cmds...)
}

func (m *Model) fetchInfo() tea.Cmd {
	if !m.c.online() || m.infoBusy {
		return nil
	}
	m.infoBusy = true
	return fetchInfo(context.Background(), m.c.opts.Director)
}

// initTop runs the top screen's Init once.
func (m *Model) initTop() tea.Cmd {
	t := m.top()
	if m.init[t.id()] {
		if r, ok := t.(reshown); ok {
			return r.Shown()
		}
		return nil
	}
	m.init[t.id()] = true
	return t.Init()
}

// Update routes a message, then rebuilds the top screen's rows if the store
// moved and keeps the spinner going while work is in flight.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	was := m.c.activeID
	if _, ok := msg.(tea.KeyMsg); ok {
		m.keyCount++
	}
	cmd := m.update(msg)
	m.keepStatus(was)
	return m, tea.Batch(cmd, m.afterUpdate())
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	c := m.c
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		c.width, c.height = msg.Width, msg.Height
		for _, s := range m.stack {
			s.SetSize(c.width, m.bodyHeight())
		}
		return nil
	case tea.KeyMsg:
		return m.handleKey(msg)
	case infoLoadedMsg:
		return m.onInfo(msg)
	case cachedDeploymentsMsg:
		// Any read error means no cached rows; a read for another
		// director (the key changed meanwhile) is not this one's.
		if msg.err == nil && msg.uuid == c.uuid() {
			c.store.setDeployments(msg.deps, msg.at, false)
		}
		return nil
	case cachedInstancesMsg:
		if msg.err == nil && msg.uuid == c.uuid() {
			c.store.setCachedInstances(msg.insts, msg.at)
		}
		return nil
	case cacheSavedMsg:
		if msg.err != nil {
			return m.setStatus(msg.err.Error(), true)
		}
		return nil
	case navigateMsg:
		return m.navigate(msg)
	case statusMsg:
		return m.setStatus(msg.text, msg.err)
	case clockTickMsg:
		return c.schedule(clockEvery, clockTickMsg{})
	case spinTickMsg:
		return m.onSpinTick()
	case reloadMsg:
		m.reloadPending = false
		if v, ok := m.top().(storeView); ok {
			v.Reload()
		}
		return nil
	case pushScreenMsg:
		return m.push(msg)
	case popScreenMsg:
		if m.top().id() == msg.screen {
			return m.pop()
		}
		return nil
	case infoWantedMsg:
		if !c.infoLive {
			return m.fetchInfo()
		}
		return nil
	case shellDoneMsg:
		return onShellDone(msg)
	case cckMarksMsg:
		if msg.uuid == c.uuid() {
			c.cckMarks = msg.marks
		}
		return nil
	case taskCountMsg:
		return m.onTaskCount(msg)
	case taskCountTickMsg:
		return m.startTaskCount()
	case targeted:
		return m.route(msg)
	}
	return nil
}

// route hands a message to the screen it is addressed to; results for a
// screen that is gone are dropped.
func (m *Model) route(msg targeted) tea.Cmd {
	var cmd tea.Cmd
	if _, ok := msg.(refreshTickMsg); ok && msg.target() == m.c.activeID && !m.c.infoLive {
		cmd = m.fetchInfo()
	}
	for _, s := range m.stack {
		if s.id() == msg.target() {
			return tea.Batch(cmd, s.Update(msg))
		}
	}
	return tea.Batch(cmd, m.routeBackground(msg))
}

func (m *Model) afterUpdate() tea.Cmd {
	cmds := []tea.Cmd{m.quitIfIdle()}
	if t, ok := m.top().(storeView); ok && t.seen() != m.c.store.ver && !m.reloadPending {
		if t.rowCount() > batchRows {
			m.reloadPending = true
			cmds = append(cmds, m.c.schedule(reloadAfter, reloadMsg{}))
		} else {
			t.Reload()
		}
	}
	if !m.spinning && m.progress() != "" {
		m.spinning = true
		cmds = append(cmds, m.c.schedule(m.spin.Spinner.FPS, spinTickMsg{}))
	}
	return tea.Batch(cmds...)
}

func (m *Model) onSpinTick() tea.Cmd {
	if m.progress() == "" {
		m.spinning = false
		return nil
	}
	m.spin, _ = m.spin.Update(spinner.TickMsg{ID: m.spin.ID()})
	return m.c.schedule(m.spin.Spinner.FPS, spinTickMsg{})
}

// onInfo takes the director's /info answer for the header and the cache key.
func (m *Model) onInfo(msg infoLoadedMsg) tea.Cmd {
	c := m.c
	m.infoBusy = false
	if msg.err != nil {
		if bosh.KindOf(msg.err) != bosh.KindCanceled {
			c.noteDirector(msg.err)
		}
		return nil
	}
	prev, wasLive := c.info.UUID, c.infoLive
	c.info, c.infoLive = msg.info, true
	var cmds []tea.Cmd
	if msg.info.UUID != prev {
		// The cache key changed (first start, or the environment now
		// names another director): rows cached under the old key are
		// not this director's.
		c.store.dropCached()
		cmds = append(cmds, loadCachedDeployments(c.opts.Cache, c.uuid()),
			loadCachedInstances(c.opts.Cache, c.uuid()), loadCCKMarks(c.cckHistory(), c.uuid()))
	}
	if !wasLive {
		// Live rows that came before the director said who it is were
		// not saved yet.
		cmds = append(cmds, m.saveLive())
	}
	return tea.Batch(cmds...)
}

// saveLive writes every live listing in the store to the cache.
func (m *Model) saveLive() tea.Cmd {
	c := m.c
	st := c.store
	var cmds []tea.Cmd
	if st.depsLive {
		cmds = append(cmds, saveDeployments(c.opts.Cache, c.saveKey(), st.deps, st.depsAt))
	}
	for dep, r := range st.inst {
		if r.live {
			cmds = append(cmds, saveInstances(c.opts.Cache, c.saveKey(), dep, r.rows, r.at))
		}
	}
	return tea.Batch(cmds...)
}

func (m *Model) setStatus(text string, isErr bool) tea.Cmd {
	m.status, m.statusErr, m.statusKey = text, isErr, m.keyCount
	return nil
}

// handleKey: ctrl+c always quits; the command line, the help overlay and a
// screen's text field take the keys when open; then the screen on top gets
// the keys its key map binds, and the root the global ones. A key neither
// binds says so.
func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := m.c.keys
	if cmd, took := m.interruptKey(msg); took {
		return cmd
	}
	if msg.Type == tea.KeyCtrlC {
		return tea.Quit
	}
	if m.palette.active {
		return m.paletteKey(msg)
	}
	if m.showHelp {
		switch {
		case key.Matches(msg, k.Help), key.Matches(msg, k.Back):
			m.showHelp = false
		case key.Matches(msg, k.Quit):
			return tea.Quit
		}
		return nil
	}
	t := m.top()
	if capturing(t) {
		return t.Update(msg)
	}
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
		// Keys typed quickly (or held down) can arrive as one message;
		// outside a text field each of them is a command of its own.
		cmds := make([]tea.Cmd, 0, len(msg.Runes))
		for _, r := range msg.Runes {
			cmds = append(cmds, m.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}))
		}
		return tea.Batch(cmds...)
	}
	// The screen first: the check at start (keycheck.go) lets a screen
	// bind a global key only where it is listed as an override.
	if matchesAny(t.KeyMap(), msg) {
		return t.Update(msg)
	}
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp = true
		return nil
	case key.Matches(msg, k.Palette):
		m.palette.open()
		return nil
	case key.Matches(msg, k.Redraw):
		return tea.ClearScreen
	case key.Matches(msg, k.Back):
		if b, ok := t.(backer); ok && b.Back() {
			return nil
		}
		return m.pop()
	}
	return m.noAction(t, msg)
}

// noAction says that a key does nothing here, rather than nothing at all:
// switched off in read-only mode, or not bound on this screen.
func (m *Model) noAction(t screen, msg tea.KeyMsg) tea.Cmd {
	name := msg.String()
	if msg.Paste {
		name = "pasted text"
	}
	if b, ok := disabledFor(t.KeyMap(), msg); ok && m.c.opts.ReadOnly {
		return status(name+": "+b.Help().Desc+" is off in read-only mode", false)
	}
	return status(name+": no action on this screen", false)
}

// pushScreenMsg asks the router to put a screen on the stack; with
// replace, the screen on top is closed first.
type pushScreenMsg struct {
	s       screen
	replace bool
}

func pushScreen(s screen, replace bool) tea.Cmd {
	return func() tea.Msg { return pushScreenMsg{s: s, replace: replace} }
}

// push puts s on the stack, sized to the body.
func (m *Model) push(msg pushScreenMsg) tea.Cmd {
	if msg.replace && len(m.stack) > 1 {
		closeScreen(m.top())
		m.stack = m.stack[:len(m.stack)-1]
	}
	msg.s.SetSize(m.c.width, m.bodyHeight())
	m.stack = append(m.stack, msg.s)
	m.c.activeID = msg.s.id()
	return m.initTop()
}

// pop closes the top screen and shows the one below.
func (m *Model) pop() tea.Cmd {
	if len(m.stack) == 1 {
		return nil
	}
	m.retire(m.top())
	m.stack = m.stack[:len(m.stack)-1]
	m.c.activeID = m.top().id()
	return m.initTop()
}

// navigate pushes the screen a route names; with reset, every screen above
// the deployments screen is closed first.
func (m *Model) navigate(msg navigateMsg) tea.Cmd {
	if msg.reset || msg.to.kind == routeDeployments {
		for len(m.stack) > 1 {
			m.retire(m.top())
			m.stack = m.stack[:len(m.stack)-1]
		}
	}
	var s screen
	switch msg.to.kind {
	case routeInstances:
		s = newInstances(m.c, msg.to.dep)
	case routeClusters:
		s = newClusters(m.c)
	case routeProcesses:
		s = newProcesses(m.c, msg.to.dep, msg.to.instance)
	case routeCloudCheck:
		s = newCCKScreen(m.c, msg.to.dep)
	}
	if s != nil {
		s.SetSize(m.c.width, m.bodyHeight())
		m.stack = append(m.stack, s)
	}
	m.c.activeID = m.top().id()
	return m.initTop()
}

func (m *Model) bodyHeight() int { return max(m.c.height-chromeLines, 3) }

// View draws header, toolbar, the top screen (or the help overlay) and the
// footer. It only formats what is already prepared: no I/O, no sorting.
func (m *Model) View() string {
	c := m.c
	if c.width <= 0 || c.height <= 0 {
		return ""
	}
	if c.width < 20 || c.height < chromeLines+3 {
		return "terminal too small for bosun"
	}
	var b strings.Builder
	b.Grow(c.width * c.height * 2)
	b.WriteString(m.headerView())
	b.WriteByte('\n')
	b.WriteString(m.toolbarView())
	b.WriteByte('\n')
	switch {
	case m.stopAsk != nil:
		b.WriteString(m.stopQuestionView(m.bodyHeight()))
	case m.showHelp:
		b.WriteString(m.helpView(m.bodyHeight()))
	default:
		b.WriteString(m.top().View())
	}
	b.WriteByte('\n')
	b.WriteString(m.footerView())
	return b.String()
}

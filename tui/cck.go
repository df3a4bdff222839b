package tui

import (
	"context"
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
	"bosun/cache"
)

// Phases of the cloud-check screen.
type cckPhase int

const (
	cckScanning   cckPhase = iota // the scan task runs
	cckListing                    // problems shown, resolutions being chosen
	cckConfirming                 // the confirmation is up
	cckApplying                   // the resolution task runs
	cckFailed                     // the scan failed; r scans again
)

// cloudCheckKey opens the cloud-check screen of a deployment. Opening it
// and scanning change nothing on the foundation.
func cloudCheckKey() key.Binding {
	return key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "cloud-check"))
}

// openCloudCheck opens the cloud-check screen of dep.
func openCloudCheck(c *common, dep string) tea.Cmd {
	switch {
	case dep == "":
		return status("no deployment selected", true)
	case !c.online():
		return status("cloud-check needs the director (offline)", true)
	}
	return navigate(route{kind: routeCloudCheck, dep: dep}, false)
}

// cckKeys are the cloud-check screen's keys. Applying resolutions
// changes the foundation, so read-only mode removes it.
type cckKeys struct {
	Up, Down, Top, Bottom key.Binding
	Prev, Next            key.Binding // resolution of the problem under the cursor
	Apply                 key.Binding
	Rescan                key.Binding
}

func newCCKKeys(readOnly bool) cckKeys {
	nav := defaultNavKeys()
	return cckKeys{
		Up: nav.Up, Down: nav.Down, Top: nav.Top, Bottom: nav.Bottom,
		Prev:   key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "previous resolution")),
		Next:   key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "next resolution")),
		Apply:  mutating(key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "apply resolutions")), readOnly),
		Rescan: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rescan")),
	}
}

func (k cckKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Prev, k.Next, k.Apply, k.Rescan}
}

func (k cckKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom}, {k.Prev, k.Next, k.Apply, k.Rescan}}
}

// newCCKConfirmKeys answer the confirmation of the chosen resolutions
// (default No; esc closes it too).
func newCCKConfirmKeys() confirmKeys {
	return confirmKeys{
		Yes: key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes, apply")),
		No:  key.NewBinding(key.WithKeys("n", "enter"), key.WithHelp("n/enter", "no")),
	}
}

// cckScreen is the cloud-check of one deployment: it scans (a director
// task, events streamed), shows each problem as what the director expects
// against what was found, lets the operator choose a resolution per
// problem (the director's default preselected), confirms the chosen
// actions with the equivalent bosh command (default No), applies them
// streaming the task's events, and scans again.
type cckScreen struct {
	c       *common
	sid     int
	keys    cckKeys
	confirm confirmKeys
	names   nameKeys
	dep     string
	width   int
	height  int

	phase   cckPhase
	gen     int
	cancel  context.CancelFunc
	events  []bosh.TaskEvent // of the task running or last run
	probs   []bosh.Problem
	choice  []int // per problem: index into its resolutions
	cursor  int
	scanned time.Time
	err     error  // last scan or resolution error
	outcome string // what the last resolution did
	history []cache.CCKRecord
	name    *nameConfirm // the typed deployment name while confirming in production
}

func newCCKScreen(c *common, dep string) *cckScreen {
	return &cckScreen{c: c, sid: c.newID(), dep: dep, keys: newCCKKeys(c.opts.ReadOnly),
		confirm: newCCKConfirmKeys(), names: defaultNameKeys()}
}

func (s *cckScreen) id() int          { return s.sid }
func (s *cckScreen) Capturing() bool  { return s.phase == cckConfirming && s.name != nil }
func (s *cckScreen) SetSize(w, h int) { s.width, s.height = w, h }
func (s *cckScreen) Crumb() string    { return "cloud-check " + s.dep }
func (s *cckScreen) Err() error       { return s.err }

func (s *cckScreen) DataAge() (time.Time, bool, bool) {
	return s.scanned, !s.scanned.IsZero(), !s.scanned.IsZero()
}

func (s *cckScreen) Init() tea.Cmd {
	return tea.Batch(s.scan(), loadCCKHistory(s.c.cckHistory(), s.c.uuid(), s.dep, s.sid))
}

// scan starts a scan unless one is running or there is no director.
func (s *cckScreen) scan() tea.Cmd {
	cc := s.c.cloudChecker()
	if cc == nil {
		s.phase, s.err = cckFailed, fmt.Errorf("cloud-check needs the director (offline)")
		return nil
	}
	if s.phase == cckApplying || (s.phase == cckScanning && s.cancel != nil) {
		return nil
	}
	s.gen++
	var ctx context.Context
	ctx, s.cancel = context.WithCancel(context.Background())
	s.phase, s.events, s.err = cckScanning, nil, nil
	return scanCmd(ctx, cc, s.dep, s.c.opts.Now, s.sid, s.gen)
}

func (s *cckScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tea.KeyMsg:
		return s.handleKey(m)
	case cckEventMsg:
		if m.gen == s.gen {
			s.events = append(s.events, m.ev)
		}
		return m.next
	case cckScannedMsg:
		return s.onScanned(m)
	case cckResolvedMsg:
		return s.onResolved(m)
	case cckHistoryMsg:
		s.history = m.recs
	}
	return nil
}

func (s *cckScreen) onScanned(m cckScannedMsg) tea.Cmd {
	if m.gen != s.gen {
		return nil
	}
	s.cancel = nil
	if m.err != nil {
		s.phase, s.err = cckFailed, m.err
		return loadCCKHistory(s.c.cckHistory(), s.c.uuid(), s.dep, s.sid)
	}
	s.phase, s.probs, s.scanned = cckListing, m.probs, m.at
	s.choice = make([]int, len(m.probs))
	for i, p := range m.probs {
		s.choice[i] = defaultChoice(p)
	}
	s.cursor = min(s.cursor, max(len(s.probs)-1, 0))
	s.c.noteCCK(s.dep, m.rec)
	return loadCCKHistory(s.c.cckHistory(), s.c.uuid(), s.dep, s.sid)
}

// defaultChoice is the index of the director's default resolution.
func defaultChoice(p bosh.Problem) int {
	for i, r := range p.Resolutions {
		if r.Name == p.Default {
			return i
		}
	}
	return 0
}

func (s *cckScreen) onResolved(m cckResolvedMsg) tea.Cmd {
	if m.gen != s.gen {
		return nil
	}
	ok := len(m.out.Succeeded())
	switch {
	case m.err != nil:
		s.err = m.err
		s.outcome = fmt.Sprintf("resolution failed: %d of %d applied", ok, len(m.answers))
	default:
		s.outcome = fmt.Sprintf("resolved %d of %d (task %d)", ok, len(m.answers), m.out.TaskID)
	}
	s.phase = cckListing
	// The director's state is what it is now; scan again to show it.
	err := s.err
	cmd := s.scan()
	s.err = err
	return tea.Batch(cmd, loadCCKHistory(s.c.cckHistory(), s.c.uuid(), s.dep, s.sid))
}

func (s *cckScreen) handleKey(m tea.KeyMsg) tea.Cmd {
	k := s.keys
	if s.phase == cckConfirming && s.name != nil {
		switch s.name.key(m) {
		case nameMatched:
			return s.apply()
		case nameWrong:
			typed := s.name.typed()
			s.phase, s.name = cckListing, nil
			return status(fmt.Sprintf("cloud-check refused: %q is not the name %s; nothing applied", typed, s.dep), true)
		case nameCanceled:
			s.phase, s.name = cckListing, nil
		}
		return nil
	}
	if s.phase == cckConfirming {
		switch {
		case key.Matches(m, s.confirm.Yes):
			return s.apply()
		case key.Matches(m, s.confirm.No):
			s.phase = cckListing
		}
		return nil
	}
	switch {
	case key.Matches(m, k.Rescan):
		if cmd := s.scan(); cmd != nil {
			return tea.Batch(cmd, wantInfo)
		}
		return tea.Batch(status("a cloud-check task is already running", false), wantInfo)
	case s.phase != cckListing || len(s.probs) == 0:
		return nil
	case key.Matches(m, k.Up):
		s.cursor = max(s.cursor-1, 0)
	case key.Matches(m, k.Down):
		s.cursor = min(s.cursor+1, len(s.probs)-1)
	case key.Matches(m, k.Top):
		s.cursor = 0
	case key.Matches(m, k.Bottom):
		s.cursor = len(s.probs) - 1
	case key.Matches(m, k.Next):
		n := len(s.probs[s.cursor].Resolutions)
		if n > 0 {
			s.choice[s.cursor] = (s.choice[s.cursor] + 1) % n
		}
	case key.Matches(m, k.Prev):
		n := len(s.probs[s.cursor].Resolutions)
		if n > 0 {
			s.choice[s.cursor] = (s.choice[s.cursor] + n - 1) % n
		}
	case key.Matches(m, k.Apply):
		s.phase = cckConfirming
		if s.c.opts.Production {
			s.name = newNameConfirm(s.dep)
		}
	}
	return nil
}

// answers are the chosen resolutions, one per problem.
func (s *cckScreen) answers() []bosh.Answer {
	out := make([]bosh.Answer, 0, len(s.probs))
	for i, p := range s.probs {
		a := bosh.Answer{ProblemID: p.ID}
		if len(p.Resolutions) > 0 {
			a.Resolution = p.Resolutions[s.choice[i]].Name
		}
		out = append(out, a)
	}
	return out
}

func (s *cckScreen) apply() tea.Cmd {
	cc := s.c.cloudChecker()
	if cc == nil || s.c.opts.ReadOnly {
		s.phase = cckListing
		return status("read-only: resolutions are not applied", true)
	}
	s.gen++
	s.phase, s.events, s.err, s.outcome, s.name = cckApplying, nil, nil, "", nil
	return resolveCmd(cc, s.dep, s.probs, s.answers(), s.sid, s.gen)
}

// Back closes the confirmation first.
func (s *cckScreen) Back() bool {
	if s.phase == cckConfirming {
		s.phase, s.name = cckListing, nil
		return true
	}
	return false
}

// Close abandons a scan in flight; a resolution runs on at the director
// and is still recorded.
func (s *cckScreen) Close() {
	if s.cancel != nil && s.phase == cckScanning {
		s.cancel()
	}
}

func (s *cckScreen) Progress() string {
	switch s.phase {
	case cckScanning:
		return "scanning " + s.dep
	case cckApplying:
		return "applying resolutions"
	}
	return ""
}

func (s *cckScreen) Toolbar() (string, string) {
	switch s.phase {
	case cckListing, cckConfirming:
		if len(s.probs) == 0 {
			return "", "no problems"
		}
		return "", fmt.Sprintf("%d of %d", s.cursor+1, len(s.probs))
	}
	return "", ""
}

// KeyMap is the screen's keys in its phase: the confirmation's while it
// is up.
func (s *cckScreen) KeyMap() help.KeyMap {
	switch {
	case s.phase == cckConfirming && s.name != nil:
		return s.names
	case s.phase == cckConfirming:
		return s.confirm
	}
	return s.keys
}

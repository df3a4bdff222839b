package tui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

func startedHarness(t *testing.T, nDeps, per int, w, h int) (*harness, *fakeDirector) {
	t.Helper()
	deps, insts := fixture(nDeps, per)
	d := newFakeDirector(deps, insts)
	return newHarness(t, Options{Director: d}, w, h).start(), d
}

// names lists the first column of the rows a list screen shows.
func shownKeys(s screen) []string {
	var out []string
	switch s := s.(type) {
	case *deploymentsScreen:
		for i := range s.set.Len() {
			out = append(out, s.set.at(i).d.Name)
		}
	case *instancesScreen:
		for i := range s.set.Len() {
			out = append(out, instanceLabel(s.set.at(i).in))
		}
	case *processesScreen:
		for i := range s.set.Len() {
			out = append(out, s.set.at(i).Name)
		}
	}
	return out
}

func TestFilterNarrowsRowsAndEscClearsIt(t *testing.T) {
	h, _ := startedHarness(t, 12, 2, 120, 35)
	h.keys("/")
	if !capturing(h.top()) {
		t.Fatal("/ did not open the filter")
	}
	h.typeText("CF-1") // case-insensitive
	if got := shownKeys(h.top()); !slices.Equal(got, []string{"cf-10", "cf-11"}) {
		t.Fatalf("filtered rows = %v", got)
	}
	h.typeText("q") // q types into the filter; it does not quit
	if h.quit || len(shownKeys(h.top())) != 0 {
		t.Fatalf("q while filtering: quit=%v rows=%v", h.quit, shownKeys(h.top()))
	}
	if !strings.Contains(h.view(), `no deployment matches "cf-1q"`) {
		t.Fatalf("empty filter result should say so:\n%s", h.view())
	}
	h.keys("backspace", "enter")
	if capturing(h.top()) || len(shownKeys(h.top())) != 2 {
		t.Fatal("enter should keep the filter and leave the input")
	}
	if !strings.Contains(h.line(1), "filter: CF-1") || !strings.Contains(h.line(1), "2 of 12 deployments") {
		t.Fatalf("toolbar = %q", h.line(1))
	}
	h.keys("esc")
	if len(shownKeys(h.top())) != 12 || len(h.m.stack) != 1 {
		t.Fatal("esc should clear the applied filter, not leave the screen")
	}
}

func TestFilterMatchesOtherColumnsAndKeepsTheCursorRow(t *testing.T) {
	h, _ := startedHarness(t, 2, 8, 120, 35)
	h.keys("enter", "G")
	is := h.top().(*instancesScreen)
	last := is.set.keyAt(is.tbl.Cursor())
	h.keys("/")
	h.typeText("router") // instance group
	if got := shownKeys(is); len(got) != 2 || !strings.HasPrefix(got[0], "router/") {
		t.Fatalf("rows for router = %v", got)
	}
	h.keys("ctrl+u")
	h.typeText("10.0.0.1") // IP column
	if got := len(shownKeys(is)); got != 8 {
		t.Fatalf("rows for an IP prefix = %d, want 8", got)
	}
	h.keys("esc")
	if is.set.keyAt(is.tbl.Cursor()) != last {
		t.Fatal("clearing the filter lost the cursor row")
	}
}

func TestSortCyclesColumnsAndReverses(t *testing.T) {
	h, _ := startedHarness(t, 1, 12, 120, 35)
	h.keys("enter")
	is := h.top().(*instancesScreen)
	if got := shownKeys(is); got[0] != "api/00000001" {
		t.Fatalf("default order starts with %v", got[:3])
	}
	h.keys("G", "s") // STATE: worst first, shown from the top
	if is.tbl.Cursor() != 0 || is.tbl.offset != 0 {
		t.Fatalf("after sorting the cursor is at %d (offset %d), want the top", is.tbl.Cursor(), is.tbl.offset)
	}
	first := is.set.at(0).in
	if instanceLook(first) != lookFailing {
		t.Fatalf("sort by state puts %q first, want failing", first.ProcessState)
	}
	if !strings.Contains(h.view(), "STATE↑") || !strings.Contains(h.line(1), "sort state") {
		t.Fatal("the sort column is not marked")
	}
	h.keys("S")
	if instanceLook(is.set.at(0).in) != lookRunning || !strings.Contains(h.view(), "STATE↓") {
		t.Fatal("S should reverse the order")
	}
	for range len(is.tbl.cols) - 1 {
		h.keys("s")
	}
	if is.sortCol != 0 {
		t.Fatalf("s should cycle back to the first column, at %d", is.sortCol)
	}
}

func TestSortByVitalsIsNumeric(t *testing.T) {
	h, _ := startedHarness(t, 1, 12, 120, 35)
	h.keys("enter")
	is := h.top().(*instancesScreen)
	for is.ids[is.sortCol] != instColMem {
		h.keys("s")
	}
	h.keys("S")
	prev := 1000.0
	for i := range is.set.Len() {
		v := is.set.at(i).in.Vitals.Mem.Percent
		if v > prev {
			t.Fatalf("mem%% not descending at row %d: %v after %v", i, v, prev)
		}
		prev = v
	}
}

func TestDrillInAndOut(t *testing.T) {
	h, _ := startedHarness(t, 3, 4, 120, 35)
	h.keys("j", "enter")
	if _, ok := h.top().(*instancesScreen); !ok || h.top().Crumb() != "cf-01" {
		t.Fatalf("enter on cf-01 opened %T %q", h.top(), h.top().Crumb())
	}
	if got := h.line(1); !strings.HasPrefix(got, "deployments › cf-01") {
		t.Fatalf("breadcrumb = %q", got)
	}
	h.keys("enter")
	ps, ok := h.top().(*processesScreen)
	if !ok || ps.in == nil {
		t.Fatalf("enter on an instance opened %T", h.top())
	}
	v := h.view()
	for _, want := range []string{"PROCESS", "bpm", ps.in.Processes[0].Name, "load 0.60", "deployment cf-01"} {
		if !strings.Contains(v, want) {
			t.Fatalf("processes view lacks %q:\n%s", want, v)
		}
	}
	h.keys("esc", "esc")
	if len(h.m.stack) != 1 || h.top().(*deploymentsScreen).tbl.Cursor() != 1 {
		t.Fatal("esc esc should return to deployments with the cursor where it was")
	}
	h.keys("esc")
	if len(h.m.stack) != 1 || h.quit {
		t.Fatal("esc on the last screen must neither pop it nor quit")
	}
}

func TestPaletteJumps(t *testing.T) {
	h, _ := startedHarness(t, 3, 2, 120, 35)
	h.keys(":")
	h.typeText("instances cf-02")
	h.keys("enter")
	if h.top().Crumb() != "cf-02" || len(h.m.stack) != 2 {
		t.Fatalf(":instances cf-02 → %q (stack %d)", h.top().Crumb(), len(h.m.stack))
	}
	h.keys(":")
	h.typeText("inst")
	h.keys("enter")
	if is, ok := h.top().(*instancesScreen); !ok || !is.all() || len(h.m.stack) != 2 {
		t.Fatal(":inst should open all instances on top of deployments")
	}
	if got := len(shownKeys(h.top())); got != 6 {
		t.Fatalf("all instances shows %d rows, want 6", got)
	}
	h.keys(":")
	h.typeText("dep")
	h.keys("enter")
	if _, ok := h.top().(*deploymentsScreen); !ok || len(h.m.stack) != 1 {
		t.Fatal(":dep should go back to deployments")
	}
	h.keys(":")
	h.typeText("q")
	h.keys("enter")
	if !h.quit {
		t.Fatal(":q should quit")
	}
}

func TestPaletteRejectsBadCommands(t *testing.T) {
	h, _ := startedHarness(t, 2, 2, 120, 35)
	cases := map[string]string{
		"instances nope": `no deployment named "nope"`,
		"frobnicate":     `unknown command "frobnicate"`,
		"instances a b":  "usage: :instances [DEPLOYMENT]",
		"deployments x":  "usage: :deployments",
	}
	for line, want := range cases {
		h.keys(":")
		h.typeText(line)
		h.keys("enter")
		if !strings.Contains(h.view(), want) || len(h.m.stack) != 1 || h.quit {
			t.Fatalf(":%s: want %q on the deployments screen:\n%s", line, want, h.view())
		}
	}
	h.keys(":")
	h.typeText("instances")
	h.keys("esc")
	if h.m.palette.active || len(h.m.stack) != 1 {
		t.Fatal("esc should cancel the command line")
	}
}

func TestPaletteCompletesCommandsAndDeployments(t *testing.T) {
	h, _ := startedHarness(t, 12, 1, 120, 35)
	h.keys(":")
	h.typeText("in")
	h.keys("tab")
	if got := h.m.palette.input.Value(); got != "instances " {
		t.Fatalf("tab after \"in\" = %q", got)
	}
	h.typeText("cf-1")
	h.keys("tab")
	if got := h.m.palette.input.Value(); got != "instances cf-1" {
		t.Fatalf("ambiguous tab = %q", got)
	}
	if !strings.Contains(h.view(), "cf-10  cf-11") {
		t.Fatalf("candidates not listed:\n%s", h.view())
	}
	h.typeText("1")
	h.keys("tab")
	if got := h.m.palette.input.Value(); got != "instances cf-11" {
		t.Fatalf("unique tab = %q", got)
	}
	h.keys("enter")
	if h.top().Crumb() != "cf-11" {
		t.Fatalf("completed command opened %q", h.top().Crumb())
	}
}

func TestHelpOverlayIsBuiltFromTheBindings(t *testing.T) {
	h, _ := startedHarness(t, 1, 1, 120, 35)
	ds := h.top().(*deploymentsScreen)
	ds.keys.Sort.SetHelp("s", "order by next column")
	h.keys("?")
	v := h.view()
	for _, group := range append(ds.KeyMap().FullHelp(), h.m.c.keys.FullHelp()...) {
		for _, b := range group {
			if !strings.Contains(v, b.Help().Desc) {
				t.Fatalf("help overlay lacks %q:\n%s", b.Help().Desc, v)
			}
		}
	}
	if !strings.Contains(v, "order by next column") {
		t.Fatal("help did not follow a changed binding")
	}
	h.keys("j") // keys other than close do nothing while help is open
	if !h.m.showHelp || ds.tbl.Cursor() != 0 {
		t.Fatal("help overlay let a key through")
	}
	h.keys("?")
	if h.m.showHelp {
		t.Fatal("? should close help")
	}
	if !strings.Contains(h.line(34), "? help") || !strings.Contains(h.line(34), "enter instances") {
		t.Fatalf("short help = %q", h.line(34))
	}
}

func TestReadOnlyShowsBadgeAndDisablesMutatingActions(t *testing.T) {
	deps, insts := fixture(1, 1)
	h := newHarness(t, Options{Director: newFakeDirector(deps, insts), ReadOnly: true}, 120, 35).start()
	if !strings.Contains(h.line(0), "[RO]") {
		t.Fatalf("header lacks [RO]: %q", h.line(0))
	}
	h2 := newHarness(t, Options{Director: newFakeDirector(deps, insts)}, 120, 35).start()
	if strings.Contains(h2.line(0), "[RO]") {
		t.Fatal("[RO] shown without read-only")
	}

	k := newInstancesKeys(true, false)
	if key.Matches(keyMsg("x"), k.Shell) || !key.Matches(keyMsg("l"), k.Logs) {
		t.Fatal("read-only should disable only the mutating binding")
	}
	for _, b := range bindingsOf(k.FullHelp()) {
		if b.Enabled() && b.Help().Desc == "shell (ssh)" {
			t.Fatal("help in read-only lists the shell")
		}
	}
	if !key.Matches(keyMsg("x"), newInstancesKeys(false, false).Shell) {
		t.Fatal("without read-only the shell key should match")
	}
}

func TestCheckKeysFindsDuplicatesAndShadowing(t *testing.T) {
	if err := checkKeys(DefaultKeyMap()); err != nil {
		t.Fatalf("default key maps: %v", err)
	}
	k := DefaultKeyMap()
	k.Redraw = key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "redraw"))
	err := checkKeys(k)
	if err == nil || !strings.Contains(err.Error(), `root: "?" is bound to both "help" and "redraw"`) {
		t.Fatalf("duplicate not reported: %v", err)
	}
	// A root key rebound onto a screen's key: the screen would take it.
	k = DefaultKeyMap()
	k.Help = key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "help"))
	err = checkKeys(k)
	if err == nil || !strings.Contains(err.Error(), `deployments: "s" (sort column) takes the root's "s" (help) with no override listed`) {
		t.Fatalf("shadowing not reported: %v", err)
	}
	// Modal maps take every key: esc in the filter is no shadowing.
	if strings.Contains(err.Error(), "filter:") {
		t.Fatalf("modal map reported: %v", err)
	}
	// Without esc as back, the fetch's override is stale.
	k = DefaultKeyMap()
	k.Back = key.NewBinding(key.WithKeys("backspace"), key.WithHelp("backspace", "back"))
	err = checkKeys(k)
	if err == nil || !strings.Contains(err.Error(), `override of "esc" on logs fetch is listed but not bound`) {
		t.Fatalf("stale override not reported: %v", err)
	}
}

func TestKeyCheckFailureIsReportedAtStart(t *testing.T) {
	saved := keyOverrides
	keyOverrides = nil
	defer func() { keyOverrides = saved }()
	h := newHarness(t, Options{}, 120, 35)
	if v := h.view(); !strings.Contains(v, "key bindings: logs fetch") {
		t.Fatalf("a failed key check is not reported:\n%s", v)
	}
	if err := Run(Options{}); err == nil || !strings.Contains(err.Error(), "key bindings") {
		t.Fatalf("Run started with a failed key check: %v", err)
	}
}

func TestQuitRedrawAndCtrlC(t *testing.T) {
	h, _ := startedHarness(t, 1, 1, 80, 24)
	_, cmd := h.m.Update(keyMsg("ctrl+l"))
	if cmd == nil {
		t.Fatal("ctrl+l returned no command")
	}
	found := false
	for _, m := range flatten(cmd) {
		if m == tea.ClearScreen() {
			found = true
		}
	}
	if !found {
		t.Fatal("ctrl+l should clear the screen")
	}
	h.keys("/")
	h.keys("ctrl+c")
	if !h.quit {
		t.Fatal("ctrl+c must quit even while typing a filter")
	}
	h2, _ := startedHarness(t, 1, 1, 80, 24)
	h2.keys("q")
	if !h2.quit {
		t.Fatal("q should quit")
	}
}

// flatten runs cmd and returns its messages, expanding batches; timers are
// returned as they are.
func flatten(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, flatten(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

func TestBadStartOptionsAreReported(t *testing.T) {
	cases := []Options{
		{StartScreen: "clusters"},
		{StartDeployment: "cf"},
		{RefreshEvery: -1},
	}
	for _, o := range cases {
		if err := o.Validate(); err == nil {
			t.Fatalf("%+v accepted", o)
		}
		if err := Run(o); err == nil {
			t.Fatalf("Run(%+v) started", o)
		}
		h := newHarness(t, o, 80, 24)
		if _, ok := h.top().(*deploymentsScreen); !ok || !strings.Contains(h.view(), o.Validate().Error()[:20]) {
			t.Fatalf("New(%+v) should start on deployments and say what was wrong:\n%s", o, h.view())
		}
	}
}

func TestStartOnAllInstances(t *testing.T) {
	deps, insts := fixture(2, 2)
	h := newHarness(t, Options{Director: newFakeDirector(deps, insts), StartScreen: StartInstances}, 120, 35).start()
	is, ok := h.top().(*instancesScreen)
	if !ok || !is.all() || is.set.Len() != 4 {
		t.Fatalf("start on all instances: %T", h.top())
	}
	if got := h.line(1); !strings.HasPrefix(got, "deployments › all instances") {
		t.Fatalf("breadcrumb = %q", got)
	}
}

// The optional parts each screen is meant to have: a rename that drops
// one would otherwise pass silently.
var (
	_ storeView = (*deploymentsScreen)(nil)
	_ storeView = (*instancesScreen)(nil)
	_ storeView = (*processesScreen)(nil)
	_ storeView = (*clustersScreen)(nil)
	_ backer    = (*base)(nil)
	_ backer    = (*cckScreen)(nil)
	_ capturer  = (*base)(nil)
	_ capturer  = (*viewer)(nil)
	_ capturer  = (*auditScreen)(nil)
	_ capturer  = (*cckScreen)(nil)
	_ reshown   = (*deploymentsScreen)(nil)
	_ reshown   = (*instancesScreen)(nil)
	_ reshown   = (*clustersScreen)(nil)
	_ reshown   = (*bundlesScreen)(nil)
	_ reshown   = (*eventsScreen)(nil)
	_ closer    = (*base)(nil)
	_ closer    = (*viewer)(nil)
	_ closer    = (*fetchScreen)(nil)
	_ closer    = (*auditScreen)(nil)
	_ closer    = (*cckScreen)(nil)
	_ closer    = (*reportScreen)(nil)
	_ worker    = (*base)(nil)
	_ failer    = (*base)(nil)
	_ dated     = (*pageScreen)(nil)
	_ dated     = (*cckScreen)(nil)
	_ dated     = (*reportScreen)(nil)
)

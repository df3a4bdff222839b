package tui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// screen is one page of the TUI. The router owns a stack of them and hands
// each message to the one on top (or to the one a result is addressed to).
// A screen owns its keys and its actions: KeyMap is what it binds in its
// current mode, and its Update handles those keys and returns commands;
// the router routes, handles the global keys and draws header and footer.
type screen interface {
	id() int
	Init() tea.Cmd
	Update(msg tea.Msg) tea.Cmd
	View() string
	SetSize(w, h int)
	Crumb() string
	KeyMap() help.KeyMap
}

// The optional parts of a screen, found by the router with a type
// assertion on the screen.

// toolbarer has a filter or a note (left) and a row count (right) for the
// toolbar.
type toolbarer interface{ Toolbar() (left, right string) }

// storeView is a screen built from the shared store: the router rebuilds
// its rows when the store moves.
type storeView interface {
	Reload()       // the store changed: rebuild rows
	seen() int     // the store version rows were last built from
	rowCount() int // rows held, to decide whether rebuilds are batched
}

// capturer has a text field (or a modal) that takes every key.
type capturer interface{ Capturing() bool }

// backer uses esc itself (to clear its filter, close a confirmation) when
// Back says so; else the router pops it.
type backer interface{ Back() bool }

// reshown has something to do when it is back on top of the stack.
type reshown interface{ Shown() tea.Cmd }

// closer has work to cancel when it is popped.
type closer interface{ Close() }

// worker has work in flight to name in the footer.
type worker interface{ Progress() string }

// failer has an error for the footer.
type failer interface{ Err() error }

// dated says how old its rows are: at, whether they are live, and whether
// anything is known at all.
type dated interface {
	DataAge() (at time.Time, live, known bool)
}

func toolbarOf(s screen) (string, string) {
	if t, ok := s.(toolbarer); ok {
		return t.Toolbar()
	}
	return "", ""
}

func capturing(s screen) bool {
	c, ok := s.(capturer)
	return ok && c.Capturing()
}

func progressOf(s screen) string {
	if w, ok := s.(worker); ok {
		return w.Progress()
	}
	return ""
}

func errOf(s screen) error {
	if f, ok := s.(failer); ok {
		return f.Err()
	}
	return nil
}

func dataAge(s screen) (at time.Time, live, known bool) {
	if d, ok := s.(dated); ok {
		return d.DataAge()
	}
	return time.Time{}, false, false
}

func closeScreen(s screen) {
	if c, ok := s.(closer); ok {
		c.Close()
	}
}

// lister is the part of a rowSet the shared screen code needs.
type lister interface {
	setFilter(string)
	setSort(col int, desc bool)
	Len() int
	keyAt(int) string
	find(string) int
}

// base is what the list screens share: identity, fetch jobs, the table and
// the filter input.
type base struct {
	c         *common
	sid       int
	list      job // cheap listing
	det       job // details sweep
	tbl       *table
	rows      lister
	input     lineInput
	inputKeys inputKeys // the filter's keys while it is typed
	editing   bool
	ver       int
	sortCol   int
	desc      bool
	width     int
}

func newBase(c *common, cols []column) base {
	in := lineInput{prompt: "/", placeholder: "filter"}
	return base{
		c: c, sid: c.newID(), tbl: newTable(cols, &c.styles), input: in,
		inputKeys: filterKeys(),
		list:      job{label: "refreshing"}, det: job{label: "fetching details"},
	}
}

func (b *base) id() int         { return b.sid }
func (b *base) seen() int       { return b.ver }
func (b *base) rowCount() int   { return b.rows.Len() }
func (b *base) Capturing() bool { return b.editing }
func (b *base) isTop() bool     { return b.c.activeID == b.sid }

// SetSize gives the table the body's size.
func (b *base) SetSize(w, h int) {
	b.width = w
	b.tbl.SetSize(w, h)
}

// keep runs change and puts the cursor back on the row it was on.
func (b *base) keep(change func()) {
	k := b.rows.keyAt(b.tbl.Cursor())
	change()
	b.tbl.SetLen(b.rows.Len())
	if pos := b.rows.find(k); pos >= 0 {
		b.tbl.MoveTo(pos)
	}
}

// keysFor is the screen's key map: the filter's keys while it is typed,
// else normal.
func (b *base) keysFor(normal help.KeyMap) help.KeyMap {
	if b.editing {
		return b.inputKeys
	}
	return normal
}

// handleKey does what every list screen does with a key: move, filter,
// sort, refresh. refresh is the screen's on-demand fetch.
func (b *base) handleKey(msg tea.KeyMsg, k listKeys, refresh func() tea.Cmd) tea.Cmd {
	if b.editing {
		return b.handleFilterKey(msg)
	}
	switch {
	case b.tbl.HandleKey(msg, k.navKeys):
	case key.Matches(msg, k.Filter):
		b.editing = true
		b.input.Focus()
	case key.Matches(msg, k.Sort):
		b.sortCol = (b.sortCol + 1) % len(b.tbl.cols)
		b.applySort()
	case key.Matches(msg, k.SortReverse):
		b.desc = !b.desc
		b.applySort()
	case key.Matches(msg, k.ColsLeft):
		b.tbl.ScrollCols(-1)
	case key.Matches(msg, k.ColsRight):
		if !b.tbl.ScrollCols(1) {
			return status("every column is on screen", false)
		}
	case key.Matches(msg, k.Refresh):
		if !b.c.online() {
			return status("offline: showing the cache only", false)
		}
		if cmd := refresh(); cmd != nil {
			return tea.Batch(cmd, wantInfo)
		}
		return tea.Batch(status("a refresh is already running", false), wantInfo)
	}
	return nil
}

// applySort re-sorts and shows the top of the new order: sorting is how one
// asks for the worst (or busiest) rows first.
func (b *base) applySort() {
	b.tbl.sortCol, b.tbl.sortDesc = b.sortCol, b.desc
	b.tbl.layout() // the sorted column is always shown
	b.rows.setSort(b.sortCol, b.desc)
	b.tbl.SetLen(b.rows.Len())
	b.tbl.MoveTo(0)
}

// handleFilterKey edits the filter; rows are filtered as it changes.
func (b *base) handleFilterKey(msg tea.KeyMsg) tea.Cmd {
	k := b.inputKeys
	switch {
	case key.Matches(msg, k.Accept):
		b.editing = false
		b.input.Blur()
		return nil
	case key.Matches(msg, k.Cancel):
		b.clearFilter()
		return nil
	}
	before := b.input.Value()
	b.input.Update(msg)
	if v := b.input.Value(); v != before {
		b.keep(func() { b.rows.setFilter(v) })
	}
	return nil
}

func (b *base) clearFilter() {
	b.editing = false
	b.input.Blur()
	b.input.SetValue("")
	b.keep(func() { b.rows.setFilter("") })
}

// Back clears an applied filter; with none it lets the router pop.
func (b *base) Back() bool {
	if b.editing || b.input.Value() != "" {
		b.clearFilter()
		return true
	}
	return false
}

// filterView is the toolbar's left part: the input while editing, else the
// applied filter.
func (b *base) filterView() string {
	if b.editing {
		return b.input.View(max(b.width/2, 12), b.c.styles.selected)
	}
	if v := b.input.Value(); v != "" {
		return "filter: " + v
	}
	return ""
}

// shownOf is the toolbar's count: "12 of 340 deployments".
func (b *base) shownOf(total int, one, many string) string {
	n := b.rows.Len()
	noun := many
	if total == 1 {
		noun = one
	}
	if n != total {
		return count(n) + " of " + count(total) + " " + noun
	}
	return count(n) + " " + noun
}

// startTicks begins the screen's refresh and details tick chains.
func (b *base) startTicks() tea.Cmd {
	if !b.c.online() {
		return nil
	}
	return tea.Batch(
		b.c.schedule(b.c.opts.RefreshEvery, refreshTickMsg{screen: b.sid}),
		b.c.schedule(b.c.opts.DetailsEvery, detailsTickMsg{screen: b.sid}),
	)
}

// onRefreshTick starts the cheap listing unless one is in flight or the
// screen is not on top, then schedules the next tick (later after failures).
func (b *base) onRefreshTick(start func() tea.Cmd) tea.Cmd {
	var cmd tea.Cmd
	if b.isTop() && !b.list.busy {
		cmd = start()
	}
	next := b.c.schedule(b.list.backoff(b.c.opts.RefreshEvery), refreshTickMsg{screen: b.sid})
	return tea.Batch(cmd, next)
}

// onDetailsTick does the same for the details sweep.
func (b *base) onDetailsTick(start func() tea.Cmd) tea.Cmd {
	var cmd tea.Cmd
	if b.isTop() && !b.det.busy {
		cmd = start()
	}
	return tea.Batch(cmd, b.c.schedule(b.c.opts.DetailsEvery, detailsTickMsg{screen: b.sid}))
}

// dueForDetails keeps the deployments whose live details are older than
// the details interval (or missing).
func (b *base) dueForDetails(deps []string) []string {
	out := make([]string, 0, len(deps))
	for _, d := range deps {
		r := b.c.store.rows(d)
		if r == nil || r.detailsAt.IsZero() || b.c.now().Sub(r.detailsAt) >= b.c.opts.DetailsEvery {
			out = append(out, d)
		}
	}
	return out
}

// sweepDetails starts the details sweep over deps. Without force,
// deployments whose details are fresh, or that another sweep already asked
// for, are left out. It returns nil when offline, when a sweep is in
// flight or when nothing is left to ask.
func (b *base) sweepDetails(deps []string, force bool) tea.Cmd {
	if !b.c.online() || b.det.busy {
		return nil
	}
	if !force {
		deps = b.dueForDetails(deps)
	}
	deps = b.c.store.claim(deps, force)
	if len(deps) == 0 {
		return nil
	}
	ctx, gen := b.det.start(len(deps))
	b.det.owed = make(map[string]bool, len(deps))
	for _, d := range deps {
		b.det.owed[d] = true
	}
	return sweep(ctx, b.c.opts.Director.InstanceDetails, deps, true, b.c.opts.Now, b.sid, gen)
}

// sweepListing runs the cheap listing over deps as part of the list job's
// current generation.
func (b *base) sweepListing(deps []string) tea.Cmd {
	b.list.total = len(deps)
	b.list.done = 0
	if len(deps) == 0 {
		b.list.finish(b.c.now())
		return nil
	}
	return sweep(b.list.ctx, b.c.opts.Director.Instances, deps, false, b.c.opts.Now, b.sid, b.list.gen)
}

// onInstances takes one deployment's result of a sweep: it stores the rows,
// writes them to the cache and waits for the next result. Results of an
// older generation are dropped.
func (b *base) onInstances(m instancesLoadedMsg) tea.Cmd {
	j := &b.list
	if m.details {
		j = &b.det
	}
	if !j.current(m.gen) {
		return nil
	}
	j.done++
	if m.details {
		delete(j.owed, m.dep)
		b.c.store.release(m.dep)
	}
	var save tea.Cmd
	st := b.c.store
	switch {
	case errors.Is(m.err, context.Canceled):
	case m.err != nil && m.details:
		j.err = fmt.Errorf("details of %s: %w", m.dep, m.err)
	case m.err != nil:
		j.err = fmt.Errorf("instances of %s: %w", m.dep, m.err)
		b.c.noteDirector(m.err)
	case m.details:
		st.setDetails(m.dep, m.insts, m.at)
		save = saveInstances(b.c.opts.Cache, b.c.saveKey(), m.dep, st.rows(m.dep).rows, m.at)
	default:
		rows := st.setListing(m.dep, m.insts, m.at)
		b.c.noteDirector(nil)
		save = saveInstances(b.c.opts.Cache, b.c.saveKey(), m.dep, rows, m.at)
	}
	if j.done >= j.total {
		j.finish(b.c.now())
		return save
	}
	return tea.Batch(save, m.next)
}

// Close cancels the screen's work and gives back its claims.
func (b *base) Close() {
	b.list.stop()
	b.c.store.release(b.det.stop()...)
}

// Progress is the footer text for the screen's work in flight.
func (b *base) Progress() string {
	if p := b.det.progress(); p != "" {
		return p
	}
	return b.list.progress()
}

// Err is the screen's latest fetch error.
func (b *base) Err() error {
	if b.list.err != nil {
		return b.list.err
	}
	return b.det.err
}

// stale says whether the screen's listing is due.
func (b *base) stale(at time.Time) bool {
	return b.c.now().Sub(at) >= b.c.opts.RefreshEvery
}

// status shows a transient footer line.
func status(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return statusMsg{text: text, err: isErr} }
}

// wantInfo asks the router to try the director's /info again if it has
// not answered yet: an asked-for refresh is the moment to retry it.
func wantInfo() tea.Msg { return infoWantedMsg{} }

// noteListErr tells the header how the director answered a listing and
// keeps its error for the footer; a cancelled fetch is no error.
func (b *base) noteListErr(err error) {
	b.c.noteDirector(err)
	if err != nil && !errors.Is(err, context.Canceled) {
		b.list.err = err
	}
}

// listFailed ends the listing fetch when it failed, and says so.
func (b *base) listFailed(err error) bool {
	b.noteListErr(err)
	if err == nil {
		return false
	}
	b.list.finish(b.c.now())
	return true
}

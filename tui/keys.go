package tui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// KeyMap holds the root's keys: the ones that mean the same on every
// screen. Each screen owns the rest in a key map of its own, matched with
// key.Matches in its Update and shown by the footer and the `?` overlay,
// so help cannot drift from behaviour. A disabled binding neither matches
// nor shows in help.
type KeyMap struct {
	Back    key.Binding
	Palette key.Binding
	Help    key.Binding
	Redraw  key.Binding
	Quit    key.Binding
}

// DefaultKeyMap returns the root's default bindings (k9s/lazygit muscle
// memory).
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Palette: key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "command")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Redraw:  key.NewBinding(key.WithKeys("ctrl+l"), key.WithHelp("ctrl+l", "redraw")),
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp is the root's part of the footer, after the screen's.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Back, k.Palette, k.Help, k.Quit}
}

// FullHelp is the root's column of the `?` overlay.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Back, k.Palette, k.Help, k.Redraw, k.Quit}}
}

// bindings are the root's keys, for the check at start.
func (k KeyMap) bindings() []key.Binding {
	return []key.Binding{k.Back, k.Palette, k.Help, k.Redraw, k.Quit}
}

// navKeys move a cursor or a view: tables, the cloud-check problems, the
// log viewer.
type navKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
}

func defaultNavKeys() navKeys {
	return navKeys{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f", " "), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first row")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last row")),
	}
}

func (k navKeys) column() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
}

// listKeys are what every list screen binds: move, open the row, filter,
// sort and refresh.
type listKeys struct {
	navKeys
	Open        key.Binding // enter: what it opens is the screen's
	Filter      key.Binding
	Sort        key.Binding
	SortReverse key.Binding
	Refresh     key.Binding
	ColsLeft    key.Binding // scroll the columns: the ones dropped at
	ColsRight   key.Binding // this width come into view
}

// defaultListKeys are the list keys; open says what enter opens ("" when
// it opens nothing: the binding is then absent). An absent binding is the
// zero key.Binding: no keys, never matches, never shown.
func defaultListKeys(open string) listKeys {
	k := listKeys{
		navKeys:     defaultNavKeys(),
		Open:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", open)),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Sort:        key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort column")),
		SortReverse: key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "reverse sort")),
		Refresh:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		ColsLeft:    key.NewBinding(key.WithKeys("<", "shift+left"), key.WithHelp("<", "columns left")),
		ColsRight:   key.NewBinding(key.WithKeys(">", "shift+right"), key.WithHelp(">", "columns right")),
	}
	if open == "" {
		k.Open = key.Binding{}
	}
	return k
}

func (k listKeys) short() []key.Binding {
	return []key.Binding{k.Open, k.Filter, k.Sort, k.Refresh}
}

func (k listKeys) full() [][]key.Binding {
	return [][]key.Binding{k.navKeys.column(), {k.Open, k.Filter, k.Sort, k.SortReverse, k.Refresh, k.ColsLeft, k.ColsRight}}
}

// inputKeys are the keys of a one-line field while it has the keyboard:
// the filter, the viewer's search, the command line.
type inputKeys struct {
	Complete key.Binding
	Accept   key.Binding
	Cancel   key.Binding
}

func newInputKeys(accept, cancel string) inputKeys {
	k := inputKeys{
		Complete: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete")),
		Accept:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", accept)),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", cancel)),
	}
	k.Complete.SetEnabled(false)
	return k
}

func (k inputKeys) ShortHelp() []key.Binding  { return []key.Binding{k.Complete, k.Accept, k.Cancel} }
func (k inputKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// filterKeys are a list's filter field's keys.
func filterKeys() inputKeys { return newInputKeys("keep filter", "clear filter") }

// searchKeys are the log viewer's search field's keys.
func searchKeys() inputKeys { return newInputKeys("search", "cancel") }

// confirmKeys answer a y/N confirmation.
type confirmKeys struct {
	Yes key.Binding
	No  key.Binding
}

func (k confirmKeys) ShortHelp() []key.Binding  { return []key.Binding{k.Yes, k.No} }
func (k confirmKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// nameKeys are the keys of a typed-name confirmation (confirm_name.go).
type nameKeys struct {
	Apply  key.Binding
	Cancel key.Binding
}

func defaultNameKeys() nameKeys {
	return nameKeys{
		Apply:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply if the name matches")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

func (k nameKeys) ShortHelp() []key.Binding  { return []key.Binding{k.Apply, k.Cancel} }
func (k nameKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// keyList is a key map of a few bindings, for modes with a handful of
// keys.
type keyList []key.Binding

func (k keyList) ShortHelp() []key.Binding  { return k }
func (k keyList) FullHelp() [][]key.Binding { return [][]key.Binding{k} }

// mutating marks a binding that changes the foundation (or opens a
// session on a VM): read-only mode disables it, so it neither matches nor
// shows in help.
func mutating(b key.Binding, readOnly bool) key.Binding {
	b.SetEnabled(!readOnly)
	return b
}

// matchesAny says whether msg is one of the enabled bindings of km.
func matchesAny(km help.KeyMap, msg tea.KeyMsg) bool {
	for _, group := range km.FullHelp() {
		if key.Matches(msg, group...) {
			return true
		}
	}
	return false
}

// disabledFor is the disabled binding of km that has msg's key, if any:
// an action switched off in read-only mode (absent bindings have no keys).
func disabledFor(km help.KeyMap, msg tea.KeyMsg) (key.Binding, bool) {
	for _, group := range km.FullHelp() {
		for _, b := range group {
			if b.Enabled() {
				continue
			}
			for _, k := range b.Keys() {
				if k == msg.String() {
					return b, true
				}
			}
		}
	}
	return key.Binding{}, false
}

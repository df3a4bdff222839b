package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
)

// KeyMap holds every key binding of the TUI. Update matches on these very
// bindings and the help views are built from them, so help cannot drift from
// behaviour. A disabled binding neither matches nor shows in help.
type KeyMap struct {
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding

	Enter       key.Binding
	Back        key.Binding
	Filter      key.Binding
	Sort        key.Binding
	SortReverse key.Binding
	Refresh     key.Binding

	Palette  key.Binding
	Complete key.Binding
	Help     key.Binding
	Redraw   key.Binding
	Quit     key.Binding

	// Actions are screen actions added by later screens. The mutating ones
	// (anything that changes the foundation) are disabled in read-only mode.
	Actions []Action
}

// Action is a binding for a screen action, marked when it changes the
// foundation.
type Action struct {
	Binding  key.Binding
	Mutating bool
}

// DefaultKeyMap returns the default bindings (k9s/lazygit muscle memory).
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f", " "), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first row")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last row")),

		Enter:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Sort:        key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort column")),
		SortReverse: key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "reverse sort")),
		Refresh:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),

		Palette:  key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "command")),
		Complete: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Redraw:   key.NewBinding(key.WithKeys("ctrl+l"), key.WithHelp("ctrl+l", "redraw")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// SetReadOnly disables (or enables again) every mutating action.
func (k *KeyMap) SetReadOnly(ro bool) {
	for i := range k.Actions {
		if k.Actions[i].Mutating {
			k.Actions[i].Binding.SetEnabled(!ro)
		}
	}
}

// ShortHelp is the footer's one-line help.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Enter, k.Back, k.Filter, k.Sort, k.Refresh, k.Palette, k.Help, k.Quit}
}

// FullHelp is the `?` overlay: navigation, view, app and actions columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	groups := [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Enter, k.Back, k.Filter, k.Sort, k.SortReverse, k.Refresh},
		{k.Palette, k.Complete, k.Help, k.Redraw, k.Quit},
	}
	var actions []key.Binding
	for _, a := range k.Actions {
		if a.Binding.Enabled() {
			actions = append(actions, a.Binding)
		}
	}
	if len(actions) > 0 {
		groups = append(groups, actions)
	}
	return groups
}

// global returns the bindings that are active in normal mode, for the
// duplicate check.
func (k KeyMap) global() []key.Binding {
	out := []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom,
		k.Enter, k.Back, k.Filter, k.Sort, k.SortReverse, k.Refresh,
		k.Palette, k.Help, k.Redraw, k.Quit}
	for _, a := range k.Actions {
		out = append(out, a.Binding)
	}
	return out
}

// Validate refuses a key map where one key is bound to two actions, so a
// rebinding mistake is caught at start-up rather than at 3 a.m.
func (k KeyMap) Validate() error {
	owner := map[string]string{}
	var dups []string
	for _, b := range k.global() {
		if !b.Enabled() {
			continue
		}
		for _, ks := range b.Keys() {
			name := b.Help().Desc
			if prev, ok := owner[ks]; ok {
				dups = append(dups, fmt.Sprintf("%q is bound to both %q and %q", ks, prev, name))
				continue
			}
			owner[ks] = name
		}
	}
	if len(dups) > 0 {
		return fmt.Errorf("key bindings: %s", strings.Join(dups, "; "))
	}
	return nil
}

// withHelp returns a copy of b with another description, for screens where a
// shared key means something more specific ("enter" → "instances").
func withHelp(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

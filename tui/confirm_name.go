package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// nameVerdict is what a key did to a typed-name confirmation.
type nameVerdict int

const (
	namePending  nameVerdict = iota // still typing
	nameMatched                     // enter on the exact name: apply
	nameWrong                       // enter on anything else: refuse
	nameCanceled                    // esc
)

// nameConfirm asks the operator to type a cluster or deployment name
// exactly before a mutating action in an environment marked production
// (Options.Production).
type nameConfirm struct {
	want string
	in   lineInput
	keys nameKeys
}

func newNameConfirm(want string) *nameConfirm {
	n := &nameConfirm{want: want, in: lineInput{prompt: "type " + want + " to confirm: "}, keys: defaultNameKeys()}
	n.in.Focus()
	return n
}

// key feeds one key press: enter decides, esc cancels, the rest edits.
func (n *nameConfirm) key(m tea.KeyMsg) nameVerdict {
	switch {
	case key.Matches(m, n.keys.Apply):
		if n.in.Value() == n.want {
			return nameMatched
		}
		return nameWrong
	case key.Matches(m, n.keys.Cancel):
		return nameCanceled
	}
	n.in.Update(m)
	return namePending
}

// typed is the text so far.
func (n *nameConfirm) typed() string { return n.in.Value() }

func (n *nameConfirm) View(width int, p paint) string { return n.in.View(width, p) }

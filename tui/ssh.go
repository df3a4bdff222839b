package tui

import (
	"io"

	"errors"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

// ShellOpener opens an interactive shell on an instance through the
// director's SSH setup. The TUI releases the terminal while the returned
// command runs and takes it back afterwards, on the same screen.
type ShellOpener interface {
	// Shell is the command for instance ("group/uuid") of dep.
	Shell(dep, instance string) ShellCommand
}

// ShellCommand is a program run while the TUI has released the terminal
// (tea.ExecCommand, declared here so that its makers need no bubbletea).
type ShellCommand interface {
	Run() error
	SetStdin(io.Reader)
	SetStdout(io.Writer)
	SetStderr(io.Writer)
}

// shellKey is x on the instance screens: a shell on the instance under
// the cursor. `s` stays sort, as on every list screen. The session
// creates a user on the VM, so the key is hidden in read-only mode.
var shellKey = key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "shell (ssh)"))

// shellActions lists the shell key among the screen actions.
func shellActions() []Action { return []Action{{Binding: shellKey, Mutating: true}} }

// shellDoneMsg comes when the shell has ended and the TUI is back.
type shellDoneMsg struct {
	instance string
	err      error
}

// sshKey handles x on the instances and processes screens.
func (m *Model) sshKey(t screen, msg tea.KeyMsg) (tea.Cmd, bool) {
	if !key.Matches(msg, m.c.shellBinding()) {
		return nil, false
	}
	var in *bosh.Instance
	switch s := t.(type) {
	case *instancesScreen:
		if s.editing {
			return nil, false
		}
		if s.set.Len() > 0 {
			in = s.set.at(s.tbl.Cursor()).in
		}
	case *processesScreen:
		in = s.in
	default:
		return nil, false
	}
	switch {
	case in == nil:
		return status("no instance selected", true), true
	case m.c.opts.Shell == nil || !m.c.online():
		return status("offline: a shell needs the director", true), true
	case in.VMCID == "" && in.ProcessState == "":
		return status(in.Name+" has no VM", true), true
	}
	name := instanceGroup(in) + "/" + instanceKeyID(in)
	cmd := m.c.opts.Shell.Shell(in.Deployment, name)
	return tea.Exec(cmd, func(err error) tea.Msg { return shellDoneMsg{instance: name, err: err} }), true
}

// onShellDone reports how the shell ended.
func onShellDone(msg shellDoneMsg) tea.Cmd {
	var exit interface{ ExitCode() int }
	switch {
	case msg.err == nil:
		return status("shell on "+msg.instance+" closed", false)
	case errors.As(msg.err, &exit):
		return status(fmt.Sprintf("shell on %s ended with exit %d", msg.instance, exit.ExitCode()), exit.ExitCode() != 0)
	}
	return status("shell on "+msg.instance+": "+msg.err.Error(), true)
}

// shellBinding is the shell key as it stands in the key map: disabled in
// read-only mode, and absent (disabled) when the map has no such action.
func (c *common) shellBinding() key.Binding {
	for _, a := range c.keys.Actions {
		if a.Binding.Help() == shellKey.Help() {
			return a.Binding
		}
	}
	off := shellKey
	off.SetEnabled(false)
	return off
}

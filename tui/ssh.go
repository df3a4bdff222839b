package tui

import (
	"io"

	"errors"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
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
// creates a user on the VM, so the screens disable the key in read-only
// mode.
func shellKey() key.Binding {
	return key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "shell (ssh)"))
}

// shellDoneMsg comes when the shell has ended and the TUI is back.
type shellDoneMsg struct {
	instance string
	err      error
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

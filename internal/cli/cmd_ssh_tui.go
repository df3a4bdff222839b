package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

// tuiShell opens shells for the TUI's shell key with the gateway settings
// of the environment (BOSH_GW_*, BOSH_ALL_PROXY).
type tuiShell struct{ s *session }

func (t tuiShell) Shell(dep, instance string) tea.ExecCommand {
	return &shellExec{s: t.s, dep: dep, instance: instance, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
}

// shellExec is one interactive shell, run while the TUI has released the
// terminal.
type shellExec struct {
	s              *session
	dep, instance  string
	stdin          io.Reader
	stdout, stderr io.Writer
}

func (e *shellExec) SetStdin(r io.Reader)  { e.stdin = r }
func (e *shellExec) SetStdout(w io.Writer) { e.stdout = w }
func (e *shellExec) SetStderr(w io.Writer) { e.stderr = w }

// shellExit is a shell that ended with a non-zero code.
type shellExit int

func (c shellExit) Error() string { return fmt.Sprintf("exit %d", int(c)) }
func (c shellExit) ExitCode() int { return int(c) }

func (e *shellExec) Run() error {
	target, err := bosh.ParseSSHTarget(e.dep, e.instance)
	if err != nil {
		return err
	}
	var gf gatewayFlags
	opts, err := gf.sshOptions(e.s, e.stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "bosun: setting up SSH on %s %s through the director…\r\n", e.dep, e.instance)
	sess, err := e.s.Client.SetUpSSH(context.Background(), target, opts)
	if err != nil {
		return err
	}
	defer sess.Close()
	code, err := sess.Shell(context.Background(), sess.Hosts[0], e.stdin, e.stdout, e.stderr)
	if err != nil {
		return err
	}
	if code != 0 {
		return shellExit(code)
	}
	return nil
}

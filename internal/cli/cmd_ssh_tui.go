package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"bosun/bosh"
	"bosun/tui"
)

// tuiShell opens shells for the TUI's shell key with the gateway settings
// of the environment (BOSH_GW_*, BOSH_ALL_PROXY).
type tuiShell struct{ s *session }

func (t tuiShell) Shell(dep, instance string) tui.ShellCommand {
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
	code, err := e.s.RunSSH(context.Background(), target, "", opts, func(ctx context.Context, sess *bosh.SSHSession) (int, error) {
		return sess.Shell(ctx, sess.Hosts[0], e.stdin, e.stdout, e.stderr)
	})
	if err != nil {
		return err
	}
	if code != 0 {
		return shellExit(code)
	}
	return nil
}

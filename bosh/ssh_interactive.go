package bosh

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/muesli/cancelreader"
	"golang.org/x/crypto/ssh"
	"golang.org/x/term"
)

// Shell opens an interactive login shell on h. When in is a terminal it
// is put in raw mode for the session and restored afterwards, a PTY of
// its size is requested, and window resizes are passed on. It returns the
// remote shell's exit code.
func (s *SSHSession) Shell(ctx context.Context, h SSHHost, in io.Reader, out, errOut io.Writer) (int, error) {
	c, err := s.Connect(ctx, h)
	if err != nil {
		return ExitMissing, err
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		return ExitMissing, err
	}
	defer sess.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()

	fd := -1
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fd = int(f.Fd())
	}
	if fd >= 0 {
		w, hgt, err := term.GetSize(fd)
		if err != nil {
			w, hgt = 80, 24
		}
		termName := os.Getenv("TERM")
		if termName == "" {
			termName = "xterm-256color"
		}
		modes := ssh.TerminalModes{ssh.ECHO: 1, ssh.TTY_OP_ISPEED: 14400, ssh.TTY_OP_OSPEED: 14400}
		if err := sess.RequestPty(termName, hgt, w, modes); err != nil {
			return ExitMissing, err
		}
		old, err := term.MakeRaw(fd)
		if err != nil {
			return ExitMissing, err
		}
		defer term.Restore(fd, old)
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, syscall.SIGWINCH)
		defer signal.Stop(winch)
		done := make(chan struct{})
		defer close(done)
		go func() {
			for {
				select {
				case <-winch:
					if w, hgt, err := term.GetSize(fd); err == nil {
						sess.WindowChange(hgt, w)
					}
				case <-done:
					return
				}
			}
		}()
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		return ExitMissing, err
	}
	if out != nil && out == errOut {
		out = &lockedWriter{w: out}
		errOut = out
	}
	sess.Stdout, sess.Stderr = out, errOut
	if err := sess.Shell(); err != nil {
		return ExitMissing, err
	}
	// The input copy is cancelled when the shell ends, so that no read is
	// left pending on the terminal to swallow the caller's next keystroke.
	cr, err := cancelreader.NewReader(in)
	if err != nil {
		return ExitMissing, err
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		io.Copy(stdin, cr)
		stdin.Close()
	}()
	err = sess.Wait()
	cr.Cancel()
	<-copied
	cr.Close()
	return exitCode(ctx, err)
}
